import type { Rule } from './types';
import { accesses, deviceOwnerAt, exitsWithoutSyncForDevice, lineAt } from '../ownership';
import { firstPerRegion, type Access } from '../ownership';
import { dirName } from './cpu-access-device-owned';

export const rule: Rule = {
  id: 'missing-sync-for-device',
  title: 'The CPU writes a mapped TO/BIDI buffer and hands it on without dma_sync_*_for_device()',
  // 2 of 5 strictly real on 6.12 (docs/rules/missing-sync-for-device.md): below the 90% bar, so info
  severity: 'info',
  checkFunction(ctx, report) {
    if (ctx.cfg.truncated) return;
    const found: { a: Access; f: Parameters<typeof report>[0] }[] = [];
    for (const a of accesses(ctx)) {
      const r = a.region;
      if (!a.write || (r.dir !== 'TO' && r.dir !== 'BIDI')) continue;
      const owner = deviceOwnerAt(ctx, a);
      if (!owner || owner === 'entry') continue;
      const exit = exitsWithoutSyncForDevice(ctx, a);
      if (!exit) continue;
      found.push({ a, f: {
        start: a.start, end: a.end,
        message: `\`${a.expr}\` is written after ${owner.call.name}() at line ${lineAt(ctx.text, owner.call.start)} (${dirName(r.dir)}) and no dma_sync_single_for_device() follows before the buffer goes to the device; the device can read stale memory or a stale bounce slot. Fill the buffer before mapping it, or sync it for the device after writing.`,
        related: [{ start: owner.call.start, end: owner.call.end, message: 'device owns the buffer from here' }],
      } });
    }
    for (const x of firstPerRegion(found)) report(x.f);
  },
};
