import type { Rule } from './types';
import { syncPairs } from './shared/pairing';
import { dirConst } from '../directions';
import { replaceFix } from './shared/fixes';

export const rule: Rule = {
  id: 'sync-dir-mismatch',
  title: 'A sync passes a different direction than the mapping',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const { obj, rel } of syncPairs(ctx)) {
      if (obj.kind !== 'map' || !obj.call.dir || !rel.dir) continue;
      const m = dirConst(obj.call.dir.norm);
      const s = dirConst(rel.dir.norm);
      if (!m || !s || m === 'BIDI' || m === s || m === 'NONE' || s === 'NONE') continue;
      let why = `the mapping is ${obj.call.dir.text}; sync with the mapping's direction`;
      if (rel.role === 'sync-for-cpu' && m === 'TO') why = `the mapping is ${obj.call.dir.text}, which is device read-only memory: syncing it for the CPU with ${rel.dir.text} is what dma-debug reports as "device read-only DMA memory for cpu"`;
      if (rel.role === 'sync-for-device' && m === 'FROM') why = `the mapping is ${obj.call.dir.text}, which is device write-only memory: syncing it to the device with ${rel.dir.text} is what dma-debug reports as "device write-only DMA memory to device"`;
      report({
        start: rel.dir.start, end: rel.dir.end,
        message: `${rel.name}() uses ${rel.dir.text} but ${why}. If both sides write the buffer, map it DMA_BIDIRECTIONAL.`,
        related: [{ start: obj.call.start, end: obj.call.end, message: `mapped here with ${obj.call.dir.text}` }],
        fixes: [replaceFix(`Use the map's direction ${obj.call.dir.text}`, rel.dir.start, rel.dir.end, obj.call.dir.text)],
      });
    }
  },
};
