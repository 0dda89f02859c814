/**
 * The vocabulary of the device-data analysis (deviceData.ts): the shapes of a device read and a device
 * flow, the call families it recognises (byte-order conversions, copies, length arguments, frees,
 * validators) and small syntax helpers. Split from deviceData.ts, which re-exports the public types.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, LEAVES } from './ast';
import type { CfgNode } from './cfg';

/** Calls that write a device-reported length through their second argument. */
export const USED_LEN = /^(virtqueue_get_buf|virtqueue_get_buf_ctx)$/;

/** Where device-writable memory comes from, for related locations. */
export interface Origin {
  start: number;
  end: number;
  /** 'dma_alloc_coherent()', 'a DMA_FROM_DEVICE mapping', 'virtqueue_get_buf()' */
  what: string;
  kind: 'coherent' | 'streaming' | 'used-len';
}

/** One read of device-writable memory. */
export interface DeviceRead {
  node: Node;
  start: number;
  end: number;
  /** normalised text of the location (the read expression, without le*_to_cpu/READ_ONCE around it) */
  key: string;
  cfg: CfgNode;
  origin: Origin;
}

/** A device value reaching a sink. */
export interface DeviceFlow {
  /** the read the value comes from (or the used-length call) */
  read: { start: number; end: number; text: string };
  origin: Origin;
  /** the expression at the sink (an identifier holding the value, or the read itself) */
  at: Node;
  sink: 'index' | 'length' | 'loop' | 'pointer';
  sinkWhat: string;
  /** the local the value went through, when it did */
  via?: string;
  /** that local accumulates (`x += v`, `x -= v`): a running sum, not the value itself */
  viaAccumulates?: boolean;
  /** double fetch: the earlier read of the same location that a check looked at */
  checkedRead?: DeviceRead;
  /** the read that is fetched a second time (double fetch) */
  secondRead?: DeviceRead;
}

export interface DeviceAnalysis {
  reads: DeviceRead[];
  flows: DeviceFlow[];
}

/**
 * Conversions that keep a value what it was (byte order, a single fetch, width). Every other call ends a
 * value's taint: clamps (min/min_t/clamp/array_index_nospec), field extraction by mask (FIELD_GET), and
 * unknown functions alike — generous, to stay precise. So do `&` (a mask) and `%`.
 */
export const CONVERT = /^(le16_to_cpu|le32_to_cpu|le64_to_cpu|be16_to_cpu|be32_to_cpu|be64_to_cpu|__le16_to_cpu|__le32_to_cpu|__le64_to_cpu|le16_to_cpup|le32_to_cpup|READ_ONCE|get_unaligned|get_unaligned_le16|get_unaligned_le32|get_unaligned_le64|get_unaligned_be16|get_unaligned_be32|lower_32_bits|upper_32_bits|u64_to_user_ptr|phys_to_virt|bus_to_virt)$/;
export const REL_OPS = new Set(['<', '>', '<=', '>=', '==', '!=']);
/** Calls that fill memory through their first argument. */
export const COPY_IN = /\b(memcpy|memset|memmove|copy_from_user|strscpy|strcpy|strncpy|memcpy_fromio|skb_copy_bits)\s*\(/;
/** A bound check proper (double fetch asks for one: an equality test of a flag is not a bound). */
export const BOUND_OPS = new Set(['<', '>', '<=', '>=']);

/** Length arguments: call → argument indexes. */
export const LENGTH_ARGS: Record<string, number[]> = {
  memcpy: [2], memmove: [2], memset: [2], memcpy_fromio: [2], memcpy_toio: [2], __memcpy: [2],
  skb_put: [1], __skb_put: [1], skb_put_data: [2], __skb_put_data: [2], skb_put_zero: [1],
  skb_add_rx_frag: [3, 4], skb_add_rx_frag_netmem: [3, 4], skb_copy_to_linear_data: [2], skb_copy_to_linear_data_offset: [1, 3],
  skb_copy_from_linear_data: [2], skb_copy_from_linear_data_offset: [1, 3], skb_pull: [1], __skb_pull: [1], skb_copy_bits: [1, 3],
  copy_to_user: [2], copy_from_user: [2], skb_store_bits: [1, 3], memcmp: [2],
};
/** Calls that free or release a pointer argument. */
export const FREES = /^(kfree|kvfree|vfree|dev_kfree_skb|dev_kfree_skb_any|dev_kfree_skb_irq|dev_consume_skb_any|napi_consume_skb|consume_skb|kfree_skb|put_page|__free_page|__free_pages|free_page|page_frag_free|skb_free_frag|page_pool_put_full_page|page_pool_recycle_direct|page_pool_put_page)$/;
export const DMA_HANDLE_SINK = /^(dma_unmap_single|dma_unmap_single_attrs|dma_unmap_page|dma_unmap_page_attrs|dma_sync_single_for_cpu|dma_sync_single_for_device|dma_free_coherent|dmam_free_coherent|dma_pool_free|dma_free_attrs|dma_unmap_resource)$/;
/** Same-file helpers that look like validation: a call of one with the value counts as a check. */
export const CHECKER_NAME = /valid|check|verify|sanit|bound|range|ok$|_good|_bad|legal/i;

/** Read/write context of the outermost expression of a read chain. */
export function readContext(x: Node): 'read' | 'address' | 'write' | 'none' {
  const p = x.parent;
  if (!p) return 'none';
  if (p.type === 'pointer_expression' && p.text.startsWith('&')) return 'address';
  if (p.type === 'assignment_expression' && p.childForFieldName('left')?.id === x.id) return 'write';
  if (p.type === 'update_expression') return 'write';
  for (let q: Node | null = p; q && !q.type.endsWith('_statement') && q.type !== 'declaration'; q = q.parent) {
    if (q.type === 'sizeof_expression' || q.type === 'offsetof_expression' || q.type === 'alignof_expression') return 'none';
    if (q.type === 'call_expression' && /^(typeof|__typeof__|ARRAY_SIZE|offsetof|sizeof_field)$/.test(callName(q) ?? '')) return 'none';
  }
  return 'read';
}

/** Climbs `.f` and `[i]` chains of a read (a `->` through a read value is a dereference of device data: stop there). */
export function outermost(x: Node): Node {
  let cur = x;
  for (let p = cur.parent; p; p = cur.parent) {
    if (p.type === 'parenthesized_expression') { cur = p; continue; }
    if (p.type === 'subscript_expression' && p.childForFieldName('argument')?.id === cur.id) { cur = p; continue; }
    if (p.type === 'field_expression' && p.childForFieldName('argument')?.id === cur.id && p.childForFieldName('operator')?.text === '.') { cur = p; continue; }
    break;
  }
  return cur;
}

export interface TaintResult {
  read: DeviceRead | { start: number; end: number; text: string; usedLen: true };
  origin: Origin;
  via?: string;
  double?: DeviceRead;
}

/** Identifiers of an expression (for the locals a value was computed from). */
export function localsIn(e: Node): string[] {
  const out: string[] = [];
  walk(e, (x) => {
    if (x.type === 'identifier') out.push(x.text);
    // `p->len`: only `p` is a local the value may come from
    return x.type !== 'field_identifier';
  });
  return out;
}

/** Walks one CFG node's own syntax (nested statements are CFG nodes of their own). */
export function walkOwnNode(n: CfgNode, visit: (x: Node) => boolean | void): void {
  const top = n.node;
  if (!top) return;
  walk(top, (x) => {
    if (x.id !== top.id && (x.type === 'compound_statement' || (x.type.endsWith('_statement') && x.type !== 'expression_statement'))) return false;
    return visit(x);
  }, LEAVES);
}
