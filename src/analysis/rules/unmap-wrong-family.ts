import type { Rule } from './types';
import { releasePairs } from './pairing';
import { familyVerdict } from './familyCommon';

export const rule: Rule = {
  id: 'unmap-wrong-family',
  title: 'A mapping or allocation is released with a function of another family',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const p of releasePairs(ctx)) {
      const v = familyVerdict(p);
      if (v !== 'wrong' && v !== 'single-page') continue;
      report({
        severity: v === 'single-page' ? 'info' : undefined,
        start: p.rel.start,
        end: p.rel.start + p.rel.name.length,
        message: v === 'single-page'
          ? `${p.rel.name}() releases a ${p.obj.call.name}() mapping; dma-debug accepts it, but pair ${p.obj.call.name}() with its own unmap.`
          : `${p.rel.name}() releases memory obtained with ${p.obj.call.name}(); use the matching release function (${(p.obj.call.family ?? '')} family).`,
        related: [{ start: p.obj.call.start, end: p.obj.call.end, message: `obtained here with ${p.obj.call.name}()` }],
      });
    }
  },
};
