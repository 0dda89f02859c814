import * as assert from 'assert';
import { handleHoverAt, HandleHover, HandleHoverCache } from '../../src/analysis/handleHover';
import { testParser, testSession, fixture, lineOf } from '../helpers';

async function hoverOn(needle: string, nth = 0, into = 1): Promise<HandleHover | null> {
  const text = fixture('handle-hover/rx.c');
  let idx = -1;
  for (let i = 0; i <= nth; i++) idx = text.indexOf(needle, idx + 1);
  assert.ok(idx >= 0, `'${needle}' #${nth} missing`);
  const tree = (await testParser()).parse(text);
  try {
    return handleHoverAt(tree, text, idx + into);
  } finally {
    tree.delete();
  }
}

describe('handle hover (ownership at the cursor)', () => {
  const text = fixture('handle-hover/rx.c');
  it('on the handle right after the map: device owns it, mapped for DMA_FROM_DEVICE at the map line', async () => {
    const h = (await hoverOn('demo_start_rx(dev, dma', 0, 'demo_start_rx(dev, '.length + 1))!;
    assert.ok(h);
    assert.strictEqual(h.role, 'handle');
    assert.strictEqual(h.dir, 'FROM');
    assert.strictEqual(h.owner, 'device');
    const mapLine = lineOf(text, 'dma = dma_map_single');
    assert.deepStrictEqual(h.reaching, [{ call: 'dma_map_single', line: mapLine, kind: 'map' }]);
    assert.ok(h.markdown.includes(`mapped for DMA_FROM_DEVICE by \`dma_map_single()\` at line ${mapLine}`), h.markdown);
    assert.ok(h.markdown.includes('Here the device owns it'));
    assert.ok(h.markdown.includes(`synced for the CPU by \`dma_sync_single_for_cpu()\` at line ${lineOf(text, 'dma_sync_single_for_cpu(dev, dma')}`));
  });
  it('on the buffer after the sync: the CPU owns it, with the sync line', async () => {
    const h = (await hoverOn('ret = buf[0]', 0, 'ret = '.length + 1))!;
    assert.strictEqual(h.role, 'buffer');
    assert.strictEqual(h.owner, 'cpu');
    assert.deepStrictEqual(h.reaching.map((x) => [x.call, x.line]), [['dma_sync_single_for_cpu', lineOf(text, 'dma_sync_single_for_cpu(dev, dma')]]);
    assert.ok(h.markdown.includes('Here the CPU owns it'));
  });
  it('after the unmap the handle is reported as unmapped', async () => {
    const h = (await hoverOn('return ret', 0, 0));
    assert.strictEqual(h, null); // `ret` is not a DMA object
    const u = (await hoverOn('dma_unmap_single(dev, dma', 0, 'dma_unmap_single(dev, '.length + 1))!;
    assert.strictEqual(u.owner, 'cpu');
    assert.ok(u.markdown.includes('Unmapped here'), u.markdown);
  });
  it('a ring-entry handle synced later in the function is device-owned at entry, CPU-owned after the sync', async () => {
    const before = (await hoverOn('demo_prefetch(rx_buf->va', 0, 'demo_prefetch(rx_buf->'.length + 1))!;
    assert.strictEqual(before.role, 'buffer');
    assert.strictEqual(before.owner, 'device');
    assert.strictEqual(before.reaching[0].kind, 'entry');
    const after = (await hoverOn('demo_consume(rx_buf->va', 0, 'demo_consume(rx_buf->'.length + 1))!;
    assert.strictEqual(after.owner, 'cpu');
  });
  it('says nothing for plain variables', async () => {
    assert.strictEqual(await hoverOn('int ret', 0, 5), null);
    assert.strictEqual(await hoverOn('size_t len', 0, 8), null);
  });
});

describe('handle hover with a per-tree cache (the language server keeps one per document version)', () => {
  it('gives the same hovers as without it, and analyses each function once', async () => {
    const text = fixture('handle-hover/rx.c');
    const tree = (await testParser()).parse(text);
    try {
      const cache: HandleHoverCache = new Map();
      const offsets = [...text.matchAll(/\bdma\b|\bbuf\b|\brx_buf\b/g)].map((m) => m.index! + 1);
      let found = 0;
      for (const off of offsets) {
        const plain = handleHoverAt(tree, text, off);
        const cached = handleHoverAt(tree, text, off, cache);
        assert.deepStrictEqual(cached, plain, `offset ${off}`);
        if (plain) found++;
      }
      assert.ok(found >= 3, `hovers found: ${found}`);
      const functions = new Set(offsets.map((o) => text.lastIndexOf('\n{', o))).size;
      assert.ok(cache.size >= 1 && cache.size <= functions, `${cache.size} cached analyses for ${functions} functions`);
    } finally {
      tree.delete();
    }
  });

  it("with the session's file summary (computed once per tree) gives the same hovers as without it", async () => {
    const text = fixture('handle-hover/rx.c');
    const session = await testSession();
    const tree = session.updateDocument('file:///rx.c', text, 1);
    let summaries = 0;
    const summary = session.fileSummary(tree, text);
    const cache: HandleHoverCache = new Map();
    const offsets = [...text.matchAll(/\bdma\b|\bbuf\b|\brx_buf\b/g)].map((m) => m.index! + 1);
    let found = 0;
    for (const off of offsets) {
      const plain = handleHoverAt(tree, text, off);
      const shared = handleHoverAt(tree, text, off, cache, () => (summaries++, summary));
      assert.deepStrictEqual(shared, plain, `offset ${off}`);
      if (plain) found++;
    }
    assert.ok(found >= 3, `hovers found: ${found}`);
    assert.strictEqual(summaries, cache.size, 'the summary is asked for once per analysed function, never recomputed inside');
    session.dispose();
  });
});
