/**
 * Other names of a DMA handle inside one function (value flow without a points-to analysis):
 *
 * - chained assignments: `rxdp->Buffer2_ptr = *tmp = dma_map_single(…)` — every left-hand side;
 * - copies after the map: `*((dma_addr_t *)skb->cb) = dma;`, `addr = *((dma_addr_t *)skb->cb);`
 *   (casts and parentheses stripped on both sides), in either direction;
 * - out-parameters reached through a local pointer: `p = &rb->dma; *p = dma_map_single(…)` makes
 *   `rb->dma` a name of the handle (and `*p` one of `rb->dma`).
 *
 * Lvalues are compared after canonicalLvalue(), which drops parentheses that cannot change the
 * meaning (`g->sg[(i >> 2)].ptr[(i & 3)]` is `g->sg[i>>2].ptr[i&3]`).
 */
import type { Node } from 'web-tree-sitter';
import { normText, walk } from './ast';

/** Removes parentheses that do not change an lvalue's meaning, in normText() form. */
export function canonicalLvalue(norm: string): string {
  let s = norm.trim();
  for (let guard = 0; guard < 20; guard++) {
    const next = dropOneParenPair(s);
    if (next === s) break;
    s = next;
  }
  return s;
}

const TYPE_LIKE = /^(?:(?:const|volatile|struct|union|enum|unsigned|signed)\s*)*[A-Za-z_]\w*(?:\s*\*+)?$/;

function dropOneParenPair(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '(') continue;
    const j = matching(s, i);
    if (j < 0) return s;
    const prev = i > 0 ? s[i - 1] : '';
    const next = s[j + 1] ?? '';
    const inner = s.slice(i + 1, j);
    if (/[\w\])]/.test(prev)) continue; // a call's argument list
    if (TYPE_LIKE.test(inner) && /[\w(*&]/.test(next)) continue; // a cast
    const whole = i === 0 && j === s.length - 1;
    const delimited = (prev === '[' && next === ']') || (prev === '(' && next === ')') || (prev === ',' && (next === ',' || next === ')'));
    // after a prefix operator or before a postfix one, only an operand without binary operators may lose its parentheses
    const simple = !hasTopLevelBinary(inner);
    const prefixCtx = prev === '' || prev === '*' || prev === '&' || prev === '!' || prev === '~' || prev === '[' || prev === '(' || prev === ',';
    const postfixCtx = next === '[' || next === '.' || (next === '-' && s[j + 2] === '>');
    if (whole || delimited || (simple && prefixCtx && !postfixCtx) || (postfixCtx && isPrimary(inner) && prefixCtx)) {
      return s.slice(0, i) + inner + s.slice(j + 1);
    }
  }
  return s;
}

function matching(s: string, i: number): number {
  let depth = 0;
  for (let k = i; k < s.length; k++) {
    if (s[k] === '(') depth++;
    else if (s[k] === ')' && --depth === 0) return k;
  }
  return -1;
}

/** a binary or ternary operator outside brackets (member access `->` and a leading unary don't count) */
function hasTopLevelBinary(s: string): boolean {
  let depth = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && k > 0 && /[+\-*/%<>=&|^?:,]/.test(c)) {
      if (c === '-' && s[k + 1] === '>') { k++; continue; }
      if (c === '>' && s[k - 1] === '-') continue;
      const before = s[k - 1];
      // `*`/`&`/`-` right after an operator or an opening bracket is unary
      if ((c === '*' || c === '&' || c === '-') && /[(\[*&!~,=]/.test(before)) continue;
      // the `*` of a cast's pointer type `(T *)x` sits inside brackets; here it is binary
      return true;
    }
  }
  return false;
}

/** an identifier with member accesses and subscripts only */
function isPrimary(s: string): boolean {
  return /^[A-Za-z_]\w*(?:(?:->|\.)[A-Za-z_]\w*|\[[^\]]*\])*$/.test(s);
}

/** Strips casts and parentheses around an rvalue: `(u64)(dma)` → `dma`, in normText() form. */
export function stripCastsNorm(norm: string): string {
  let s = canonicalLvalue(norm);
  for (;;) {
    const m = /^\(((?:(?:const|volatile|struct|unsigned|signed)\s*)*[A-Za-z_]\w*)\)(.+)$/.exec(s);
    if (!m || m[1].includes('*')) break; // a pointer cast of an rvalue changes what it is
    s = canonicalLvalue(m[2]);
  }
  return s;
}

/**
 * Every name of the handle the map call `call` returns, canonical, the first being `handle` itself.
 * `body` is the function body; only assignments after the map are followed.
 */
export function handleAliases(body: Node, call: Node, handle: string): string[] {
  const names = new Set<string>([canonicalLvalue(handle)]);
  // chained assignment: climb through `a = b = call`
  let cur: Node = call;
  for (let p = cur.parent; p; cur = p, p = p.parent) {
    if (p.type === 'parenthesized_expression' || p.type === 'cast_expression') continue;
    if (p.type !== 'assignment_expression' || p.childForFieldName('right')?.id !== cur.id) break;
    if ((p.childForFieldName('operator')?.text ?? '=') !== '=') break;
    const l = p.childForFieldName('left');
    if (l) names.add(canonicalLvalue(normText(l)));
  }
  // pointers to the handle's home: `p = &X;` … `*p = dma_map_single()` → X
  const pointers = new Map<string, string>();
  // copies after the map, in text order (two rounds reach copies of copies)
  const copies: [string, string][] = [];
  walk(body, (n) => {
    let l: Node | null = null;
    let r: Node | null = null;
    if (n.type === 'assignment_expression' && (n.childForFieldName('operator')?.text ?? '=') === '=') {
      l = n.childForFieldName('left');
      r = n.childForFieldName('right');
    } else if (n.type === 'init_declarator') {
      l = n.childForFieldName('declarator');
      while (l && l.type === 'pointer_declarator') l = l.childForFieldName('declarator');
      r = n.childForFieldName('value');
    }
    if (!l || !r || r.type === 'assignment_expression') return true;
    const ln = canonicalLvalue(normText(l));
    const rn = normText(r);
    if (l.type === 'identifier' && /^&/.test(rn)) pointers.set(ln, canonicalLvalue(rn.slice(1)));
    if (n.startIndex > call.endIndex) copies.push([ln, stripCastsNorm(rn)]);
    return true;
  });
  for (const [p, target] of pointers) {
    if (names.has(`*${p}`)) names.add(target);
    if (names.has(target)) names.add(`*${p}`);
  }
  // a local narrower than dma_addr_t holds a truncated copy: a test on it is no test of the handle
  const narrow = narrowLocals(body);
  for (let round = 0; round < 2; round++) {
    for (const [l, r] of copies) {
      if (names.has(r) && !narrow.has(l)) names.add(l);
    }
  }
  return [...names];
}

/** Integer types narrower than a 64-bit dma_addr_t. */
const NARROW_TYPES = /^(?:u8|u16|u32|s8|s16|s32|__u8|__u16|__u32|__s32|uint8_t|uint16_t|uint32_t|int8_t|int16_t|int32_t|char|short|int|unsigned|signed|unsigned int|signed int|unsigned short|unsigned char|short int|unsigned short int)$/;

/** The locals of a body declared with an integer type narrower than dma_addr_t (`u32 bufaddr;`). */
function narrowLocals(body: Node): Set<string> {
  const out = new Set<string>();
  walk(body, (n) => {
    if (n.type !== 'declaration') return true;
    const t = n.childForFieldName('type');
    const spec = [...n.namedChildren].filter((c) => c && (c.type === 'sized_type_specifier' || c.type === 'primitive_type' || c.type === 'type_identifier')).map((c) => c!.text);
    const type = (spec.length ? spec.join(' ') : t?.text ?? '').replace(/\s+/g, ' ').trim();
    if (!NARROW_TYPES.test(type)) return false;
    for (const d of n.childrenForFieldName('declarator')) {
      let x: Node | null = d;
      if (x?.type === 'init_declarator') x = x.childForFieldName('declarator');
      if (x?.type === 'identifier') out.add(x.text);
    }
    return false;
  });
  return out;
}
