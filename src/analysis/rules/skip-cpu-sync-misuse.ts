/**
 * skip-cpu-sync-misuse: `DMA_ATTR_SKIP_CPU_SYNC` on a map whose buffer is never synced for the
 * device anywhere in the file (the first hand-off then happens with no cache clean), or on an
 * unmap of a FROM/BIDI mapping that was not synced for the CPU first, when the CPU then reads it
 * (swiotlb skips the copy back, non-coherent CPUs skip the invalidate).
 */
import type { Rule } from './types';
import { reach } from '../cfg';
import type { CfgNode } from '../cfg';
import type { FunctionContext } from '../facts';
import { handleKey, stripOuterParens } from '../facts';
import { accesses, bodyAssignments, reassigns, regions } from '../ownership';
import { lineAt } from '../ast';

const SKIP = /\bDMA_ATTR_SKIP_CPU_SYNC\b/;

/** Keys a map's handle goes by: its lvalue, and the fields a local handle is stored into. */
function mapKeys(ctx: FunctionContext, lv: string): Set<string> {
  const out = new Set([handleKey(lv)]);
  if (ctx.locals.has(lv)) {
    const re = new RegExp(`(^|[^\\w.>])${lv}\\b`);
    for (const a of bodyAssignments(ctx).list) if (!a.decl && a.op === '=' && re.test(a.value)) out.add(handleKey(a.left));
  }
  return out;
}

export const rule: Rule = {
  id: 'skip-cpu-sync-misuse',
  title: 'DMA_ATTR_SKIP_CPU_SYNC on a first mapping never synced for the device, or on an unmap whose data the CPU still needs',
  severity: 'warning',
  // whether the file syncs a handle for the device anywhere
  factsKey: (s, fnText) => (s.syncForDevice && fnText.includes('DMA_ATTR_SKIP_CPU_SYNC') ? [...s.syncForDevice].sort().join(',') : ''),
  // 0 of 4 strictly real on 6.12 (coherent-only SoCs; docs/rules/skip-cpu-sync-misuse.md): opt-in
  enabledByDefault: false,
  checkFunction(ctx, report) {
    if (!SKIP.test(ctx.text.slice(ctx.body.startIndex, ctx.body.endIndex))) return;
    // (a) maps
    for (const c of ctx.facts.calls) {
      if (c.role !== 'map' || !c.attrs || !SKIP.test(c.attrs.text)) continue;
      // resources have no cache lines; sg tables with the attribute are the GPU/dma-buf convention of explicit clflush or
      // begin/end_cpu_access, which this analysis cannot follow
      if (c.family !== 'single' && c.family !== 'page') continue;
      // the shared zero page is never dirty
      if (c.buffer && /zero_page|ZERO_PAGE|empty_zero_page/.test(c.buffer.text)) continue;
      const lv = c.lvalue?.norm;
      if (!lv) continue;
      const synced = ctx.summary.syncForDevice ?? new Set<string>();
      if (synced.has('*') || (c.dir && synced.has('dir:' + c.dir.norm))) continue;
      const keys = mapKeys(ctx, stripOuterParens(lv));
      if ([...keys].some((k) => synced.has(k))) continue;
      report({
        start: c.attrs.start, end: c.attrs.end,
        message: `${c.name}() skips the CPU cache maintenance with DMA_ATTR_SKIP_CPU_SYNC, but nothing in this file syncs \`${lv}\` for the device afterwards; on a non-coherent platform the buffer's dirty cache lines are never written back, so the device reads stale memory (or, for DMA_FROM_DEVICE, a later eviction overwrites what it wrote). Drop the attribute, or call dma_sync_single_for_device() (for the range the device uses) before handing the buffer over.`,
        related: [{ start: c.start, end: c.end, message: `mapped here without the initial cache maintenance; no dma_sync_*_for_device() of \`${lv}\` follows in this file` }],
      });
    }
    // (b) unmaps of FROM/BIDI mappings whose data the CPU reads afterwards without a sync_for_cpu first
    const rs = regions(ctx);
    const acc = accesses(ctx);
    for (const r of rs) {
      if (r.dir !== 'FROM' && r.dir !== 'BIDI') continue;
      for (const u of r.toCpu) {
        if (u.kind !== 'unmap' || u.call.id < 0 || !u.call.attrs || !SKIP.test(u.call.attrs.text)) continue;
        const cpuSyncs = new Set(r.toCpu.filter((e) => e.kind === 'sync-for-cpu').map((e) => e.node.id));
        const moved = (n: CfgNode): boolean => r.bases.some((b) => reassigns(n, b));
        // is the unmap reached from a device-owning event (or from entry) with no sync_for_cpu in between?
        const starts = r.toDev.length ? r.toDev.map((e) => e.node.id) : [ctx.cfg.entry];
        const unsynced = starts.some((s) => !!reach(ctx.cfg, s, { target: (n) => n.id === u.node.id, blocked: (n) => cpuSyncs.has(n.id) || moved(n), limit: 20000 }));
        if (!unsynced) continue;
        const read = acc.filter((a) => a.region === r && !a.write && a.start > u.call.end).sort((x, y) => x.start - y.start)
          .find((a) => !!reach(ctx.cfg, u.node.id, { target: (n) => n.id === a.node.id, blocked: moved, limit: 20000 }));
        if (!read) continue;
        report({
          start: u.call.attrs.start, end: u.call.attrs.end,
          message: `${u.call.name}() with DMA_ATTR_SKIP_CPU_SYNC drops the device's data for \`${r.handle}\`: no dma_sync_*_for_cpu() came first, and \`${read.expr}\` at line ${lineAt(ctx.text, read.start)} reads the buffer. With swiotlb the bounce slot is released without being copied back; on non-coherent CPUs the stale cache lines are not invalidated. Sync for the CPU before the unmap, or drop the attribute.`,
          related: [{ start: read.start, end: read.end, message: 'the CPU reads the buffer here' }],
        });
      }
    }
  },
};
