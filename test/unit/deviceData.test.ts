/** Device-written memory (issue 16): the READ_ONCE quick fix, sources the file summary knows, what stays silent. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { testParser, testSession, FIXTURES } from '../helpers';
import { checkSource, applyFix } from '../../src/analysis/checker';

const RULES = ['device-data-unchecked', 'device-data-double-fetch'];

async function check(text: string) {
  const r = checkSource(await testParser(), text, { file: 'drivers/net/foo/dd.c', rules: RULES });
  assert.deepStrictEqual(r.errors, []);
  return r.findings;
}

describe('device-data rules', () => {
  it('double fetch: the quick fix reads once into a local, checks it and uses it, and the result is silent', async () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'rules', 'device-data-double-fetch.bad.c'), 'utf8');
    const fs1 = (await check(text)).filter((f) => f.rule === 'device-data-double-fetch');
    const first = fs1.find((f) => f.line === 42)!;
    assert.ok(first.fixes && first.fixes.length === 1, 'a fix is offered');
    const fixed = applyFix(text, first.fixes![0]);
    assert.ok(fixed.includes('\ttypeof(ch->resp->msg_id) msg_id = READ_ONCE(ch->resp->msg_id);\n\tif (msg_id >= DEMO_MAX_MSG) {'), fixed);
    assert.ok(fixed.includes('ctx = &ch->ctx[msg_id];'));
    const after = await check(fixed);
    assert.deepStrictEqual(after.filter((f) => f.line < 47).map((f) => `${f.rule} ${f.line}`), []);
    // the byte-swapped length: READ_ONCE goes inside le32_to_cpu()
    const second = fs1.find((f) => f.line === 51)!;
    const fixed2 = applyFix(text, second.fixes![0]);
    assert.ok(fixed2.includes('typeof(ch->resp->len) len = READ_ONCE(ch->resp->len);\n\tif (le32_to_cpu(len) > DEMO_BUF_LEN)'), fixed2);
    assert.ok(fixed2.includes('memcpy(dst, ch->rx_va, le32_to_cpu(len));'));
  });

  it('a coherent pointer stored through a local in probe makes the member device memory in another function', async () => {
    const text = `
struct r { struct d *desc; dma_addr_t dma; void *bufs[16]; };
struct d { __le16 id; };
static int r_init(struct device *dev, struct r *ring)
{
	struct d *va = dma_pool_zalloc(pool, GFP_KERNEL, &ring->dma);
	if (!va)
		return -ENOMEM;
	ring->desc = va;
	return 0;
}
static void *r_poll(struct r *ring, int i)
{
	return ring->bufs[le16_to_cpu(ring->desc[i].id)];
}
`;
    const f = await check(text);
    assert.deepStrictEqual(f.map((x) => `${x.rule} ${x.line}:${x.column}`), ['device-data-unchecked 14:20']);
    assert.strictEqual(f[0].related[0].line, 6);
  });

  it('a member of another struct type with the same name is not device memory', async () => {
    const text = `
struct r { struct d *desc; dma_addr_t dma; void *bufs[16]; };
struct other { struct d *desc; void *bufs[16]; };
struct d { __le16 id; };
static int r_init(struct device *dev, struct r *ring)
{
	ring->desc = dma_alloc_coherent(dev, 64, &ring->dma, GFP_KERNEL);
	return ring->desc ? 0 : -ENOMEM;
}
static void *o_poll(struct other *o, int i)
{
	return o->bufs[le16_to_cpu(o->desc[i].id)];
}
`;
    assert.deepStrictEqual(await check(text), []);
  });

  it('a streaming DMA_FROM_DEVICE buffer read after sync_for_cpu is device data; a DMA_TO_DEVICE one is not', async () => {
    const mk = (dir: string) => `
struct hdr { __le16 len; };
static void rx(struct device *dev, struct sk_buff *skb, void *va, size_t n)
{
	dma_addr_t h = dma_map_single(dev, va, n, ${dir});
	struct hdr *hd = va;

	if (dma_mapping_error(dev, h))
		return;
	wait_for_device();
	dma_unmap_single(dev, h, n, ${dir});
	skb_put(skb, le16_to_cpu(hd->len));
}
`;
    const from = await check(mk('DMA_FROM_DEVICE'));
    assert.deepStrictEqual(from.map((x) => `${x.rule} ${x.line}:${x.column}`), ['device-data-unchecked 12:15']);
    assert.ok(/DMA_FROM_DEVICE buffer of dma_map_single/.test(from[0].message), from[0].message);
    assert.deepStrictEqual(await check(mk('DMA_TO_DEVICE')), []);
  });
});

describe('device-data rules: same-file knowledge that keeps them quiet', () => {
  const head = `
struct f { u16 tag; u16 len; u16 status; };
struct r { struct f *frames; dma_addr_t dma; void *slots[64]; u8 buf[2048]; };
static int r_init(struct device *dev, struct r *ring)
{
	ring->frames = dma_alloc_coherent(dev, 4096, &ring->dma, GFP_KERNEL);
	return ring->frames ? 0 : -ENOMEM;
}
`;
  it('a field the file itself stores values into is bookkeeping, not device data (a second fetch of it still is)', async () => {
    const text = head + `
static void r_post(struct r *ring, int i, u16 tag)
{
	ring->frames[i].tag = tag;
}
static void *r_done(struct r *ring, int i)
{
	return ring->slots[ring->frames[i].tag];
}
static void *r_done2(struct r *ring, int i)
{
	if (ring->frames[i].tag >= 64)
		return NULL;
	return ring->slots[ring->frames[i].tag];
}
`;
    assert.deepStrictEqual((await check(text)).map((f) => `${f.rule} ${f.line}`), ['device-data-double-fetch 22']);
  });
  it('a bound on the local a value was computed from, and a same-file helper that bounds its parameter, count as checks', async () => {
    const text = head + `
static void *r_frag(struct r *ring, u32 len)
{
	if (len > sizeof(ring->buf))
		return NULL;
	return ring->buf;
}
static void r_rx(struct r *ring, struct sk_buff *skb, int i)
{
	u16 size = le16_to_cpu(ring->frames[i].len);
	u16 pkt = size - 4;
	void *p;

	if (size > 2048 || size < 4)
		return;
	skb_put(skb, pkt);
	p = r_frag(ring, le16_to_cpu(ring->frames[i].status));
	size = le16_to_cpu(ring->frames[i].status);
	p = r_frag(ring, size);
	if (!p)
		return;
	memcpy(p, ring->buf, size);
}
`;
    assert.deepStrictEqual((await check(text)).map((f) => `${f.rule} ${f.line}`), []);
  });
  it('a location the function filled itself (memcpy into the block) is not device data', async () => {
    const text = head + `
static void r_ver(struct r *ring, u8 *out)
{
	struct f *fr = &ring->frames[0];

	memcpy(fr, "\\x7\\x3\\x11\\x0", 4);
	memset(out, 0, fr->status);
}
static void r_ver_bad(struct r *ring, u8 *out)
{
	struct f *fr = &ring->frames[0];

	memset(out, 0, fr->status);
}
`;
    assert.deepStrictEqual((await check(text)).map((f) => `${f.rule} ${f.line}`), ['device-data-unchecked 21']);
  });
});

describe('device-data rules and the per-function cache', () => {
  it('an edit between the allocation and the poll function keeps the related location on the allocation', async () => {
    // a session caches per-function results: the key must follow the allocation's position
    const session = await testSession();
    const alloc = `struct r { struct d *desc; dma_addr_t dma; void *bufs[16]; };
struct d { __le16 id; };
static int r_init(struct device *dev, struct r *ring)
{
	ring->desc = dma_alloc_coherent(dev, 64, &ring->dma, GFP_KERNEL);
	return ring->desc ? 0 : -ENOMEM;
}
`;
    const poll = `static void *r_poll(struct r *ring, int i)
{
	return ring->bufs[le16_to_cpu(ring->desc[i].id)];
}
`;
    session.clearCaches();
    const run = (text: string) => session.check(text, { file: 'drivers/net/foo/r.c', rules: RULES }).findings;
    const a = run(alloc + poll);
    const b = run(alloc + '\n/* a comment\n   of three lines */\n' + poll);
    assert.strictEqual(a.length, 1);
    assert.strictEqual(b.length, 1);
    assert.strictEqual(b[0].line, a[0].line + 3);
    assert.strictEqual(b[0].related[0].line, 5, 'still the dma_alloc_coherent() line');
    // the allocation moves (a line above it): the cached poll result is not reused with a stale related location
    const c = run('/* moved */\n' + alloc + poll);
    assert.strictEqual(c[0].related[0].line, 6);
    // ... and found again from the cache, not by analysing the poll function anew (edits elsewhere stay cheap)
    assert.strictEqual(session.stats.analysed, 0, 'both functions come from the cache');
    session.dispose();
  });
});

describe('hover on a read of device-writable memory', () => {
  it('says the device wrote it, untrusted on cvm / iommu-untrusted, with the allocation line', async () => {
    const { handleHoverAt } = await import('../../src/analysis/handleHover');
    const text = fs.readFileSync(path.join(FIXTURES, 'rules', 'device-data-double-fetch.bad.c'), 'utf8');
    const tree = (await testParser()).parse(text);
    try {
      const at = text.indexOf('ch->resp->msg_id >=') + 'ch->resp->'.length + 2;
      const h = handleHoverAt(tree, text, at)!;
      assert.ok(h, 'a hover');
      assert.strictEqual(h.role, 'device-data');
      assert.ok(h.markdown.includes('written by the device: untrusted on `cvm` / `iommu-untrusted`'), h.markdown);
      const allocLine = text.slice(0, text.indexOf('dma_alloc_coherent(dev, PAGE_SIZE')).split('\n').length;
      assert.deepStrictEqual(h.origin, { what: 'dma_alloc_coherent()', line: allocLine });
      assert.ok(h.markdown.includes(`\`dma_alloc_coherent()\` at line ${allocLine}`));
      assert.strictEqual(text.slice(h.start, h.end), 'ch->resp->msg_id');
      // a plain local is not device memory
      assert.strictEqual(handleHoverAt(tree, text, text.indexOf('struct demo_caller *ctx;') + 'struct demo_caller *'.length + 1), null);
    } finally {
      tree.delete();
    }
  });
});

describe('extracting and replaying a double fetch of shared memory', () => {
  const src = `
#define DEMO_MAX_MSG 64
struct demo_resp { u16 msg_id; u16 status; };
struct demo_caller { int err; };

static void demo_handle_resp(struct device *dev, struct demo_caller *callers)
{
	dma_addr_t dma;
	struct demo_resp *resp = dma_alloc_coherent(dev, sizeof(*resp), &dma, GFP_KERNEL);

	if (!resp)
		return;
	demo_wait(dev, dma);
	if (resp->msg_id >= DEMO_MAX_MSG)
		goto out;
	callers[resp->msg_id].err = resp->status;
out:
	dma_free_coherent(dev, sizeof(*resp), resp, dma);
}
`;
  it('lets the device write between the two reads, which the simulator reports as TOCTOU_READ on cvm only', async () => {
    const { extractLifecycle } = await import('../../src/analysis/lifecycle');
    const { parseTrace, simulate } = await import('../../src/model/sim');
    const tree = (await testParser()).parse(src);
    try {
      const r = extractLifecycle({ text: src, tree, offset: src.indexOf('dma_alloc_coherent') });
      const ops = r.steps.filter((s) => s.op).map((s) => `${s.op}@${s.line}`);
      const second = src.slice(0, src.indexOf('callers[resp->msg_id]')).split('\n').length;
      assert.ok(ops.includes(`device_write@${second}`), ops.join(' '));
      const t = parseTrace(r.trace);
      assert.deepStrictEqual(t.errors, []);
      const cvm = simulate(t.trace, 'cvm').hazards.filter((h) => h.kind === 'TOCTOU_READ');
      assert.strictEqual(cvm.length, 1, r.trace);
      assert.match(r.trace.split('\n')[cvm[0].line - 1], new RegExp(`^cpu_read resp .*# src=${second}\\b`));
      assert.deepStrictEqual(simulate(t.trace, 'x86-direct').hazards.filter((h) => h.kind === 'TOCTOU_READ'), []);
    } finally {
      tree.delete();
    }
  });
});
