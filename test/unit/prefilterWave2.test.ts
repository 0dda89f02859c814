import * as assert from 'assert';
import { mayHaveFindings } from '../../src/analysis/checker';

describe('file prefilter and wave-2 rules', () => {
  it('keeps files that only set a DMA mask or create a pool (mask-* and pool-params can fire there)', () => {
    assert.strictEqual(mayHaveFindings('static int p(struct device *d) { return dma_set_mask_and_coherent(d, DMA_BIT_MASK(24)); }'), true);
    assert.strictEqual(mayHaveFindings('p = dma_pool_create("x", dev, 64, 24, 0);'), true);
    assert.strictEqual(mayHaveFindings('static int plain(int x) { return x + 1; }'), false);
  });
});
