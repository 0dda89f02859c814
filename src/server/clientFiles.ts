/**
 * Files read through the client, for a server that cannot read them itself (the web worker): the
 * client serves the `dmaScope/readFile` request (VS Code for the Web with vscode.workspace.fs, see
 * src/extension/languageClient.web.ts) when it says so in initializationOptions (`readFiles: true`).
 *
 * Before each check of a document the server fetches what the check reads synchronously:
 * - the `.dma-scope.json` of the document's folder and of every folder above it, up to its workspace
 *   folder, merged as the Node host's ConfigLoader merges them;
 * - the driver's own `#include "…"` headers, transitively (bounded), which the analysis session reads
 *   through `headerHost` below (a map of what was fetched; nothing else exists for it, so `<…>`
 *   kernel headers stay unresolved, as for a file outside a kernel tree).
 * Paths are URI paths ('/'-separated) of the document's scheme and authority.
 */
import type { Connection } from 'vscode-languageserver';
import { MAX_MODULE_DEPTH } from '../analysis/driverIndex/kbuildModule';
import { CONFIG_FILE_NAME, ancestorDirs, formatProblem, isExcluded, mergeConfigs, parseRepoConfig, type RepoConfig } from '../analysis/config';
import type { HeaderHost } from '../analysis/headers/types';
import type { SeveritySetting } from '../analysis/rules/types';
import { localIncludes } from '../analysis/fileScope';
import { LIST_FOLDER_REQUEST, READ_FILE_REQUEST, type ListFolderParams, type ListFolderResult, type ReadFileParams, type ReadFileResult } from './protocol';

/** the bounds of the header fetch (those of src/analysis/headers/collect.ts's defaults) */
const MAX_DEPTH = 4;
const MAX_HEADERS = 64;
const MAX_HEADER_CHARS = 512 * 1024;

export interface RepoConfigResult {
  rules: Record<string, SeveritySetting>;
  excluded: boolean;
  problems: string[];
}

function join(dir: string, rel: string): string {
  const parts = (dir === '/' ? '' : dir).split('/');
  for (const p of rel.split('/')) {
    if (p === '..') {
      if (parts.length > 1) parts.pop();
    } else if (p !== '.' && p !== '') parts.push(p);
  }
  return parts.join('/') || '/';
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export class ClientFiles {
  private enabled = false;
  /** folder path → the URI of a document checked there: the scheme and authority of the folder's other files (bounded) */
  private readonly bases = new Map<string, string>();
  /** path → fetched text (the headers of the documents checked), read by headerHost */
  private readonly texts = new Map<string, { text: string; stamp: number }>();
  private stamps = 0;

  /** the session's HeaderHost: what the last fetches found, nothing else */
  readonly headerHost: HeaderHost = {
    readFile: (p) => this.texts.get(p)?.text,
    exists: (p) => this.texts.has(p),
    stat: (p) => {
      const t = this.texts.get(p);
      return t ? { size: t.text.length, stamp: String(t.stamp) } : undefined;
    },
  };

  constructor(private readonly connection: Connection) {}

  /** The client serves `dmaScope/readFile` (initializationOptions.readFiles). */
  enable(on: boolean): void {
    this.enabled = on;
  }

  get isEnabled(): boolean {
    return this.enabled;
  }

  private async read(base: URL, path: string): Promise<string | undefined> {
    const u = new URL(base.href);
    u.pathname = path;
    u.search = '';
    u.hash = '';
    try {
      const r = (await this.connection.sendRequest(READ_FILE_REQUEST, { uri: u.href } satisfies ReadFileParams)) as ReadFileResult;
      return r && typeof r.text === 'string' ? r.text : undefined;
    } catch {
      return undefined; // a client that cannot read it: as a missing file
    }
  }

  private remember(path: string, text: string | undefined): void {
    if (text === undefined || text.length > MAX_HEADER_CHARS) {
      this.texts.delete(path);
      return;
    }
    if (this.texts.size >= 1024) this.texts.clear(); // bounded: the next checks fetch what they need again
    const old = this.texts.get(path);
    if (!old || old.text !== text) this.texts.set(path, { text, stamp: ++this.stamps });
  }

  /**
   * The merged `.dma-scope.json` of a document (folders from the document's up to `root`, the path of
   * its workspace folder, or to '/' outside one), fetched anew for every check like the Node host reads it.
   */
  async repoConfig(uri: string, root: string | undefined): Promise<RepoConfigResult | undefined> {
    if (!this.enabled) return undefined;
    let base: URL;
    try {
      base = new URL(uri);
    } catch {
      return undefined;
    }
    const path = decodeURIComponent(base.pathname);
    const top = root?.replace(/\/+$/, '') || '/';
    const dirs = ancestorDirs(path).filter((d) => d === top || d.startsWith(top === '/' ? '/' : `${top}/`));
    const texts = await Promise.all(dirs.map((d) => this.read(base, join(d, CONFIG_FILE_NAME))));
    const found: { config: RepoConfig; file: string }[] = [];
    const problems: string[] = [];
    dirs.forEach((d, i) => {
      const text = texts[i];
      if (text === undefined) return;
      const file = join(d, CONFIG_FILE_NAME);
      const r = parseRepoConfig(text, file);
      for (const p of r.problems) problems.push(`${formatProblem({ ...p, file })} (ignored)`);
      if (!r.fatal) found.push({ config: r.config, file });
    });
    found.reverse(); // outermost first
    const eff = mergeConfigs(found.map((f) => f.config), found.map((f) => f.file));
    return { rules: eff.rules, excluded: isExcluded(eff, path), problems };
  }

  /** The URI of a path (a file, or a folder) in or of a folder where a document was checked (same scheme and authority), or undefined. */
  uriOf(path: string, folder = dirname(path)): string | undefined {
    const base = this.bases.get(folder) ?? this.nearestBase(folder);
    if (!base) return undefined;
    const u = new URL(base);
    u.pathname = path;
    return u.href;
  }

  /**
   * The base of the checked folder nearest to a folder of the same driver tree: one below it (its Makefile
   * is read for a driver's subfolder document) or beside it under a common parent (the module's other
   * subfolders), at most MAX_MODULE_DEPTH levels apart — the same scheme and authority, as one workspace has.
   */
  private nearestBase(folder: string): string | undefined {
    let best: { base: string; common: number } | undefined;
    const want = folder.split('/');
    for (const [dir, base] of this.bases) {
      const have = dir.split('/');
      let common = 0;
      while (common < want.length && common < have.length && want[common] === have[common]) common++;
      if (common < 2 || want.length - common > MAX_MODULE_DEPTH || have.length - common > MAX_MODULE_DEPTH) continue;
      if (!best || common > best.common) best = { base, common };
    }
    return best?.base;
  }

  /** A kbuild file of a folder near a checked document (`Kbuild`, else `Makefile`), read through the client. */
  async readMakefile(folder: string): Promise<string | undefined> {
    if (!this.enabled) return undefined;
    for (const name of ['Kbuild', 'Makefile']) {
      const uri = this.uriOf(join(folder, name), folder);
      const text = uri ? await this.read(new URL(uri), join(folder, name)) : undefined;
      if (text !== undefined) return text;
    }
    return undefined;
  }

  /** The C files of a folder where a document was checked, listed by the client (paths, sorted, at most `limit`). */
  async listFolderFiles(folder: string, limit: number): Promise<string[]> {
    const uri = this.uriOf(folder, folder);
    if (!this.enabled || !uri) return [];
    try {
      const r = (await this.connection.sendRequest(LIST_FOLDER_REQUEST, { uri } satisfies ListFolderParams)) as ListFolderResult;
      const names = r && Array.isArray(r.names) ? r.names.filter((n): n is string => typeof n === 'string' && /^[^/]+\.[ch]$/.test(n)) : [];
      return names.sort().slice(0, limit).map((n) => join(folder, n));
    } catch {
      return []; // a client that cannot list it: no index
    }
  }

  /** A file of an indexed folder, read through the client with the local headers it includes (for its records); throws when unreadable. */
  async readIndexed(path: string): Promise<string> {
    const uri = this.uriOf(path);
    const text = uri && this.enabled ? await this.read(new URL(uri), path) : undefined;
    if (text === undefined) throw new Error(`cannot read ${path} through the client`);
    await this.fetchHeaders(uri!, text);
    return text;
  }

  /** Fetches the document's quoted includes, transitively, for the session's headerHost. */
  async fetchHeaders(uri: string, text: string): Promise<void> {
    if (!this.enabled) return;
    let base: URL;
    try {
      base = new URL(uri);
    } catch {
      return;
    }
    const docDir = dirname(decodeURIComponent(base.pathname));
    if (!this.bases.has(docDir)) {
      if (this.bases.size >= 256) this.bases.clear();
      this.bases.set(docDir, base.href);
    }
    const seen = new Set<string>([decodeURIComponent(base.pathname)]);
    let level: { from: string; text: string }[] = [{ from: decodeURIComponent(base.pathname), text }];
    for (let depth = 0; depth < MAX_DEPTH && level.length && seen.size <= MAX_HEADERS; depth++) {
      const next: { from: string; path: string }[] = [];
      for (const l of level) {
        for (const inc of localIncludes(l.text)) {
          const p = join(dirname(l.from), inc);
          if (seen.has(p) || seen.size > MAX_HEADERS) continue;
          seen.add(p);
          next.push({ from: l.from, path: p });
        }
      }
      const got = await Promise.all(next.map((n) => this.read(base, n.path)));
      level = [];
      next.forEach((n, i) => {
        this.remember(n.path, got[i]);
        const t = got[i];
        if (t !== undefined && t.length <= MAX_HEADER_CHARS) level.push({ from: n.path, text: t });
      });
    }
  }
}
