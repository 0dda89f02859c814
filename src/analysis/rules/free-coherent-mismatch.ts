import type { Rule } from './types';
import { releasePairs, sizesDiffer } from './shared/pairing';
import { familyVerdict } from './shared/releaseFamily';
import { replaceFix } from './shared/fixes';

export const rule: Rule = {
  id: 'free-coherent-mismatch',
  title: 'A coherent free does not match its allocation (function, size, address, handle or attrs)',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const p of releasePairs(ctx)) {
      const a = p.obj.call;
      const r = p.rel;
      if (p.obj.kind !== 'alloc' || (a.family !== 'coherent' && a.family !== 'managed') || r.role !== 'free') continue;
      const related = [{ start: a.start, end: a.end, message: `allocated here with ${a.name}()` }];
      if (familyVerdict(p) === 'coherent-mismatch') {
        report({ start: r.start, end: r.start + r.name.length, message: `Memory from ${a.name}() must be freed with ${a.name.replace('alloc', 'free')}() (the free path depends on the attributes); ${r.name}() does not match.`, related });
        continue;
      }
      if (a.size && r.size && sizesDiffer(ctx, a.size.norm, r.size.norm)) {
        report({ start: r.size.start, end: r.size.end, message: `${r.name}() frees \`${r.size.text}\` bytes but ${a.name}() allocated \`${a.size.text}\`; free with the allocation size.`, related, fixes: [replaceFix(`Use the allocation size \`${a.size.text}\``, r.size.start, r.size.end, a.size.text)] });
      }
      if (a.attrs && r.attrs && a.attrs.norm !== r.attrs.norm && !/[a-z]/.test(a.attrs.norm + r.attrs.norm)) {
        report({ start: r.attrs.start, end: r.attrs.end, message: `${r.name}() passes attrs ${r.attrs.text} but the allocation used ${a.attrs.text}; free with the same attrs.`, related, fixes: [replaceFix('Use the allocation attrs', r.attrs.start, r.attrs.end, a.attrs.text)] });
      }
    }
  },
};
