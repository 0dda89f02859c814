/**
 * Lifecycle extraction: from the function around an offset and the buffer or
 * DMA handle under it (or named by the caller), derive a `.dmatrace` that the
 * simulator can replay (design.md §4).
 *
 * The extraction follows one path through the function: the main path, the
 * one that reaches the function's success return. Error exits (a branch that
 * ends in `goto`/`return` while the other goes on, `if (dma_mapping_error())`,
 * `if (!buf)`) are skipped, loop bodies are taken once, and a `goto` on the
 * main path is followed to its label. Every decision is written into the
 * trace's header comments so the user sees what was assumed.
 *
 * Pure: no vscode, no Node built-ins. The walk over statements and
 * expressions is iterative (explicit stacks); the only recursion (constant
 * folding, "does this statement always exit") is depth-bounded.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { callArgs, callName, enclosingFunction, functionName, normText, stripParensAndCasts, walk } from './ast';
import { MAX_FUNCTION_CHARS } from './facts';

export type BufferKind = 'kmalloc' | 'page' | 'stack' | 'vmalloc' | 'static' | 'coherent' | 'pool' | 'noncoherent';
export type Direction = 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL' | 'DMA_NONE';

export interface LifecycleRequest {
  /** the document text (the tree was parsed from it) */
  text: string;
  tree: Tree;
  /** a UTF-16 offset inside the function of interest */
  offset: number;
  /** the buffer or handle expression, when the caller names it (`--buffer`) */
  buffer?: string;
  /** shown in the header comment only */
  file?: string;
  /** when set, steps carry `# src=<srcFile>:<line>` (for traces saved away from their source) */
  srcFile?: string;
  /** texts of headers the file includes with `#include "…"` (their object-like #defines are used for sizes) */
  headers?: readonly string[];
}

/** The `#include "x.h"` names of a file (quoted includes only: the driver's own headers). */
export function localIncludes(text: string, limit = 16): string[] {
  const out: string[] = [];
  const re = /^[ \t]*#[ \t]*include[ \t]+"([^"\n]{1,200})"/gm;
  for (let m = re.exec(text); m && out.length < limit; m = re.exec(text)) out.push(m[1]);
  return out;
}

/** Object-like #defines of a header (`#define NAME value`), read line by line. */
function headerDefines(text: string, into: Map<string, string>): void {
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]*?)[ \t]*(?:\/\*.*|\/\/.*)?$/gm;
  let count = 0;
  for (let m = re.exec(text); m && count < 100000; m = re.exec(text), count++) {
    if (!into.has(m[1]) && m[2] && !m[2].endsWith('\\')) into.set(m[1], m[2]);
  }
}

export interface LifecycleStep {
  /** the trace operation (`dma_map_single`, `cpu_read`, …) or '' for a comment-only line */
  op: string;
  /** the rest of the trace line after the op (buffer name first) */
  args: string[];
  /** 1-based source line */
  line: number;
  /** an optional remark appended to the step's comment */
  note?: string;
}

export interface LifecycleResult {
  trace: string;
  /** the name used for the buffer in the trace (a C identifier) */
  name: string;
  /** the buffer expression as written in the source */
  bufferExpr: string;
  /** the handle expression(s) the DMA address lives in */
  handles: string[];
  functionName: string;
  kind: BufferKind;
  size: number;
  steps: LifecycleStep[];
  /** header remarks (path taken, assumptions) */
  notes: string[];
}

export class LifecycleError extends Error {}

export const DEFAULT_BUFFER_SIZE = 2048;
/** bounds: the walk gives up (with what it has) after this many statements or gotos */
const MAX_STATEMENTS = 20000;
const MAX_GOTOS = 64;
const MAX_FOLD_DEPTH = 32;

// ---------------------------------------------------------------------------
// API vocabulary

const MAP_CALLS = new Set(['dma_map_single', 'dma_map_single_attrs', 'dma_map_page', 'dma_map_page_attrs', 'dma_map_sg', 'dma_map_sg_attrs', 'dma_map_sgtable', 'pci_map_single', 'pci_map_page', 'dma_map_resource']);
const UNMAP_CALLS = new Set(['dma_unmap_single', 'dma_unmap_single_attrs', 'dma_unmap_page', 'dma_unmap_page_attrs', 'dma_unmap_sg', 'dma_unmap_sg_attrs', 'dma_unmap_sgtable', 'pci_unmap_single', 'pci_unmap_page', 'dma_unmap_resource']);
const SYNC_CALLS = new Set(['dma_sync_single_for_cpu', 'dma_sync_single_for_device', 'dma_sync_single_range_for_cpu', 'dma_sync_single_range_for_device', 'dma_sync_sg_for_cpu', 'dma_sync_sg_for_device', 'dma_sync_sgtable_for_cpu', 'dma_sync_sgtable_for_device', 'pci_dma_sync_single_for_cpu', 'pci_dma_sync_single_for_device']);
const COHERENT_ALLOC = new Set(['dma_alloc_coherent', 'dmam_alloc_coherent', 'dma_zalloc_coherent', 'pci_alloc_consistent', 'dma_alloc_attrs', 'dma_alloc_wc']);
const COHERENT_FREE = new Set(['dma_free_coherent', 'dmam_free_coherent', 'pci_free_consistent', 'dma_free_attrs', 'dma_free_wc']);
const POOL_ALLOC = new Set(['dma_pool_alloc', 'dma_pool_zalloc']);
const POOL_FREE = new Set(['dma_pool_free']);
const NONCOHERENT_ALLOC = new Set(['dma_alloc_noncoherent']);
const NONCOHERENT_FREE = new Set(['dma_free_noncoherent']);

/** CPU allocators: kind and which argument holds the size (or 'order' for page orders). */
const CPU_ALLOC: Record<string, { kind: BufferKind; size?: number; count?: number; order?: number; zero?: boolean; pageSize?: boolean }> = {
  kmalloc: { kind: 'kmalloc', size: 0 },
  kzalloc: { kind: 'kmalloc', size: 0, zero: true },
  kmalloc_node: { kind: 'kmalloc', size: 0 },
  kzalloc_node: { kind: 'kmalloc', size: 0, zero: true },
  kmalloc_array: { kind: 'kmalloc', count: 0, size: 1 },
  kcalloc: { kind: 'kmalloc', count: 0, size: 1, zero: true },
  kmalloc_array_node: { kind: 'kmalloc', count: 0, size: 1 },
  kcalloc_node: { kind: 'kmalloc', count: 0, size: 1, zero: true },
  kmemdup: { kind: 'kmalloc', size: 1 },
  krealloc: { kind: 'kmalloc', size: 1 },
  kvmalloc: { kind: 'kmalloc', size: 0 },
  kvzalloc: { kind: 'kmalloc', size: 0, zero: true },
  devm_kmalloc: { kind: 'kmalloc', size: 1 },
  devm_kzalloc: { kind: 'kmalloc', size: 1, zero: true },
  devm_kcalloc: { kind: 'kmalloc', count: 1, size: 2, zero: true },
  devm_kmalloc_array: { kind: 'kmalloc', count: 1, size: 2 },
  netdev_alloc_frag: { kind: 'kmalloc', size: 0 },
  napi_alloc_frag: { kind: 'kmalloc', size: 0 },
  page_frag_alloc: { kind: 'kmalloc', size: 1 },
  alloc_page: { kind: 'page', pageSize: true },
  alloc_pages: { kind: 'page', order: 1 },
  alloc_pages_node: { kind: 'page', order: 2 },
  dev_alloc_page: { kind: 'page', pageSize: true },
  dev_alloc_pages: { kind: 'page', order: 0 },
  __get_free_page: { kind: 'page', pageSize: true },
  get_zeroed_page: { kind: 'page', pageSize: true, zero: true },
  __get_free_pages: { kind: 'page', order: 1 },
  page_pool_dev_alloc_pages: { kind: 'page', pageSize: true },
  page_pool_alloc_pages: { kind: 'page', pageSize: true },
  vmalloc: { kind: 'vmalloc', size: 0 },
  vzalloc: { kind: 'vmalloc', size: 0, zero: true },
  vmalloc_user: { kind: 'vmalloc', size: 0, zero: true },
  netdev_alloc_skb: { kind: 'kmalloc', size: 1 },
  netdev_alloc_skb_ip_align: { kind: 'kmalloc', size: 1 },
  napi_alloc_skb: { kind: 'kmalloc', size: 1 },
  dev_alloc_skb: { kind: 'kmalloc', size: 0 },
  alloc_skb: { kind: 'kmalloc', size: 0 },
  __netdev_alloc_skb: { kind: 'kmalloc', size: 1 },
};

const CPU_FREE = new Set(['kfree', 'kvfree', 'kfree_sensitive', 'kzfree', 'vfree', 'devm_kfree', 'free_page', 'free_pages', '__free_page', '__free_pages', 'put_page', 'page_frag_free', 'skb_free_frag', 'dev_kfree_skb', 'dev_kfree_skb_any', 'dev_kfree_skb_irq', 'kfree_skb', 'consume_skb', 'napi_consume_skb', 'page_pool_put_full_page', 'page_pool_recycle_direct']);

/** Register writes: value argument index. */
const REG_WRITES: Record<string, number> = {
  writel: 0, writel_relaxed: 0, writeq: 0, writeq_relaxed: 0, writew: 0, writeb: 0, __raw_writel: 0, __raw_writeq: 0,
  iowrite32: 0, iowrite64: 0, iowrite16: 0, iowrite32be: 0, iowrite64be: 0, lo_hi_writeq: 0, hi_lo_writeq: 0,
  lo_hi_writeq_relaxed: 0, hi_lo_writeq_relaxed: 0, iowrite64_lo_hi: 0, iowrite64_hi_lo: 0, outl: 0,
  regmap_write: 2, mmio_write_32: 1, pci_write_config_dword: 2,
};

/** Value wrappers a handle passes through on its way to the device. */
const HANDLE_WRAPPERS = new Set(['cpu_to_le64', 'cpu_to_le32', 'cpu_to_be64', 'cpu_to_be32', 'lower_32_bits', 'upper_32_bits', '__cpu_to_le64', '__cpu_to_le32', 'cpu_to_le16']);

/** Calls that copy memory: [dst index or -1, src index or -1, len index or -1]. */
const COPY_CALLS: Record<string, [number, number, number]> = {
  memcpy: [0, 1, 2], memmove: [0, 1, 2], __memcpy: [0, 1, 2], memcpy_fromio: [0, -1, 2], memcpy_toio: [-1, 1, 2],
  copy_from_user: [0, -1, 2], copy_to_user: [-1, 1, 2], strscpy: [0, 1, 2], strncpy: [0, 1, 2], strcpy: [0, 1, -1],
  skb_copy_from_linear_data: [1, 0, 2], skb_copy_to_linear_data: [0, 1, 2], skb_copy_bits: [2, 0, 3],
  memcmp: [-1, 0, 2], crc32: [-1, 1, 2], crc32_le: [-1, 1, 2], csum_partial: [-1, 0, 1], print_hex_dump_bytes: [-1, 2, 3],
};

/** Calls whose name suggests they fill the buffer passed to them (heuristic). */
const WRITER_NAME = /(fill|write|put|build|prepare|prep|init|setup|set|encode|format|copy_to|store|zero|clear|make|random|read|recv|fetch|^get_)/i;
/** …but these consume what the buffer holds, whatever else their name says. */
const READER_NAME = /(receive|process|parse|handle|check|verify|dump|print|crc|csum|xmit|send|tx|compare|cmp|hash)/i;

/** Pure value helpers that neither read nor write the memory a pointer argument points to. */
const NEUTRAL_CALLS = new Set(['sizeof', 'likely', 'unlikely', 'virt_to_page', 'virt_to_phys', 'offset_in_page', 'page_to_phys', 'IS_ERR', 'PTR_ERR', 'IS_ERR_OR_NULL', 'WARN_ON', 'BUG_ON', 'ALIGN', 'PTR_ALIGN', 'IS_ALIGNED', 'dev_dbg', 'netdev_dbg', 'pr_debug', 'dma_mapping_error', 'skb_reserve', 'skb_put', 'skb_push', 'skb_pull', 'skb_headroom', 'skb_tailroom', 'prefetch', 'prefetchw', 'net_prefetch', 'page_address']);

// ---------------------------------------------------------------------------
// File-level facts: #define constants and struct layouts

interface FileFacts {
  defines: Map<string, string>;
  structs: Map<string, Node>;
  globals: Map<string, Node>;
}

function fileFacts(tree: Tree): FileFacts {
  const defines = new Map<string, string>();
  const structs = new Map<string, Node>();
  const globals = new Map<string, Node>();
  walk(tree.rootNode, (n) => {
    if (n.type === 'function_definition') return false;
    if (n.type === 'preproc_def') {
      const name = n.childForFieldName('name')?.text;
      const value = n.childForFieldName('value')?.text;
      if (name && value && !defines.has(name)) defines.set(name, value.trim());
      return false;
    }
    if (n.type === 'struct_specifier' && n.childForFieldName('body')) {
      const name = n.childForFieldName('name')?.text;
      if (name && !structs.has(name)) structs.set(name, n);
    }
    if (n.type === 'declaration' && n.parent?.type === 'translation_unit') {
      for (const d of n.childrenForFieldName('declarator')) {
        if (!d) continue;
        const id = declaratorName(d);
        if (id) globals.set(id, n);
      }
    }
    return true;
  });
  return { defines, structs, globals };
}

/** The identifier a declarator declares (through pointers, arrays, init). */
function declaratorName(d: Node): string | null {
  let cur: Node | null = d;
  for (let i = 0; cur && i < 16; i++) {
    if (cur.type === 'identifier' || cur.type === 'field_identifier') return cur.text;
    cur = cur.childForFieldName('declarator');
  }
  return null;
}

const SCALAR_SIZES: Record<string, number> = {
  char: 1, u8: 1, s8: 1, __u8: 1, __s8: 1, uint8_t: 1, int8_t: 1, bool: 1, _Bool: 1,
  short: 2, u16: 2, s16: 2, __u16: 2, __s16: 2, __le16: 2, __be16: 2, uint16_t: 2, int16_t: 2,
  int: 4, unsigned: 4, float: 4, u32: 4, s32: 4, __u32: 4, __s32: 4, __le32: 4, __be32: 4, uint32_t: 4, int32_t: 4, __wsum: 4, __sum16: 2,
  long: 8, double: 8, u64: 8, s64: 8, __u64: 8, __s64: 8, __le64: 8, __be64: 8, uint64_t: 8, int64_t: 8,
  size_t: 8, ssize_t: 8, dma_addr_t: 8, phys_addr_t: 8, resource_size_t: 8, uintptr_t: 8, loff_t: 8,
};

interface Layout { size: number; align: number }

/** Size of a type node (type_descriptor, primitive, struct) — undefined when unknown. */
function typeLayout(facts: FileFacts, typeNode: Node | null, depth = 0): Layout | undefined {
  if (!typeNode || depth > MAX_FOLD_DEPTH) return undefined;
  if (typeNode.type === 'type_descriptor') {
    const base = typeLayout(facts, typeNode.childForFieldName('type'), depth + 1);
    const decl = typeNode.childForFieldName('declarator');
    if (!decl) return base;
    if (decl.type.includes('pointer')) return { size: 8, align: 8 };
    if (decl.type === 'abstract_array_declarator' && base) {
      const n = foldConst(facts, decl.childForFieldName('size'), depth + 1);
      return n !== undefined ? { size: base.size * n, align: base.align } : undefined;
    }
    return base;
  }
  if (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier') {
    let body = typeNode.childForFieldName('body');
    if (!body) {
      const name = typeNode.childForFieldName('name')?.text;
      const def = name ? facts.structs.get(name) : undefined;
      body = def?.childForFieldName('body') ?? null;
    }
    if (!body) return undefined;
    return structLayout(facts, body, typeNode.type === 'union_specifier', depth + 1);
  }
  const t = typeNode.text.replace(/\b(const|volatile|unsigned|signed|struct)\b/g, (w) => (w === 'unsigned' || w === 'signed' ? '' : w === 'struct' ? 'struct' : '')).trim();
  if (typeNode.type === 'sized_type_specifier') {
    if (/long/.test(typeNode.text)) return { size: 8, align: 8 };
    if (/short/.test(typeNode.text)) return { size: 2, align: 2 };
    if (/char/.test(typeNode.text)) return { size: 1, align: 1 };
    return { size: 4, align: 4 };
  }
  const s = SCALAR_SIZES[t];
  return s ? { size: s, align: s } : undefined;
}

function structLayout(facts: FileFacts, body: Node, isUnion: boolean, depth: number): Layout | undefined {
  let off = 0;
  let maxAlign = 1;
  let maxSize = 0;
  for (const f of body.namedChildren) {
    if (!f || f.type !== 'field_declaration') continue;
    const base = typeLayout(facts, f.childForFieldName('type'), depth + 1);
    for (const d of f.childrenForFieldName('declarator')) {
      if (!d) continue;
      let lay: Layout | undefined;
      if (d.type === 'pointer_declarator') lay = { size: 8, align: 8 };
      else if (d.type === 'array_declarator') {
        const n = foldConst(facts, d.childForFieldName('size'), depth + 1);
        lay = base && n !== undefined ? { size: base.size * n, align: base.align } : undefined;
      } else lay = base;
      if (!lay) return undefined;
      maxAlign = Math.max(maxAlign, lay.align);
      if (isUnion) maxSize = Math.max(maxSize, lay.size);
      else off = Math.ceil(off / lay.align) * lay.align + lay.size;
    }
  }
  const size = isUnion ? maxSize : off;
  return { size: Math.ceil(size / maxAlign) * maxAlign, align: maxAlign };
}

/** Folds a constant expression: numbers, #defines, sizeof, + - * / << >> | & and parentheses. */
function foldConst(facts: FileFacts, n: Node | null, depth = 0, fn?: Node): number | undefined {
  if (!n || depth > MAX_FOLD_DEPTH) return undefined;
  switch (n.type) {
    case 'number_literal': {
      const t = n.text.replace(/[uUlL]+$/, '');
      const v = /^0x/i.test(t) ? parseInt(t.slice(2), 16) : /^0[0-7]+$/.test(t) ? parseInt(t, 8) : Number(t);
      return Number.isFinite(v) ? v : undefined;
    }
    case 'parenthesized_expression':
      return foldConst(facts, n.namedChild(0), depth + 1, fn);
    case 'cast_expression':
      return foldConst(facts, n.childForFieldName('value'), depth + 1, fn);
    case 'identifier': {
      const def = facts.defines.get(n.text);
      if (def === undefined) {
        if (n.text === 'PAGE_SIZE') return 4096;
        if (n.text === 'SZ_1K') return 1024;
        if (n.text === 'SZ_2K') return 2048;
        if (n.text === 'SZ_4K') return 4096;
        return undefined;
      }
      return foldDefine(facts, n.text, def, depth + 1);
    }
    case 'binary_expression': {
      const a = foldConst(facts, n.childForFieldName('left'), depth + 1, fn);
      const b = foldConst(facts, n.childForFieldName('right'), depth + 1, fn);
      if (a === undefined || b === undefined) return undefined;
      const op = n.childForFieldName('operator')?.text;
      switch (op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b ? Math.floor(a / b) : undefined;
        case '<<': return a * 2 ** b;
        case '>>': return Math.floor(a / 2 ** b);
        case '|': return a | b;
        case '&': return a & b;
        default: return undefined;
      }
    }
    case 'sizeof_expression': {
      const ty = n.childForFieldName('type');
      if (ty) return typeLayout(facts, ty, depth + 1)?.size;
      const v = n.childForFieldName('value');
      return v ? sizeofValue(facts, v, depth + 1, fn) : undefined;
    }
    case 'call_expression': {
      const name = callName(n);
      const args = callArgs(n);
      if ((name === 'ALIGN' || name === 'roundup') && args.length === 2) {
        const a = foldConst(facts, args[0], depth + 1, fn);
        const b = foldConst(facts, args[1], depth + 1, fn);
        return a !== undefined && b ? Math.ceil(a / b) * b : undefined;
      }
      if ((name === 'max' || name === 'min' || name === 'max_t' || name === 'min_t') && args.length >= 2) {
        const vals = args.slice(-2).map((x) => foldConst(facts, x, depth + 1, fn));
        if (vals.some((v) => v === undefined)) return undefined;
        return name.startsWith('max') ? Math.max(...(vals as number[])) : Math.min(...(vals as number[]));
      }
      if (name === 'BIT' && args.length === 1) {
        const a = foldConst(facts, args[0], depth + 1, fn);
        return a !== undefined ? 2 ** a : undefined;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Folds the text of a #define value (parsed as a tiny expression by hand). */
/**
 * The value of a #define, computed once per extraction: macros built from other macros
 * (`#define B (A + A + A)`) would otherwise be folded exponentially often. A macro that
 * refers to itself folds to undefined.
 */
const defineValues = new Map<string, number | undefined>();
function foldDefine(facts: FileFacts, name: string, def: string, depth: number): number | undefined {
  if (defineValues.has(name)) return defineValues.get(name);
  defineValues.set(name, undefined);
  const v = foldText(facts, def, depth);
  defineValues.set(name, v);
  return v;
}

function foldText(facts: FileFacts, text: string, depth: number): number | undefined {
  if (depth > MAX_FOLD_DEPTH) return undefined;
  const t = text.trim();
  // tokens: numbers, identifiers, operators, parentheses
  const tokens = t.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[-+*/()|&]/g);
  if (!tokens || tokens.join('').length !== t.replace(/\s+/g, '').length) return undefined;
  let i = 0;
  const prim = (): number | undefined => {
    const tok = tokens[i++];
    if (tok === undefined) return undefined;
    if (tok === '(') {
      const v = expr(0);
      if (tokens[i++] !== ')') return undefined;
      return v;
    }
    if (/^\d|^0[xX]/.test(tok)) {
      const s = tok.replace(/[uUlL]+$/, '');
      return /^0[xX]/.test(s) ? parseInt(s.slice(2), 16) : Number(s);
    }
    if (/^[A-Za-z_]/.test(tok)) {
      if (tok === 'PAGE_SIZE') return 4096;
      const def = facts.defines.get(tok);
      return def !== undefined ? foldDefine(facts, tok, def, depth + 1) : undefined;
    }
    return undefined;
  };
  const PREC: Record<string, number> = { '|': 1, '&': 2, '<<': 3, '>>': 3, '+': 4, '-': 4, '*': 5, '/': 5 };
  const expr = (min: number): number | undefined => {
    let lhs = prim();
    for (;;) {
      const op = tokens[i];
      const p = op !== undefined ? PREC[op] : undefined;
      if (p === undefined || p < min || lhs === undefined) return lhs;
      i++;
      const rhs = expr(p + 1);
      if (rhs === undefined) return undefined;
      lhs = op === '|' ? lhs | rhs : op === '&' ? lhs & rhs : op === '<<' ? lhs * 2 ** rhs : op === '>>' ? Math.floor(lhs / 2 ** rhs)
        : op === '+' ? lhs + rhs : op === '-' ? lhs - rhs : op === '*' ? lhs * rhs : rhs ? Math.floor(lhs / rhs) : undefined;
      if (lhs === undefined) return undefined;
    }
  };
  const v = expr(0);
  return i === tokens.length ? v : undefined;
}

/** sizeof applied to an expression: `sizeof(*p)`, `sizeof(buf)`, `sizeof(p->hdr)` when the types are visible. */
function sizeofValue(facts: FileFacts, v: Node, depth: number, fn?: Node): number | undefined {
  let e = v;
  while (e.type === 'parenthesized_expression' && e.namedChild(0)) e = e.namedChild(0)!;
  const deref = e.type === 'pointer_expression' && e.child(0)?.text === '*';
  const target = deref ? e.childForFieldName('argument') : e;
  if (!target || target.type !== 'identifier' || !fn) return undefined;
  const decl = findLocalDeclaration(fn, target.text) ?? findGlobal(facts, target.text);
  if (!decl) return undefined;
  const base = typeLayout(facts, decl.type, depth + 1);
  if (deref) return decl.pointer ? base?.size : undefined;
  if (decl.arrayLen !== undefined && base) return base.size * decl.arrayLen;
  if (decl.pointer) return 8;
  return base?.size;
}

interface LocalDecl { type: Node | null; pointer: boolean; arrayLen?: number; isStatic: boolean; node: Node; line: number }

function describeDeclarator(facts: FileFacts, declNode: Node, d: Node, name: string): LocalDecl | null {
  let cur: Node | null = d;
  let pointer = false;
  let arrayLen: number | undefined;
  for (let i = 0; cur && i < 16; i++) {
    if (cur.type === 'init_declarator') cur = cur.childForFieldName('declarator');
    else if (cur.type === 'pointer_declarator') { pointer = true; cur = cur.childForFieldName('declarator'); }
    else if (cur.type === 'array_declarator') { arrayLen = foldConst(facts, cur.childForFieldName('size')); if (arrayLen === undefined) arrayLen = -1; cur = cur.childForFieldName('declarator'); }
    else if (cur.type === 'identifier' || cur.type === 'field_identifier') {
      if (cur.text !== name) return null;
      const isStatic = declNode.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
      return { type: declNode.childForFieldName('type'), pointer, arrayLen: arrayLen === -1 ? undefined : arrayLen, isStatic, node: declNode, line: declNode.startPosition.row + 1 };
    } else return null;
  }
  return null;
}

let currentFacts: FileFacts | null = null;

function findLocalDeclaration(fn: Node, name: string): LocalDecl | null {
  let found: LocalDecl | null = null;
  const facts = currentFacts;
  if (!facts) return null;
  walk(fn, (n) => {
    if (found) return false;
    if (n.type === 'declaration' || n.type === 'parameter_declaration') {
      for (const d of n.childrenForFieldName('declarator')) {
        if (!d) continue;
        const r = describeDeclarator(facts, n, d, name);
        if (r) { found = r; return false; }
      }
      return false;
    }
    return true;
  });
  return found;
}

function findGlobal(facts: FileFacts, name: string): LocalDecl | null {
  const n = facts.globals.get(name);
  if (!n) return null;
  for (const d of n.childrenForFieldName('declarator')) {
    if (!d) continue;
    const r = describeDeclarator(facts, n, d, name);
    if (r) return r;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Target: the buffer and handle we follow

interface Target {
  /** normalised buffer expressions (the buffer and its aliases) */
  buffers: Set<string>;
  /** normalised handle expressions */
  handles: Set<string>;
  /** for page buffers: the page variable (page_address(page) is the buffer) */
  pages: Set<string>;
  /** skb variables whose data is the buffer */
  skbs: Set<string>;
  bufferExpr: string;
}

function isDir(s: string): s is Direction {
  return s === 'DMA_TO_DEVICE' || s === 'DMA_FROM_DEVICE' || s === 'DMA_BIDIRECTIONAL' || s === 'DMA_NONE';
}

function mapArgs(name: string, args: Node[]): { buf?: Node; size?: Node; dir?: Node; offset?: Node; attrs?: Node } {
  if (name.startsWith('pci_')) {
    // pci_map_single(pdev, ptr, size, PCI_DMA_*)
    return { buf: args[1], size: args[2], dir: args[3] };
  }
  if (name.startsWith('dma_map_page')) return { buf: args[1], offset: args[2], size: args[3], dir: args[4], attrs: args[5] };
  if (name === 'dma_map_sgtable') return { buf: args[1], dir: args[2], attrs: args[3] };
  return { buf: args[1], size: args[2], dir: args[3], attrs: args[4] };
}

function dirText(n: Node | undefined): Direction | undefined {
  if (!n) return undefined;
  const t = stripParensAndCasts(n).text;
  if (isDir(t)) return t;
  const legacy: Record<string, Direction> = { PCI_DMA_TODEVICE: 'DMA_TO_DEVICE', PCI_DMA_FROMDEVICE: 'DMA_FROM_DEVICE', PCI_DMA_BIDIRECTIONAL: 'DMA_BIDIRECTIONAL', PCI_DMA_NONE: 'DMA_NONE' };
  return legacy[t];
}

/** The lvalue a call's result is assigned to (`x = call()`, `T x = call()`), if any. */
function assignedTo(call: Node): Node | null {
  let n: Node = call;
  for (let i = 0; i < 8 && n.parent; i++) {
    const p: Node = n.parent;
    if (p.type === 'parenthesized_expression' || p.type === 'cast_expression') { n = p; continue; }
    if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) return p.childForFieldName('left');
    if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === n.id) {
      let d = p.childForFieldName('declarator');
      while (d && d.type === 'pointer_declarator') d = d.childForFieldName('declarator');
      return d;
    }
    return null;
  }
  return null;
}

function addrOfTarget(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  const s = stripParensAndCasts(n);
  if (s.type === 'pointer_expression' && s.child(0)?.text === '&') return normText(s.childForFieldName('argument')!);
  return undefined;
}

/** A readable C identifier for the trace from a buffer expression. */
export function traceName(expr: string): string {
  const ids = expr.match(/[A-Za-z_]\w*/g) ?? [];
  const skip = new Set(['page_address', 'data', 'priv', 'struct', 'void', 'u8', 'char']);
  // prefer the last field name: priv->rx_buf[i] → rx_buf; skb->data → skb_data
  if (/->data$/.test(expr) && ids.length >= 2) return sanitize(`${ids[ids.length - 2]}_data`);
  const pick = [...ids].reverse().find((i) => !skip.has(i) && !/^[A-Z_0-9]+$/.test(i) && i.length > 1) ?? ids[ids.length - 1] ?? 'buf';
  return sanitize(pick);
}

function sanitize(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(t) ? t : `b_${t}`;
}

// ---------------------------------------------------------------------------
// Path walking

interface PathNotes {
  skipped: number[];
  branches: string[];
  loops: number[];
  gotos: string[];
  successReturn?: number;
  truncated?: boolean;
}

/** Conditions that ask the platform whether a sync is needed (dma-model.md §2.7: never decide that). */
const PLATFORM_GUARD = /\b(dev_is_dma_coherent|dma_need_sync|dma_dev_need_sync|is_swiotlb_\w+|cc_platform_has|iommu_present|device_iommu_mapped|intel_iommu_enabled|dma_is_direct)\b/;

/** Does a statement always leave the enclosing block (return/goto/break/continue)? Depth-bounded. */
function exits(n: Node | null, depth = 0): boolean {
  if (!n || depth > 64) return false;
  switch (n.type) {
    case 'return_statement':
    case 'goto_statement':
    case 'break_statement':
    case 'continue_statement':
      return true;
    case 'compound_statement': {
      const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      // an unconditional exit anywhere in a block makes the rest unreachable: the block exits
      return kids.some((k) => exits(k, depth + 1));
    }
    case 'if_statement': {
      const alt = n.childForFieldName('alternative');
      return !!alt && exits(n.childForFieldName('consequence'), depth + 1) && exits(elseBody(alt), depth + 1);
    }
    case 'labeled_statement':
      return exits(n.namedChildren[n.namedChildren.length - 1] ?? null, depth + 1);
    case 'expression_statement': {
      const c = n.namedChild(0);
      const name = c?.type === 'call_expression' ? callName(c) : null;
      return name === 'BUG' || name === 'panic';
    }
    default:
      return false;
  }
}

function elseBody(alt: Node): Node | null {
  return alt.type === 'else_clause' ? alt.namedChildren.find((c) => c && c.type !== 'comment') ?? null : alt;
}

/** Is this exit a success (return 0 / non-negative / nothing / a pointer that is not NULL/ERR_PTR)? */
function exitKind(n: Node | null, depth = 0): 'success' | 'error' | 'other' {
  if (!n || depth > 64) return 'other';
  if (n.type === 'compound_statement') {
    const kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    const ex = kids.find((k) => exits(k));
    return ex ? exitKind(ex, depth + 1) : 'other';
  }
  if (n.type === 'goto_statement') {
    const l = n.childForFieldName('label')?.text ?? '';
    return /err|fail|out_free|unmap|nomem|bad|abort|drop|cleanup|free/i.test(l) ? 'error' : 'other';
  }
  if (n.type === 'return_statement') {
    const v = n.namedChild(0);
    if (!v) return 'success';
    const t = v.text.replace(/\s+/g, '');
    if (/^-|^ERR_PTR|^NULL$|^false$/.test(t)) return 'error';
    if (/^(err|ret|rc|error|status|res)$/i.test(t)) return 'other';
    return 'success';
  }
  if (n.type === 'if_statement') return 'other';
  return 'other';
}

/** The condition tests an error: `!x`, `x == NULL`, `IS_ERR(x)`, `dma_mapping_error()`, `ret < 0`, `unlikely(…)`. */
function errorCondition(cond: Node | null): boolean {
  if (!cond) return false;
  const t = normText(cond);
  return /dma_mapping_error|IS_ERR|^\((unlikely|WARN_ON|WARN_ON_ONCE)?\(?!|==NULL|<0\)?\)?$|^\((err|ret|rc|error)\)$|^\(unlikely\((err|ret|rc|error)\)\)$/.test(t);
}

// ---------------------------------------------------------------------------
// The extraction

interface Ctx {
  text: string;
  facts: FileFacts;
  fn: Node;
  target: Target;
  steps: LifecycleStep[];
  kind: BufferKind;
  size: number;
  sizeNote?: string;
  allocLine?: number;
  allocNode?: Node;
  zeroAtAlloc: boolean;
  mapDir?: Direction;
  /** the device owns the buffer since this step index (map or sync_for_device), not yet handed off */
  ownedSince: number | null;
  handedOff: boolean;
  seen: Set<number>;
  /** index of the device access inferred at a coherent buffer's hand-off */
  coherentHandoff?: number;
  /** an offset the main path must pass through (the map/alloc the user pointed at) */
  anchor: number;
  /** false until the allocation of a coherent/pool/noncoherent buffer has been seen */
  started: boolean;
  /** coherent/pool memory: the locations read so far (normalised access text), for the TOCTOU replay */
  readKeys?: Set<string>;
}

function lineOf(n: Node): number {
  return n.startPosition.row + 1;
}

/**
 * Could the node's text, once normalised, be one of `names`? Normalising only drops
 * blanks and comments, so a node many times longer than every name cannot be one; the
 * check keeps walks over large expressions from extracting (quadratically) their text.
 */
function mayBeOneOf(names: ReadonlySet<string>, n: Node): boolean {
  let max = 0;
  for (const x of names) if (x.length > max) max = x.length;
  return n.endIndex - n.startIndex <= 4 * max + 64;
}

function matchesBuffer(ctx: Ctx, n: Node | undefined | null): boolean {
  if (!n) return false;
  const s = stripParensAndCasts(n);
  if (mayBeOneOf(ctx.target.buffers, s) && ctx.target.buffers.has(normText(s))) return true;
  // buf + off, &buf[i], page_address(page), skb->data
  if (s.type === 'binary_expression' && s.childForFieldName('operator')?.text === '+') return matchesBuffer(ctx, s.childForFieldName('left'));
  if (s.type === 'pointer_expression' && s.child(0)?.text === '&') {
    const a = s.childForFieldName('argument');
    if (a?.type === 'subscript_expression') return matchesBuffer(ctx, a.childForFieldName('argument'));
  }
  if (s.type === 'call_expression' && (callName(s) === 'page_address' || callName(s) === 'lowmem_page_address')) return ctx.target.pages.has(normText(callArgs(s)[0] ?? s));
  return false;
}

function matchesHandle(ctx: Ctx, n: Node | undefined | null): boolean {
  if (!n) return false;
  const s = stripParensAndCasts(n);
  return mayBeOneOf(ctx.target.handles, s) && ctx.target.handles.has(normText(s));
}

/** Does the expression contain a handle (through wrappers like cpu_to_le64, + offset)? */
function containsHandle(ctx: Ctx, n: Node): boolean {
  let hit = false;
  walk(n, (c) => {
    if (hit) return false;
    // &handle is where an allocator stores the address, not a use of it
    if (c.type === 'pointer_expression' && c.child(0)?.text === '&') return false;
    if (matchesHandle(ctx, c)) { hit = true; return false; }
    return true;
  });
  return hit;
}

/** The base object of an lvalue/rvalue access: `buf[i]` → buf, `hdr->len` → hdr, `*p` → p. */
function accessBase(n: Node): Node | null {
  if (n.type === 'subscript_expression') return n.childForFieldName('argument');
  if (n.type === 'field_expression' && n.childForFieldName('operator')?.text === '->') return n.childForFieldName('argument');
  if (n.type === 'pointer_expression' && n.child(0)?.text === '*') return n.childForFieldName('argument');
  return null;
}

function push(ctx: Ctx, node: Node, op: string, args: string[], note?: string): void {
  // before its allocation, the name refers to an earlier object (a reused pointer): not this lifecycle
  if (!ctx.started) return;
  const line = lineOf(node);
  // one access of one kind per line is enough for a replay (a loop of byte reads on one line is one read)
  if ((op === 'cpu_read' || op === 'cpu_write') && ctx.steps.some((s) => s.line === line && s.op === op && s.args.join(' ') === args.join(' '))) return;
  ctx.steps.push({ op, args, line, note });
}

function rangeArgs(ctx: Ctx, lenNode: Node | undefined, offset = 0): string[] {
  const len = lenNode ? foldConst(ctx.facts, lenNode, 0, ctx.fn) : undefined;
  if (len === undefined || len <= 0) return offset ? [String(offset), String(Math.max(1, ctx.size - offset))] : [];
  if (offset === 0 && len >= ctx.size) return [];
  return [String(offset), String(Math.min(len, Math.max(1, ctx.size - offset)))];
}

function deviceAccess(ctx: Ctx, node: Node, how: string): void {
  if (ctx.handedOff) return;
  const n = nameOf(ctx);
  const dir = ctx.mapDir;
  const kindCoherent = ctx.kind === 'coherent' || ctx.kind === 'pool';
  if (kindCoherent && !dir) {
    // no direction on coherent memory: the device reads what the CPU wrote before the
    // hand-off, and writes what the CPU reads after it (patched in at the end)
    const wroteBefore = ctx.steps.some((s) => s.op === 'cpu_write');
    push(ctx, node, wroteBefore ? 'device_read' : 'device_write', [n], how);
    ctx.coherentHandoff = ctx.steps.length - 1;
  } else if (dir === 'DMA_TO_DEVICE') push(ctx, node, 'device_read', [n], how);
  else if (dir === 'DMA_FROM_DEVICE') push(ctx, node, 'device_write', [n], how);
  else if (dir === 'DMA_BIDIRECTIONAL') {
    push(ctx, node, 'device_read', [n], how);
    push(ctx, node, 'device_write', [n]);
  } else return;
  ctx.handedOff = true;
}

let nameCache = new WeakMap<Target, string>();
function nameOf(ctx: Ctx): string {
  let n = nameCache.get(ctx.target);
  if (!n) {
    n = traceName(ctx.target.bufferExpr);
    nameCache.set(ctx.target, n);
  }
  return n;
}

/** Events of one expression (or declaration), in evaluation order (post-order). */
function expressionEvents(ctx: Ctx, root: Node): void {
  const nodes: Node[] = [];
  walk(root, (n) => {
    // statements nested in expressions (GNU statement expressions) are ignored
    if (n.id !== root.id && (n.type === 'compound_statement')) return false;
    nodes.push(n);
    return true;
  });
  nodes.sort((a, b) => a.endIndex - b.endIndex || b.startIndex - a.startIndex);
  for (const n of nodes) {
    if (ctx.seen.has(n.id)) continue;
    ctx.seen.add(n.id);
    if (n.type === 'call_expression') callEvent(ctx, n);
    else if (n.type === 'assignment_expression') assignmentEvent(ctx, n);
    else if (n.type === 'init_declarator') initEvent(ctx, n);
    else if (n.type === 'subscript_expression' || n.type === 'field_expression' || n.type === 'pointer_expression') readEvent(ctx, n);
    else if (n.type === 'update_expression') {
      const arg = n.childForFieldName('argument');
      const base = arg ? accessBase(arg) : null;
      if (base && matchesBuffer(ctx, base)) push(ctx, n, 'cpu_write', [nameOf(ctx)]);
    }
  }
}

function initEvent(ctx: Ctx, n: Node): void {
  const value = n.childForFieldName('value');
  const decl = n.childForFieldName('declarator');
  if (!value || !decl) return;
  const id = declaratorName(decl);
  if (!id) return;
  aliasFrom(ctx, id, value);
}

/** `x = <buffer or handle>` makes x an alias. */
function aliasFrom(ctx: Ctx, lhs: string, rhs: Node): void {
  const r = stripParensAndCasts(rhs);
  if (r.type === 'binary_expression' && r.childForFieldName('operator')?.text === '+') {
    // buf + N past the end of the buffer is another object, not an alias
    const off = foldConst(ctx.facts, r.childForFieldName('right'), 0, ctx.fn);
    if (off === undefined || off >= ctx.size) return;
  }
  if (matchesHandle(ctx, r)) ctx.target.handles.add(lhs);
  else if (matchesBuffer(ctx, r) && r.type !== 'call_expression') ctx.target.buffers.add(lhs);
  else if (r.type === 'call_expression' && (callName(r) === 'page_address') && matchesBuffer(ctx, r)) ctx.target.buffers.add(lhs);
}

function assignmentEvent(ctx: Ctx, n: Node): void {
  const left = n.childForFieldName('left');
  const right = n.childForFieldName('right');
  const op = n.childForFieldName('operator')?.text ?? '=';
  if (!left || !right) return;
  const base = accessBase(left);
  if (base && (matchesBuffer(ctx, base) || (left.type === 'field_expression' && matchesBuffer(ctx, base)))) {
    if (op !== '=') push(ctx, n, 'cpu_read', [nameOf(ctx)]);
    const off = left.type === 'subscript_expression' ? foldConst(ctx.facts, left.childForFieldName('index'), 0, ctx.fn) : undefined;
    const value = right.type === 'number_literal' ? foldConst(ctx.facts, right) : undefined;
    const args = [nameOf(ctx)];
    if (off !== undefined && off < ctx.size) args.push(String(off), '1');
    if (value !== undefined && value >= 0 && value < 256) args.push(`value=${value}`);
    push(ctx, n, 'cpu_write', args);
    return;
  }
  if (left.type === 'identifier') {
    aliasFrom(ctx, left.text, right);
    return;
  }
  // the handle stored somewhere that is not a plain variable: a descriptor field, or bookkeeping
  if (containsHandle(ctx, right)) {
    const r = stripParensAndCasts(right);
    const wrapped = r.type === 'call_expression' && HANDLE_WRAPPERS.has(callName(r) ?? '');
    const lhsText = normText(left);
    const descriptorish = /desc|bd\b|bd[->.[]|ring|txd|rxd|\bhw|cmd|sge|entry|->addr|\.addr|_addr\b|addr_(lo|hi)|buf_addr|dma_addr|paddr|->ptr|\.ptr/i.test(lhsText);
    if (wrapped || (descriptorish && !/->(\w*_)?dma(\[|$)|->mapping|->handle/.test(lhsText))) {
      if (ctx.ownedSince !== null || ctx.kind === 'coherent' || ctx.kind === 'pool') {
        deviceAccess(ctx, n, `handle given to the device: ${truncate(normText(n), 60)}`);
      }
    } else {
      ctx.target.handles.add(lhsText);
    }
  }
}

function readEvent(ctx: Ctx, n: Node): void {
  const base = accessBase(n);
  if (!base || !matchesBuffer(ctx, base)) return;
  // writes are handled by the assignment; &buf[i] and sizeof(*buf) are not accesses
  const p = n.parent;
  if (p?.type === 'assignment_expression' && p.childForFieldName('left')?.id === n.id) return;
  if (p?.type === 'update_expression') return;
  if (p?.type === 'pointer_expression' && p.child(0)?.text === '&') return;
  for (let a: Node | null = p; a && a.id !== ctx.fn.id; a = a.parent) if (a.type === 'sizeof_expression' || a.type === 'alignof_expression') return;
  // nested field access (hdr->a.b) counts once, at the innermost base access
  const off = n.type === 'subscript_expression' ? foldConst(ctx.facts, n.childForFieldName('index'), 0, ctx.fn) : undefined;
  const args = [nameOf(ctx)];
  if (off !== undefined && off < ctx.size) args.push(String(off), '1');
  if (ctx.kind === 'coherent' || ctx.kind === 'pool') {
    // shared memory read twice at the same location: the other side may rewrite it in between (a TOCTOU
    // read on cvm / iommu-untrusted; harmless elsewhere), so the replay lets the device write it there
    const key = normText(n);
    ctx.readKeys ??= new Set();
    const again = ctx.steps.some((st) => st.line === lineOf(n) && st.op === 'cpu_read' && st.args.join(' ') === args.join(' '));
    if (ctx.readKeys.has(key) && ctx.started && !again) {
      const last = ctx.steps[ctx.steps.length - 1];
      if (!(last && last.op === 'device_write' && last.line === lineOf(n))) ctx.steps.push({ op: 'device_write', args: [...args], line: lineOf(n), note: `assumed: \`${truncate(key, 40)}\` is read again; shared memory can change between the two reads` });
    }
    ctx.readKeys.add(key);
  }
  push(ctx, n, 'cpu_read', args);
}

function callEvent(ctx: Ctx, call: Node): void {
  const name = callName(call);
  if (!name) return;
  const args = callArgs(call);
  const bufName = nameOf(ctx);
  if (ctx.allocNode && call.id === ctx.allocNode.id) {
    ctx.started = true;
    if (ctx.kind === 'coherent') push(ctx, call, 'dma_alloc_coherent', [bufName, String(ctx.size)]);
    else if (ctx.kind === 'noncoherent') push(ctx, call, 'dma_alloc_noncoherent', [bufName, String(ctx.size), ctx.mapDir ?? 'DMA_BIDIRECTIONAL']);
    else if (ctx.zeroAtAlloc) push(ctx, call, 'cpu_write', [bufName, 'value=0'], `${name} zeroes the buffer`);
    if (ctx.kind === 'coherent' || ctx.kind === 'pool') {
      // the handle comes back through the &handle argument
      const h = addrOfTarget(ctx.kind === 'coherent' ? args[2] : args[2]);
      if (h) ctx.target.handles.add(h);
    }
    return;
  }
  if (MAP_CALLS.has(name)) {
    const m = mapArgs(name, args);
    if (!matchesBuffer(ctx, m.buf) && !(ctx.target.pages.has(normText(m.buf ?? call)))) return;
    const dir = dirText(m.dir) ?? 'DMA_BIDIRECTIONAL';
    ctx.mapDir = dir;
    const out = [bufName, dir];
    const size = m.size ? foldConst(ctx.facts, m.size, 0, ctx.fn) : undefined;
    if (size !== undefined && size !== ctx.size) out.push(`size=${size}`);
    const attrs = m.attrs ? normText(m.attrs) : '';
    if (/^DMA_ATTR_\w+(\|DMA_ATTR_\w+)*$/.test(attrs)) out.push(`attrs=${attrs}`);
    const op = name.includes('_sg') ? 'dma_map_sg' : name.includes('page') ? 'dma_map_page' : 'dma_map_single';
    push(ctx, call, op, out);
    const lhs = assignedTo(call);
    if (lhs) ctx.target.handles.add(normText(lhs));
    ctx.ownedSince = ctx.steps.length - 1;
    ctx.handedOff = false;
    // mapped straight into a descriptor: the hand-off is this very line
    const sink = containsHandleSink(call);
    if (sink) deviceAccess(ctx, call, `handle given to the device: ${truncate(normText(sink), 60)}`);
    return;
  }
  if (name === 'dma_mapping_error' || name === 'pci_dma_mapping_error') {
    if (matchesHandle(ctx, args[1]) || (args[1] && stripParensAndCasts(args[1]).type === 'call_expression' && ctx.steps.some((s) => s.op.startsWith('dma_map')))) push(ctx, call, 'dma_mapping_error', [bufName]);
    return;
  }
  if (SYNC_CALLS.has(name)) {
    if (!matchesHandle(ctx, args[1])) return;
    const forCpu = name.endsWith('for_cpu');
    const ranged = name.includes('_range_');
    const dir = dirText(args[ranged ? 4 : 3]) ?? ctx.mapDir ?? 'DMA_BIDIRECTIONAL';
    const out = [bufName, dir];
    if (ranged) {
      const off = foldConst(ctx.facts, args[2], 0, ctx.fn);
      const len = foldConst(ctx.facts, args[3], 0, ctx.fn);
      if (off !== undefined && len !== undefined) out.push(String(off), String(len));
    } else if (!name.includes('_sg')) {
      const len = foldConst(ctx.facts, args[2], 0, ctx.fn);
      if (len !== undefined && len < ctx.size) out.push('0', String(len));
    }
    // the trace format has single-range syncs only; an sg sync is replayed as one over the whole buffer
    const op = forCpu ? 'dma_sync_single_for_cpu' : 'dma_sync_single_for_device';
    if (forCpu) closeOwnership(ctx, call);
    push(ctx, call, op, out);
    if (!forCpu) {
      ctx.ownedSince = ctx.steps.length - 1;
      ctx.handedOff = false;
    }
    return;
  }
  if (UNMAP_CALLS.has(name)) {
    if (!matchesHandle(ctx, args[1])) return;
    const isPage = name.includes('page');
    const dir = dirText(args[name === 'dma_unmap_sgtable' ? 2 : 3]) ?? ctx.mapDir ?? 'DMA_BIDIRECTIONAL';
    const out = [bufName, dir];
    const size = name.includes('_sg') ? undefined : foldConst(ctx.facts, args[2], 0, ctx.fn);
    if (size !== undefined && size !== ctx.size) out.push(`size=${size}`);
    const attrs = args[4] ? normText(args[4]) : '';
    if (/^DMA_ATTR_\w+(\|DMA_ATTR_\w+)*$/.test(attrs)) out.push(`attrs=${attrs}`);
    closeOwnership(ctx, call);
    push(ctx, call, name.includes('_sg') ? 'dma_unmap_sg' : isPage ? 'dma_unmap_page' : 'dma_unmap_single', out);
    ctx.ownedSince = null;
    return;
  }
  if (COHERENT_FREE.has(name)) {
    if (matchesBuffer(ctx, args[2]) || matchesHandle(ctx, args[3])) {
      closeOwnership(ctx, call);
      push(ctx, call, 'dma_free_coherent', [bufName]);
    }
    return;
  }
  if (NONCOHERENT_FREE.has(name)) {
    if (matchesBuffer(ctx, args[2]) || matchesHandle(ctx, args[3])) push(ctx, call, 'dma_free_noncoherent', [bufName]);
    return;
  }
  if (POOL_FREE.has(name) || CPU_FREE.has(name)) {
    const a = name === 'dma_pool_free' ? args[1] : name === 'devm_kfree' ? args[1] : name === 'page_pool_put_full_page' || name === 'page_pool_recycle_direct' ? args[1] : args[0];
    const isSkb = a && ctx.target.skbs.has(normText(a));
    const isPage = a && ctx.target.pages.has(normText(a));
    if (matchesBuffer(ctx, a) || isSkb || isPage) {
      closeOwnership(ctx, call);
      push(ctx, call, '', [], `${name}(${truncate(normText(a!), 40)}) frees the buffer`);
    }
    return;
  }
  if (name in REG_WRITES) {
    const v = args[REG_WRITES[name]];
    if (v && containsHandle(ctx, v) && (ctx.ownedSince !== null || ctx.kind === 'coherent' || ctx.kind === 'pool')) {
      deviceAccess(ctx, call, `handle written to a device register: ${truncate(normText(call), 60)}`);
    }
    return;
  }
  if (!name.startsWith('dma_') && !NEUTRAL_CALLS.has(name) && !HANDLE_WRAPPERS.has(name) && args.some((a) => containsHandle(ctx, a))) {
    // a driver helper given the DMA address (foo_write64(priv, REG, dma), foo_fill_desc(desc, dma)): that is the hand-off
    if (ctx.ownedSince !== null || ctx.kind === 'coherent' || ctx.kind === 'pool') {
      deviceAccess(ctx, call, `handle passed to ${name}(), taken as the hand-off to the device`);
    }
    return;
  }
  if (name in COPY_CALLS) {
    const [d, s, l] = COPY_CALLS[name];
    if (s >= 0 && matchesBuffer(ctx, args[s])) push(ctx, call, 'cpu_read', [nameOf(ctx), ...rangeArgs(ctx, l >= 0 ? args[l] : undefined)]);
    if (d >= 0 && matchesBuffer(ctx, args[d])) push(ctx, call, 'cpu_write', [nameOf(ctx), ...rangeArgs(ctx, l >= 0 ? args[l] : undefined)]);
    return;
  }
  if (name === 'memset' || name === 'memzero_explicit' || name === 'memset_io') {
    if (matchesBuffer(ctx, args[0])) {
      const v = name === 'memzero_explicit' ? 0 : foldConst(ctx.facts, args[1] ?? call);
      const lenNode = name === 'memzero_explicit' ? args[1] : args[2];
      const out = [nameOf(ctx), ...rangeArgs(ctx, lenNode)];
      if (v !== undefined && v >= 0 && v < 256) out.push(`value=${v}`);
      push(ctx, call, 'cpu_write', out);
    }
    return;
  }
  if (name === 'skb_put_data' || name === 'skb_put_zero' || name === '__skb_put_data') {
    if (args[0] && ctx.target.skbs.has(normText(args[0]))) push(ctx, call, 'cpu_write', [nameOf(ctx), ...rangeArgs(ctx, args[name === 'skb_put_zero' ? 1 : 2])]);
    if (name !== 'skb_put_zero' && matchesBuffer(ctx, args[1])) push(ctx, call, 'cpu_read', [nameOf(ctx), ...rangeArgs(ctx, args[2])]);
    return;
  }
  if (NEUTRAL_CALLS.has(name) || name.startsWith('dma_') || name in CPU_ALLOC) return;
  // any other function given the buffer: a consumer, unless its name says it fills the buffer
  for (const a of args) {
    if (!matchesBuffer(ctx, a)) continue;
    const s = stripParensAndCasts(a);
    if (s.type === 'pointer_expression' && s.child(0)?.text === '&' && s.childForFieldName('argument')?.type !== 'subscript_expression') continue;
    const writes = WRITER_NAME.test(name) && !READER_NAME.test(name);
    push(ctx, call, writes ? 'cpu_write' : 'cpu_read', [nameOf(ctx)], `${name}() is given the buffer (assumed to ${writes ? 'fill' : 'read'} it)`);
    break;
  }
}

/** The descriptor field or register write a call's result flows into directly, if any. */
function containsHandleSink(call: Node): Node | null {
  let n: Node = call;
  for (let i = 0; i < 6 && n.parent; i++) {
    const p: Node = n.parent;
    if (p.type === 'parenthesized_expression' || p.type === 'cast_expression' || p.type === 'argument_list') { n = p; continue; }
    if (p.type === 'call_expression' && HANDLE_WRAPPERS.has(callName(p) ?? '')) { n = p; continue; }
    if (p.type === 'call_expression' && (callName(p) ?? '') in REG_WRITES) return p;
    if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === n.id) {
      const l = p.childForFieldName('left');
      return l && l.type !== 'identifier' && n.id !== call.id ? p : null;
    }
    return null;
  }
  return null;
}

/** Before the CPU takes the buffer back, make sure the device had its turn. */
function closeOwnership(ctx: Ctx, at: Node): void {
  if (ctx.ownedSince === null || ctx.handedOff) return;
  // no hand-off seen: assume the device accessed the buffer right after it got it
  const after = ctx.steps[ctx.ownedSince];
  const insertAt = ctx.ownedSince + 1 + (ctx.steps[ctx.ownedSince + 1]?.op === 'dma_mapping_error' ? 1 : 0);
  const before = ctx.steps.length;
  deviceAccess(ctx, at, 'assumed: no hand-off to the device was found, so the device is taken to access the buffer while it owns it');
  const added = ctx.steps.splice(before);
  for (const s of added) s.line = ctx.steps[insertAt - 1]?.line ?? after.line;
  ctx.steps.splice(insertAt, 0, ...added);
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Statements of a block that are executed on the main path, with decisions recorded in notes. */
function walkMainPath(ctx: Ctx, body: Node, notes: PathNotes): void {
  type Item = { node: Node } | { loopEnd: true };
  const stack: Item[] = [{ node: body }];
  let count = 0;
  let gotos = 0;
  const eventsIn = (n: Node | null): number => {
    if (!n) return 0;
    let hits = 0;
    walk(n, (c) => {
      if (c.type === 'call_expression' || c.type === 'field_expression' || c.type === 'subscript_expression') {
        const args = c.type === 'call_expression' ? callArgs(c) : [accessBase(c) ?? c];
        if (args.some((a) => a && (matchesBuffer(ctx, a) || matchesHandle(ctx, a)))) hits++;
      }
    });
    return hits;
  };
  const pushBlock = (n: Node) => stack.push({ node: n });
  while (stack.length) {
    if (++count > MAX_STATEMENTS) { notes.truncated = true; return; }
    const item = stack.pop()!;
    if ('loopEnd' in item) continue;
    const n = item.node;
    switch (n.type) {
      case 'compound_statement':
      case 'translation_unit':
      case 'preproc_if':
      case 'preproc_ifdef': {
        let kids = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
        if (n.type !== 'compound_statement') {
          // #if/#ifdef blocks: take the first branch (the code that is there), skip #else
          // the children after the condition are the #if branch's statements
          const cond = n.childForFieldName('condition') ?? n.childForFieldName('name');
          kids = kids.filter((k) => k.id !== cond?.id && k.type !== 'preproc_else' && k.type !== 'preproc_elif' && k.type !== 'preproc_elifdef');
        }
        for (let i = kids.length - 1; i >= 0; i--) pushBlock(kids[i]);
        break;
      }
      case 'if_statement': {
        const cond = n.childForFieldName('condition');
        if (cond) expressionEvents(ctx, cond);
        const cons = n.childForFieldName('consequence');
        const altClause = n.childForFieldName('alternative');
        const alt = altClause ? elseBody(altClause) : null;
        const tEx = exits(cons);
        const eEx = alt ? exits(alt) : false;
        let take: Node | null;
        const holds = (b: Node | null) => !!b && ctx.anchor >= b.startIndex && ctx.anchor < b.endIndex;
        if (holds(cons)) take = cons;
        else if (holds(alt)) take = alt;
        else if (tEx && !eEx) take = alt;
        else if (eEx && !tEx) take = cons;
        else if (tEx && eEx) {
          const tk = exitKind(cons);
          const ek = alt ? exitKind(alt) : 'other';
          take = ek === 'success' && tk !== 'success' ? alt : tk === 'success' && ek !== 'success' ? cons : errorCondition(cond) ? alt : cons;
        } else if (!alt) {
          // no exit either way: `if (x) { … }` — take it when it touches the buffer, unless it tests an error
          // a sync guarded by a platform test is the skip-sync heuristic: replay the path where it is
          // skipped, which is what happens on the platforms the guard gets wrong
          if (cond && PLATFORM_GUARD.test(cond.text) && eventsIn(cons) > 0) {
            take = null;
            notes.branches.push(`the DMA calls under \`if ${truncate(normText(cond), 50)}\` at line ${lineOf(n)} are skipped, as on a platform where that test is false (for example x86 under swiotlb)`);
          } else take = eventsIn(cons) > 0 ? cons : null;
        } else {
          take = eventsIn(alt) > eventsIn(cons) ? alt : cons;
        }
        const skipped = take === cons ? alt : cons;
        if (skipped && eventsIn(skipped) + (exits(skipped) ? 1 : 0) > 0) notes.skipped.push(lineOf(skipped === alt && altClause ? altClause : n));
        if (take) pushBlock(take);
        break;
      }
      case 'for_statement':
      case 'while_statement':
      case 'do_statement':
      case 'for_range_loop': {
        for (const f of ['initializer', 'condition']) {
          const c = n.childForFieldName(f);
          if (c) expressionEvents(ctx, c);
        }
        const b = n.childForFieldName('body');
        if (b && eventsIn(b) > 0) notes.loops.push(lineOf(n));
        stack.push({ loopEnd: true });
        if (b) pushBlock(b);
        break;
      }
      case 'switch_statement': {
        const cond = n.childForFieldName('condition');
        if (cond) expressionEvents(ctx, cond);
        const cases = (n.childForFieldName('body')?.namedChildren ?? []).filter((c): c is Node => !!c && c.type === 'case_statement');
        let best: Node | null = null;
        let bestHits = -1;
        for (const c of cases) {
          // the case holding the anchor; else the one touching the buffer most; never an error exit if avoidable
          const errorExit = c.namedChildren.some((k) => !!k && ((k.type === 'return_statement' && exitKind(k) === 'error') || (k.type === 'goto_statement' && exitKind(k) === 'error')));
          const h = ctx.anchor >= c.startIndex && ctx.anchor < c.endIndex ? Infinity : eventsIn(c) * 10 + (errorExit ? 0 : 1);
          if (h > bestHits) { best = c; bestHits = h; }
        }
        if (best) {
          notes.branches.push(`switch at line ${lineOf(n)}: followed the case at line ${lineOf(best)}`);
          stack.push({ loopEnd: true });
          const stmts = best.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment' && c.id !== best!.childForFieldName('value')?.id);
          for (let i = stmts.length - 1; i >= 0; i--) pushBlock(stmts[i]);
        }
        break;
      }
      case 'case_statement':
        break;
      case 'labeled_statement': {
        const s = n.namedChildren.filter((c): c is Node => !!c && c.type !== 'statement_identifier' && c.type !== 'comment');
        for (let i = s.length - 1; i >= 0; i--) pushBlock(s[i]);
        break;
      }
      case 'break_statement':
      case 'continue_statement': {
        // leave the innermost loop/switch body
        while (stack.length && !('loopEnd' in stack[stack.length - 1])) stack.pop();
        break;
      }
      case 'return_statement': {
        const v = n.namedChild(0);
        if (v) expressionEvents(ctx, v);
        notes.successReturn = lineOf(n);
        stack.length = 0;
        break;
      }
      case 'goto_statement': {
        const label = n.childForFieldName('label')?.text;
        if (!label || ++gotos > MAX_GOTOS) { stack.length = 0; notes.truncated = true; break; }
        const target = findLabel(ctx.fn, label);
        stack.length = 0;
        if (!target) break;
        notes.gotos.push(`goto ${label} at line ${lineOf(n)}`);
        // continue at the label, then whatever follows it in each enclosing block
        const cont: Node[] = [];
        let cur: Node = target;
        for (let depth = 0; cur.parent && cur.id !== body.id && depth < 10000; depth++) {
          const parent: Node = cur.parent;
          if (parent.type === 'compound_statement') {
            let sib = cur.nextNamedSibling;
            const level: Node[] = [];
            while (sib) { if (sib.type !== 'comment') level.push(sib); sib = sib.nextNamedSibling; }
            cont.push(...level);
          }
          cur = parent;
        }
        for (let i = cont.length - 1; i >= 0; i--) pushBlock(cont[i]);
        pushBlock(target);
        break;
      }
      case 'declaration':
      case 'expression_statement':
        expressionEvents(ctx, n);
        break;
      default:
        if (n.type.startsWith('preproc_')) break;
        expressionEvents(ctx, n);
    }
  }
}

function findLabel(fn: Node, label: string): Node | null {
  let found: Node | null = null;
  walk(fn, (n) => {
    if (found) return false;
    if (n.type === 'labeled_statement' && n.childForFieldName('label')?.text === label) { found = n; return false; }
    return true;
  });
  return found;
}

// ---------------------------------------------------------------------------
// Choosing the target and its provenance

interface Origin { kind: BufferKind; size?: number; sizeExpr?: string; line?: number; node?: Node; zero: boolean; note?: string; count?: number }

/** The allocation that produced the buffer expression, searched before `before` (an offset) in the function. */
function findOrigin(ctx: { facts: FileFacts; fn: Node }, bufExpr: string, pages: Set<string>, skbs: Set<string>, before: number, depth = 0): Origin | undefined {
  let best: Origin | undefined;
  const consider = (lhs: string, call: Node) => {
    const name = callName(call);
    if (!name) return;
    const args = callArgs(call);
    const sizeOf = (n?: Node): number | undefined => (n ? foldConst(ctx.facts, n, 0, ctx.fn) : undefined);
    const base: Origin = { kind: 'kmalloc', zero: false, line: lineOf(call), node: call };
    if (COHERENT_ALLOC.has(name)) {
      if (lhs !== bufExpr) return;
      best = { ...base, kind: 'coherent', size: sizeOf(args[1]), sizeExpr: args[1]?.text };
    } else if (NONCOHERENT_ALLOC.has(name)) {
      if (lhs !== bufExpr) return;
      best = { ...base, kind: 'noncoherent', size: sizeOf(args[1]), sizeExpr: args[1]?.text };
    } else if (POOL_ALLOC.has(name)) {
      if (lhs !== bufExpr) return;
      best = { ...base, kind: 'pool', zero: name === 'dma_pool_zalloc', note: 'the pool block size is set by dma_pool_create(), not visible here' };
    } else if (name in CPU_ALLOC) {
      const spec = CPU_ALLOC[name];
      const isPageVar = pages.has(lhs);
      const isSkbVar = skbs.has(lhs);
      if (lhs !== bufExpr && !isPageVar && !isSkbVar) return;
      let size: number | undefined;
      let sizeExpr: string | undefined;
      if (spec.pageSize) size = 4096;
      else if (spec.order !== undefined) {
        const o = sizeOf(args[spec.order]);
        size = o !== undefined ? 4096 * 2 ** o : undefined;
        sizeExpr = `PAGE_SIZE << ${args[spec.order]?.text}`;
      } else if (spec.size !== undefined) {
        const s = sizeOf(args[spec.size]);
        const c = spec.count !== undefined ? sizeOf(args[spec.count]) : 1;
        size = s !== undefined && c !== undefined ? s * c : undefined;
        sizeExpr = spec.count !== undefined ? `${args[spec.count]?.text} * ${args[spec.size]?.text}` : args[spec.size]?.text;
      }
      best = { ...base, kind: spec.kind, size, sizeExpr, zero: !!spec.zero };
    }
  };
  let aliasOf: { name: string; at: number; line: number } | undefined;
  walk(ctx.fn, (n) => {
    if (n.startIndex >= before) return false;
    if (n.type === 'call_expression') {
      const lhs = assignedTo(n);
      if (lhs) consider(normText(lhs), n);
    } else if ((n.type === 'assignment_expression' && n.childForFieldName('operator')?.text === '=') || n.type === 'init_declarator') {
      // buf = alloc + offset; / u8 *buf = alloc;
      const l = n.type === 'init_declarator' ? declaratorName(n.childForFieldName('declarator') ?? n) : normText(n.childForFieldName('left') ?? n);
      let r = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
      if (l === bufExpr && r) {
        r = stripParensAndCasts(r);
        if (r.type === 'binary_expression' && r.childForFieldName('operator')?.text === '+') r = stripParensAndCasts(r.childForFieldName('left') ?? r);
        if (r.type === 'identifier' || r.type === 'field_expression') aliasOf = { name: normText(r), at: n.startIndex, line: lineOf(n) };
      }
    }
    return true;
  });
  if (!best && aliasOf && depth < 4) {
    const o = findOrigin(ctx, aliasOf.name, pages, skbs, aliasOf.at, depth + 1);
    if (o) return { ...o, note: `${bufExpr} points into ${aliasOf.name} (line ${aliasOf.line})` };
  }
  return best;
}

function classifyStorage(facts: FileFacts, fn: Node, bufExpr: string): Origin | undefined {
  // `buf` or `&buf[0]` naming an array: a stack local, a static local, or a global
  const m = /^&?([A-Za-z_]\w*)(\[0\])?$/.exec(bufExpr);
  if (!m) return undefined;
  const local = findLocalDeclaration(fn, m[1]);
  if (local && local.node.type === 'declaration') {
    if (local.arrayLen === undefined && !local.pointer) {
      // a struct on the stack, mapped by address
      if (!bufExpr.startsWith('&')) return undefined;
    } else if (local.arrayLen === undefined) return undefined;
    const el = typeLayout(facts, local.type);
    const size = local.arrayLen !== undefined && el ? el.size * local.arrayLen : el?.size;
    return { kind: local.isStatic ? 'static' : 'stack', size, line: local.line, node: local.node, zero: false };
  }
  const g = findGlobal(facts, m[1]);
  if (g && (g.arrayLen !== undefined || bufExpr.startsWith('&'))) {
    const el = typeLayout(facts, g.type);
    const size = g.arrayLen !== undefined && el ? el.size * g.arrayLen : el?.size;
    return { kind: 'static', size, line: g.line, node: g.node, zero: false };
  }
  return undefined;
}

interface Pick { bufExpr?: string; handle?: string; via?: string }

/** What the cursor is on: a map/alloc/sync/unmap call, or an identifier naming the buffer or handle. */
function pickTarget(fn: Node, tree: Tree, offset: number): Pick | undefined {
  let n: Node | null = tree.rootNode.descendantForIndex(offset, offset);
  // prefer the innermost DMA call around the cursor
  for (let cur = n; cur && cur.id !== fn.id; cur = cur.parent) {
    if (cur.type !== 'call_expression') continue;
    const name = callName(cur);
    if (!name) continue;
    const args = callArgs(cur);
    const lhs = assignedTo(cur);
    if (MAP_CALLS.has(name)) return { bufExpr: normText(stripParensAndCasts(mapArgs(name, args).buf ?? cur)), handle: lhs ? normText(lhs) : undefined, via: name };
    if (COHERENT_ALLOC.has(name) || NONCOHERENT_ALLOC.has(name) || POOL_ALLOC.has(name)) return { bufExpr: lhs ? normText(lhs) : undefined, handle: addrOfTarget(args[2]), via: name };
    if (name in CPU_ALLOC && lhs) return { bufExpr: normText(lhs), via: name };
    if (SYNC_CALLS.has(name) || UNMAP_CALLS.has(name) || name === 'dma_mapping_error') return { handle: args[1] ? normText(stripParensAndCasts(args[1])) : undefined, via: name };
    if (COHERENT_FREE.has(name)) return { bufExpr: args[2] ? normText(args[2]) : undefined, handle: args[3] ? normText(args[3]) : undefined, via: name };
  }
  // a DMA call starting on the cursor's line (the CLI gives a line, not a column)
  const row = tree.rootNode.descendantForIndex(offset, offset)?.startPosition.row;
  let onLine: Pick | undefined;
  walk(fn, (c) => {
    if (onLine || c.startPosition.row > (row ?? -1) || c.endPosition.row < (row ?? -1)) return false;
    if (c.type === 'call_expression' && c.startPosition.row === row) {
      const name = callName(c) ?? '';
      if (MAP_CALLS.has(name) || COHERENT_ALLOC.has(name) || NONCOHERENT_ALLOC.has(name) || POOL_ALLOC.has(name) || SYNC_CALLS.has(name) || UNMAP_CALLS.has(name) || COHERENT_FREE.has(name)) {
        onLine = pickTarget(fn, tree, c.childForFieldName('function')!.startIndex);
        return false;
      }
    }
    return true;
  });
  if (onLine) return onLine;
  // the name of a plain call (memcpy(dst, rx->buf, len)): the first argument that is a DMA buffer
  const at = tree.rootNode.descendantForIndex(offset, offset);
  if (at?.type === 'identifier' && at.parent?.type === 'call_expression' && at.parent.childForFieldName('function')?.id === at.id) {
    for (const a of callArgs(at.parent)) {
      const s = stripParensAndCasts(a);
      if (s.type !== 'identifier' && s.type !== 'field_expression' && s.type !== 'subscript_expression') continue;
      const t = normText(s);
      const base = /^[A-Za-z_]\w*/.exec(t)?.[0];
      if (findMapFor(fn, { bufExpr: t }) || findMapFor(fn, { handle: t }) || (base && t !== base && syncedHandleWithBase(fn, base))) return { bufExpr: t };
    }
  }
  // an identifier or member expression under the cursor
  while (n && n.parent && (n.parent.type === 'field_expression' || n.parent.type === 'subscript_expression') && n.parent.childForFieldName('index')?.id !== n.id) n = n.parent;
  if (n && (n.type === 'identifier' || n.type === 'field_expression' || n.type === 'subscript_expression' || n.type === 'field_identifier')) return { bufExpr: normText(n.type === 'field_identifier' && n.parent ? n.parent : n) };
  return undefined;
}

/**
 * For a handle that is a struct field (`rx_buf->dma`) synced or unmapped in a function that does
 * not map it: the CPU-side buffer reached through the same struct (`rx_buf->skb->data`, `rx_buf->va`)
 * that the function copies from, indexes or dereferences, and the direction of the first sync/unmap.
 */
function siblingBuffer(fn: Node, handle: string): { expr: string; dir: Direction; size?: Node } | undefined {
  const m = /^(.+?)(->|\.)[A-Za-z_]\w*$/.exec(handle);
  if (!m) return undefined;
  const base = m[1];
  let dir: Direction | undefined;
  let expr: string | undefined;
  let size: Node | undefined;
  const copies: Record<string, [number, number, number]> = { ...COPY_CALLS, skb_put_data: [-1, 1, 2], __skb_put_data: [-1, 1, 2], memset: [0, -1, 2] };
  walk(fn, (n) => {
    if (n.type === 'call_expression') {
      const name = callName(n) ?? '';
      const args = callArgs(n);
      if (!dir && (SYNC_CALLS.has(name) || UNMAP_CALLS.has(name)) && args[1] && normText(stripParensAndCasts(args[1])) === handle) {
        const ranged = name.includes('_range_');
        dir = dirText(args[ranged ? 4 : 3]);
        if (!ranged && !name.includes('_sg')) size = args[2];
      }
      if (!expr && name in copies) {
        const [d, src] = copies[name];
        for (const i of [src, d]) {
          const a = i >= 0 ? args[i] : undefined;
          const t = a ? normText(stripParensAndCasts(a)) : '';
          if (t.startsWith(`${base}->`) && t !== handle && !t.startsWith(`${handle}`)) { expr = t; break; }
        }
      }
    } else if (!expr && (n.type === 'subscript_expression' || (n.type === 'pointer_expression' && n.child(0)?.text === '*'))) {
      const b = n.type === 'subscript_expression' ? n.childForFieldName('argument') : n.childForFieldName('argument');
      const t = b ? normText(stripParensAndCasts(b)) : '';
      if (t.startsWith(`${base}->`) && t !== handle) expr = t;
    }
    return true;
  });
  return expr && dir ? { expr, dir, size } : undefined;
}

/** The handle of the first sync/unmap in the function whose handle is a field of `base`. */
function syncedHandleWithBase(fn: Node, base: string): string | undefined {
  let h: string | undefined;
  walk(fn, (n) => {
    if (h) return false;
    if (n.type === 'call_expression') {
      const name = callName(n) ?? '';
      const a = callArgs(n)[1];
      const t = a ? normText(stripParensAndCasts(a)) : '';
      if ((SYNC_CALLS.has(name) || UNMAP_CALLS.has(name)) && (t.startsWith(`${base}->`) || t.startsWith(`${base}.`))) h = t;
    }
    return true;
  });
  return h;
}

/** Start of the DMA call the cursor is in or on the cursor's line, if any. */
function pickedCallStart(fn: Node, tree: Tree, offset: number): number | undefined {
  const n = tree.rootNode.descendantForIndex(offset, offset);
  for (let cur: Node | null = n; cur && cur.id !== fn.id; cur = cur.parent) {
    const name = cur.type === 'call_expression' ? callName(cur) ?? '' : '';
    if (MAP_CALLS.has(name) || COHERENT_ALLOC.has(name) || NONCOHERENT_ALLOC.has(name) || POOL_ALLOC.has(name) || name in CPU_ALLOC) return cur.startIndex;
  }
  const row = n?.startPosition.row;
  let found: number | undefined;
  walk(fn, (c) => {
    if (found !== undefined || c.startPosition.row > (row ?? -1) || c.endPosition.row < (row ?? -1)) return false;
    const name = c.type === 'call_expression' ? callName(c) ?? '' : '';
    if (c.startPosition.row === row && (MAP_CALLS.has(name) || COHERENT_ALLOC.has(name) || NONCOHERENT_ALLOC.has(name) || POOL_ALLOC.has(name))) found = c.startIndex;
    return true;
  });
  return found;
}

/** Finds the map call for a handle (`h = dma_map_single(dev, buf, …)`) or for a buffer. */
function findMapFor(fn: Node, opts: { handle?: string; bufExpr?: string }): { call: Node; bufExpr: string; handle?: string } | undefined {
  let found: { call: Node; bufExpr: string; handle?: string } | undefined;
  walk(fn, (n) => {
    if (found) return false;
    if (n.type !== 'call_expression') return true;
    const name = callName(n);
    if (!name) return true;
    const args = callArgs(n);
    const lhs = assignedTo(n);
    const lhsT = lhs ? normText(lhs) : undefined;
    if (MAP_CALLS.has(name)) {
      const b = mapArgs(name, args).buf;
      const bT = b ? normText(stripParensAndCasts(b)) : '';
      if ((opts.handle && lhsT === opts.handle) || (opts.bufExpr && bT === opts.bufExpr)) found = { call: n, bufExpr: bT, handle: lhsT };
    } else if (COHERENT_ALLOC.has(name) || POOL_ALLOC.has(name) || NONCOHERENT_ALLOC.has(name)) {
      const h = addrOfTarget(args[2]);
      if ((opts.handle && h === opts.handle) || (opts.bufExpr && lhsT === opts.bufExpr)) found = { call: n, bufExpr: lhsT ?? '', handle: h };
    }
    return true;
  });
  return found;
}

/**
 * Derives a `.dmatrace` for the buffer at (or named near) `offset`.
 * Throws LifecycleError with a one-line reason when there is nothing to replay.
 */
export function extractLifecycle(req: LifecycleRequest): LifecycleResult {
  const facts = fileFacts(req.tree);
  for (const h of req.headers ?? []) headerDefines(h, facts.defines);
  currentFacts = facts;
  nameCache = new WeakMap();
  defineValues.clear();
  try {
    const at = req.tree.rootNode.descendantForIndex(Math.max(0, Math.min(req.offset, req.text.length)), Math.max(0, Math.min(req.offset, req.text.length)));
    const fn = at ? enclosingFunction(at) : null;
    if (!fn) throw new LifecycleError('the position is not inside a function');
    const fname = functionName(fn) ?? '<anonymous>';
    // the checker's bound: a function this large is a parse accident or generated code
    if (fn.endIndex - fn.startIndex > MAX_FUNCTION_CHARS) throw new LifecycleError(`${fname}() is larger than ${MAX_FUNCTION_CHARS / 1024} KB (often a macro the parser could not follow); nothing to replay`);
    const body = fn.childForFieldName('body');
    if (!body) throw new LifecycleError(`${fname}() has no body`);

    let pick: Pick | undefined = req.buffer ? { bufExpr: normText(req.buffer) } : pickTarget(fn, req.tree, req.offset);
    if (!pick || (!pick.bufExpr && !pick.handle)) throw new LifecycleError(`no DMA buffer or handle at the cursor in ${fname}(); put the cursor on a dma_map_*/dma_alloc_* call or name the buffer`);
    // a name given by the user may be the handle: look for a map assigning it
    if (pick.bufExpr && !pick.handle) {
      const asHandle = findMapFor(fn, { handle: pick.bufExpr });
      const asBuffer = findMapFor(fn, { bufExpr: pick.bufExpr });
      if (asBuffer) pick = { bufExpr: asBuffer.bufExpr, handle: asBuffer.handle, via: pick.via };
      else if (asHandle) pick = { bufExpr: asHandle.bufExpr, handle: asHandle.handle, via: pick.via };
    } else if (pick.handle && !pick.bufExpr) {
      const m = findMapFor(fn, { handle: pick.handle });
      if (m) pick = { ...pick, bufExpr: m.bufExpr };
    }
    let mappedElsewhere: { dir: Direction; line: number; handle: string; size?: Node } | undefined;
    if (pick.bufExpr && !pick.handle && !findMapFor(fn, { bufExpr: pick.bufExpr }) && !findMapFor(fn, { handle: pick.bufExpr })) {
      // the cursor is on a buffer this function does not map: is it synced/unmapped through a sibling handle?
      const base = /^[A-Za-z_]\w*/.exec(pick.bufExpr)?.[0];
      const h = base ? syncedHandleWithBase(fn, base) : undefined;
      if (h && h !== pick.bufExpr) {
        const found = siblingBuffer(fn, h);
        if (found) {
          const userPick = pick.bufExpr.startsWith(`${base}->`) && pick.bufExpr.includes('->', base!.length + 2) ? pick.bufExpr : found.expr;
          pick = { ...pick, bufExpr: userPick, handle: h };
          mappedElsewhere = { dir: found.dir, line: lineOf(fn), handle: h, size: found.size };
        }
      }
    }
    if (!pick.bufExpr && pick.handle && !findMapFor(fn, { handle: pick.handle })) {
      // the mapping is made elsewhere (a refill function) and this one syncs/unmaps it: the buffer is
      // the memory reached through the same structure (rx_buf->dma ↔ rx_buf->skb->data)
      const found = siblingBuffer(fn, pick.handle);
      if (found) {
        pick.bufExpr = found.expr;
        mappedElsewhere = { dir: found.dir, line: lineOf(fn), handle: pick.handle, size: found.size };
      }
    }
    if (!pick.bufExpr) {
      if (!pick.handle) throw new LifecycleError(`no DMA buffer found in ${fname}()`);
      pick.bufExpr = pick.handle; // only a handle is known: the buffer is named after it
    }
    const bufExpr = pick.bufExpr;
    // the handle becomes live at the map/alloc that produces it (a handle variable may be reused
    // for an earlier mapping); only a handle with no map in this function is followed from the start
    const producer = findMapFor(fn, { bufExpr }) ?? (pick.handle ? findMapFor(fn, { handle: pick.handle }) : undefined);
    const target: Target = { buffers: new Set([bufExpr]), handles: new Set(pick.handle && !producer ? [pick.handle] : []), pages: new Set(), skbs: new Set(), bufferExpr: bufExpr };
    // page buffers: dma_map_page(dev, page, …) / page_address(page)
    const pageM = /^page_address\((.+)\)$/.exec(bufExpr);
    if (pageM) target.pages.add(pageM[1]);
    const skbM = /^(.+)->data$/.exec(bufExpr);
    if (skbM) target.skbs.add(skbM[1]);

    // provenance
    const mapCall = findMapFor(fn, { bufExpr });
    const anchorStart = req.buffer === undefined ? pickedCallStart(fn, req.tree, req.offset) : undefined;
    let anchorEnd: number | undefined;
    if (anchorStart !== undefined) {
      for (let c: Node | null = req.tree.rootNode.descendantForIndex(anchorStart, anchorStart); c && c.id !== fn.id; c = c.parent) {
        if (c.type === 'call_expression' && c.startIndex === anchorStart) { anchorEnd = c.endIndex; break; }
      }
    }
    // the allocation is the last one before the call the user pointed at (or before the map)
    const originLimit = anchorEnd ?? (mapCall ? mapCall.call.endIndex : fn.endIndex);
    let origin = findOrigin({ facts, fn }, bufExpr, target.pages, target.skbs, originLimit) ?? findOrigin({ facts, fn }, bufExpr, target.pages, target.skbs, fn.endIndex);
    const mapped = mapCall ? mapArgs(callName(mapCall.call) ?? '', callArgs(mapCall.call)) : undefined;
    if (mapCall && /^dma_map_page/.test(callName(mapCall.call) ?? '') && !origin) {
      target.pages.add(bufExpr);
      origin = findOrigin({ facts, fn }, bufExpr, target.pages, target.skbs, originLimit) ?? { kind: 'page', size: 4096, zero: false, note: 'a page (its allocation is not in this function)' };
    } else if (mapCall && /^dma_map_page/.test(callName(mapCall.call) ?? '')) target.pages.add(bufExpr);
    origin ??= classifyStorage(facts, fn, bufExpr);
    const notes: string[] = [];
    let kind: BufferKind;
    let size: number | undefined;
    let sizeNote: string;
    if (origin) {
      kind = origin.kind;
      size = origin.size;
      sizeNote = origin.line ? `${origin.kind} at line ${origin.line}` : origin.kind;
      if (origin.note) notes.push(origin.note);
    } else {
      kind = 'kmalloc';
      sizeNote = 'allocation not found in this function; assumed kmalloc';
    }
    if (size === undefined) {
      const sizeNode = mapped?.size ?? mappedElsewhere?.size;
      const ms = sizeNode ? foldConst(facts, sizeNode, 0, fn) : undefined;
      if (ms !== undefined && ms > 0) {
        size = ms;
        sizeNote += `; size ${ms} taken from the ${mapped?.size ? 'map' : 'sync/unmap'} call`;
      } else {
        size = DEFAULT_BUFFER_SIZE;
        const expr = origin?.sizeExpr ?? mapped?.size?.text;
        sizeNote += `; size ${expr ? `\`${truncate(normText(expr), 40)}\` is not a constant` : 'unknown'}, ${DEFAULT_BUFFER_SIZE} bytes assumed`;
      }
    } else if (origin?.sizeExpr && !/^\d+$/.test(origin.sizeExpr.trim())) {
      sizeNote += ` (${truncate(normText(origin.sizeExpr), 40)} = ${size})`;
    }
    size = Math.max(1, Math.min(size, 1 << 24));

    const ctx: Ctx = {
      text: req.text, facts, fn, target, steps: [], kind, size, sizeNote,
      allocLine: origin?.line, allocNode: origin?.node?.type === 'call_expression' ? origin.node : undefined,
      anchor: anchorStart ?? producer?.call.startIndex ?? -1,
      started: !(origin?.node?.type === 'call_expression' && (kind === 'coherent' || kind === 'pool' || kind === 'noncoherent')),
      zeroAtAlloc: !!origin?.zero, ownedSince: null, handedOff: false, seen: new Set(),
      mapDir: kind === 'noncoherent' && origin?.node ? dirText(callArgs(origin.node)[3]) : undefined,
    };
    const pathNotes: PathNotes = { skipped: [], branches: [], loops: [], gotos: [] };
    if (mappedElsewhere) {
      // the buffer arrives mapped: replay the map (assumed) and the device's turn first
      ctx.mapDir = mappedElsewhere.dir;
      ctx.steps.push({ op: 'dma_map_single', args: [traceName(bufExpr), mappedElsewhere.dir], line: mappedElsewhere.line, note: `assumed: ${truncate(mappedElsewhere.handle, 40)} was mapped before ${fname}() runs` });
      ctx.ownedSince = 0;
      ctx.handedOff = false;
      // …and the device has had its turn by the time this function looks at the buffer
      deviceAccess(ctx, fn, 'assumed: the device accessed the buffer before this function runs');
      for (const st of ctx.steps) st.line = mappedElsewhere.line;
      notes.push(`${fname}() does not map the buffer; the mapping behind ${truncate(mappedElsewhere.handle, 40)} is assumed to be made earlier (direction from its sync/unmap)`);
    }
    walkMainPath(ctx, body, pathNotes);
    // the device still owns the buffer at the end: it does its DMA after this function returns
    if (ctx.ownedSince !== null && !ctx.handedOff) {
      const endNode = fn.childForFieldName('body')!;
      const before = ctx.steps.length;
      deviceAccess(ctx, endNode, 'assumed: the device accesses the buffer after this function hands it over');
      for (const s of ctx.steps.slice(before)) s.line = ctx.steps[ctx.ownedSince]?.line ?? s.line;
    }
    if (ctx.coherentHandoff !== undefined) {
      const h = ctx.steps[ctx.coherentHandoff];
      if (h.op === 'device_read' && ctx.steps.slice(ctx.coherentHandoff + 1).some((s) => s.op === 'cpu_read')) {
        ctx.steps.splice(ctx.coherentHandoff + 1, 0, { op: 'device_write', args: [...h.args], line: h.line, note: 'the CPU reads the buffer later, so the device is taken to write it' });
      }
    }
    const liveAtEnd = ctx.ownedSince !== null;
    // coherent memory must be allocated before the trace can use it, even when the
    // allocation is not on the main path (another function, or a branch not followed)
    if (kind === 'coherent' && !ctx.steps.some((s) => s.op === 'dma_alloc_coherent') && ctx.steps.some((s) => s.op)) {
      ctx.steps.unshift({ op: 'dma_alloc_coherent', args: [nameOf(ctx), String(size)], line: ctx.allocLine ?? lineOf(fn), note: 'allocated off the main path' });
    } else if (kind === 'noncoherent' && !ctx.steps.some((s) => s.op === 'dma_alloc_noncoherent') && ctx.steps.some((s) => s.op)) {
      ctx.steps.unshift({ op: 'dma_alloc_noncoherent', args: [nameOf(ctx), String(size), ctx.mapDir ?? 'DMA_BIDIRECTIONAL'], line: ctx.allocLine ?? lineOf(fn), note: 'allocated off the main path' });
    }
    if (!ctx.steps.some((s) => s.op)) throw new LifecycleError(`no DMA-API call or access of \`${truncate(bufExpr, 40)}\` found on the main path of ${fname}()`);

    const name = nameOf(ctx);
    const fnLine = lineOf(fn);
    const lines: string[] = [];
    lines.push(`# Lifecycle of \`${truncate(bufExpr, 60)}\` in ${fname}()${req.file ? ` (${req.file}:${fnLine})` : ` (line ${fnLine})`}, extracted by dma-scope`);
    lines.push(`# buffer: ${ctx.sizeNote}`);
    const pathBits: string[] = [];
    pathBits.push(pathNotes.successReturn ? `the main path, to the return at line ${pathNotes.successReturn}` : 'the main path, to the end of the function');
    if (pathNotes.skipped.length) pathBits.push(`branches not followed at line${pathNotes.skipped.length > 1 ? 's' : ''} ${[...new Set(pathNotes.skipped)].join(', ')}`);
    if (pathNotes.loops.length) pathBits.push(`loop bodies taken once (line${pathNotes.loops.length > 1 ? 's' : ''} ${pathNotes.loops.join(', ')})`);
    lines.push(`# path: ${pathBits.join('; ')}`);
    for (const g of pathNotes.gotos) lines.push(`# path: followed ${g}`);
    for (const b of pathNotes.branches) lines.push(`# path: ${b}`);
    if (pathNotes.truncated) lines.push('# path: the walk stopped early (too many statements or gotos)');
    if (liveAtEnd) notes.push('the mapping is still live when the function returns (the device keeps the buffer)');
    for (const n of notes) lines.push(`# note: ${n}`);
    const decl = ['buffer', name, kind, String(size)];
    const needsDecl = kind !== 'coherent' && kind !== 'noncoherent';
    // a file name with spaces or '#' cannot be written into a src= token: keep the bare line then
    const srcPrefix = req.srcFile && /^[^\s#]+$/.test(req.srcFile) ? `${req.srcFile}:` : '';
    const stepLine = (s: LifecycleStep): string => {
      const body = s.op ? [s.op, ...s.args].join(' ') : '';
      const comment = `# src=${srcPrefix}${s.line}${s.note ? ` ${s.note}` : ''}`;
      return body ? `${body.padEnd(44)} ${comment}` : comment;
    };
    if (needsDecl) lines.push(`${decl.join(' ').padEnd(44)} # src=${srcPrefix}${ctx.allocLine ?? lineOf(fn)}`);
    for (const s of ctx.steps) lines.push(stepLine(s));
    const trace = lines.join('\n') + '\n';
    return { trace, name, bufferExpr: bufExpr, handles: [...target.handles], functionName: fname, kind, size, steps: ctx.steps, notes: lines.filter((l) => l.startsWith('#')) };
  } finally {
    currentFacts = null;
  }
}

/** Offset of a 1-based line (its first non-blank character) in `text`. */
export function offsetOfLine(text: string, line: number): number {
  let off = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  while (off < text.length && (text[off] === ' ' || text[off] === '\t')) off++;
  return off;
}

export interface LifecycleTarget {
  /** offset of the call's function name */
  offset: number;
  /** 0-based row */
  row: number;
  call: string;
}

/** Map and allocation calls inside functions: where a "Replay lifecycle" lens belongs. */
export function lifecycleTargets(tree: Tree, limit = 500): LifecycleTarget[] {
  const out: LifecycleTarget[] = [];
  walk(tree.rootNode, (n) => {
    if (out.length >= limit) return false;
    if (n.type !== 'call_expression') return true;
    const name = callName(n);
    if (name && (MAP_CALLS.has(name) || COHERENT_ALLOC.has(name) || POOL_ALLOC.has(name) || NONCOHERENT_ALLOC.has(name)) && enclosingFunction(n)) {
      const f = n.childForFieldName('function')!;
      out.push({ offset: f.startIndex, row: f.startPosition.row, call: name });
    }
    return true;
  });
  return out;
}
