/** checkTree/checkSource behaviour: suppression, severities, caching, error containment, quick fixes. */
import * as assert from 'assert';
import { testParser, testSession } from '../helpers';
import type { AnalysisSession } from '../../src/analysis/session';
import { applyFix, suppressionFix, RULES, functionFacts, factsAt } from '../../src/analysis/checker';
import type { Rule } from '../../src/analysis/rules/types';

const UNCHECKED = `static int foo_tx(struct foo *f, void *buf, size_t len)
{
	dma_addr_t dma;

	dma = dma_map_single(f->dev, buf, len, DMA_TO_DEVICE);
	f->desc->addr = cpu_to_le64(dma);
	return 0;
}
`;

/** The session of the running test (each test starts with empty caches, as a new editor session would). */
let session: AnalysisSession;

async function check(text: string, opts = {}) {
  return session.check(text, { file: 'drivers/foo/foo.c', ...opts });
}

function fixText(text: string, rule: string, title: RegExp | number = 0, opts = {}) {
  return check(text, opts).then((r) => {
    const fs = r.findings.filter((x) => x.rule === rule);
    assert.ok(fs.length, `no ${rule} finding`);
    const fixes = fs.flatMap((f) => f.fixes ?? []);
    const fix = typeof title === 'number' ? fixes[title] : fixes.find((x) => title.test(x.title));
    assert.ok(fix, `no fix for ${rule}`);
    return applyFix(text, fix!);
  });
}

describe('checker API', () => {
  beforeEach(async () => {
    session = await testSession();
  });
  afterEach(() => session.dispose());

  it('reports a finding with 1-based positions, range on the call and related info', async () => {
    const r = await check(UNCHECKED);
    const f = r.findings.find((x) => x.rule === 'map-error-unchecked')!;
    assert.strictEqual(f.line, 5);
    assert.strictEqual(f.column, 8);
    assert.strictEqual(UNCHECKED.slice(f.start, f.end).startsWith('dma_map_single('), true);
    assert.strictEqual(f.severity, 'info');
  });

  it('honours suppression comments on the line or the line above', async () => {
    const a = UNCHECKED.replace('\tdma = dma_map', '\t/* dma-scope: ignore map-error-unchecked */\n\tdma = dma_map');
    assert.strictEqual((await check(a)).findings.filter((f) => f.rule === 'map-error-unchecked').length, 0);
    const b = UNCHECKED.replace('DMA_TO_DEVICE);', 'DMA_TO_DEVICE); // dma-scope: ignore map-error-unchecked');
    assert.strictEqual((await check(b)).findings.filter((f) => f.rule === 'map-error-unchecked').length, 0);
    const c = UNCHECKED.replace('\tdma = dma_map', '\t/* dma-scope: ignore map-leak */\n\tdma = dma_map');
    assert.strictEqual((await check(c)).findings.filter((f) => f.rule === 'map-error-unchecked').length, 1);
  });

  it('applies severity overrides and rule selection', async () => {
    assert.strictEqual((await check(UNCHECKED, { severities: { 'map-error-unchecked': 'off' } })).findings.length, 0);
    assert.strictEqual((await check(UNCHECKED, { severities: { 'map-error-unchecked': 'info' } })).findings[0].severity, 'info');
    assert.strictEqual((await check(UNCHECKED, { rules: ['dir-none'] })).findings.length, 0);
  });

  it('re-analyses only the changed function on the next run', async () => {
    const parser = await testParser();
    const two = UNCHECKED + '\n' + UNCHECKED.replace('foo_tx', 'foo_tx2');
    let tree = parser.parse(two);
    session.checkTree(tree, two);
    tree.delete();
    assert.strictEqual(session.stats.analysed, 2);
    const edited = two.replace('static int foo_tx2', '\n\nstatic int foo_tx2').replace('len, DMA_TO_DEVICE);\n\tf->desc->addr = cpu_to_le64(dma);\n\treturn 0;\n}\n\n\n\nstatic', 'len, DMA_TO_DEVICE);\n\tf->desc->addr = cpu_to_le64(dma);\n\treturn 0;\n}\n\n\n\nstatic');
    const changed = edited.replace('foo_tx2(struct foo *f, void *buf, size_t len)\n{', 'foo_tx2(struct foo *f, void *buf, size_t len)\n{\n\tint unused;');
    tree = parser.parse(changed);
    const r = session.checkTree(tree, changed);
    tree.delete();
    assert.strictEqual(session.stats.analysed, 1);
    assert.strictEqual(session.stats.cached, 1);
    // cached findings are shifted to the function's new position
    const lines = r.findings.filter((f) => f.rule === 'map-error-unchecked').map((f) => f.line);
    assert.deepStrictEqual(lines, [5, 17]);
  });

  it('re-checks a cached function when a file-level fact it used changes elsewhere in the file', async () => {
    const fs = await import('fs');
    const path = await import('path');
    const { FIXTURES } = await import('../helpers');
    const count = async (text: string, rule: string): Promise<number> =>
      (await check(text, { severities: { 'skip-cpu-sync-misuse': 'warning' } })).findings.filter((f) => f.rule === rule).length;
    session.clearCaches();
    // cacheline-share: aligning the struct member (outside the function) is the fix, and must clear the warning
    const cls = fs.readFileSync(path.join(FIXTURES, 'rules', 'cacheline-share.bad.c'), 'utf8');
    assert.strictEqual(await count(cls, 'cacheline-share'), 2);
    assert.strictEqual(await count(cls.replace('u8 rx_buf[64];', 'u8 rx_buf[64] ____cacheline_aligned;'), 'cacheline-share'), 1);
    // demo_exec names only struct demo_cmd, which did not change: it still comes from the cache
    assert.strictEqual(session.stats.cached, 1);
    // skip-cpu-sync-misuse: a sync for the device added in another function answers the finding
    const skip = fs.readFileSync(path.join(FIXTURES, 'rules', 'skip-cpu-sync-misuse.bad.c'), 'utf8');
    assert.strictEqual(await count(skip, 'skip-cpu-sync-misuse'), 2);
    const synced = skip + '\nstatic void demo_refill(struct device *dev, struct demo_rx_buf *rb)\n{\n\tdma_sync_single_for_device(dev, rb->dma, PAGE_SIZE, DMA_FROM_DEVICE);\n}\n';
    assert.strictEqual(await count(synced, 'skip-cpu-sync-misuse'), 1);
    // map-image: turning the global buffer into a pointer (to a kmalloc'ed buffer) answers the finding
    const img = fs.readFileSync(path.join(FIXTURES, 'rules', 'map-image.bad.c'), 'utf8');
    const before = await count(img, 'map-image');
    assert.strictEqual(await count(img.replace('static u8 demo_rx_bounce[256];', 'static u8 *demo_rx_bounce;'), 'map-image'), before - 1);
    // bypass-api: only in a file that uses the DMA API elsewhere; functions naming only virt_to_phys are analysed
    const phys = 'struct demo_ring {\n\tvoid *desc;\n};\n\nstatic void demo_ring_init(void __iomem *regs, struct demo_ring *r)\n{\n\twritel(lower_32_bits(virt_to_phys(r->desc)), regs + 0x20);\n}\n';
    assert.strictEqual(await count(phys, 'bypass-api'), 0);
    const withDma = phys + '\nstatic void demo_stop(struct device *dev, dma_addr_t d, size_t len)\n{\n\tdma_unmap_single(dev, d, len, DMA_TO_DEVICE);\n}\n';
    assert.strictEqual(await count(withDma, 'bypass-api'), 1);
    // declaring the member __iomem (device SRAM) answers it again, through the cached function
    assert.strictEqual(await count(withDma.replace('\tvoid *desc;', '\tvoid __iomem *desc;'), 'bypass-api'), 0);
  });

  it('catches a throwing rule, reports it in errors and keeps the others', async () => {
    const bad: Rule = { id: 'test-throws', title: 't', severity: 'error', checkFunction() { throw new Error('boom'); } };
    (RULES as Rule[]).push(bad);
    try {
      const r = await check(UNCHECKED);
      assert.ok(r.errors.some((e) => e.rule === 'test-throws' && /boom/.test(e.message)));
      assert.ok(r.findings.some((f) => f.rule === 'map-error-unchecked'));
    } finally {
      (RULES as Rule[]).pop();
    }
  });

  it('never throws on garbage and deeply nested input', async () => {
    const nested = 'int f(void) {' + '{'.repeat(10000) + 'dma_map_single(d, p, 1, DMA_NONE);' + '}'.repeat(10000) + '}';
    for (const t of ['', '}}}{{{', 'int f( { dma_map_single(', nested, 'void g(void) { for_each_sg(a, b, c, d) }']) {
      const r = await check(t);
      assert.ok(Array.isArray(r.findings));
      if (t === nested) assert.ok(r.errors.some((e) => /nested/.test(e.message)));
    }
  });

  it('exports per-function facts (handles, sizes, releases)', async () => {
    const parser = await testParser();
    const text = `static int f(struct foo *f, void *buf)
{
	dma_addr_t dma = dma_map_single(f->dev, buf, 128, DMA_FROM_DEVICE);
	if (dma_mapping_error(f->dev, dma))
		return -ENOMEM;
	dma_unmap_single(f->dev, dma, 64, DMA_FROM_DEVICE);
	return 0;
}
`;
    const tree = parser.parse(text);
    try {
      const facts = functionFacts(tree, text);
      assert.strictEqual(facts.length, 1);
      const o = facts[0].objects[0];
      assert.strictEqual(o.handle, 'dma');
      assert.strictEqual(o.call.size?.text, '128');
      assert.strictEqual(o.call.dir?.text, 'DMA_FROM_DEVICE');
      assert.strictEqual(o.checks.length, 1);
      const rel = facts[0].calls[o.releases[0]];
      assert.strictEqual(rel.name, 'dma_unmap_single');
      assert.strictEqual(rel.size?.text, '64');
      assert.strictEqual(factsAt(tree, text, text.indexOf('dma_unmap'))?.name, 'f');
    } finally {
      tree.delete();
    }
  });
});

describe('quick fixes', () => {
  beforeEach(async () => {
    session = await testSession();
  });
  afterEach(() => session.dispose());

  it('inserts a dma_mapping_error check that jumps to the existing error label', async () => {
    const text = `static int foo_rx(struct foo *f, void *buf, size_t len)
{
	dma_addr_t dma;

	dma = dma_map_single(f->dev, buf, len, DMA_FROM_DEVICE);
	f->desc->addr = cpu_to_le64(dma);
	return 0;
err_free:
	kfree(buf);
	return -ENOMEM;
}
`;
    const out = await fixText(text, 'map-error-unchecked');
    assert.ok(out.includes('\tdma = dma_map_single(f->dev, buf, len, DMA_FROM_DEVICE);\n\tif (dma_mapping_error(f->dev, dma))\n\t\tgoto err_free;\n\tf->desc'), out);
    assert.strictEqual((await check(out)).findings.filter((f) => f.rule === 'map-error-unchecked').length, 0);
  });

  it('inserts `return -ENOMEM;` in an int function without an error label', async () => {
    const out = await fixText(UNCHECKED, 'map-error-unchecked');
    assert.ok(out.includes('DMA_TO_DEVICE);\n\tif (dma_mapping_error(f->dev, dma))\n\t\treturn -ENOMEM;\n'), out);
  });

  it('copies the map size into the unmap', async () => {
    const text = `static int f(struct foo *f, void *buf)
{
	dma_addr_t dma = dma_map_single(f->dev, buf, FOO_LEN, DMA_TO_DEVICE);
	if (dma_mapping_error(f->dev, dma))
		return -ENOMEM;
	foo_go(f, dma);
	dma_unmap_single(f->dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	return 0;
}
`;
    const out = await fixText(text, 'unmap-size-mismatch');
    assert.ok(out.includes('dma_unmap_single(f->dev, dma, FOO_LEN, DMA_TO_DEVICE);'));
  });

  it('copies the map direction into the unmap and into a sync', async () => {
    const text = `static int f(struct foo *f, void *buf)
{
	dma_addr_t dma = dma_map_single(f->dev, buf, 64, DMA_TO_DEVICE);
	if (dma_mapping_error(f->dev, dma))
		return -ENOMEM;
	dma_sync_single_for_device(f->dev, dma, 64, DMA_BIDIRECTIONAL);
	foo_go(f, dma);
	dma_unmap_single(f->dev, dma, 64, DMA_FROM_DEVICE);
	return 0;
}
`;
    const a = await fixText(text, 'unmap-dir-mismatch');
    assert.ok(a.includes('dma_unmap_single(f->dev, dma, 64, DMA_TO_DEVICE);'));
    const b = await fixText(text, 'sync-dir-mismatch');
    assert.ok(b.includes('dma_sync_single_for_device(f->dev, dma, 64, DMA_TO_DEVICE);'));
  });

  it('uses the original nents in the unmap', async () => {
    const text = `static int f(struct foo *f, struct scatterlist *sgl, int nents)
{
	int n = dma_map_sg(f->dev, sgl, nents, DMA_TO_DEVICE);
	if (!n)
		return -EIO;
	foo_go(f, sgl, n);
	dma_unmap_sg(f->dev, sgl, n, DMA_TO_DEVICE);
	return 0;
}
`;
    const out = await fixText(text, 'unmap-sg-nents');
    assert.ok(out.includes('dma_unmap_sg(f->dev, sgl, nents, DMA_TO_DEVICE);'));
  });

  it('drops __GFP_ZERO and removes the redundant memset line', async () => {
    const text = `static int f(struct foo *f)
{
	f->a = dma_alloc_coherent(f->dev, SZ_4K, &f->a_dma, GFP_KERNEL | __GFP_ZERO);
	if (!f->a)
		return -ENOMEM;
	f->b = dma_alloc_coherent(f->dev, SZ_4K, &f->b_dma, GFP_KERNEL);
	if (!f->b)
		return -ENOMEM;
	memset(f->b, 0, SZ_4K);
	return 0;
}
`;
    const a = await fixText(text, 'coherent-gfp-zero', /__GFP_ZERO/);
    assert.ok(a.includes('&f->a_dma, GFP_KERNEL);'));
    const b = await fixText(text, 'coherent-gfp-zero', /memset/);
    assert.ok(!b.includes('memset'));
    assert.ok(b.includes('\t\treturn -ENOMEM;\n\treturn 0;\n'), b);
  });

  it('converts a legacy pci_* call and constant to the dma_* form on &pdev->dev', async () => {
    const text = `static int f(struct pci_dev *pdev, void *buf)
{
	dma_addr_t d = pci_map_single(pdev, buf, 64, PCI_DMA_FROMDEVICE);
	void *c = pci_alloc_consistent(pdev, 128, &d);
	return 0;
}
`;
    const r = await check(text);
    let out = text;
    // apply fixes from last to first so offsets stay valid
    for (const f of r.findings.filter((x) => x.rule === 'legacy-pci-dma').reverse()) out = applyFix(out, f.fixes![0]);
    assert.ok(out.includes('dma_map_single(&pdev->dev, buf, 64, DMA_FROM_DEVICE)'), out);
    assert.ok(out.includes('dma_alloc_coherent(&pdev->dev, 128, &d, GFP_ATOMIC)'), out);
  });

  it('suppresses a rule on the line with a comment above', async () => {
    const r = await check(UNCHECKED);
    const f = r.findings.find((x) => x.rule === 'map-error-unchecked')!;
    const out = applyFix(UNCHECKED, suppressionFix(UNCHECKED, f));
    assert.ok(out.includes('\t/* dma-scope: ignore map-error-unchecked */\n\tdma = dma_map_single'));
    assert.strictEqual((await check(out)).findings.filter((x) => x.rule === 'map-error-unchecked').length, 0);
  });
});
