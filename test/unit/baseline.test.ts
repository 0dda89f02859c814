/** `check --baseline`: fingerprints stable when lines move, new when the code changes; JSON and SARIF baselines. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { enclosingFunction, fingerprints, hash64, normaliseCode } from '../../src/analysis/fingerprint';

function io(cwd: string): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', errIsTTY: false, cwd, out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
  return o;
}

const DRV = `#include <linux/dma-mapping.h>

static int tx_post(struct txq *q, void *buf)
{
	dma_addr_t dma;

	dma = dma_map_single(q->dev, buf, q->len, DMA_TO_DEVICE);
	q->desc[0].addr = cpu_to_le64(dma);
	return 0;
}

static int rx_post(struct rxq *q, void *buf)
{
	dma_addr_t dma;

	dma = dma_map_single(q->dev, buf, q->len, DMA_FROM_DEVICE);
	q->desc[0].addr = cpu_to_le64(dma);
	return 0;
}
`;

describe('dma-scope check --baseline', () => {
  let dir: string;
  const write = (t: string): void => fs.writeFileSync(path.join(dir, 'drv.c'), t);
  const run = async (...args: string[]): Promise<{ code: number; o: ReturnType<typeof io> }> => {
    const o = io(dir);
    return { code: await main(['check', ...args], o), o };
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-baseline-'));
    write(DRV);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const format of ['json', 'sarif']) {
    it(`drops what a ${format} report had, even after lines moved; reports changed code as new`, async () => {
      const base = await run('--format', format, 'drv.c');
      assert.strictEqual(base.code, 1);
      fs.writeFileSync(path.join(dir, `base.${format}`), base.o.stdout);
      // ten lines of new code above both functions: every finding moves
      write(DRV.replace('#include <linux/dma-mapping.h>\n', `#include <linux/dma-mapping.h>\n${'/* moved */\n'.repeat(10)}`));
      let r = await run('--baseline', `base.${format}`, 'drv.c');
      assert.strictEqual(r.code, 0, r.o.stdout);
      assert.strictEqual(r.o.stdout, '');
      assert.match(r.o.stderr, /2 findings already in the baseline not shown/);
      // the code of rx_post's mapping changes: its finding is new, tx_post's is still known
      write(DRV.replace('q->len, DMA_FROM_DEVICE', 'q->len + 4, DMA_FROM_DEVICE'));
      r = await run('--format', 'json', '--baseline', `base.${format}`, 'drv.c');
      assert.strictEqual(r.code, 1);
      const j = JSON.parse(r.o.stdout);
      assert.deepStrictEqual(j.findings.map((f: { function: string; line: number }) => `${f.function}@${f.line}`), ['rx_post@16']);
    });
  }

  it('puts partialFingerprints and the function into SARIF results', async () => {
    const { o } = await run('--format', 'sarif', 'drv.c');
    const res = JSON.parse(o.stdout).runs[0].results;
    assert.strictEqual(res.length, 2);
    for (const r of res) assert.match(r.partialFingerprints['dmaScope/v1'], /^[0-9a-f]{16}:1$/);
    assert.deepStrictEqual(res.map((r: { locations: { logicalLocations: { name: string }[] }[] }) => r.locations[0].logicalLocations[0].name), ['tx_post', 'rx_post']);
  });

  it('matches a report without fingerprints by position, with a note', async () => {
    const { o } = await run('--format', 'json', 'drv.c');
    const j = JSON.parse(o.stdout);
    for (const f of j.findings) {
      delete f.fingerprint;
      delete f.function;
    }
    fs.writeFileSync(path.join(dir, 'old.json'), JSON.stringify(j));
    const r = await run('--baseline', 'old.json', 'drv.c');
    assert.strictEqual(r.code, 0);
    assert.match(r.o.stderr, /no fingerprints .* matched by line and column/);
  });

  it('exits 2 with one line when the baseline is not a report', async () => {
    fs.writeFileSync(path.join(dir, 'x.json'), '{"hello": 1}');
    fs.writeFileSync(path.join(dir, 'y.json'), 'not json');
    for (const [arg, re] of [['x.json', /^dma-scope check: baseline x\.json is not a dma-scope report/], ['y.json', /^dma-scope check: baseline y\.json is not JSON/], ['z.json', /^dma-scope check: cannot read baseline z\.json: no such file/]] as const) {
      const r = await run('--format', 'json', '--baseline', arg, 'drv.c');
      assert.strictEqual(r.code, 2);
      assert.strictEqual(r.o.stdout, '', 'nothing half-written');
      assert.match(r.o.stderr, re);
      assert.strictEqual(r.o.stderr.split('\n').filter(Boolean).length, 1);
    }
  });

  it('fingerprints: equal code in one function is numbered; comments and runs of whitespace do not count', () => {
    assert.strictEqual(normaliseCode('a(b,\n\t  c) /* x */ // y'), 'a(b, c)');
    const spans = [{ start: 0, end: 50, name: 'f' }, { start: 10, end: 20, name: 'inner' }];
    assert.strictEqual(enclosingFunction(spans, 12), 'inner');
    assert.strictEqual(enclosingFunction(spans, 60), null);
    const text = 'x(1);   x(1); x( 1 );';
    const fps = fingerprints(text, [{ rule: 'r', start: 0, end: 4 }, { rule: 'r', start: 8, end: 12 }, { rule: 'r', start: 14, end: 20 }], [{ start: 0, end: 30, name: 'f' }]);
    assert.deepStrictEqual(fps.map((f) => f.fingerprint.split(':')[1]), ['1', '2', '1']);
    assert.notStrictEqual(fps[0].fingerprint.split(':')[0], fps[2].fingerprint.split(':')[0]);
    assert.strictEqual(hash64(''), 'cbf29ce484222325');
  });
});
