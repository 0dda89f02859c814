import type { Rule } from './types';
import { deviceOwnerAt, firstFindingPerRegion, type Access } from '../ownership';
import { lineAt } from '../ast';

export const rule: Rule = {
  id: 'missing-sync-for-cpu',
  title: 'The CPU reads device-written data before dma_sync_*_for_cpu() or unmap',
  severity: 'error',
  checkFunction(ctx, report) {
    const judge = (a: Access): Parameters<typeof report>[0] | null => {
      const r = a.region;
      if (a.write || (r.dir !== 'FROM' && r.dir !== 'BIDI')) return null;
      if (deviceOwnerAt(ctx, a) !== 'entry') return null;
      const later = r.toCpu.filter((e) => e.call.start > a.end).sort((x, y) => x.call.start - y.call.start)[0] ?? r.toCpu[0];
      return {
        start: a.start, end: a.end,
        message: `\`${a.expr}\` reads memory the device writes (handle \`${r.handle}\`) before ${later.call.name}() at line ${lineAt(ctx.text, later.call.start)}; on non-coherent or bounced mappings the CPU sees stale data. Sync for the CPU first.`,
        related: [{ start: later.call.start, end: later.call.end, message: 'the CPU takes ownership only here' }],
      };
    };
    for (const f of firstFindingPerRegion(ctx, judge)) report(f);
  },
};
