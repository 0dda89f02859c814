import type { Rule } from './types';
import type { Node } from 'web-tree-sitter';
import { reach, walkOwn, CfgNode } from '../cfg';
import { callName, callArgs, normText, stripParensAndCasts, lineAt } from '../ast';
import { mentions, stripOuterParens } from '../facts';
import { reassigns } from '../ownership';
import { baseNames } from '../writes';

const MMIO = /^(writel|writel_relaxed|writeq|writeq_relaxed|iowrite32|iowrite64|lo_hi_writeq|hi_lo_writeq|iowrite64_lo_hi|iowrite64_hi_lo|__raw_writel|__raw_writeq)$/;
const TO_HW = /^(cpu_to_le(32|64)|cpu_to_be(32|64)|lower_32_bits|upper_32_bits)\(/;

/** A statement giving `h` to the hardware: an MMIO write of it, or a byte-order conversion of it stored somewhere. */
function handOff(n: CfgNode, h: string): Node | null {
  if (!n.node) return null;
  let hit: Node | null = null;
  walkOwn(n, (x) => {
    if (hit) return false;
    if (x.type === 'call_expression' && MMIO.test(callName(x) ?? '')) {
      const a = callArgs(x)[0];
      if (a && mentions(normText(a), h)) hit = x;
    } else if (x.type === 'assignment_expression') {
      const r = x.childForFieldName('right');
      if (r) {
        const t = normText(stripParensAndCasts(r));
        if (TO_HW.test(t) && mentions(t, h)) hit = x;
      }
    }
    return true;
  });
  return hit;
}

/** A dereference of `p` (subscript, `*p`, `p->f`, memset/memcpy of it). */
function deref(n: CfgNode, p: string): Node | null {
  if (!n.node) return null;
  let hit: Node | null = null;
  walkOwn(n, (x) => {
    if (hit) return false;
    if (x.type === 'sizeof_expression') return false;
    if (x.type === 'subscript_expression' || (x.type === 'field_expression' && x.childForFieldName('operator')?.text === '->') || (x.type === 'pointer_expression' && x.text.startsWith('*'))) {
      const a = x.childForFieldName('argument');
      if (a && normText(stripParensAndCasts(a)) === p) hit = x;
    } else if (x.type === 'call_expression' && /^(memset|memcpy|memmove|memcmp)$/.test(callName(x) ?? '')) {
      if (callArgs(x).slice(0, 2).some((a) => normText(stripParensAndCasts(a)) === p)) hit = x;
    }
    return true;
  });
  return hit;
}

/** Locals set to NULL by later statements of the block holding the release (`skb = priv->x = NULL;`). */
function nulledAfter(call: Node): Set<string> {
  const out = new Set<string>();
  let stmt: Node | null = call;
  while (stmt && stmt.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
  for (let s = stmt?.nextNamedSibling ?? null; s; s = s.nextNamedSibling) {
    const m = /^\s*(\w+)\s*=\s*(?:[^;=]*=\s*)?NULL\s*;/.exec(s.text);
    if (m) out.add(m[1]);
  }
  return out;
}

export const rule: Rule = {
  id: 'use-after-unmap',
  title: 'A DMA handle given to the hardware after unmap, or a coherent buffer used after dma_free_coherent()',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const u of ctx.facts.calls) {
      const un = ctx.nodeOf(u);
      if (!un) continue;
      let subject: string | undefined;
      let kind: 'handle' | 'cpu';
      if (u.role === 'unmap' && (u.family === 'single' || u.family === 'page') && u.handle) {
        subject = stripOuterParens(u.handle.norm);
        kind = 'handle';
      } else if (u.role === 'free' && u.cpu && u.family !== 'managed') {
        subject = stripOuterParens(u.cpu.norm).replace(/^\([^()]*\*\)/, '');
        kind = 'cpu';
      } else continue;
      if (!subject || /[()]/.test(subject)) continue;
      const h = subject;
      const names = [h, ...baseNames(h)];
      const nulled = nulledAfter(ctx.callNodes[u.id]);
      let where: Node | null = null;
      const hit = reach(ctx.cfg, un.id, {
        target: (n) => !!(where = kind === 'handle' ? handOff(n, h) : deref(n, h)),
        blocked: (n) => names.some((x) => reassigns(n, x)),
        // `skb = NULL;` next to the unmap: a later `if (!skb)` / `if (skb == NULL)` is taken
        prune: (n, e) => {
          if (n.kind !== 'cond' || !n.node || e === '' || !nulled.size) return false;
          const t = stripOuterParens(normText(n.node)).replace(/\s+/g, '');
          const m = /^!(\w+)$|^(\w+)==NULL$/.exec(t);
          if (m && nulled.has(m[1] ?? m[2])) return e === 'f';
          const p = /^(\w+)$|^(\w+)!=NULL$/.exec(t);
          if (p && nulled.has(p[1] ?? p[2])) return e === 't';
          return false;
        },
        limit: 20000,
      });
      if (!hit || !where) continue;
      const w = where as Node;
      report({
        start: w.startIndex, end: w.endIndex,
        message: kind === 'handle'
          ? `\`${h}\` was unmapped by ${u.name}() at line ${lineAt(ctx.text, u.start)} and is given to the device here; without an IOMMU the device writes freed memory, with one it faults. Map the buffer again (or keep it mapped) before handing the handle to the device.`
          : `\`${h}\` was freed by ${u.name}() at line ${lineAt(ctx.text, u.start)} and is used here: the memory may already belong to someone else. Move the free after the last use, or clear the pointer when freeing it.`,
        related: [{ start: u.start, end: u.end, message: kind === 'handle' ? 'unmapped here' : 'freed here' }],
      });
    }
  },
};
