/**
 * cacheline-share: a struct member (or member array) is mapped DMA_FROM_DEVICE or BIDI, the member
 * is not aligned to ARCH_DMA_MINALIGN in the struct definition of this file, and another member of
 * the same object is written while the device owns the buffer.
 */
import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { normText, lineAt } from '../ast';
import { reach, walkOwn } from '../cfg';
import type { CfgNode } from '../cfg';
import type { FunctionContext } from '../facts';
import { stripOuterParens } from '../facts';
import { reassigns, regions } from '../ownership';
import { dirConst } from '../directions';
import { structKey } from '../fileScope';

/** `struct T *x` / `struct T x` for a parameter or local of the function. */
function structTypeOf(ctx: FunctionContext, v: string): string | null {
  const fnText = ctx.text.slice(ctx.fn.startIndex, ctx.fn.endIndex);
  const m = new RegExp(`struct\\s+(\\w+)\\s*(?:\\*\\s*)?(?:const\\s+)?${v}\\s*[,;)=\\[]`).exec(fnText);
  return m ? m[1] : null;
}

/** `&X->f`, `&X.f[0]`, `X->f` (array member) → { obj: X, op, field: f }. */
function memberOf(buf: string): { obj: string; op: string; field: string; addr: boolean } | null {
  const t = stripOuterParens(buf).replace(/^\((?:void|u8|char|unsigned char)\s*\*\)/, '');
  const m = /^(&?)\(?([A-Za-z_]\w*)(->|\.)(\w+)\)?(\[0\])?$/.exec(t);
  if (!m) return null;
  return { obj: m[2], op: m[3], field: m[4], addr: m[1] === '&' };
}

export const rule: Rule = {
  id: 'cacheline-share',
  title: 'A struct member mapped FROM_DEVICE/BIDI shares cache lines with members the CPU writes while it is mapped',
  // 10 true, 3 debatable of 13 on 6.12 with headers (77% strict; docs/rules/cacheline-share.md): info
  severity: 'info',
  // the layout of the structs a mapping function names
  factsKey: (s, fnText) => (s.structs && fnText.includes('dma_map_single') ? [...s.structs()].filter(([k]) => fnText.includes(k)).map(([k, v]) => `${k}{${structKey(v)}}`).sort().join(';') : ''),
  checkFunction(ctx, report) {
    if (ctx.facts.hasError) return;
    const rs = regions(ctx);
    for (const c of ctx.facts.calls) {
      if (c.role !== 'map' || c.family !== 'single' || !c.buffer) continue;
      const dir = dirConst(c.dir?.norm);
      if (dir !== 'FROM' && dir !== 'BIDI') continue;
      const mem = memberOf(c.buffer.norm);
      if (!mem) continue;
      const type = structTypeOf(ctx, mem.obj);
      if (!type) continue;
      const fields = ctx.summary.structs?.().get(type);
      if (!fields || fields.length < 2) continue;
      const f = fields.find((x) => x.name === mem.field);
      // a pointer member points at a separate allocation; a scalar needs `&`
      if (!f || f.pointer || (!f.array && !mem.addr) || f.aligned) continue;
      const r = rs.find((x) => x.map === c);
      if (!r) continue;
      const mapNode = ctx.nodeOf(c);
      if (!mapNode) continue;
      const cpuIds = new Set(r.toCpu.map((e) => e.node.id));
      const objMoved = (n: CfgNode): boolean => reassigns(n, mem.obj);
      const member = new RegExp(`^\\(?${mem.obj}(->|\\.)(\\w+)`);
      const neighbourWrite = (n: CfgNode): Node | null => {
        if (!n.node || n.kind === 'cond' && !n.node.text.includes('=')) return null;
        let hit: Node | null = null;
        walkOwn(n, (x) => {
          if (hit) return false;
          const l = x.type === 'assignment_expression' ? x.childForFieldName('left') : x.type === 'update_expression' ? x.childForFieldName('argument') : null;
          const m = l ? member.exec(normText(l)) : null;
          if (m && m[2] !== mem.field && fields.some((y) => y.name === m[2])) hit = x;
          return true;
        });
        return hit;
      };
      // the map's own statement stores the handle into the same object right after the map returns
      let write: Node | null = c.lvalue && new RegExp(`^${mem.obj}(->|\\.)(?!${mem.field}\\b)`).test(c.lvalue.norm) ? neighbourWrite(mapNode) : null;
      if (!write) {
        reach(ctx.cfg, mapNode.id, { target: (n) => !cpuIds.has(n.id) && !!(write = neighbourWrite(n)), blocked: (n) => cpuIds.has(n.id) || objMoved(n), limit: 20000 });
      }
      if (!write) continue;
      report({
        start: c.buffer.start, end: c.buffer.end,
        message: `\`${c.buffer.text}\` is the member \`${mem.field}\` of struct ${type}, mapped ${dir === 'FROM' ? 'DMA_FROM_DEVICE' : 'DMA_BIDIRECTIONAL'} but not aligned to ARCH_DMA_MINALIGN, and \`${normText(write)}\` at line ${lineAt(ctx.text, write.startIndex)} writes another member of the same object while the device owns the buffer. On a non-coherent CPU the two share a cache line: the dirty line is written back over the device's data, or the invalidate at unmap discards the CPU's write. Give the buffer its own allocation, or mark it __aligned(ARCH_DMA_MINALIGN) (____cacheline_aligned) and pad its end to a multiple of it.`,
        related: [{ start: write.startIndex, end: write.endIndex, message: 'a neighbouring member is written here' }],
      });
    }
  },
};
