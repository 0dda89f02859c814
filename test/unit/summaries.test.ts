import * as assert from 'assert';
import { summarizeHelpers, applyPath, helpersKey } from '../../src/analysis/summaries';
import { functionDefinitions } from '../../src/analysis/ast';
import { testParser } from '../helpers';

const SRC = `
static dma_addr_t demo_map_rx(struct device *dev, void *buf, size_t len)
{
	dma_addr_t dma = dma_map_single(dev, buf, len, DMA_FROM_DEVICE);
	return dma;
}

static void demo_unmap_rx(struct device *dev, struct demo_rx_buf *rx_buf)
{
	dma_unmap_single(dev, rx_buf->dma, rx_buf->len, DMA_FROM_DEVICE);
}

static void demo_sync(struct device *dev, dma_addr_t h, size_t len)
{
	dma_sync_single_for_cpu(dev, h, len, DMA_FROM_DEVICE);
	dma_sync_single_for_device(dev, h, len, DMA_FROM_DEVICE);
}

static int demo_fill(struct device *dev, struct demo_rx_buf *rx_buf)
{
	rx_buf->dma = dma_map_single(dev, rx_buf->va, rx_buf->len, DMA_FROM_DEVICE);
	return dma_mapping_error(dev, rx_buf->dma);
}

static int demo_plain(int x)
{
	return x + 1;
}
`;

describe('same-file helper summaries', () => {
  it('records syncs, unmaps and maps of parameter handles, and helpers returning a mapped handle', async () => {
    const tree = (await testParser()).parse(SRC);
    try {
      const m = summarizeHelpers(functionDefinitions(tree));
      assert.deepStrictEqual([...m.keys()].sort(), ['demo_fill', 'demo_map_rx', 'demo_sync', 'demo_unmap_rx']);
      assert.strictEqual(m.get('demo_map_rx')!.returnsMapped, true);
      assert.deepStrictEqual(m.get('demo_unmap_rx')!.effects, [{ kind: 'unmap', param: 1, path: '->dma', dir: 'DMA_FROM_DEVICE' }]);
      assert.deepStrictEqual(m.get('demo_sync')!.effects.map((e) => [e.kind, e.param, e.path]), [['sync-for-cpu', 1, ''], ['sync-for-device', 1, '']]);
      assert.deepStrictEqual(m.get('demo_fill')!.effects.map((e) => [e.kind, e.param, e.path]), [['map', 1, '->dma']]);
      assert.ok(helpersKey(m).includes('demo_unmap_rx::unmap@1->dma'));
    } finally {
      tree.delete();
    }
  });
  it('substitutes the argument for the parameter', () => {
    assert.strictEqual(applyPath('rx_buf', '->dma'), 'rx_buf->dma');
    assert.strictEqual(applyPath('&ring->buf[i]', '->dma'), 'ring->buf[i].dma');
    assert.strictEqual(applyPath('h', ''), 'h');
    assert.strictEqual(applyPath('get_buf(ring)', '->dma'), null);
  });
});
