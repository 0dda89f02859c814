import type { Rule } from './types';
import { releasePairs } from './shared/pairing';
import { dirConst } from '../directions';
import { replaceFix } from './shared/fixes';

export const rule: Rule = {
  id: 'unmap-dir-mismatch',
  title: 'An unmap passes a different direction than its map',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const { obj, rel } of releasePairs(ctx)) {
      if (!obj.call.dir || !rel.dir) continue;
      const a = dirConst(obj.call.dir.norm);
      const b = dirConst(rel.dir.norm);
      if (!a || !b || a === b || a === 'NONE' || b === 'NONE') continue;
      report({
        start: rel.dir.start,
        end: rel.dir.end,
        message: `${rel.name}() uses ${rel.dir.text} but the buffer was mapped ${obj.call.dir.text}; the unmap-time direction decides the copy-back and cache maintenance, so pass the map's direction.`,
        related: [{ start: obj.call.start, end: obj.call.end, message: `mapped here with ${obj.call.dir.text}` }],
        fixes: [replaceFix(`Use the map's direction ${obj.call.dir.text}`, rel.dir.start, rel.dir.end, obj.call.dir.text)],
      });
    }
  },
};
