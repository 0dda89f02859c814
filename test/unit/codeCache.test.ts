/**
 * The code cache the `dma-scope` launcher loads its bundle through (src/node/codeCache.ts): made at
 * exit when there is none, used by the next process, keyed by the bundle's bytes and the V8 flag
 * variant, replaced when V8 rejects it, off with DMA_SCOPE_DISK_CACHE=0; and the built launcher.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../helpers';
import { codeCacheDir } from '../../src/node/codeCache';

const CODE_CACHE_JS = path.join(__dirname, '..', '..', 'src', 'node', 'codeCache.js');

/** Loads `bundle` through the cache in a fresh process; prints the load state and what the bundle exported. */
function load(bundle: string, dir: string, variant = 'test', env: Record<string, string> = {}): { state: string; value: string } {
  const r = cp.spawnSync(
    process.execPath,
    ['-e', `const r = require(${JSON.stringify(CODE_CACHE_JS)}).requireWithCodeCache(${JSON.stringify(bundle)}, ${JSON.stringify(variant)}, module, ${JSON.stringify(dir)}); process.stdout.write(r.state + ' ' + r.exports.answer())`],
    { encoding: 'utf8', env: { ...process.env, DMA_SCOPE_DISK_CACHE: '', ...env } },
  );
  assert.strictEqual(r.status, 0, r.stderr);
  const [state, value] = r.stdout.split(' ');
  return { state, value };
}

const cacheFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.v8cache')).sort() : []);

describe('code cache (src/node/codeCache.ts)', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-codecache-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('is written at the first exit, used by the next process, and keyed by the bundle bytes and variant', () => {
    const bundle = path.join(tmp, 'bundle.js');
    const dir = path.join(tmp, 'cache');
    // a shebang line and a require of a built-in: the bundle runs as a CommonJS module would
    fs.writeFileSync(bundle, "#!/usr/bin/env node\nconst p = require('path');\nexports.answer = () => p.basename('/a/forty-two');\n");
    assert.deepStrictEqual(load(bundle, dir), { state: 'miss', value: 'forty-two' });
    assert.strictEqual(cacheFiles(dir).length, 1);
    assert.deepStrictEqual(load(bundle, dir), { state: 'hit', value: 'forty-two' });
    // same length, other bytes: another key (V8 alone would only compare the length)
    fs.writeFileSync(bundle, "#!/usr/bin/env node\nconst p = require('path');\nexports.answer = () => p.basename('/a/forty-too');\n");
    assert.deepStrictEqual(load(bundle, dir), { state: 'miss', value: 'forty-too' });
    assert.deepStrictEqual(load(bundle, dir), { state: 'hit', value: 'forty-too' });
    assert.deepStrictEqual(load(bundle, dir, 'other'), { state: 'miss', value: 'forty-too' });
    assert.strictEqual(cacheFiles(dir).length, 3);
  });

  it('replaces a cache V8 rejects, and a bad cache never breaks the load', () => {
    const bundle = path.join(tmp, 'bundle.js');
    const dir = path.join(tmp, 'cache');
    fs.writeFileSync(bundle, 'exports.answer = () => 7;\n');
    load(bundle, dir);
    const [file] = cacheFiles(dir);
    fs.writeFileSync(path.join(dir, file), Buffer.from('not a V8 code cache at all'));
    assert.deepStrictEqual(load(bundle, dir), { state: 'rejected', value: '7' });
    assert.deepStrictEqual(load(bundle, dir), { state: 'hit', value: '7' });
  });

  it('a long-running process also saves it after a delay, so a kill does not lose it', () => {
    const bundle = path.join(tmp, 'bundle.js');
    const dir = path.join(tmp, 'cache');
    fs.writeFileSync(bundle, 'exports.answer = () => 3;\n');
    // loads with a 100 ms save, then is killed (no exit handler runs) after 1 s
    const r = cp.spawnSync(
      process.execPath,
      ['-e', `require(${JSON.stringify(CODE_CACHE_JS)}).requireWithCodeCache(${JSON.stringify(bundle)}, 'test', module, ${JSON.stringify(dir)}, { saveAfterMs: 100 }); setTimeout(() => process.kill(process.pid, 'SIGKILL'), 1000);`],
      { encoding: 'utf8', env: { ...process.env, DMA_SCOPE_DISK_CACHE: '' } },
    );
    assert.strictEqual(r.signal, 'SIGKILL');
    assert.strictEqual(cacheFiles(dir).length, 1);
    assert.deepStrictEqual(load(bundle, dir), { state: 'hit', value: '3' });
  });

  it('is off with DMA_SCOPE_DISK_CACHE=0 and survives a cache folder it cannot write', () => {
    const bundle = path.join(tmp, 'bundle.js');
    fs.writeFileSync(bundle, 'exports.answer = () => 1;\n');
    assert.deepStrictEqual(load(bundle, path.join(tmp, 'cache'), 'test', { DMA_SCOPE_DISK_CACHE: '0' }), { state: 'off', value: '1' });
    assert.deepStrictEqual(cacheFiles(path.join(tmp, 'cache')), []);
    const notADir = path.join(tmp, 'file');
    fs.writeFileSync(notADir, '');
    assert.deepStrictEqual(load(bundle, path.join(notADir, 'cache')), { state: 'miss', value: '1' });
  });

  it('keeps the newest few files of its folder', () => {
    const dir = path.join(tmp, 'cache');
    for (let i = 0; i < 9; i++) {
      const bundle = path.join(tmp, `b${i}.js`);
      fs.writeFileSync(bundle, `exports.answer = () => ${i};\n`);
      load(bundle, dir);
    }
    const left = cacheFiles(dir);
    assert.strictEqual(left.length, 6);
    assert.ok(left.some((n) => n.startsWith('b8-')) && !left.some((n) => n.startsWith('b0-')), left.join(' '));
  });

  it('lives in $DMA_SCOPE_CACHE_DIR, else $XDG_CACHE_HOME/dma-scope, else ~/.cache/dma-scope', () => {
    assert.strictEqual(codeCacheDir({ DMA_SCOPE_CACHE_DIR: '/x/y' }), '/x/y');
    assert.strictEqual(codeCacheDir({ XDG_CACHE_HOME: '/c' }), path.join('/c', 'dma-scope'));
    assert.strictEqual(codeCacheDir({}), path.join(os.homedir(), '.cache', 'dma-scope'));
  });

  it('the built `dma-scope` launcher loads dist/cli-main.js through it (one cache for the CLI, one for the server)', async () => {
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), 'dist/cli.js is built');
    const dir = path.join(tmp, 'cache');
    const env = { ...process.env, DMA_SCOPE_CACHE_DIR: dir, DMA_SCOPE_DISK_CACHE: '' };
    const v = cp.spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8', env });
    assert.strictEqual(v.status, 0, v.stderr);
    assert.match(v.stdout, /^dma-scope \d+\.\d+\.\d+/);
    assert.deepStrictEqual(cacheFiles(dir).map((n) => n.split('-').slice(0, 3).join('-')), ['cli-main-cli']);
    // the server: `shutdown` then `exit` over stdio, exit code 0, and its own cache (made under its V8 flags)
    const msg = (o: object): string => {
      const s = JSON.stringify({ jsonrpc: '2.0', ...o });
      return `Content-Length: ${Buffer.byteLength(s)}\r\n\r\n${s}`;
    };
    // the memory request with gc: what the idle heap trim does (it needs --expose-gc, a V8 flag the cache is made under)
    const input = msg({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } }) + msg({ id: 2, method: 'dmaScope/memory', params: { gc: true } }) + msg({ id: 3, method: 'shutdown' }) + msg({ method: 'exit' });
    const serve = async (): Promise<string> => {
      // stdin stays open: the server must end on `exit`, not on end of input
      const server = cp.spawn(process.execPath, [cli, 'lsp', '--stdio'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      server.stdout.on('data', (d) => (out += d));
      server.stdin.write(input);
      const code = await new Promise<number | null>((resolve) => server.on('exit', resolve));
      server.stdin.destroy();
      assert.strictEqual(code, 0);
      return out;
    };
    assert.match(await serve(), /"serverInfo":\{"name":"dma-scope"\}/);
    const lsp = (): string[] => cacheFiles(dir).filter((n) => n.startsWith('cli-main-lsp-'));
    assert.strictEqual(lsp().length, 1, cacheFiles(dir).join(' '));
    // the next server takes it (a rejected cache would be written again at its exit)
    const made = fs.statSync(path.join(dir, lsp()[0])).mtimeMs;
    assert.match(await serve(), /"heapUsed":\d+/);
    assert.strictEqual(fs.statSync(path.join(dir, lsp()[0])).mtimeMs, made, 'the server cache was rejected and made again');
    // a second run uses them: same answer
    const v2 = cp.spawnSync(process.execPath, [cli, '--version'], { encoding: 'utf8', env });
    assert.strictEqual(v2.stdout, v.stdout);
  });
});
