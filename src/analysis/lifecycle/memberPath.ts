/**
 * Which struct member an lvalue names: `ring->slot[n].dma` in a function where `ring` is a
 * `struct koi_ring *` names `koi_rx_slot.dma`. The stitcher (./stitch.ts) finds the functions that
 * touch the buffer's handle by this key.
 *
 * Interim, same shape as the driver index's `memberKeyOf` (src/analysis/driverIndex/memberKey.ts,
 * being written on another branch), which replaces it once it lands: the text path of the
 * expression is followed from its base variable's declared type through the struct definitions
 * given in `structs`. Only `struct <tag>` types and `typedef struct <tag> <name>` are followed;
 * anything else (an unknown typedef, a function's result, a cast) gives null, so nothing is
 * stitched through it.
 */
import type { Node } from 'web-tree-sitter';
import { normText, walk } from '../ast';

export interface MemberKey {
  /** `<struct tag>.<member>` */
  key: string;
  member: string;
  /** the struct tag that holds the member */
  container: string;
}

export type MemberKeyOf = (handleExpr: string, fn: Node, text: string, structs: ReadonlyMap<string, Node>) => MemberKey | null;

/** Path steps of a normalised expression: base identifier, then members (and indexing, skipped). */
function parsePath(expr: string): { base: string; members: string[] } | null {
  let s = expr.trim();
  // dma_unmap_addr(p, f) is p->f
  const ua = /^dma_unmap_(?:addr|len)\((.+),([A-Za-z_]\w*)\)$/.exec(s);
  if (ua) s = `(${ua[1]})->${ua[2]}`;
  // strip a leading & and redundant outer parentheses
  s = s.replace(/^&/, '');
  let base: string;
  let i: number;
  const deref = /^\(\*([A-Za-z_]\w*)\)/.exec(s) ?? /^\(([A-Za-z_]\w*)\)/.exec(s);
  if (deref) {
    base = deref[1];
    i = deref[0].length;
  } else {
    const m = /^[A-Za-z_]\w*/.exec(s);
    if (!m) return null;
    base = m[0];
    i = m[0].length;
  }
  const members: string[] = [];
  while (i < s.length) {
    if (s[i] === '[') {
      let depth = 0;
      for (; i < s.length; i++) {
        if (s[i] === '[') depth++;
        else if (s[i] === ']' && --depth === 0) break;
      }
      if (i >= s.length) return null;
      i++;
      continue;
    }
    const m = /^(->|\.)([A-Za-z_]\w*)/.exec(s.slice(i));
    if (!m) return null;
    members.push(m[2]);
    i += m[0].length;
  }
  return members.length ? { base, members } : null;
}

/** The struct tag of a type node (`struct x`, or a typedef of one in `typedefs`). */
function tagOf(type: Node | null, typedefs: ReadonlyMap<string, string>): string | null {
  if (!type) return null;
  if (type.type === 'struct_specifier' || type.type === 'union_specifier') return type.childForFieldName('name')?.text ?? null;
  if (type.type === 'type_identifier') return typedefs.get(type.text) ?? null;
  return null;
}

/** The identifier a declarator declares. */
function declName(d: Node | null): string | null {
  for (let cur = d, i = 0; cur && i < 16; i++) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier' || cur.type === 'type_identifier') return cur.text;
    cur = cur.childForFieldName('declarator');
  }
  return null;
}

/** The type node of `name` declared in `scope` (parameters and locals; not nested functions). */
function declaredType(scope: Node, name: string): Node | null | undefined {
  let found: Node | null | undefined;
  walk(scope, (n) => {
    if (found !== undefined) return false;
    if (n.type === 'declaration' || n.type === 'parameter_declaration') {
      for (const d of n.childrenForFieldName('declarator')) {
        if (d && declName(d) === name) { found = n.childForFieldName('type'); return false; }
      }
      return false;
    }
    return n.type !== 'function_definition' || n.id === scope.id;
  });
  return found;
}

/** The field `member` of struct `tag` (also inside anonymous struct/union members): its type node. */
function fieldType(structNode: Node, member: string, depth = 0): Node | null | undefined {
  const body = structNode.childForFieldName('body');
  if (!body || depth > 4) return undefined;
  for (const f of body.namedChildren) {
    if (!f || f.type !== 'field_declaration') continue;
    const decls = f.childrenForFieldName('declarator').filter((d): d is Node => !!d);
    if (!decls.length) {
      const t = f.childForFieldName('type');
      // DEFINE_DMA_UNMAP_ADDR(name); / DEFINE_DMA_UNMAP_LEN(name); declare a member `name`
      const um = t?.type === 'macro_type_specifier' ? /^DEFINE_DMA_UNMAP_(?:ADDR|LEN)\(\s*([A-Za-z_]\w*)\s*\)$/.exec(t.text) : null;
      if (um && um[1] === member) return t;
      if (t && (t.type === 'struct_specifier' || t.type === 'union_specifier') && t.childForFieldName('body')) {
        const r = fieldType(t, member, depth + 1);
        if (r !== undefined) return r;
      }
      continue;
    }
    if (decls.some((d) => declName(d) === member)) return f.childForFieldName('type');
  }
  return undefined;
}

/** `typedef struct tag name;` in a file: name → tag. */
export function structTypedefs(root: Node): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of root.namedChildren) {
    if (!n || n.type !== 'type_definition') continue;
    const t = n.childForFieldName('type');
    const tag = t && (t.type === 'struct_specifier' || t.type === 'union_specifier') ? t.childForFieldName('name')?.text : undefined;
    if (!tag) continue;
    for (const d of n.childrenForFieldName('declarator')) {
      const name = d ? declName(d) : null;
      if (name) out.set(name, tag);
    }
  }
  return out;
}

/**
 * The member an lvalue expression names, by following its text path from the declared type of
 * its base variable. Needs the struct that holds the member in `structs`, so members of kernel
 * structures the driver does not define (`sk_buff.data`) give null.
 */
export function memberKeyOfPath(handleExpr: string, fn: Node, _text: string, structs: ReadonlyMap<string, Node>, typedefs: ReadonlyMap<string, string> = new Map()): MemberKey | null {
  const p = parsePath(normText(handleExpr));
  if (!p) return null;
  let root: Node = fn;
  while (root.parent) root = root.parent;
  let t = declaredType(fn, p.base);
  if (t === undefined) t = declaredType(root, p.base);
  let tag = tagOf(t ?? null, typedefs);
  for (let i = 0; i < p.members.length; i++) {
    if (!tag) return null;
    const s = structs.get(tag);
    if (!s) return null;
    const m = p.members[i];
    if (i === p.members.length - 1) return fieldType(s, m) === undefined ? null : { key: `${tag}.${m}`, member: m, container: tag };
    const ft = fieldType(s, m);
    if (ft === undefined) return null;
    tag = tagOf(ft, typedefs);
  }
  return null;
}
