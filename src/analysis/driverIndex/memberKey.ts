/**
 * Member keys: the canonical identity of the struct member that holds a DMA handle, so that a map in one
 * function and the unmap or sync in another (another file of the driver) can be matched.
 *
 * API (stable; other modules import it):
 *
 *   memberKeyOf(handleExpr, fn, text, structs, types?) → MemberKey | null
 *     handleExpr  the handle expression as written (`rx_ring->buffer_info[i].dma`, `bi->dma`,
 *                 `dma_unmap_addr(b, mapping)`, `*((dma_addr_t *)skb->cb)`, `&priv->ring_dma`…)
 *     fn          the function_definition the expression appears in (its parameters and locals give
 *                 the declared type of the expression's base)
 *     text        the text the tree was parsed from
 *     structs     struct tag → members (fileScope.ts structDefinitions of the file merged with its
 *                 headers: FileSummary.structs()); a member's `tag` is the struct its type names
 *     types       optional: declaredTypes(fn, text), computed once when many handles of one function
 *                 are keyed
 *
 *   MemberKey = { key, member, container }
 *     full key     container = the tag of the struct that holds the member, key = `container.member`
 *                  (`e1000_rx_buffer.dma`)
 *     partial key  a hop could not be resolved (an undeclared base, a call, a struct not in the file or
 *                  its headers): container = null, key = member. A partial key may only ever suppress a
 *                  finding (two partial keys with the same member may or may not be the same member),
 *                  never create one.
 *                  A member of a kernel library struct that many objects share (`sg_table.sgl`,
 *                  `urb.transfer_dma`) is partial too: it names no one buffer of the driver.
 *     null         the expression is not a struct member (a local, a parameter, an out-parameter `*p`).
 *
 * How: the expression is unwrapped (parentheses, casts, `&`, `*`, accessors such as `le64_to_cpu()`,
 * `READ_ONCE()`, `sg_dma_address()`, `dma_unmap_addr(b, m)` = `b->m`, an offset `+ off`), its base's
 * type is read from the declarations of the function (then of the file): `struct X *p`, `struct X s`,
 * `struct X a[N]`, `(struct X *)e`, `container_of(e, struct X, m)`; then each member hop is followed
 * through the struct definitions. A typedef name counts as a tag (`foo_t *p` → `foo_t.dma`): the same
 * struct reached once by tag and once by typedef gets two keys, so a pair is missed, never invented.
 * Names declared twice in the function with different types are ambiguous: partial.
 *
 * Hand-written: the question is about C declarations and member paths of one expression; no library
 * answers it short of a C front end with the build's headers, which the tool deliberately does without.
 */
import type { Node } from 'web-tree-sitter';
import { normText, stripOuterParens, walk } from '../ast';
import { typeTag, type StructField } from '../fileScope';

export interface MemberKey {
  /** `container.member`, or the member name alone when the key is partial */
  key: string;
  /** the member that holds the handle */
  member: string;
  /** the tag of the struct that holds it; null when a hop could not be resolved (partial key) */
  container: string | null;
}

/**
 * Names declared in a function (parameters and locals) → the tag their type names; '' for a declared
 * name whose type is no struct (a scalar, `void *`); null when declared twice with different types.
 */
export type DeclaredTypes = Map<string, string | null>;

const DECL_TYPES = new Set(['parameter_declaration', 'declaration']);
/** Nodes that hold no declaration: a walk for declarations does not descend into them. */
const SKIP = new Set([
  'identifier', 'field_identifier', 'type_identifier', 'statement_identifier', 'number_literal', 'string_literal',
  'char_literal', 'primitive_type', 'comment', 'call_expression', 'field_expression', 'binary_expression',
  'expression_statement', 'return_statement', 'goto_statement', 'break_statement', 'continue_statement',
  'parenthesized_expression', 'assignment_expression', 'conditional_expression', 'unary_expression',
  'pointer_expression', 'subscript_expression', 'cast_expression', 'update_expression', 'sizeof_expression',
  'concatenated_string', 'argument_list', 'initializer_list',
]);

/** The identifier a declarator declares (through init, pointer, array declarators), or null (functions). */
function declaredName(d: Node | null): string | null {
  let cur = d;
  for (let guard = 0; cur && guard < 20; guard++) {
    if (cur.type === 'identifier') return cur.text;
    if (cur.type === 'function_declarator') return null;
    cur = cur.childForFieldName('declarator');
  }
  return null;
}

function addDecl(out: DeclaredTypes, n: Node): void {
  const tag = typeTag(n.childForFieldName('type')) ?? '';
  for (const d of n.childrenForFieldName('declarator')) {
    const name = declaredName(d);
    if (!name) continue;
    const prev = out.get(name);
    out.set(name, prev === undefined || prev === tag ? tag : null);
  }
}

/** Parameters and locals of a function with the tag of their declared type (see DeclaredTypes). */
export function declaredTypes(fn: Node, _text?: string): DeclaredTypes {
  const out: DeclaredTypes = new Map();
  walk(fn, (n) => {
    if (DECL_TYPES.has(n.type)) {
      addDecl(out, n);
      // an initialiser may hold a statement expression with declarations of its own: rare, ignored
      return false;
    }
    return true;
  }, SKIP);
  return out;
}

/** The tag of a file-scope object's type (`static struct foo_priv *gpriv;`), read lazily. */
function fileScopeTag(fn: Node, name: string): string | null | undefined {
  const root = fn.tree.rootNode;
  const stack: Node[] = [root];
  let found: string | null | undefined;
  for (let steps = 0; stack.length && steps < 20000; steps++) {
    const n = stack.pop()!;
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type.startsWith('preproc_if') || c.type === 'preproc_else' || c.type === 'preproc_elif') stack.push(c);
      else if (c.type === 'declaration' && c.text.includes(name)) {
        for (const d of c.childrenForFieldName('declarator')) {
          if (declaredName(d) !== name) continue;
          const tag = typeTag(c.childForFieldName('type')) ?? '';
          found = found === undefined || found === tag ? tag : null;
        }
      }
    }
  }
  return found;
}

/** Calls whose value is their (only or first) argument, as far as the handle's home is concerned. */
const PASS_THROUGH = /^(?:le64_to_cpu|le32_to_cpu|be64_to_cpu|be32_to_cpu|cpu_to_le64|cpu_to_le32|cpu_to_be64|cpu_to_be32|READ_ONCE|sg_dma_address|sg_dma_len|sg_page|virt_to_page)$/;
/** Accessors of a `DEFINE_DMA_UNMAP_ADDR`/`_LEN` member: `dma_unmap_addr(b, m)` is `b->m`. */
const UNMAP_ACCESSORS = /^(?:dma_unmap_addr|dma_unmap_len)$/;
/** Calls that give a pointer to a struct named in their arguments: `container_of(p, struct X, m)`. */
const CONTAINER_CALLS = /^(?:container_of|container_of_const|list_entry|list_first_entry|list_last_entry|list_first_entry_or_null|hlist_entry)$/;
const TYPE_CAST = /^\(((?:(?:const|volatile|struct|union|enum|unsigned|signed)\s*)*[A-Za-z_]\w*(?:\s*\*+)?)\)/;

/** Index of the bracket closing the one at i, or -1. */
function closing(s: string, i: number): number {
  const open = s[i];
  const close = open === '(' ? ')' : ']';
  let depth = 0;
  for (let k = i; k < s.length; k++) {
    if (s[k] === open) depth++;
    else if (s[k] === close && --depth === 0) return k;
  }
  return -1;
}

/** Top-level comma-separated arguments of an argument text. */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(from, k));
      from = k + 1;
    }
  }
  out.push(s.slice(from));
  return out.map((x) => x.trim());
}

/** The left operand when the text is a top-level sum or difference (`ring->dma + off` → `ring->dma`). */
function leftOfSum(s: string): string {
  let depth = 0;
  for (let k = 1; k < s.length; k++) {
    const c = s[k];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && (c === '+' || c === '-')) {
      if (c === '-' && s[k + 1] === '>') { k++; continue; }
      if (s[k + 1] === c || s[k - 1] === c) return s; // ++ / --
      if (/[(\[*&!~,=+\-]/.test(s[k - 1])) continue; // unary
      return s.slice(0, k);
    }
  }
  return s;
}

/** Removes what does not change which member holds the handle; null when the text is no handle path. */
function unwrap(expr: string): string | null {
  let s = stripOuterParens(expr);
  for (let guard = 0; guard < 30; guard++) {
    if (!s) return null;
    if (s.startsWith('&') && !s.startsWith('&&')) { s = stripOuterParens(s.slice(1)); continue; }
    if (s.startsWith('*')) { s = stripOuterParens(s.slice(1)); continue; }
    const cast = TYPE_CAST.exec(s);
    if (cast && /^[\w(*&]/.test(s.slice(cast[0].length))) { s = stripOuterParens(s.slice(cast[0].length)); continue; }
    const call = /^([A-Za-z_]\w*)\(/.exec(s);
    if (call && closing(s, call[1].length) === s.length - 1) {
      const args = splitArgs(s.slice(call[1].length + 1, -1));
      if (PASS_THROUGH.test(call[1]) && args[0]) { s = stripOuterParens(args[0]); continue; }
      if (UNMAP_ACCESSORS.test(call[1]) && args.length === 2 && /^[A-Za-z_]\w*$/.test(args[1])) {
        const base = stripOuterParens(args[0]);
        s = base.startsWith('&') && !base.startsWith('&&') ? `(${base.slice(1)}).${args[1]}` : `(${base})->${args[1]}`;
        continue;
      }
    }
    const left = leftOfSum(s);
    if (left !== s) { s = stripOuterParens(left); continue; }
    return s;
  }
  return null;
}

interface Chain {
  /** the base's type tag when the base itself says it (a cast, container_of); else the base name */
  baseTag?: string;
  baseName?: string;
  /** a parenthesised base expression whose type is that of an inner path */
  baseExpr?: string;
  /** member names, in order (subscripts dropped) */
  hops: string[];
}

/** `base(->m|.m|[…])*` → its parts; null when the text is something else (a call result with no hop, arithmetic…). */
function parseChain(s: string): Chain | null {
  let i = 0;
  const chain: Chain = { hops: [] };
  const id = /^[A-Za-z_]\w*/.exec(s);
  if (id) {
    i = id[0].length;
    if (s[i] === '(') {
      const j = closing(s, i);
      if (j < 0) return null;
      const args = splitArgs(s.slice(i + 1, j));
      const tag = CONTAINER_CALLS.test(id[0]) ? /^(?:struct|union)\s*(\w+)$/.exec(args[1] ?? '')?.[1] : undefined;
      chain.baseTag = tag ?? '';
      i = j + 1;
    } else chain.baseName = id[0];
  } else if (s[0] === '(') {
    const j = closing(s, 0);
    if (j < 0) return null;
    const inner = stripOuterParens(s.slice(1, j));
    const cast = /^\((?:const\s*)?(?:struct|union)\s*(\w+)\s*\*+\)/.exec(inner);
    if (cast) chain.baseTag = cast[1];
    else chain.baseExpr = inner.replace(/^\*+/, '');
    i = j + 1;
  } else return null;
  while (i < s.length) {
    if (s.startsWith('->', i) || s[i] === '.') {
      i += s[i] === '.' ? 1 : 2;
      const m = /^\s*([A-Za-z_]\w*)/.exec(s.slice(i));
      if (!m) return null;
      chain.hops.push(m[1]);
      i += m[0].length;
    } else if (s[i] === '[') {
      const j = closing(s, i);
      if (j < 0) return null;
      i = j + 1;
    } else return null;
  }
  return chain;
}

interface Ctx {
  fn: Node;
  structs: Map<string, StructField[]>;
  types: DeclaredTypes;
}

/** The tag of a name's declared type: the function's declarations, then the file's; undefined when unknown or ambiguous. */
function nameTag(name: string, c: Ctx): string | undefined {
  let t = c.types.get(name);
  if (t === undefined) {
    t = fileScopeTag(c.fn, name);
    c.types.set(name, t === undefined ? null : t);
  }
  return t || undefined;
}

/** The tag of the struct a chain's base points to. */
function baseTagOf(chain: Chain, c: Ctx, depth: number): string | undefined {
  if (chain.baseTag !== undefined) return chain.baseTag || undefined;
  if (chain.baseName) return nameTag(chain.baseName, c);
  if (chain.baseExpr !== undefined && depth < 5) {
    const inner = unwrap(chain.baseExpr);
    const ic = inner ? parseChain(inner) : null;
    return ic ? tagAfter(ic, ic.hops.length, c, depth + 1) : undefined;
  }
  return undefined;
}

/** The tag of the type reached after the first n hops of a chain (n = 0: the base's). */
function tagAfter(chain: Chain, n: number, c: Ctx, depth: number): string | undefined {
  let tag = baseTagOf(chain, c, depth);
  for (let k = 0; k < n && tag; k++) tag = c.structs.get(tag)?.find((f) => f.name === chain.hops[k])?.tag;
  return tag;
}

/**
 * The member that holds the handle an expression names (see the file comment), or null when the
 * expression is not a struct member.
 */
export function memberKeyOf(handleExpr: string, fn: Node, text: string, structs: Map<string, StructField[]>, types?: DeclaredTypes): MemberKey | null {
  const s = unwrap(normText(handleExpr));
  const chain = s ? parseChain(s) : null;
  if (!chain || !chain.hops.length) return null;
  const c: Ctx = { fn, structs, types: types ?? declaredTypes(fn, text) };
  const member = chain.hops[chain.hops.length - 1];
  const tag = tagAfter(chain, chain.hops.length - 1, c, 0) ?? null;
  // a member of a kernel library struct (`sg_table.sgl`, `urb.transfer_dma`) names every instance the
  // driver has of that struct, for whatever purpose: no identity of one driver buffer (partial)
  const container = tag && SHARED_CONTAINERS.has(tag) ? null : tag;
  return { key: container ? `${container}.${member}` : member, member, container };
}

/**
 * Structs of the kernel's own libraries that carry DMA handles for many unrelated objects of one driver
 * (i915's phys objects keep a coherent allocation's handle in `sg_table.sgl`, its GTT objects a
 * scatterlist mapping): a map and a release through one of them need not be the same buffer.
 */
const SHARED_CONTAINERS = new Set([
  'sg_table', 'scatterlist', 'skb_shared_info', 'skb_frag', 'skb_frag_t', 'page', 'folio', 'bio', 'bio_vec',
  'xdp_buff', 'xdp_frame', 'urb', 'device', 'dma_buf', 'sg_mapping_iter',
]);

/** Can two keys name the same member? Full keys: equal; a partial key: the same member name. */
export function mayBeSameMember(a: MemberKey, b: MemberKey): boolean {
  if (a.container && b.container) return a.key === b.key;
  return a.member === b.member;
}
