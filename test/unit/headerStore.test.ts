/**
 * Header facts kept between processes (HeaderHost.loadFacts/saveFacts, src/node/headerStore.ts): a
 * second session reads them instead of analysing the headers again and finds the same; a store that
 * returns something else or throws is no store; the disk store is bounded and keyed by build; the CLI
 * built from this tree uses it (`--debug` counts the headers read from it).
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AnalysisSession } from '../../src/analysis/session';
import { readWasm } from '../../src/node/wasm';
import { nodeHeaderHost, posixAbsolute } from '../../src/node/headerHost';
import { DiskFactsStore, bundleFactsStore, type FactsStore } from '../../src/node/headerStore';
import type { HeaderFacts } from '../../src/analysis/headers/types';
import { FIXTURES, REPO_ROOT } from '../helpers';

const KERNEL = path.join(FIXTURES, 'headers', 'kernel');
const DRIVER = path.join(KERNEL, 'drivers', 'net', 'ringdemo');

async function checkWith(store: FactsStore | undefined, name: string): Promise<{ findings: string[]; stored: number; read: number }> {
  const session = await AnalysisSession.create(readWasm(), { headerHost: nodeHeaderHost({ store }) });
  try {
    const file = path.join(DRIVER, name);
    const r = session.check(fs.readFileSync(file, 'utf8'), { file: `drivers/net/ringdemo/${name}`, headerPath: posixAbsolute(file, process.cwd()) });
    assert.deepStrictEqual(r.errors, []);
    return { findings: r.findings.map((f) => `${f.rule} ${f.line}:${f.column}`), stored: session.lastHeaderStats.stored, read: session.lastHeaderStats.read };
  } finally {
    session.dispose();
  }
}

const MAIN_FINDINGS = ['map-error-unchecked 10:12', 'cacheline-share 18:41', 'unmap-size-mismatch 33:29', 'refill-without-sync 44:2'];

describe('header facts kept between processes', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-headerstore-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a second session reads the headers’ facts from the disk store and finds the same', async () => {
    const first = await checkWith(new DiskFactsStore(tmp, 'build-a'), 'ringdemo_main.c');
    assert.deepStrictEqual(first.findings, MAIN_FINDINGS);
    assert.strictEqual(first.stored, 0);
    assert.ok(first.read >= 2, `read ${first.read}`);
    const kept = fs.readdirSync(path.join(tmp, 'headers', 'build-a'));
    assert.ok(kept.length >= 2 && kept.every((n) => /^[dp]\w+_\w+\.v8$/.test(n)), kept.join(' '));
    const second = await checkWith(new DiskFactsStore(tmp, 'build-a'), 'ringdemo_main.c');
    assert.deepStrictEqual(second.findings, MAIN_FINDINGS);
    assert.strictEqual(second.read, 0);
    assert.strictEqual(second.stored, first.read);
    // another build of the analysis reads none of them
    assert.strictEqual((await checkWith(new DiskFactsStore(tmp, 'build-b'), 'ringdemo_main.c')).stored, 0);
  });

  it('the stored facts are what the check uses (a store that lost a #define changes the finding)', async () => {
    const real = new Map<string, HeaderFacts>();
    const keep: FactsStore = { loadFacts: (k) => real.get(k), saveFacts: (k, f) => void real.set(k, f) };
    assert.deepStrictEqual((await checkWith(keep, 'ringdemo_clean.c')).findings, []);
    // the clean twin unmaps with RINGDEMO_RX_ALLOC_LEN, a header alias of the mapped RINGDEMO_RX_BUF_LEN
    const lossy: FactsStore = {
      loadFacts: (k) => {
        const f = real.get(k);
        if (!f) return undefined;
        const defines = new Map([...f.defines].filter(([n]) => n !== 'RINGDEMO_RX_ALLOC_LEN'));
        return { ...f, defines };
      },
      saveFacts: () => undefined,
    };
    assert.ok([...real.values()].some((f) => f.defines.has('RINGDEMO_RX_ALLOC_LEN')));
    assert.deepStrictEqual((await checkWith(lossy, 'ringdemo_clean.c')).findings, ['unmap-size-mismatch 33:29']);
  });

  it('a store that returns something else, or throws, is no store', async () => {
    const odd: FactsStore = { loadFacts: () => ({ includes: 'no' }) as unknown as HeaderFacts, saveFacts: () => undefined };
    const r = await checkWith(odd, 'ringdemo_main.c');
    assert.deepStrictEqual(r.findings, MAIN_FINDINGS);
    assert.strictEqual(r.stored, 0);
    const throwing: FactsStore = {
      loadFacts: () => {
        throw new Error('disk on fire');
      },
      saveFacts: () => {
        throw new Error('disk full');
      },
    };
    assert.deepStrictEqual((await checkWith(throwing, 'ringdemo_main.c')).findings, MAIN_FINDINGS);
  });

  it('the disk store: bounded by a file count, a corrupt file is a miss, older builds’ folders removed', () => {
    const facts: HeaderFacts = { includes: [], defines: new Map([['A', '1']]), macros: [], structNames: ['x'], dmaApi: false, bytes: 10 };
    const s = new DiskFactsStore(tmp, 'b1', 2);
    for (const k of ['d1:a', 'd2:b', 'd3:c']) s.saveFacts(k, facts);
    assert.strictEqual(fs.readdirSync(path.join(tmp, 'headers', 'b1')).length, 2);
    assert.deepStrictEqual(s.loadFacts('d1:a'), facts);
    assert.strictEqual(s.loadFacts('d3:c'), undefined);
    fs.writeFileSync(path.join(tmp, 'headers', 'b1', 'd1_a.v8'), 'not serialized');
    assert.strictEqual(s.loadFacts('d1:a'), undefined);
    for (const b of ['b2', 'b3', 'b4', 'b5']) new DiskFactsStore(tmp, b).saveFacts('d1:a', facts);
    assert.deepStrictEqual(fs.readdirSync(path.join(tmp, 'headers')).sort(), ['b2', 'b3', 'b4', 'b5']);
  });

  it('is off in the compiled tests (not a bundle: the analysis could change under the same file)', () => {
    assert.strictEqual(bundleFactsStore({}), undefined);
  });

  it('the built CLI keeps them: the second `check --debug` reads its headers from the store', () => {
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    assert.ok(fs.existsSync(cli), 'dist/cli.js is built');
    const run = (env: Record<string, string> = {}): cp.SpawnSyncReturns<string> =>
      cp.spawnSync(process.execPath, [cli, 'check', '--jobs', '1', '--debug', 'drivers/net/ringdemo/ringdemo_main.c'], { cwd: KERNEL, encoding: 'utf8', env: { ...process.env, DMA_SCOPE_CACHE_DIR: tmp, DMA_SCOPE_DISK_CACHE: '', ...env } });
    const a = run();
    const b = run();
    const c = run({ DMA_SCOPE_DISK_CACHE: '0' });
    for (const r of [a, b, c]) assert.strictEqual(r.status, 1, r.stderr);
    assert.strictEqual(b.stdout, a.stdout);
    assert.strictEqual(c.stdout, a.stdout);
    const stored = (r: cp.SpawnSyncReturns<string>): number => Number(/(\d+) from the disk store/.exec(r.stderr)?.[1]);
    assert.strictEqual(stored(a), 0, a.stderr);
    assert.ok(stored(b) >= 2, b.stderr);
    assert.strictEqual(stored(c), 0, c.stderr);
  });
});
