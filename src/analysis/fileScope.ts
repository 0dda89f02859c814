/**
 * File-scope facts that rules of one function depend on, kept in the FileSummary so that a change
 * outside the function (the fix is often in a declaration) re-checks it:
 * - struct definitions, with what the DMA rules need to know about each member: is it an array, a
 *   pointer, and is it declared aligned for DMA (`____cacheline_aligned`, `__aligned(…)`; read from
 *   the document text, since the parser sees annotations blanked, src/analysis/preprocess.ts);
 * - file-scope objects (globals), with their shape and constness.
 */
import type { Node } from 'web-tree-sitter';
import { ALIGNMENT_ANNOTATIONS } from './preprocess';
import { approxBytes, type BoundedCache } from './boundedCache';

export interface StructField {
  name: string;
  array: boolean;
  pointer: boolean;
  aligned: boolean;
  /** declared `__iomem` (a pointer into a device's own memory or registers) */
  iomem: boolean;
  /**
   * The tag of the member's type when it is a struct or union (`struct rx_buf *bufs` → `rx_buf`, also
   * for arrays and embedded structs), or its typedef name (`foo_desc_t d` → `foo_desc_t`); absent for
   * scalars and anonymous inline structs. Member keys follow it (driverIndex/memberKey.ts).
   */
  tag?: string;
}

/** The struct/union tag or typedef name a declaration's type names (`struct x`, `const struct x`, `x_t`); undefined for scalars. */
export function typeTag(type: Node | null): string | undefined {
  if (!type) return undefined;
  if (type.type === 'struct_specifier' || type.type === 'union_specifier') return type.childForFieldName('name')?.text;
  if (type.type === 'type_identifier') return type.text;
  return undefined;
}

const ALIGN_RE = new RegExp(`\\b(${[...ALIGNMENT_ANNOTATIONS].join('|')})\\b`);
const STRUCT_RE = /\bstruct\s+(\w+)\s*\{/g;

function fieldsOf(body: Node, text: string): StructField[] {
  const fields: StructField[] = [];
  for (const fd of body.namedChildren) {
    if (!fd || fd.type !== 'field_declaration') continue;
    const declText = text.slice(fd.startIndex, fd.endIndex);
    const aligned = ALIGN_RE.test(declText);
    const iomem = /\b__iomem\b/.test(declText);
    const tag = typeTag(fd.childForFieldName('type'));
    for (const d of fd.childrenForFieldName('declarator')) {
      let cur: Node | null = d;
      let array = false;
      let pointer = false;
      while (cur && cur.type !== 'field_identifier') {
        if (cur.type === 'array_declarator') array = true;
        if (cur.type === 'pointer_declarator' || cur.type === 'function_declarator') pointer = true;
        cur = cur.childForFieldName('declarator');
      }
      if (cur) fields.push({ name: cur.text, array: array && !pointer, pointer, aligned, iomem: iomem && pointer, ...(tag ? { tag } : {}) });
    }
  }
  return fields;
}

/**
 * name → members of every `struct name { … }` in the file (the first definition of a name wins).
 * `cache` (the analysis session's) maps a definition's text to its members, so an edit elsewhere in
 * the file reuses every definition.
 */
export function structDefinitions(root: Node, text: string, cache?: BoundedCache<StructField[]>): Map<string, StructField[]> {
  const out = new Map<string, StructField[]>();
  STRUCT_RE.lastIndex = 0;
  for (let m = STRUCT_RE.exec(text); m; m = STRUCT_RE.exec(text)) {
    if (out.has(m[1])) continue;
    let n: Node | null = root.descendantForIndex(m.index, m.index);
    while (n && n.type !== 'struct_specifier' && n.startIndex === m.index) n = n.parent;
    if (!n || n.type !== 'struct_specifier' || n.startIndex !== m.index) continue;
    const body = n.childForFieldName('body');
    if (!body) continue;
    const key = text.slice(n.startIndex, n.endIndex);
    let fields = cache?.get(key);
    if (!fields) {
      fields = fieldsOf(body, text);
      cache?.set(key, fields, approxBytes(fields));
    }
    out.set(m[1], fields);
  }
  return out;
}

/** Names of struct members declared as `__iomem` pointers anywhere in the file. */
export function iomemMembers(structs: Map<string, StructField[]>): Set<string> {
  const out = new Set<string>();
  for (const fields of structs.values()) for (const f of fields) if (f.iomem) out.add(f.name);
  return out;
}

/** A stable text of a struct's member facts, for cache keys. */
export function structKey(fields: StructField[]): string {
  return fields.map((f) => `${f.name}${f.array ? '[]' : ''}${f.pointer ? '*' : ''}${f.aligned ? '@' : ''}`).join(',');
}

/** A file-scope object declaration (`static u8 buf[64];`, `const struct x tbl = …;`). */
export interface ImageDecl {
  array: boolean;
  pointer: boolean;
  isConst: boolean;
  scope: 'file' | 'static local';
  /** the declarator, for related locations */
  start: number;
  end: number;
}

/** Array/pointer shape of a declarator, or null for functions and function pointers. */
export function shapeOf(d: Node): { name: string; array: boolean; pointer: boolean } | null {
  let cur: Node | null = d.type === 'init_declarator' ? d.childForFieldName('declarator') : d;
  let array = false;
  let pointer = false;
  for (let guard = 0; cur && cur.type !== 'identifier' && guard < 50; guard++) {
    if (cur.type === 'array_declarator') array = true;
    else if (cur.type === 'pointer_declarator') pointer = true;
    else if (cur.type === 'function_declarator' || cur.type === 'parenthesized_declarator') return null;
    cur = cur.childForFieldName('declarator');
  }
  return cur && cur.type === 'identifier' ? { name: cur.text, array, pointer } : null;
}

/** `const` applies to the object itself (not only to what a pointer points to). */
export function constObject(decl: Node): boolean {
  return decl.namedChildren.some((c) => !!c && c.type === 'type_qualifier' && c.text === 'const');
}

/**
 * Visits every file-scope declarator (also inside #if blocks, extern "C" and declaration lists) with its
 * `declaration` node and shape. Bounded: top level and nested preprocessor blocks only.
 */
function forEachFileScopeDeclarator(root: Node, visit: (decl: Node, declarator: Node, shape: { name: string; array: boolean; pointer: boolean }) => void): void {
  const stack: Node[] = [root];
  for (let steps = 0; stack.length && steps < 100000; steps++) {
    const n = stack.pop()!;
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type.startsWith('preproc_if') || c.type === 'preproc_else' || c.type === 'preproc_elif' || c.type === 'linkage_specification' || c.type === 'declaration_list') stack.push(c);
      else if (c.type === 'declaration') {
        for (const d of c.childrenForFieldName('declarator')) {
          const s = d ? shapeOf(d) : null;
          if (d && s) visit(c, d, s);
        }
      }
    }
  }
}

/** File-scope object declarations (also inside #if blocks), name → shape. */
export function fileScopeObjects(root: Node): Map<string, ImageDecl> {
  const out = new Map<string, ImageDecl>();
  forEachFileScopeDeclarator(root, (c, d, s) => {
    const prev = out.get(s.name);
    const isConst = constObject(c) && !s.pointer;
    // two declarations that disagree (e.g. under different #ifdefs): keep the weaker claim
    if (prev && (prev.array !== s.array || prev.pointer !== s.pointer)) {
      out.set(s.name, { ...prev, pointer: true });
      return;
    }
    out.set(s.name, { array: s.array, pointer: s.pointer, isConst: isConst || !!prev?.isConst, scope: 'file', start: d.startIndex, end: d.endIndex });
  });
  return out;
}

/** A stable text of a file-scope object's facts, for cache keys. */
export function imageKey(d: ImageDecl): string {
  return `${d.array ? '[]' : ''}${d.pointer ? '*' : ''}${d.isConst ? 'c' : ''}`;
}

/** Object-like `#define NAME value` of a file outside function bodies (the first definition of a name wins). */
export function objectLikeDefines(root: Node, into: Map<string, string> = new Map()): Map<string, string> {
  // pre-order, in document order: the first definition of a name (an #if branch before its #else) wins
  const stack: Node[] = [root];
  for (let steps = 0; stack.length && steps < 200000; steps++) {
    const n = stack.pop()!;
    if (n.type === 'function_definition') continue;
    if (n.type === 'preproc_def') {
      const name = n.childForFieldName('name')?.text;
      const value = n.childForFieldName('value')?.text;
      if (name && value && !into.has(name)) into.set(name, value.trim());
      continue;
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const c = n.namedChild(i);
      if (c && c.namedChildCount + (c.type === 'preproc_def' ? 1 : 0) > 0) stack.push(c);
    }
  }
  return into;
}

/** Object-like #defines of a header's text, read line by line (headers are not parsed). */
export function headerDefines(text: string, into: Map<string, string>): void {
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]*?)[ \t]*(?:\/\*.*|\/\/.*)?$/gm;
  let count = 0;
  for (let m = re.exec(text); m && count < 100000; m = re.exec(text), count++) {
    if (!into.has(m[1]) && m[2] && !m[2].endsWith('\\')) into.set(m[1], m[2]);
  }
}

/** The `#include "x.h"` names of a file (quoted includes only: the driver's own headers). */
export function localIncludes(text: string, limit = 16): string[] {
  const out: string[] = [];
  const re = /^[ \t]*#[ \t]*include[ \t]+"([^"\n]{1,200})"/gm;
  for (let m = re.exec(text); m && out.length < limit; m = re.exec(text)) out.push(m[1]);
  return out;
}

/** name → the `struct name { … }` specifier (with its body) of every struct the file defines, for layouts. */
export function structSpecifiers(root: Node, text: string): Map<string, Node> {
  const out = new Map<string, Node>();
  const re = new RegExp(STRUCT_RE.source, 'g');
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (out.has(m[1])) continue;
    let n: Node | null = root.descendantForIndex(m.index, m.index);
    while (n && n.type !== 'struct_specifier' && n.startIndex === m.index) n = n.parent;
    if (n && n.type === 'struct_specifier' && n.startIndex === m.index && n.childForFieldName('body')) out.set(m[1], n);
  }
  return out;
}

/** name → the file-scope `declaration` node that declares it (also inside #if blocks). */
export function fileScopeDeclarations(root: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  forEachFileScopeDeclarator(root, (c, _d, s) => out.set(s.name, c));
  return out;
}
