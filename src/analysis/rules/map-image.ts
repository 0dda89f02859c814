import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { stripParensAndCasts } from '../ast';
import { functionParams } from '../facts';
import { mappedBuffers } from './memoryCommon';

interface ImageDecl { array: boolean; pointer: boolean; isConst: boolean; scope: 'file' | 'static local' }

/** Array/pointer shape of a declarator, or null for functions and function pointers. */
function shapeOf(d: Node): { name: string; array: boolean; pointer: boolean } | null {
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
function constObject(decl: Node): boolean {
  return decl.namedChildren.some((c) => !!c && c.type === 'type_qualifier' && c.text === 'const');
}

function isStaticDecl(decl: Node): boolean {
  return decl.namedChildren.some((c) => !!c && c.type === 'storage_class_specifier' && (c.text === 'static' || c.text === 'extern'));
}

/** File-scope object declarations (also inside #if blocks), name → shape. Bounded: top level and nested preprocessor blocks only. */
function fileScopeObjects(fn: Node): Map<string, ImageDecl> {
  let root: Node = fn;
  while (root.parent) root = root.parent;
  const out = new Map<string, ImageDecl>();
  const stack: Node[] = [root];
  for (let steps = 0; stack.length && steps < 100000; steps++) {
    const n = stack.pop()!;
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type.startsWith('preproc_if') || c.type === 'preproc_else' || c.type === 'preproc_elif' || c.type === 'linkage_specification' || c.type === 'declaration_list') stack.push(c);
      else if (c.type === 'declaration') {
        for (const d of c.childrenForFieldName('declarator')) {
          if (!d) continue;
          const s = shapeOf(d);
          if (!s) continue;
          const prev = out.get(s.name);
          const isConst = constObject(c) && !s.pointer;
          // two declarations that disagree (e.g. under different #ifdefs): keep the weaker claim
          if (prev && (prev.array !== s.array || prev.pointer !== s.pointer)) { out.set(s.name, { ...prev, pointer: true }); continue; }
          out.set(s.name, { array: s.array, pointer: s.pointer, isConst: isConst || !!prev?.isConst, scope: 'file' });
        }
      }
    }
  }
  return out;
}

/**
 * The image object behind a buffer argument: `g_arr`, `g_arr + off`, `&g_obj`, `&g_obj.f`, `&g_arr[i]`, `&g_arr[i].f`.
 * Anything reached through `->`, or a value read out of an object (`g.ptr`, `g_arr[i]`) is not image memory we can prove.
 */
function imageRoot(arg: Node): { name: string; addressTaken: boolean } | null {
  let n = stripParensAndCasts(arg);
  if (n.type === 'binary_expression' && ['+', '-'].includes(n.childForFieldName('operator')?.text ?? '')) n = stripParensAndCasts(n.childForFieldName('left')!);
  if (n.type === 'identifier') return { name: n.text, addressTaken: false };
  if (n.type !== 'pointer_expression' || !n.text.startsWith('&')) return null;
  n = stripParensAndCasts(n.childForFieldName('argument')!);
  for (let guard = 0; guard < 50; guard++) {
    if (n.type === 'identifier') return { name: n.text, addressTaken: true };
    if (n.type === 'field_expression') {
      if (n.childForFieldName('operator')?.text === '->') return null;
      n = stripParensAndCasts(n.childForFieldName('argument')!);
      continue;
    }
    if (n.type === 'subscript_expression') {
      n = stripParensAndCasts(n.childForFieldName('argument')!);
      continue;
    }
    return null;
  }
  return null;
}

export const rule: Rule = {
  id: 'map-image',
  title: 'Global, static or string-literal memory handed to dma_map_single or an sg entry',
  severity: 'error',
  checkFunction(ctx, report) {
    const bufs = mappedBuffers(ctx);
    if (!bufs.length) return;
    let globals: Map<string, ImageDecl> | null = null;
    let params: string[] | null = null;
    for (const b of bufs) {
      const direct = stripParensAndCasts(b.arg);
      if (direct.type === 'string_literal' || direct.type === 'concatenated_string') {
        report({
          start: b.arg.startIndex, end: b.arg.endIndex,
          message: `A string literal lives in .rodata of the kernel or module image; ${b.call}() may only map kmalloc or page memory (module images are vmalloc memory, rodata is read-only and shares cache lines). Copy it into a kmalloc buffer.`,
        });
        continue;
      }
      const r = imageRoot(b.arg);
      if (!r) continue;
      let decl: ImageDecl | null = null;
      const local = ctx.locals.get(r.name);
      if (local) {
        if (!local.isStatic) continue;
        const dn = ctx.fn.descendantForIndex(local.start);
        let p: Node | null = dn;
        while (p && p.type !== 'declaration') p = p.parent;
        if (!p || !isStaticDecl(p)) continue;
        decl = { array: local.array, pointer: local.pointer, isConst: constObject(p) && !local.pointer, scope: 'static local' };
      } else {
        params ??= functionParams(ctx.fn);
        if (params.includes(r.name)) continue;
        globals ??= fileScopeObjects(ctx.fn);
        decl = globals.get(r.name) ?? null;
      }
      if (!decl || decl.pointer) continue;
      // a bare name must be an array (it decays to the object's address); otherwise the address must be taken
      if (!r.addressTaken && !decl.array) continue;
      const where = decl.scope === 'file' ? 'a file-scope object' : 'a static local';
      report({
        severity: decl.isConst ? undefined : 'warning',
        start: b.arg.startIndex, end: b.arg.endIndex,
        message: decl.isConst
          ? `\`${b.arg.text}\` is ${where} declared const (.rodata of the kernel or module image); ${b.call}() may only map kmalloc or page memory. Copy it into a kmalloc buffer.`
          : `\`${b.arg.text}\` is ${where} (.data/.bss of the kernel or module image); ${b.call}() may only map kmalloc or page memory: module images are vmalloc memory, and the object shares cache lines with its neighbours. Allocate it with kmalloc instead.`,
      });
    }
  },
};
