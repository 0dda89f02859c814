import type { Rule } from './types';
import { releasePairs, sizesDiffer } from './shared/pairing';
import { replaceFix, mappedWith } from './shared/fixes';

export const rule: Rule = {
  id: 'unmap-size-mismatch',
  title: 'An unmap passes a different size than its map',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const { obj, rel } of releasePairs(ctx)) {
      if (obj.kind !== 'map' || !obj.call.size || !rel.size) continue;
      if (!sizesDiffer(ctx, obj.call.size.norm, rel.size.norm)) continue;
      report({
        start: rel.size.start,
        end: rel.size.end,
        message: `${rel.name}() passes size \`${rel.size.text}\` but the mapping was made with \`${obj.call.size.text}\`; unmap with exactly the size given to ${obj.call.name}().`,
        related: [{ start: obj.call.start, end: obj.call.end, message: mappedWith('size', obj.call.size.text) }],
        fixes: [replaceFix(`Use the map's size \`${obj.call.size.text}\``, rel.size.start, rel.size.end, obj.call.size.text)],
      });
    }
  },
};
