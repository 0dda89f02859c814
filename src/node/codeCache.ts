/**
 * Loads a CommonJS bundle with a V8 code cache kept on disk, so a process that starts often (the language
 * server an editor spawns, a `dma-scope check` in a pre-commit hook) neither re-parses nor re-compiles
 * the 1.5 MB bundle, nor the functions its first check compiles lazily.
 *
 * Written here, not taken from a library: Node 20 has no `module.enableCompileCache()` (Node 22+), and
 * v8-compile-cache asks V8 for the cache right after compiling, before anything has run, so it holds the
 * top-level code only — the rules, the parser glue and the server's handlers all compile lazily later
 * and are what a first check spends its compile time on. Here the cache is taken at exit
 * (`script.createCachedData()` then includes every function compiled so far), once, when no valid
 * cache was found.
 *
 * Safety: V8 checks a cache against its own version, the V8 flags and the source length only, so the
 * file name carries a hash of the bundle's bytes and the Node/V8 version; `variant` separates
 * processes that run with different V8 flags (the server's Liftoff-only wasm). A cache V8 rejects is
 * replaced. Writes go to a temporary file renamed into place (two processes may exit together); the
 * folder keeps the newest few files. Any failure falls back to a plain `require`: the cache can only
 * make a start quicker, never break it. DMA_SCOPE_DISK_CACHE=0 turns it off.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import Module = require('module');

/** Files kept in the cache folder (a few builds × {lsp, cli} variants); older ones are removed. */
const KEEP = 6;

/** The per-user cache folder: $DMA_SCOPE_CACHE_DIR, $XDG_CACHE_HOME/dma-scope, ~/.cache/dma-scope, or the temp folder. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DMA_SCOPE_CACHE_DIR) return env.DMA_SCOPE_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'dma-scope');
  const home = os.homedir();
  if (home) return path.join(home, '.cache', 'dma-scope');
  return path.join(os.tmpdir(), `dma-scope-${typeof process.getuid === 'function' ? process.getuid() : 'user'}`);
}

export interface CodeCacheLoad {
  exports: unknown;
  /** 'hit' (V8 took the cache), 'miss' (none yet: one is written at exit), 'rejected' (replaced at exit), 'off' (plain require) */
  state: 'hit' | 'miss' | 'rejected' | 'off';
}

/** Removes all but the newest KEEP cache files of the folder. */
function prune(dir: string): void {
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.v8cache'))
    .map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const f of files.slice(KEEP)) fs.rmSync(path.join(dir, f.n), { force: true });
}

/**
 * `require(file)` through a code cache in `dir`. `parent` is the requiring module (for the bundle's
 * own `require` of Node built-ins and node_modules).
 */
export function requireWithCodeCache(file: string, variant: string, parent: NodeModule, dir = codeCacheDir(), opts: { saveAfterMs?: number } = {}): CodeCacheLoad {
  // a bundle that uses `import()` could not run from a cache (Node 20 drops the dynamic-import hook of
  // deserialised code): the build turns import() into require() for the bundles loaded here
  if (process.env.DMA_SCOPE_DISK_CACHE === '0' || typeof vm.Script !== 'function') return { exports: require(file), state: 'off' };
  let source: string;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return { exports: require(file), state: 'off' };
  }
  const hash = crypto.createHash('sha1').update(source).digest('hex').slice(0, 16);
  const cacheFile = path.join(dir, `${path.basename(file, '.js')}-${variant}-${hash}-${process.versions.v8}-${process.arch}.v8cache`);
  let cached: Buffer | undefined;
  try {
    cached = fs.readFileSync(cacheFile);
  } catch {
    cached = undefined; // none yet
  }
  // the same wrapper Node gives a CommonJS module, without the shebang line (a syntax error in a script)
  const body = source.startsWith('#!') ? source.slice(source.indexOf('\n')) : source;
  let script: vm.Script;
  try {
    script = new vm.Script(Module.wrap(body), { filename: file, cachedData: cached });
  } catch {
    return { exports: require(file), state: 'off' };
  }
  const state: CodeCacheLoad['state'] = !cached ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
  const mod = new Module(file, parent);
  mod.filename = file;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(file));
  const req = ((id: string) => mod.require(id)) as NodeJS.Require;
  Object.assign(req, { resolve: (id: string) => require.resolve(id, { paths: mod.paths }), cache: require.cache, main: require.main });
  const wrapper = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: NodeModule, f: string, d: string) => void;
  wrapper.call(mod.exports, mod.exports, req, mod, file, path.dirname(file));
  mod.loaded = true;
  if (state !== 'hit') {
    const save = (): void => {
      try {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
        prune(dir);
      } catch {
        // a read-only home or a full disk: the next start compiles as before
      }
    };
    process.once('exit', save);
    // a long-running process (the language server) also saves once it has done its first work: an editor
    // may kill it rather than let it exit, and then the exit handler never runs
    if (opts.saveAfterMs !== undefined) setTimeout(save, opts.saveAfterMs).unref();
  }
  return { exports: mod.exports, state };
}
