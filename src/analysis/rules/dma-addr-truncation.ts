import type { Rule } from './types';
import { declaredType } from './shared/locals';

const NARROW = /^(u32|u16|u8|int|unsigned|unsigned int|uint32_t|uint16_t|__u32|s32|__le32|__be32|unsigned short|short)$/;

export const rule: Rule = {
  id: 'dma-addr-truncation',
  title: 'A DMA address kept in a 32-bit (or narrower) integer',
  severity: 'error',
  // off by default: most corpus findings are drivers for 32-bit-only SoCs where dma_addr_t is 32 bits (docs/rules/dma-addr-truncation.md)
  enabledByDefault: false,
  checkFunction(ctx, report) {
    for (const c of ctx.facts.calls) {
      if (c.role !== 'map' || (c.family !== 'single' && c.family !== 'page' && c.family !== 'resource')) continue;
      if (c.result !== 'assigned' || !c.lvalue || !c.lvalueLocal) continue;
      const t = declaredType(ctx.body, c.lvalue.norm);
      if (!t || !NARROW.test(t)) continue;
      report({
        start: c.lvalue.start, end: c.lvalue.end,
        message: `\`${c.lvalue.text}\` is declared \`${t}\`, but ${c.name}() returns a dma_addr_t (64 bits on most platforms, and IOMMU or offset translation can put it above 4 GiB); the top bits are lost and dma_mapping_error() can no longer recognise DMA_MAPPING_ERROR. Declare it dma_addr_t and split it with lower_32_bits()/upper_32_bits() only when writing the device.`,
      });
    }
  },
};
