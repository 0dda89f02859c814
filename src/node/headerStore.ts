/**
 * The facts of headers kept on disk between processes (HeaderHost.loadFacts/saveFacts): a language
 * server started again on the same driver, or the next `dma-scope check` of a tree, reads what an
 * earlier process found in each header instead of parsing it again (a 200 KB driver includes ~36
 * headers: ~40 ms of its first check).
 *
 * One file per content key, `<cache dir>/headers/<build>/<key>.v8` (a DiskStore) (v8.serialize: the facts hold Maps).
 * `<build>` identifies the running bundle file, so a new build of the analysis never reads another's facts;
 * the folders of older builds are removed (the newest few stay). Bounded by a file count; writes go to a
 * temporary file renamed into place (processes may share the folder). Facts are plain data checked for
 * shape by the collector; any read or write failure is a miss.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import type { HeaderFacts, HeaderHost } from '../analysis/headers/types';
import { codeCacheDir } from './codeCache';

/** Files one build keeps (a whole kernel tree's checks read ~10,000 headers; a few KB each). */
const MAX_FILES = 20_000;
/** Build folders kept besides the current one (the CLI bundle and its workers' bundle are two builds). */
const KEEP_BUILDS = 3;

export type FactsStore = Required<Pick<HeaderHost, 'loadFacts' | 'saveFacts'>>;

/**
 * Values kept on disk, one v8-serialised file per key under `<root>/<kind>/<build>/` (header facts, the
 * driver records of `dma-scope kbuild`). Bounded by a file count; temporary file renamed into place.
 */
export class DiskStore<T> {
  private readonly dir: string;
  private files: number | undefined;

  constructor(root: string, kind: string, build: string, private readonly maxFiles = MAX_FILES) {
    this.dir = path.join(root, kind, build);
  }

  private fileOf(key: string): string {
    return path.join(this.dir, `${key.replace(/[^\w.-]/g, '_')}.v8`);
  }

  load(key: string): T | undefined {
    try {
      return v8.deserialize(fs.readFileSync(this.fileOf(key))) as T;
    } catch {
      return undefined; // not stored yet, or unreadable
    }
  }

  save(key: string, value: T): void {
    if (this.files === undefined) this.files = this.open();
    if (this.files >= this.maxFiles) return;
    const file = this.fileOf(key);
    const tmp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(tmp, v8.serialize(value));
      fs.renameSync(tmp, file);
      this.files++;
    } catch {
      fs.rmSync(tmp, { force: true });
    }
  }

  /** Creates this build's folder, removes older builds' folders, and counts the files already kept. */
  private open(): number {
    try {
      fs.mkdirSync(this.dir, { recursive: true });
      const parent = path.dirname(this.dir);
      const others = fs
        .readdirSync(parent)
        .filter((n) => n !== path.basename(this.dir))
        .map((n) => ({ n, t: fs.statSync(path.join(parent, n)).mtimeMs }))
        .sort((a, b) => b.t - a.t);
      for (const o of others.slice(KEEP_BUILDS)) fs.rmSync(path.join(parent, o.n), { recursive: true, force: true });
      return fs.readdirSync(this.dir).length;
    } catch {
      return this.maxFiles; // no folder: store nothing
    }
  }
}

export class DiskFactsStore implements FactsStore {
  private readonly store: DiskStore<HeaderFacts>;

  constructor(root: string, build: string, maxFiles = MAX_FILES) {
    this.store = new DiskStore(root, 'headers', build, maxFiles);
  }

  loadFacts(key: string): HeaderFacts | undefined {
    return this.store.load(key);
  }

  saveFacts(key: string, facts: HeaderFacts): void {
    this.store.save(key, facts);
  }
}

/**
 * The store of the running bundle (dist/*.js), or undefined: when not bundled (the compiled tests, whose
 * analysis code may change without the file holding this function changing) or with
 * DMA_SCOPE_DISK_CACHE=0. The build id is the bundle file's identity (size, modification time, inode):
 * every build writes the file anew, and unlike a hash of its 1.5 MB it costs nothing at start (the
 * worst a reused identity could do is serve facts of an older analysis; the code cache, where a mix-up
 * would run wrong code, hashes the bytes).
 */
export function bundleFactsStore(env: NodeJS.ProcessEnv = process.env): FactsStore | undefined {
  const build = bundleBuild(env);
  return build ? new DiskFactsStore(codeCacheDir(env), build) : undefined;
}

/** The store of values of one kind for the running bundle (see bundleFactsStore), or undefined. */
export function bundleStore<T>(kind: string, env: NodeJS.ProcessEnv = process.env): DiskStore<T> | undefined {
  const build = bundleBuild(env);
  return build ? new DiskStore<T>(codeCacheDir(env), kind, build) : undefined;
}

function bundleBuild(env: NodeJS.ProcessEnv): string | undefined {
  if (process.env.DMA_SCOPE_BUNDLED !== '1' || env.DMA_SCOPE_DISK_CACHE === '0') return undefined;
  try {
    const st = fs.statSync(__filename);
    return crypto.createHash('sha1').update(`${__filename}\0${st.size}\0${st.mtimeMs}\0${st.ino}`).digest('hex').slice(0, 16);
  } catch {
    return undefined;
  }
}
