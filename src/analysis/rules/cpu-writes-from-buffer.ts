import type { Rule } from './types';
import { reach } from '../cfg';
import { deviceOwnerAt, firstFindingPerRegion, reassigns, type Access } from '../ownership';
import { lineAt } from '../ast';

export const rule: Rule = {
  id: 'cpu-writes-from-buffer',
  title: 'The CPU writes a DMA_FROM_DEVICE buffer and then hands it back to the device',
  severity: 'warning',
  checkFunction(ctx, report) {
    const judge = (a: Access): Parameters<typeof report>[0] | null => {
      const r = a.region;
      if (!a.write || r.dir !== 'FROM') return null;
      // writes while the device owns it are cpu-access-device-owned
      if (deviceOwnerAt(ctx, a)) return null;
      // the buffer must be the mapped one at this point: reachable from its map with no reassignment
      const mapEv = r.toDev.find((e) => e.kind === 'map');
      if (mapEv && !reach(ctx.cfg, mapEv.node.id, { target: (n) => n.id === a.node.id, blocked: (n) => r.bases.some((b) => reassigns(n, b)), limit: 20000 })) return null;
      const back = r.toDev.filter((e) => e.kind === 'sync-for-device' && e.call.start > a.end);
      const hit = back.find((e) => !!reach(ctx.cfg, a.node.id, { target: (n) => n.id === e.node.id, blocked: (n) => r.toCpu.some((c) => c.kind === 'unmap' && c.node.id === n.id), limit: 20000 }));
      if (!hit) return null;
      return {
        start: a.start, end: a.end,
        message: `\`${a.expr}\` writes a DMA_FROM_DEVICE buffer that ${hit.call.name}() at line ${lineAt(ctx.text, hit.call.start)} hands back to the device; for FROM the CPU must treat the memory as read-only (swiotlb does not copy the write to the bounce slot, arm64 does write it back). Map it DMA_BIDIRECTIONAL if the CPU writes it.`,
        related: [{ start: hit.call.start, end: hit.call.end, message: 'handed back to the device here' }],
      };
    };
    for (const f of firstFindingPerRegion(ctx, judge)) report(f);
  },
};
