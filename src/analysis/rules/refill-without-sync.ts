/**
 * refill-without-sync: after `dma_sync_*_for_cpu()`, a buffer goes back to the device (its handle is
 * written into a descriptor or passed to a post/refill call) with no `dma_sync_*_for_device()` in
 * between, while the CPU wrote it in the meantime or the mapping is DMA_BIDIRECTIONAL.
 */
import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { callName, callArgs, normText, lineAt } from '../ast';
import { apiEntry } from '../api';
import { reach, walkOwn } from '../cfg';
import type { CfgNode } from '../cfg';
import type { FunctionContext } from '../facts';
import { accesses, mentionsNorm, reassigns, regions, type Region, type Access } from '../ownership';

const NOT_DEVICE = /^(pr_\w+|dev_(err|warn|info|dbg|notice|err_ratelimited|warn_ratelimited)|netdev_\w+|netif_\w+|printk|WARN\w*|BUG_ON|unlikely|likely|trace_\w+|memcpy|memset|memcmp|kfree|skb_\w+|napi_\w+|page_address|virt_to_page|lower_32_bits|upper_32_bits|cpu_to_\w+|le\d+_to_cpu|min|max|min_t|max_t|ALIGN|dma_\w+|xdp_\w+|bpf_\w+|build_skb|__skb_\w+|page_pool_\w+|put_page|get_page|__free_pages?|sg_\w+|dma_unmap_\w+|dma_unmap_addr_set)$/;

/** The expression in a CFG node that gives the region's handle back to the device, if any. */
function handBack(ctx: FunctionContext, n: CfgNode, r: Region): Node | null {
  if (!n.node || n.kind === 'cond') return null;
  let hit: Node | null = null;
  walkOwn(n, (x) => {
    if (hit) return false;
    if (x.type === 'assignment_expression') {
      const l = x.childForFieldName('left');
      const v = x.childForFieldName('right');
      // a descriptor field or ring slot gets the handle (not a local copy, not the handle itself)
      if (l && v && l.type !== 'identifier' && normText(l) !== r.handle && mentionsNorm(normText(v), r.handle) && !/\bdma_unmap_addr\b/.test(normText(l))) { hit = x; return false; }
      return true;
    }
    if (x.type === 'call_expression') {
      const name = callName(x) ?? '';
      if (apiEntry(name) || NOT_DEVICE.test(name)) return true;
      if (!/(post|refill|reuse|recycle|give|push|queue|submit|add|put|fill|write|set_desc|alloc_rx|kick)/i.test(name)) return true;
      if (callArgs(x).some((a) => mentionsNorm(normText(a), r.handle))) { hit = x; return false; }
    }
    return true;
  });
  return hit;
}

export const rule: Rule = {
  id: 'refill-without-sync',
  title: 'A buffer goes back to the device after dma_sync_*_for_cpu() without dma_sync_*_for_device(), though the CPU wrote it or it is BIDI',
  severity: 'warning',
  checkFunction(ctx, report) {
    if (ctx.facts.hasError) return;
    const rs = regions(ctx).filter((r) => r.toCpu.some((e) => e.kind === 'sync-for-cpu'));
    if (!rs.length) return;
    const acc = accesses(ctx);
    for (const r of rs) {
      if (!r.dir) continue;
      const stopIds = new Set([...r.toDev, ...r.toCpu.filter((e) => e.kind === 'unmap')].map((e) => e.node.id));
      const moved = (n: CfgNode): boolean => r.bases.some((b) => reassigns(n, b));
      let done = false;
      for (const s of r.toCpu.filter((e) => e.kind === 'sync-for-cpu').sort((a, b) => a.call.start - b.call.start)) {
        if (done) break;
        // hand-backs reachable from the sync with no sync_for_device, unmap, map or reassignment in between
        const cands: { n: CfgNode; x: Node }[] = [];
        for (const n of ctx.cfg.nodes) {
          if (n.id === s.node.id || stopIds.has(n.id) || n.start < s.call.start) continue;
          const x = handBack(ctx, n, r);
          if (!x) continue;
          if (!reach(ctx.cfg, s.node.id, { target: (m) => m.id === n.id, blocked: (m) => stopIds.has(m.id) || moved(m), limit: 20000 })) continue;
          cands.push({ n, x });
        }
        for (const { n, x } of cands.sort((a, b) => a.n.start - b.n.start)) {
          // a CPU write between the sync and the hand-back
          const write: Access | undefined = acc.find((a) => a.region === r && a.write && a.start > s.call.end && a.end <= n.end &&
            !!reach(ctx.cfg, s.node.id, { target: (m) => m.id === a.node.id, blocked: (m) => stopIds.has(m.id) || moved(m), limit: 20000 }) &&
            (a.node.id === n.id || !!reach(ctx.cfg, a.node.id, { target: (m) => m.id === n.id, blocked: (m) => stopIds.has(m.id) || moved(m), limit: 20000 })));
          if (!write && r.dir !== 'BIDI') continue;
          const why = write
            ? `the CPU wrote it at line ${lineAt(ctx.text, write.start)} (\`${write.expr}\`)`
            : 'the mapping is DMA_BIDIRECTIONAL, so the device may read what the CPU holds';
          report({
            start: x.startIndex, end: x.endIndex,
            message: `\`${r.handle}\` goes back to the device here after ${s.call.name}() at line ${lineAt(ctx.text, s.call.start)} with no dma_sync_*_for_device() in between, and ${why}. Without the sync, non-coherent CPUs keep the data in dirty cache lines (and may later write them over the device's data) and swiotlb never copies it to the bounce slot. Call dma_sync_single_for_device() before re-posting the buffer.`,
            related: [
              { start: s.call.start, end: s.call.end, message: 'the CPU took the buffer here' },
              ...(write ? [{ start: write.start, end: write.end, message: 'the CPU writes the buffer here' }] : []),
            ],
          });
          done = true;
          break;
        }
      }
    }
  },
};
