import * as assert from 'assert';
import { hoverAt, HoverResult, identifierAtOffset, mdText } from '../../src/analysis/hover';
import { testParser, fixture } from '../helpers';
import { PLATFORM_IDS } from '../../src/model/platformIds';

/** Hover at the `nth` occurrence of `needle` in the fixture, `into` characters inside it. */
async function hoverOn(file: string, needle: string, nth = 0, into = 2): Promise<HoverResult | null> {
  const text = fixture(`hover/${file}`);
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = text.indexOf(needle, idx + 1);
    assert.ok(idx >= 0, `'${needle}' #${nth} not in ${file}`);
  }
  const p = await testParser();
  const tree = p.parse(text);
  try {
    return hoverAt(tree, text, idx + into);
  } finally {
    tree.delete();
  }
}

/** Markdown with escapes removed, for plain-text assertions. */
function plain(md: string): string {
  return md.replace(/(?<!\\)\*\*/g, '').replace(/\\([\\`*_[\]<>|#])/g, '$1').replace(/`/g, '');
}

describe('hover', () => {
  it('explains a call inside a macro-heavy kernel function, with the call facts', async () => {
    const h = await hoverOn('rx_refill.c', 'dma_map_single(priv->dev');
    assert.ok(h, 'hover expected');
    assert.strictEqual(h.entry.name, 'dma_map_single');
    const md = h.markdown;
    assert.ok(md.startsWith('```c\n#define dma_map_single(d, a, s, r) dma_map_single_attrs(d, a, s, r, 0)\n```'));
    const t = plain(md);
    assert.match(t, /This call \(line 30\)/);
    assert.match(t, /- direction: DMA_FROM_DEVICE \(device → CPU/);
    assert.match(t, /- size: FOO_RX_BUF_LEN/);
    assert.match(t, /- buffer: slot->data/);
    assert.match(t, /- result stored in handle/);
    assert.match(t, /checked with dma_mapping_error\(\) at line 32/);
    assert.match(t, /released at line 42 \(dma_unmap_single\)/);
    assert.match(t, /Returns: The device address, or DMA_MAPPING_ERROR/);
    assert.match(t, /Released by: dma_unmap_single/);
    assert.match(t, /Context: Never sleeps/);
    for (const p of PLATFORM_IDS) assert.ok(md.includes(`| \`${p}\` |`), `row for ${p}`);
    // the rule link opens the page bundled with the extension
    assert.match(md, /\[map-error-unchecked\]\(command:dmaScope\.openRulePage\?%5B%22map-error-unchecked%22%5D\)/);
    assert.match(md, /\[dma-api\.rst: Part Id - Streaming DMA mappings\]\(https:\/\/docs\.kernel\.org/);
    // the range is the identifier, not the whole call
    const text = fixture('hover/rx_refill.c');
    assert.strictEqual(text.slice(h.start, h.end), 'dma_map_single');
  });

  it('hovers a DMA_FROM_DEVICE constant with its per-platform meaning', async () => {
    const h = await hoverOn('rx_refill.c', 'DMA_FROM_DEVICE', 0, 5);
    assert.ok(h);
    assert.strictEqual(h.entry.name, 'DMA_FROM_DEVICE');
    assert.strictEqual(h.call, undefined);
    const t = plain(h.markdown);
    assert.match(t, /Value: 2/);
    assert.match(t, /\| arm64-noncoherent \| Clean at map, invalidate at sync_for_cpu\/unmap/);
    assert.match(t, /\| x86-iommu \| Mapped write-only for the device/);
  });

  it('shows the sync facts and the per-platform table for dma_sync_single_for_cpu', async () => {
    const h = await hoverOn('rx_refill.c', 'dma_sync_single_for_cpu');
    assert.ok(h);
    const t = plain(h.markdown);
    assert.match(t, /- direction: DMA_FROM_DEVICE/);
    assert.match(t, /- size: len/);
    assert.match(t, /- handle: dma_unmap_addr\(slot,mapping\)/);
    assert.match(t, /\| swiotlb-force \| FROM\/BIDI: b→o copy/);
    assert.match(t, /\| arm64-noncoherent \| TO: nothing\. FROM\/BIDI: invalidate/);
  });

  it('hovers macro arguments, struct members and annotations found through the tree', async () => {
    const field = await hoverOn('rx_refill.c', 'DEFINE_DMA_UNMAP_ADDR');
    assert.strictEqual(field?.entry.name, 'DEFINE_DMA_UNMAP_ADDR');
    const set = await hoverOn('rx_refill.c', 'dma_unmap_addr_set');
    assert.strictEqual(set?.entry.name, 'dma_unmap_addr_set');
    const aligned = await hoverOn('rx_refill.c', 'ARCH_DMA_MINALIGN', 0, 4);
    assert.strictEqual(aligned?.entry.name, 'ARCH_DMA_MINALIGN');
    const type = await hoverOn('rx_refill.c', 'dma_addr_t handle');
    assert.strictEqual(type?.entry.name, 'dma_addr_t');
    const err = await hoverOn('rx_refill.c', 'dma_mapping_error');
    assert.strictEqual(err?.entry.name, 'dma_mapping_error');
    assert.match(plain(err!.markdown), /-ENOMEM if dma_addr is DMA_MAPPING_ERROR/);
  });

  it('shows sg facts and the original-nents rule on dma_unmap_sg', async () => {
    const map = await hoverOn('sg_and_fence.c', 'dma_map_sg(fd->dev');
    assert.ok(map);
    const mt = plain(map.markdown);
    assert.match(mt, /- nents: nents/);
    assert.match(mt, /- list: sgl/);
    assert.match(mt, /- result stored in count/);
    assert.match(mt, /released at line 23 \(dma_unmap_sg\)/);
    assert.match(mt, /0 on any failure/);
    const unmap = await hoverOn('sg_and_fence.c', 'dma_unmap_sg(fd->dev');
    assert.match(plain(unmap!.markdown), /nents: nents \(must be the nents passed to the map/);
  });

  it('hovers names inside a #define body', async () => {
    const h = await hoverOn('sg_and_fence.c', 'dma_map_sg(dev, sgl, n');
    assert.strictEqual(h?.entry.name, 'dma_map_sg');
    assert.strictEqual(h?.call, undefined);
  });

  it('gives nothing for dma_fence_put, dma_async_issue_pending, comments and plain code', async () => {
    assert.strictEqual(await hoverOn('sg_and_fence.c', 'dma_fence_put'), null);
    assert.strictEqual(await hoverOn('sg_and_fence.c', 'dma_async_issue_pending'), null);
    assert.strictEqual(await hoverOn('sg_and_fence.c', 'dma_map_single in a comment'), null);
    assert.strictEqual(await hoverOn('sg_and_fence.c', 'for_each_sg'), null);
    assert.strictEqual(await hoverOn('sg_and_fence.c', 'struct dma_fence *fence', 0, 9), null);
  });

  it('finds identifiers at either edge of the name', async () => {
    const text = 'void f(void) { dma_map_single(d, b, 4, DMA_TO_DEVICE); }';
    const p = await testParser();
    const tree = p.parse(text);
    const at = text.indexOf('dma_map_single');
    assert.strictEqual(identifierAtOffset(tree, text, at)?.name, 'dma_map_single');
    assert.strictEqual(identifierAtOffset(tree, text, at + 'dma_map_single'.length)?.name, 'dma_map_single');
    assert.strictEqual(identifierAtOffset(tree, text, text.indexOf('4, D') + 1), null);
    const h = hoverAt(tree, text, at);
    assert.match(plain(h!.markdown), /size: 4 \(4 bytes\)/);
    tree.delete();
  });

  it('escapes markdown in prose and formats C names as code', () => {
    assert.strictEqual(mdText('use dma_unmap_sg() with *nents*'), 'use `dma_unmap_sg()` with \\*nents\\*');
    assert.strictEqual(mdText('a <b> | c'), 'a \\<b\\> \\| c');
  });
});
