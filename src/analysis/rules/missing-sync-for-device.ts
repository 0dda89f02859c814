import type { Rule } from './types';
import { deviceOwnerAt, exitsWithoutSyncForDevice, firstFindingPerRegion, handsOff, type Access } from '../ownership';
import { reach } from '../cfg';
import type { FunctionContext } from '../facts';
import { lineAt } from '../ast';
import { dirName } from '../directions';

export const rule: Rule = {
  id: 'missing-sync-for-device',
  title: 'The CPU writes a mapped TO/BIDI buffer and hands it on without dma_sync_*_for_device()',
  // 3 of 6 strictly real on 6.12 (docs/rules/missing-sync-for-device.md): below the 90% bar, so info
  severity: 'info',
  checkFunction(ctx, report) {
    const judge = (a: Access): Parameters<typeof report>[0] | null => {
      const r = a.region;
      if (!a.write || (r.dir !== 'TO' && r.dir !== 'BIDI')) return null;
      const owner = deviceOwnerAt(ctx, a);
      if (!owner || owner === 'entry') return null;
      const exit = exitsWithoutSyncForDevice(ctx, a) ?? handedOffBeforeUnmap(ctx, a);
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

/**
 * The function's own unmap ends the transfer, it does not start it: a write followed by a hand-off
 * (an MMIO doorbell, a call or a descriptor store taking the handle) and then by the unmap, with no
 * sync_for_device after the write, gave the device stale memory. The hand-off node, or null.
 */
function handedOffBeforeUnmap(ctx: FunctionContext, a: Access) {
  const r = a.region;
  const unmaps = new Set(r.toCpu.filter((e) => e.kind === 'unmap').map((e) => e.node.id));
  if (!unmaps.size) return null;
  const syncs = new Set(r.toDev.filter((e) => e.kind === 'sync-for-device').map((e) => e.node.id));
  if (syncs.has(a.node.id) || unmaps.has(a.node.id)) return null;
  return reach(ctx.cfg, a.node.id, {
    target: (h) => handsOff(ctx, h, r) && !!reach(ctx.cfg, h.id, { target: (n) => unmaps.has(n.id), blocked: (n) => syncs.has(n.id), limit: 20000 }),
    blocked: (n) => syncs.has(n.id) || unmaps.has(n.id),
    limit: 20000,
  });
}
