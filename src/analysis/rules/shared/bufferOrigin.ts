/** Buffer-provenance helpers for map-stack and map-vmalloc. */
import type { Node } from 'web-tree-sitter';
import { callName, callArgs, normText, stripParensAndCasts, walk } from '../../ast';
import type { FunctionContext } from '../../facts';

/** Buffer arguments handed to the device: dma_map_single's ptr, dma_map_page(virt_to_page(x)), sg_init_one/sg_set_buf's buf. */
export function mappedBuffers(ctx: FunctionContext): { call: string; arg: Node; callNode: Node }[] {
  const out: { call: string; arg: Node; callNode: Node }[] = [];
  for (const c of ctx.facts.calls) {
    if (c.role !== 'map' || !c.buffer) continue;
    const n = ctx.callNodes[c.id];
    const args = callArgs(n);
    const a = args.find((x) => x.startIndex === c.buffer!.start);
    if (!a) continue;
    if (c.family === 'single') out.push({ call: c.name, arg: a, callNode: n });
    else if (c.family === 'page') {
      const inner = stripParensAndCasts(a);
      if (inner.type === 'call_expression' && /^virt_to_page$/.test(callName(inner) ?? '') && callArgs(inner)[0]) out.push({ call: c.name, arg: callArgs(inner)[0], callNode: n });
    }
  }
  for (const n of ctx.allCalls) {
    const nm = callName(n);
    if (nm === 'sg_init_one' || nm === 'sg_set_buf') {
      const a = callArgs(n)[1];
      if (a) out.push({ call: nm, arg: a, callNode: n });
    }
  }
  return out;
}

/** The root variable of `&x`, `&x.f`, `&x[i]`, `x`, `x + off` — and whether the address of it is taken. */
export function rootOf(arg: Node): { name: string; addressTaken: boolean; viaPointer: boolean } | null {
  let n = stripParensAndCasts(arg);
  let addressTaken = false;
  let viaPointer = false;
  if (n.type === 'pointer_expression' && n.text.startsWith('&')) {
    addressTaken = true;
    n = stripParensAndCasts(n.childForFieldName('argument')!);
  } else if (n.type === 'binary_expression' && (n.childForFieldName('operator')?.text === '+' || n.childForFieldName('operator')?.text === '-')) {
    n = stripParensAndCasts(n.childForFieldName('left')!);
  }
  for (let guard = 0; guard < 50; guard++) {
    if (n.type === 'identifier') return { name: n.text, addressTaken, viaPointer };
    if (n.type === 'field_expression') {
      if (n.childForFieldName('operator')?.text === '->') viaPointer = true;
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

/** Every value assigned to a local (initialiser and assignments). */
export function assignedValues(ctx: FunctionContext, name: string): Node[] | null {
  const out: Node[] = [];
  let unknown = false;
  walk(ctx.body, (x) => {
    if (x.type === 'assignment_expression') {
      const l = x.childForFieldName('left');
      if (l && normText(l) === name) {
        const op = x.childForFieldName('operator')?.text ?? '=';
        if (op !== '=') unknown = true;
        const r = x.childForFieldName('right');
        if (r) out.push(r);
      }
    } else if (x.type === 'init_declarator') {
      // `void *v = vmalloc(n);`: the declarator is `*v`, the name is inside it
      let d = x.childForFieldName('declarator');
      while (d && d.type === 'pointer_declarator') d = d.childForFieldName('declarator');
      if (d && d.text === name) {
        const v = x.childForFieldName('value');
        if (v) out.push(v);
      }
    } else if (x.type === 'pointer_expression' && x.text.replace(/\s/g, '') === '&' + name) {
      unknown = true;
    }
    return true;
  });
  return unknown ? null : out;
}
