import type { Rule } from './types';
import { MASK_SETTERS, bitMaskBits } from './shared/dmaMasks';
import { callName, stripParensAndCasts } from '../ast';
import { argNamed, callsWithRole } from './shared/catalogueCalls';
import { constValue } from './shared/constFold';

export const rule: Rule = {
  id: 'mask-unchecked',
  title: 'The result of dma_set_mask*() is ignored for a mask below 32 bits (or one that is not a constant)',
  severity: 'warning',
  checkFunction(ctx, report) {
    for (const c of callsWithRole(ctx, 'mask')) {
      const name = callName(c) ?? '';
      if (!MASK_SETTERS.test(name)) continue;
      let top = c;
      while (top.parent && (top.parent.type === 'parenthesized_expression' || top.parent.type === 'cast_expression')) top = top.parent;
      if (top.parent?.type !== 'expression_statement') continue;
      const mask = argNamed(c, 'mask');
      if (!mask) continue;
      const bits = bitMaskBits(stripParensAndCasts(mask).text);
      const hex = /^0x[0-9a-fA-F]+U?L{0,2}$/i.test(mask.text.trim()) ? constValue(mask.text) : null;
      // only masks known to be narrower than 32 bits: wider ones never fail in 6.12
      if (!((bits !== null && bits < 32) || (hex !== null && hex < 0xffffffff))) continue;
      report({
        start: c.startIndex, end: c.endIndex,
        message: `${name}() can fail for ${mask.text} (memory beyond what the device can reach and no IOMMU/ZONE_DMA to cover it); DMA on this device is undefined after a failure. Test the result and give up (or fall back) when it is non-zero.`,
      });
    }
  },
};
