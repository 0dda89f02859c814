/** The analysis session: owner of the parser, the document trees and every cache; bounded; disposable. */
import * as assert from 'assert';
import { testSession, fixture } from '../helpers';
import { BoundedCache, approxBytes } from '../../src/analysis/boundedCache';
import { AnalysisSession } from '../../src/analysis/session';
import { readWasm } from '../../src/node/wasm';

const MAPPED = (name: string) => `static int ${name}(struct device *dev, void *buf, size_t len)
{
	dma_addr_t dma;

	dma = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
	writel(lower_32_bits(dma), NULL);
	return 0;
}
`;

describe('BoundedCache', () => {
  it('evicts the least recently used entries to stay within its byte budget', () => {
    const c = new BoundedCache<string>(1000);
    for (let i = 0; i < 20; i++) c.set(`key-${i}`.padEnd(100, 'x'), `v${i}`, 40);
    assert.ok(c.bytes <= 1000, `holds ${c.bytes} bytes`);
    assert.ok(c.size > 0 && c.size < 20);
    // the newest survive, the oldest went first
    assert.strictEqual(c.get('key-19'.padEnd(100, 'x')), 'v19');
    assert.strictEqual(c.get('key-0'.padEnd(100, 'x')), undefined);
  });

  it('keeps an entry it was asked for (recently used) over older ones', () => {
    const c = new BoundedCache<number>(3 * (2 * 10 + 64));
    c.set('a'.repeat(10), 1);
    c.set('b'.repeat(10), 2);
    c.set('c'.repeat(10), 3);
    assert.strictEqual(c.get('a'.repeat(10)), 1);
    c.set('d'.repeat(10), 4);
    assert.strictEqual(c.get('a'.repeat(10)), 1);
    assert.strictEqual(c.get('b'.repeat(10)), undefined);
  });

  it('never stores a value larger than the whole budget, and clear() frees everything', () => {
    const c = new BoundedCache<string>(100);
    c.set('k', 'v', 1000);
    assert.strictEqual(c.size, 0);
    c.set('k', 'v');
    assert.strictEqual(c.size, 1);
    c.clear();
    assert.strictEqual(c.size, 0);
    assert.strictEqual(c.bytes, 0);
  });

  it('estimates sizes from string lengths', () => {
    assert.ok(approxBytes({ message: 'x'.repeat(1000) }) >= 2000);
    assert.ok(approxBytes([1, 2, 3]) < approxBytes(['a'.repeat(100)]));
  });
});

describe('AnalysisSession', function () {
  this.timeout(30000);

  it('keeps document trees and re-analyses only the edited function (checkDocument)', async () => {
    const s = await testSession();
    try {
      const text = MAPPED('a') + '\n' + MAPPED('b');
      const r1 = s.checkDocument('file:///d.c', text, 1, { file: 'drivers/d/d.c' });
      assert.strictEqual(s.stats.analysed, 2);
      assert.strictEqual(r1.findings.filter((f) => f.rule === 'map-error-unchecked').length, 2);
      const edited = text.replace('static int b(struct device *dev, void *buf, size_t len)\n{', 'static int b(struct device *dev, void *buf, size_t len)\n{\n\tint unused;');
      const r2 = s.checkDocument('file:///d.c', edited, 2, { file: 'drivers/d/d.c' });
      assert.deepStrictEqual({ ...s.stats }, { analysed: 1, cached: 1, skipped: 0 });
      assert.strictEqual(r2.findings.filter((f) => f.rule === 'map-error-unchecked').length, 2);
      assert.strictEqual(s.document('file:///d.c')?.version, 2);
      assert.strictEqual(s.memory().documents, 1);
      s.closeDocument('file:///d.c');
      assert.strictEqual(s.memory().documents, 0);
    } finally {
      s.dispose();
    }
  });

  it('two sessions share nothing: a cache filled in one is empty in the other', async () => {
    const a = await testSession();
    const b = await testSession();
    try {
      a.check(MAPPED('a'), { file: 'drivers/d/d.c' });
      a.check(MAPPED('a'), { file: 'drivers/d/d.c' });
      assert.strictEqual(a.stats.cached, 1);
      b.check(MAPPED('a'), { file: 'drivers/d/d.c' });
      assert.strictEqual(b.stats.cached, 0);
      assert.strictEqual(b.stats.analysed, 1);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('bounds its caches by bytes', async () => {
    const s = await AnalysisSession.create(readWasm(), { limits: { resultBytes: 8 * 1024, functionSummaryBytes: 8 * 1024 } });
    try {
      for (let i = 0; i < 200; i++) s.check(MAPPED(`fn_${i}`), { file: 'drivers/d/d.c' });
      const m = s.memory();
      assert.ok(m.bytes.results <= 8 * 1024, `results hold ${m.bytes.results} bytes`);
      assert.ok(m.bytes.functionSummaries <= 8 * 1024, `summaries hold ${m.bytes.functionSummaries} bytes`);
      assert.ok(m.cachedFunctions > 0 && m.cachedFunctions < 200, `${m.cachedFunctions} functions cached`);
    } finally {
      s.dispose();
    }
  });

  it('dispose() deletes the trees and clears every cache; the session refuses work afterwards', async () => {
    const s = await testSession();
    s.checkDocument('file:///x.c', MAPPED('x'), 1, { file: 'drivers/x/x.c' });
    s.check(fixture('rules/cacheline-share.bad.c'), { file: 'drivers/x/y.c' });
    assert.ok(s.memory().bytes.total > 0);
    s.dispose();
    assert.ok(s.isDisposed);
    assert.deepStrictEqual(s.memory(), { documents: 0, cachedFunctions: 0, bytes: { results: 0, functionSummaries: 0, helperSummaries: 0, structs: 0, headers: 0, total: 0 } });
    assert.throws(() => s.check(MAPPED('x')), /disposed/);
    s.dispose(); // twice is harmless
  });

  it('a cached function is re-checked when the rule-relevant path changes (bypass-api exempts firmware drivers)', async () => {
    const s = await testSession();
    try {
      const text = 'struct demo_ring {\n\tvoid *desc;\n};\n\nstatic void demo_ring_init(void __iomem *regs, struct demo_ring *r)\n{\n\twritel(lower_32_bits(virt_to_phys(r->desc)), regs + 0x20);\n}\n\nstatic void demo_stop(struct device *dev, dma_addr_t d, size_t len)\n{\n\tdma_unmap_single(dev, d, len, DMA_TO_DEVICE);\n}\n';
      const count = (file: string): number => s.check(text, { file }).findings.filter((f) => f.rule === 'bypass-api').length;
      assert.strictEqual(count('drivers/net/demo.c'), 1);
      assert.strictEqual(count('drivers/firmware/demo.c'), 0);
      assert.strictEqual(count('drivers/net/demo.c'), 1);
    } finally {
      s.dispose();
    }
  });
});

describe('web-tree-sitter runtime (asked of the library, not kept by the core)', () => {
  it('a session made from the wasm bytes after others exist leaves their parsers working', async () => {
    const { loadCRuntime } = await import('../../src/analysis/parser');
    const a = await AnalysisSession.create(readWasm());
    const before = a.check('int f(void) { return 1; }').errors;
    const runtime = await loadCRuntime(readWasm());
    const b = await AnalysisSession.create(runtime);
    const tree = a.parser.parse('int g(void) { return 2; }');
    assert.strictEqual(tree.rootNode.type, 'translation_unit');
    assert.strictEqual(tree.rootNode.hasError, false);
    tree.delete();
    assert.deepStrictEqual(a.check('int f(void) { return 1; }').errors, before);
    const other = b.parser.parse('int h;');
    assert.strictEqual(other.rootNode.hasError, false);
    other.delete();
    a.dispose();
    b.dispose();
  });
});
