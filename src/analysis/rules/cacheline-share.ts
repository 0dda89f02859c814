/**
 * cacheline-share: a struct member (or member array) is mapped DMA_FROM_DEVICE or BIDI, the member
 * is not aligned to ARCH_DMA_MINALIGN in the struct definition of this file, and another member of
 * the same object is written while the device owns the buffer.
 */
import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { walk, normText } from '../ast';
import { reach } from '../cfg';
import type { CfgNode } from '../cfg';
import type { FunctionContext } from '../facts';
import { stripOuterParens } from '../facts';
import { ALIGNMENT_ANNOTATIONS } from '../preprocess';
import { lineAt, reassigns, regions } from '../ownership';
import { dirConst } from './util';

interface FieldInfo {
  name: string;
  array: boolean;
  pointer: boolean;
  aligned: boolean;
  /** original declaration text */
  decl: string;
}

const ALIGN_RE = new RegExp(`\\b(${[...ALIGNMENT_ANNOTATIONS].join('|')})\\b`);

let structCache: { text: string; structs: Map<string, FieldInfo[]> } | undefined;

/** Struct definitions of the file: name → fields, with the alignment annotations read from the original text. */
function structsOf(ctx: FunctionContext): Map<string, FieldInfo[]> {
  if (structCache?.text === ctx.text) return structCache.structs;
  const structs = new Map<string, FieldInfo[]>();
  let root: Node = ctx.fn;
  while (root.parent) root = root.parent;
  walk(root, (n) => {
    if (n.type === 'function_definition') return false;
    if (n.type !== 'struct_specifier') return true;
    const name = n.childForFieldName('name')?.text;
    const body = n.childForFieldName('body');
    if (!name || !body || structs.has(name)) return true;
    const fields: FieldInfo[] = [];
    for (const fd of body.namedChildren) {
      if (!fd || fd.type !== 'field_declaration') continue;
      const decl = ctx.text.slice(fd.startIndex, fd.endIndex);
      for (const d of fd.childrenForFieldName('declarator')) {
        let cur: Node | null = d;
        let array = false;
        let pointer = false;
        while (cur && cur.type !== 'field_identifier') {
          if (cur.type === 'array_declarator') array = true;
          if (cur.type === 'pointer_declarator' || cur.type === 'function_declarator') pointer = true;
          cur = cur.childForFieldName('declarator');
        }
        if (cur) fields.push({ name: cur.text, array: array && !pointer, pointer, aligned: ALIGN_RE.test(decl), decl: normText(decl) });
      }
    }
    structs.set(name, fields);
    return true;
  });
  structCache = { text: ctx.text, structs };
  return structs;
}

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
  severity: 'warning',
  checkFunction(ctx, report) {
    if (ctx.cfg.truncated || ctx.facts.hasError) return;
    const rs = regions(ctx);
    for (const c of ctx.facts.calls) {
      if (c.role !== 'map' || c.family !== 'single' || !c.buffer) continue;
      const dir = dirConst(c.dir?.norm);
      if (dir !== 'FROM' && dir !== 'BIDI') continue;
      const mem = memberOf(c.buffer.norm);
      if (!mem) continue;
      const type = structTypeOf(ctx, mem.obj);
      if (!type) continue;
      const fields = structsOf(ctx).get(type);
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
      const neighbourWrite = (n: CfgNode): Node | null => {
        if (!n.node || n.kind === 'cond' && !n.node.text.includes('=')) return null;
        let hit: Node | null = null;
        walk(n.node, (x) => {
          if (hit) return false;
          if (x.id !== n.node!.id && (x.type === 'compound_statement' || (x.type.endsWith('_statement') && x.type !== 'expression_statement'))) return false;
          let l: Node | null = null;
          if (x.type === 'assignment_expression') l = x.childForFieldName('left');
          else if (x.type === 'update_expression') l = x.childForFieldName('argument');
          if (!l) return true;
          const lt = normText(l);
          const m = new RegExp(`^\\(?${mem.obj}(->|\\.)(\\w+)`).exec(lt);
          if (m && m[2] !== mem.field && fields.some((y) => y.name === m[2])) hit = x;
          return true;
        });
        return hit;
      };
      // the map's own statement stores the handle into the same object right after the map returns
      let write: Node | null = c.lvalue && new RegExp(`^${mem.obj}(->|\\.)(?!${mem.field}\\b)`).test(c.lvalue.norm) ? neighbourWrite(mapNode) : null;
      if (!write) {
        const hitNode = reach(ctx.cfg, mapNode.id, { target: (n) => !cpuIds.has(n.id) && !!neighbourWrite(n), blocked: (n) => cpuIds.has(n.id) || objMoved(n), limit: 20000 });
        if (hitNode) write = neighbourWrite(hitNode);
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
