import type { Rule } from './types';
import { dirName } from '../directions';
import { deviceOwnerAt, firstFindingPerRegion, type Access } from '../ownership';
import { lineAt } from '../ast';

export const rule: Rule = {
  id: 'cpu-access-device-owned',
  title: 'The CPU reads or writes a streaming buffer while the device owns it',
  // 7 of 12 strictly real on 6.12 (docs/rules/cpu-access-device-owned.md): below the 90% bar, so info
  severity: 'info',
  checkFunction(ctx, report) {
    const judge = (a: Access): Parameters<typeof report>[0] | null => {
      const r = a.region;
      if (!r.dir) return null;
      // reads of a TO mapping see the CPU's own data on every platform; writes to TO/BIDI are missing-sync-for-device
      if (!a.write && r.dir === 'TO') return null;
      if (a.write && r.dir !== 'FROM') return null;
      const owner = deviceOwnerAt(ctx, a);
      if (!owner || owner === 'entry') return null;
      const what = owner.kind === 'map' ? `mapped for ${dirName(r.dir)} at line ${lineAt(ctx.text, owner.call.start)}` : `handed back to the device by ${owner.call.name}() at line ${lineAt(ctx.text, owner.call.start)}`;
      return {
        start: a.start, end: a.end,
        message: a.write
          ? `\`${a.expr}\` writes a buffer the device owns (${what}); a CPU write to a DMA_FROM_DEVICE mapping is discarded or overwrites device data. Call dma_sync_single_for_cpu() (or unmap) first, or map DMA_BIDIRECTIONAL.`
          : `\`${a.expr}\` reads a buffer the device owns (${what}); call dma_sync_single_for_cpu() or unmap it before the CPU reads it (stale cache lines or a stale bounce buffer otherwise).`,
        related: [{ start: owner.call.start, end: owner.call.end, message: owner.kind === 'map' ? 'device owns the buffer from here' : 'ownership returned to the device here' }],
      };
    };
    for (const f of firstFindingPerRegion(ctx, judge)) report(f);
  },
};
