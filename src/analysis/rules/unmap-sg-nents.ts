import type { Rule } from './types';
import { replaceFix, mappedWith } from './shared/fixes';
import { stripOuterParens, addressOf } from '../facts';

export const rule: Rule = {
  id: 'unmap-sg-nents',
  title: 'dma_unmap_sg()/dma_sync_sg_*() called with the mapped count instead of the original nents',
  severity: 'error',
  checkFunction(ctx, report) {
    const calls = ctx.facts.calls;
    for (const o of ctx.facts.objects) {
      const m = o.call;
      if (o.kind !== 'map') continue;
      if (m.family === 'sg' && m.lvalue && m.nents && m.lvalue.norm !== m.nents.norm) {
        const count = m.lvalue.norm;
        for (const c of calls) {
          if (c.start <= m.end || c.family !== 'sg' || !c.nents || !(c.role === 'unmap' || c.role === 'sync-for-cpu' || c.role === 'sync-for-device')) continue;
          if (!c.buffer || !m.buffer || stripOuterParens(c.buffer.norm) !== stripOuterParens(m.buffer.norm)) continue;
          if (stripOuterParens(c.nents.norm) !== count) continue;
          report({
            start: c.nents.start, end: c.nents.end,
            message: `${c.name}() must get the nents passed to ${m.name}() (\`${m.nents.text}\`), not the mapped count \`${c.nents.text}\` it returned.`,
            related: [{ start: m.start, end: m.end, message: mappedWith('nents', m.nents.text) }],
            fixes: [replaceFix(`Use the original nents \`${m.nents.text}\``, c.nents.start, c.nents.end, m.nents.text)],
          });
        }
      }
      if (m.family === 'sgtable' && m.buffer) {
        const b = stripOuterParens(m.buffer.norm);
        const base = addressOf(b);
        const nentsForms = base ? [`${base}.nents`] : [`${b}->nents`];
        const orig = base ? `${base}.orig_nents` : `${b}->orig_nents`;
        for (const c of calls) {
          if (c.start <= m.end || c.family !== 'sg' || !c.nents || !(c.role === 'unmap' || c.role === 'sync-for-cpu' || c.role === 'sync-for-device')) continue;
          if (!nentsForms.includes(stripOuterParens(c.nents.norm))) continue;
          report({
            start: c.nents.start, end: c.nents.end,
            message: `After dma_map_sgtable() \`${c.nents.text}\` is the mapped count; ${c.name}() needs the original count (\`${orig}\`), or use the sgtable variant.`,
            related: [{ start: m.start, end: m.end, message: 'mapped here' }],
            fixes: [replaceFix(`Use \`${orig}\``, c.nents.start, c.nents.end, orig)],
          });
        }
      }
    }
  },
};
