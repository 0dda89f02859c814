/**
 * partial-unwind: a loop maps one buffer per round and keeps the handles; when a later round's
 * mapping fails, the error exit does not unmap the buffers the earlier rounds mapped.
 */
import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { walk, callName, callArgs, normText, lineAt } from '../ast';
import { apiEntry } from '../api';
import { reach, walkOwn } from '../cfg';
import type { CfgNode } from '../cfg';
import type { DmaObject, FunctionContext } from '../facts';
import { failureBranch, isErrorReturn } from '../conditions';

/** Calls that undo mappings (or may: a same-file DMA helper, a cleanup-named function). Plain frees do not. */
const CLEANUP_RE = /unmap|unwind|undo|clean|rollback|release|teardown|destroy|drain|purge|reset|free_(tx|rx|ring|buf|bufs|desc|descs|skbs|frags|chain|resources|queue|all|mapping|mappings|sg|sgl|table)|_(tx|rx|ring|buf|bufs|desc|descs|queue|chain)_free|free_\w*(bufs|buffers|descs|entries|ring)$/i;
const PLAIN_FREE_RE = /^(kfree|kvfree|vfree|devm_kfree|kfree_skb|kfree_skb_any|dev_kfree_skb|dev_kfree_skb_any|dev_kfree_skb_irq|dev_consume_skb_any|consume_skb|napi_consume_skb|__free_page|__free_pages|free_page|free_pages|put_page|page_frag_free|skb_free_frag)$/;
const SKB_FREE_RE = /^(kfree_skb|kfree_skb_any|dev_kfree_skb|dev_kfree_skb_any|dev_kfree_skb_irq|dev_consume_skb_any|consume_skb|napi_consume_skb)$/;

function cleans(ctx: FunctionContext, n: CfgNode): boolean {
  if (!n.node) return false;
  let hit = false;
  walkOwn(n, (x) => {
    if (hit) return false;
    if (x.type !== 'call_expression') return true;
    const name = callName(x) ?? '';
    const e = apiEntry(name);
    if (e && (e.role === 'unmap' || e.role === 'free' || e.role === 'pool-free')) hit = true;
    else if (!e && !PLAIN_FREE_RE.test(name) && (ctx.summary.dmaFunctions.has(name) || CLEANUP_RE.test(name))) hit = true;
    // an iterator macro or loop that walks entries again (`while (i--)`, `for_each_sg`) is assumed to unwind
    return true;
  });
  return hit;
}

function innermostLoop(o: DmaObject): { start: number; end: number } | null {
  let best: { start: number; end: number } | null = null;
  for (const l of o.call.loops) if (!best || l.end - l.start < best.end - best.start) best = l;
  return best;
}

export const rule: Rule = {
  id: 'partial-unwind',
  title: 'A loop maps N buffers, and the error exit of a later round does not unmap the earlier ones',
  severity: 'warning',
  checkFunction(ctx, report) {
    if (ctx.facts.hasError) return;
    for (const o of ctx.facts.objects) {
      const c = o.call;
      if (o.kind !== 'map' || (c.family !== 'single' && c.family !== 'page' && c.family !== 'sg')) continue;
      const loop = innermostLoop(o);
      if (!loop) continue;
      const lv = c.lvalue?.norm;
      if (!lv) continue;
      // the loop must keep every round's handle: an indexed or field lvalue, or a store inside the loop
      const keeps = /[[.]|->/.test(lv) || o.escapes.some((e) => e.how === 'stored' && e.start > loop.start && e.end < loop.end);
      if (!keeps) continue;
      // the failure test of this mapping, inside the loop
      const cond = ctx.cfg.nodes.find((n) => n.kind === 'cond' && !!n.node && n.start > c.end && n.end < loop.end && failureBranch(ctx, n.node.text, o) !== null);
      if (!cond || !cond.node) continue;
      const fb = failureBranch(ctx, cond.node.text, o)!;
      const i = cond.edge.indexOf(fb);
      if (i < 0) continue;
      const first = ctx.cfg.nodes[cond.succ[i]];
      // the failure branch's own text: an error value set there makes `return ret` an error return
      const ifs = cond.node.parent?.type === 'if_statement' ? cond.node.parent : null;
      const branch = ifs ? (fb === 't' ? ifs.childForFieldName('consequence') : ifs.childForFieldName('alternative')) : null;
      const branchText = branch ? normText(branch) : '';
      const errVar = (n: CfgNode): boolean => {
        if (!n.node) return false;
        const v = normText(n.node).replace(/^return\s*/, '').replace(/;$/, '');
        return ctx.locals.has(v) && new RegExp(`(^|[^\\w.>])${v}=-E[A-Z0-9]+`).test(branchText);
      };
      let skbFreed = false;
      // an unwind loop (`while (--i >= 0) dma_unmap_single(…)`) whose body undoes mappings
      const cleanCache = new Map<number, boolean>();
      const loopCleans = (loopNode: Node): boolean => {
        let v = cleanCache.get(loopNode.id);
        if (v === undefined) {
          v = ctx.cfg.nodes.some((m) => m.start >= loopNode.startIndex && m.end <= loopNode.endIndex && m.kind === 'stmt' && cleans(ctx, m));
          cleanCache.set(loopNode.id, v);
        }
        return v;
      };
      const isExit = (n: CfgNode): boolean => n.kind === 'return' && !!n.node && (isErrorReturn(n.node) || /NETDEV_TX_(OK|BUSY)/.test(n.node.text) || errVar(n));
      const blocked = (n: CfgNode): boolean => {
        if (n.node && n.kind === 'stmt') walk(n.node, (x) => {
          if (x.type === 'call_expression' && SKB_FREE_RE.test(callName(x) ?? '')) {
            // the skb that owns every round's buffer (the TX skb whose fragments the loop maps), not one allocated per round
            const a = callArgs(x)[0];
            const name = a ? normText(a) : '';
            const perRound = new RegExp(`(^|[^\\w.>])${name.replace(/[^\w]/g, '\\$&')}\\s*=(?!=)`).test(ctx.text.slice(loop.start, loop.end));
            if (name && !perRound && (c.buffer?.text.includes(name) || /skb_frag_dma_map/.test(c.name))) skbFreed = true;
          }
          return !skbFreed;
        });
        // back into the loop: the remaining rounds go on, nothing is abandoned yet
        if (n.kind === 'cond' && n.loop && n.loop.startIndex <= c.start && c.start < n.loop.endIndex) return true;
        if (n.kind === 'loop-head' && n.start <= c.start && c.start < n.end) return true;
        if (n.kind === 'cond' && n.loop && loopCleans(n.loop)) return true;
        // `if (i > 0) { unmap the earlier rounds }`: a guarded unwind
        if (n.kind === 'cond' && !n.loop && n.node?.parent?.type === 'if_statement') {
          const cons = n.node.parent.childForFieldName('consequence');
          if (cons && loopCleans(cons)) return true;
        }
        return cleans(ctx, n);
      };
      let hit: CfgNode | null | undefined = null;
      if (isExit(first)) hit = first;
      else if (!blocked(first)) hit = reach(ctx.cfg, first.id, { target: isExit, blocked, limit: 20000 });
      if (!hit || !hit.node) continue;
      // handles kept in the caller's structures: when another function of the file unmaps them, the caller
      // probably unwinds (ring teardown); only an abandoned skb proves the entries are lost
      const root = /^[(&*]*([A-Za-z_]\w*)/.exec(lv)?.[1] ?? '';
      // a local array (or struct) of handles dies with the function; a local pointer points into the caller's memory
      const decl = ctx.locals.get(root);
      const local = !!decl && (decl.array || (!decl.pointer && /[.[]/.test(lv.slice(root.length))));
      // handles kept anywhere else may be unwound by the caller (ring teardown, queue unwind): only a local array of
      // handles, or the skb owning every round's fragments being freed here, proves the earlier rounds are abandoned
      if (!local && !skbFreed) continue;
      report({
        start: hit.node.startIndex, end: hit.node.endIndex,
        message: `When ${c.name}() fails in a later round of the loop at line ${lineAt(ctx.text, loop.start)}, this exit leaves the buffers mapped by the earlier rounds (kept in \`${c.lvalue!.text}\`) mapped${skbFreed ? ' while the skb that owned them is freed' : ''}; their IOVA or swiotlb slots leak. Unmap the entries mapped so far (count down from the failing index) before returning.`,
        related: [{ start: c.start, end: c.end, message: 'mapped once per round here' }],
      });
    }
  },
};
