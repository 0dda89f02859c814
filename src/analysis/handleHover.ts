/**
 * Hover on a DMA handle or buffer variable: what the ownership analysis knows
 * at that point of the function (mapped for DMA_FROM_DEVICE at line N, owned
 * by the device here, synced for the CPU at line M). A pure function of the
 * syntax tree, like src/analysis/hover.ts, which owns hovers on API names;
 * the extension shows this one when that one has nothing.
 */
import type { Node, Tree } from 'web-tree-sitter';
import { enclosingFunction, functionDefinitions, normText, lineAt } from './ast';
import { analyzeFunction, summarizeFile } from './facts';
import type { FileSummary } from './fileSummary';
import { reach } from './cfg';
import { regions, pointsInto, Region, OwnEvent } from './ownership';
import { deviceData } from './deviceData';
import { hoverAt, type RuleLink } from './hover';

export interface HandleHover {
  markdown: string;
  start: number;
  end: number;
  /** what the hovered expression is to the analysis: a streaming handle, its buffer, or a read of device-writable memory */
  role: 'handle' | 'buffer' | 'device-data';
  /** the region's direction, 'TO' | 'FROM' | 'BIDI', or null when unknown */
  dir: string | null;
  /** who owns the buffer at the hovered point: on every path, on some paths, or unknown */
  owner: 'device' | 'cpu' | 'either' | 'unknown';
  /** the ownership events (1-based lines) that reach the hovered point */
  reaching: { call: string; line: number; kind: OwnEvent['kind'] | 'entry' }[];
  /** every ownership event of this handle in the function */
  events: { call: string; line: number; kind: OwnEvent['kind'] }[];
  /** device-data: where the device-writable memory comes from (1-based line of the allocation, mapping or used-length call) */
  origin?: { what: string; line: number };
}

const DIR_NAME: Record<string, string> = { TO: 'DMA_TO_DEVICE', FROM: 'DMA_FROM_DEVICE', BIDI: 'DMA_BIDIRECTIONAL' };

/** The expression under the cursor: an identifier, or the whole `a->b.c` chain when on a field name. */
function expressionAt(tree: Tree, offset: number): Node | null {
  let n: Node | null = null;
  for (const at of [offset, offset - 1]) {
    if (at < 0) continue;
    const d = tree.rootNode.descendantForIndex(at, at);
    if (d && (d.type === 'identifier' || d.type === 'field_identifier')) { n = d; break; }
  }
  if (!n) return null;
  if (n.type === 'field_identifier' && n.parent?.type === 'field_expression') return n.parent;
  // `rx_buf` in `rx_buf->dma`: the identifier alone
  return n;
}

/**
 * The analysis of each function hovered in one tree, kept by the caller for as long as that tree
 * and text stay unchanged (a new Map per document version), so that moving the mouse between
 * handles of one function analyses it once.
 */
export type HandleHoverCache = Map<string, { ctx: ReturnType<typeof analyzeFunction>; rs: Region[] }>;

/**
 * `summary`: the file summary of this tree and text when the caller keeps one (AnalysisSession.fileSummary);
 * otherwise every function analysed here summarises the whole file again (~7 ms on a 200 KB driver).
 */
export function handleHoverAt(tree: Tree, text: string, offset: number, cache?: HandleHoverCache, summary?: () => FileSummary): HandleHover | null {
  const expr = expressionAt(tree, offset);
  if (!expr) return null;
  const fn = enclosingFunction(expr);
  if (!fn) return null;
  const key = `${fn.startIndex}:${fn.endIndex}`;
  let hit = cache?.get(key);
  if (!hit) {
    const c = analyzeFunction(fn, text, summary ? summary() : summarizeFile(tree.rootNode, functionDefinitions(tree), text));
    hit = { ctx: c, rs: c ? regions(c) : [] };
    cache?.set(key, hit);
  }
  const ctx = hit.ctx;
  if (!ctx) return null;
  const e = normText(expr);
  const rs = hit.rs;
  let region: Region | undefined = rs.find((r) => r.handle === e);
  let role: HandleHover['role'] = 'handle';
  if (!region) {
    region = rs.find((r) => (r.roots.length || r.pages.length || r.base) && pointsInto(r, e));
    role = 'buffer';
  }
  if (!region) return deviceReadHover(ctx, expr, text);
  const r = region;
  const here = ctx.index.at(expr.startIndex, expr.endIndex);
  const all = [...r.toDev, ...r.toCpu].sort((a, b) => a.call.start - b.call.start);
  const reaching: HandleHover['reaching'] = [];
  if (here) {
    const ids = new Set(all.map((x) => x.node.id));
    const own = all.filter((ev) => ev.node.id === here.id);
    // on an event's own statement: the state after the call
    for (const ev of own) reaching.push({ call: ev.call.name, line: lineAt(text, ev.call.start), kind: ev.kind });
    for (const ev of own.length ? [] : all) {
      const hit = reach(ctx.cfg, ev.node.id, { target: (n) => n.id === here.id, blocked: (n) => ids.has(n.id) && n.id !== here.id, limit: 20000 });
      if (hit) reaching.push({ call: ev.call.name, line: lineAt(text, ev.call.start), kind: ev.kind });
    }
    if (!r.map && r.toCpu.length && !all.some((x) => x.node.id === here.id)) {
      const fromEntry = reach(ctx.cfg, ctx.cfg.entry, { target: (n) => n.id === here.id, blocked: (n) => ids.has(n.id), limit: 20000 });
      if (fromEntry) reaching.push({ call: 'function entry', line: lineAt(text, ctx.facts.start), kind: 'entry' });
    }
  }
  const devSide = reaching.filter((x) => x.kind === 'map' || x.kind === 'sync-for-device' || x.kind === 'entry');
  const cpuSide = reaching.filter((x) => x.kind === 'sync-for-cpu' || x.kind === 'unmap');
  const owner: HandleHover['owner'] = !reaching.length ? 'unknown' : devSide.length && cpuSide.length ? 'either' : devSide.length ? 'device' : 'cpu';
  const events = all.map((x) => ({ call: x.call.name, line: lineAt(text, x.call.start), kind: x.kind }));
  return {
    markdown: render(r, role, e, owner, reaching, events),
    start: expr.startIndex,
    end: expr.endIndex,
    role,
    dir: r.dir,
    owner,
    reaching,
    events,
  };
}

/** A read of DMA-coherent/pool memory (or of a FROM/BIDI buffer) under the cursor: the device or host may have written it. */
function deviceReadHover(ctx: import('./facts').FunctionContext, expr: Node, text: string): HandleHover | null {
  const read = deviceData(ctx).reads.find((r) => r.start <= expr.startIndex && expr.endIndex <= r.end && (r.node.id === expr.id || r.node.text.endsWith(expr.text)));
  if (!read) return null;
  const o = read.origin;
  const line = lineAt(text, o.start);
  const from = o.kind === 'coherent' ? `DMA-coherent memory allocated by ${code(o.what)} at line ${line}` : `${o.what} at line ${line}`;
  const markdown = [
    `**DMA Scope:** ${code(normText(read.node))} is **written by the device: untrusted on \`cvm\` / \`iommu-untrusted\`**.`,
    '',
    `- read from ${from}`,
    '- on a confidential VM the host can rewrite it at any moment, behind an untrusted IOMMU the device can: bound it before using it as an index, length, loop bound or pointer, and read it once (`READ_ONCE()` into a local) when a check and a use both need it',
  ].join('\n');
  return { markdown, start: expr.startIndex, end: expr.endIndex, role: 'device-data', dir: null, owner: 'unknown', reaching: [], events: [], origin: { what: o.what, line } };
}

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

const KIND_TEXT: Record<OwnEvent['kind'] | 'entry', string> = {
  map: 'mapped',
  'sync-for-device': 'handed to the device',
  'sync-for-cpu': 'synced for the CPU',
  unmap: 'unmapped',
  entry: 'owned by the device on entry',
};

function render(r: Region, role: HandleHover['role'], e: string, owner: HandleHover['owner'], reaching: HandleHover['reaching'], events: HandleHover['events']): string {
  const out: string[] = [];
  const dir = r.dir ? DIR_NAME[r.dir] : 'an unknown direction';
  out.push(`**DMA Scope:** ${code(e)} is ${role === 'handle' ? 'a streaming DMA handle' : `memory of the streaming mapping ${code(r.handle)}`}.`);
  out.push('');
  if (r.map) out.push(`- mapped for ${dir} by ${code(r.map.name + '()')} at line ${events.find((x) => x.kind === 'map')?.line ?? '?'}`);
  else out.push(`- mapped elsewhere (${dir}); this function ${r.toCpu.length ? 'takes it back for the CPU' : 'hands it to the device'}`);
  for (const ev of events.filter((x) => x.kind !== 'map')) out.push(`- ${KIND_TEXT[ev.kind]} by ${code(ev.call + '()')} at line ${ev.line}`);
  out.push('');
  const via = reaching.map((x) => (x.kind === 'entry' ? 'function entry' : `${x.call}() at line ${x.line}`)).join(', ');
  if (owner === 'device') out.push(`**Here the device owns it** (after ${via}): the CPU must not read or write it until a sync for the CPU or an unmap.`);
  else if (owner === 'cpu' && reaching.every((x) => x.kind === 'unmap')) out.push(`**Unmapped here** (after ${via}): the CPU owns the memory and the handle is no longer valid for the device.`);
  else if (owner === 'cpu') out.push(`**Here the CPU owns it** (after ${via})${r.dir !== 'FROM' ? '; sync it for the device before the device uses it again' : ''}.`);
  else if (owner === 'either') out.push(`**Ownership here depends on the path** (reached from ${via}).`);
  else out.push('Ownership here is not known (no map, sync or unmap of it reaches this point).');
  return out.join('\n');
}

/** The hover of a C document at an offset: a catalogued API identifier first, else a handle/buffer. */
export function documentHoverAt(tree: Tree, text: string, offset: number, cache?: HandleHoverCache, ruleLink?: RuleLink, summary?: () => FileSummary): { markdown: string; start: number; end: number } | null {
  return hoverAt(tree, text, offset, ruleLink) ?? handleHoverAt(tree, text, offset, cache, summary);
}
