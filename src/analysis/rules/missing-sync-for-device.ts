import type { Rule } from './types';
import { deviceOwnerAt, exitsWithoutSyncForDevice, firstFindingPerRegion, type Access } from '../ownership';
import { lineAt } from '../ast';
import { dirName } from '../directions';

export const rule: Rule = {
  id: 'missing-sync-for-device',
  title: 'The CPU writes a mapped TO/BIDI buffer and hands it on without dma_sync_*_for_device()',
  // 2 of 5 strictly real on 6.12 (docs/rules/missing-sync-for-device.md): below the 90% bar, so info
  severity: 'info',
  checkFunction(ctx, report) {
    const judge = (a: Access): Parameters<typeof report>[0] | null => {
      const r = a.region;
      if (!a.write || (r.dir !== 'TO' && r.dir !== 'BIDI')) return null;
      const owner = deviceOwnerAt(ctx, a);
      if (!owner || owner === 'entry') return null;
      const exit = exitsWithoutSyncForDevice(ctx, a);
      if (!exit) return null;
      return {
        start: a.start, end: a.end,
        message: `\`${a.expr}\` is written after ${owner.call.name}() at line ${lineAt(ctx.text, owner.call.start)} (${dirName(r.dir)}) and no dma_sync_single_for_device() follows before the buffer goes to the device; the device can read stale memory or a stale bounce slot. Fill the buffer before mapping it, or sync it for the device after writing.`,
        related: [{ start: owner.call.start, end: owner.call.end, message: 'device owns the buffer from here' }],
      };
    };
    for (const f of firstFindingPerRegion(ctx, judge)) report(f);
  },
};
