import type { Rule } from './types';
import { releasePairs } from './shared/pairing';
import { familyVerdict } from './shared/releaseFamily';
import { replaceFix } from './shared/fixes';

export const rule: Rule = {
  id: 'dmam-mixed-free',
  title: 'Managed (dmam_*) memory freed with the unmanaged free',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const p of releasePairs(ctx)) {
      if (familyVerdict(p) !== 'dmam-mixed') continue;
      const fix = p.rel.name === 'dma_free_coherent' ? [replaceFix('Use dmam_free_coherent()', p.rel.start, p.rel.start + p.rel.name.length, 'dmam_free_coherent')] : [];
      report({
        start: p.rel.start,
        end: p.rel.start + p.rel.name.length,
        message: `${p.obj.call.name}() memory is devres-managed; ${p.rel.name}() leaves the devres entry behind and it is freed again at detach. Use dmam_free_coherent() or let devres free it.`,
        related: [{ start: p.obj.call.start, end: p.obj.call.end, message: 'managed allocation' }],
        fixes: fix,
      });
    }
  },
};
