import type { Node } from 'web-tree-sitter';
import type { Rule } from './types';
import { stripParensAndCasts } from '../ast';
import { functionParams } from '../facts';
import { mappedBuffers } from './shared/bufferOrigin';
import { constObject, type ImageDecl, imageKey } from '../fileScope';

/** Calls that hand a CPU buffer to the device (what mappedBuffers() looks at). */
const MAPS_MEMORY = /\b(dma_map_single\w*|dma_map_page\w*|sg_init_one|sg_set_buf)\b/;

function isStaticDecl(decl: Node): boolean {
  return decl.namedChildren.some((c) => !!c && c.type === 'storage_class_specifier' && (c.text === 'static' || c.text === 'extern'));
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
  // the declarations of the globals a mapping function hands to the device
  factsKey: (s, fnText) => (s.fileObjects && MAPS_MEMORY.test(fnText) ? [...s.fileObjects()].filter(([k]) => fnText.includes(k)).map(([k, v]) => `${k}${imageKey(v)}`).sort().join(',') : ''),
  checkFunction(ctx, report) {
    const bufs = mappedBuffers(ctx);
    if (!bufs.length) return;
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
        decl = { array: local.array, pointer: local.pointer, isConst: constObject(p) && !local.pointer, scope: 'static local', start: local.start, end: local.start + r.name.length };
      } else {
        params ??= functionParams(ctx.fn);
        if (params.includes(r.name)) continue;
        decl = ctx.summary.fileObjects?.().get(r.name) ?? null;
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
        related: [{ start: decl.start, end: decl.end, message: `\`${r.name}\` is declared here` }],
      });
    }
  },
};
