/** DMA mask setters and DMA_BIT_MASK() widths. */
import { normText } from '../../ast';
import { constValue } from './constFold';

/** The calls that set a device's DMA mask (their result says whether the platform can address it). */
export const MASK_SETTERS = /^(dma_set_mask|dma_set_coherent_mask|dma_set_mask_and_coherent|dma_coerce_mask_and_coherent)$/;

/** `DMA_BIT_MASK(n)` → n (also `DMA_BIT_MASK(64ULL)`), else null. */
export function bitMaskBits(text: string): number | null {
  const m = /^DMA_BIT_MASK\((.+)\)$/.exec(normText(text));
  return m ? constValue(m[1]) : null;
}
