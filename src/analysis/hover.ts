/**
 * Hover text for DMA-API identifiers, as a pure function of a syntax tree:
 * no `vscode` import, so the extension, tests and any other host share it.
 *
 * The identifier under the cursor is found through the tree (identifier,
 * field, type and macro-name nodes). Two places carry no identifier nodes and
 * are read from the node's own text instead: the body of a `#define`
 * (`preproc_arg`) and kernel annotations that were blanked before parsing
 * (`__aligned(ARCH_DMA_MINALIGN)`).
 */
import type { Node, Tree } from 'web-tree-sitter';
import { lookup, isDmaMappingIdentifier, paramIndex, ApiEntry } from '../model/catalogue';
import { PLATFORM_IDS } from '../model/platformIds';
import { ruleCommandUri } from '../model/links';
import { callArgs, callName, enclosingFunction, normText, stripParensAndCasts } from './ast';
import { blankAnnotations } from './preprocess';

export interface HoverResult {
  /** markdown for the hover widget */
  markdown: string;
  /** the hovered identifier's range (string offsets) */
  start: number;
  end: number;
  entry: ApiEntry;
  /** facts of the surrounding call, when the identifier is the called function */
  call?: CallFacts;
}

export interface CallFacts {
  /** 1-based line of the call */
  line: number;
  /** argument texts by canonical name: dir, size, nents, attrs, offset, handle, buffer, sg, gfp */
  args: Record<string, string>;
  /** where the result goes (`h = dma_map_single(...)`), when the tree says */
  result?: string;
  /** later calls in the same function that check or release this object */
  checkedAt?: number[];
  releasedAt?: { name: string; line: number }[];
}

const NAME_NODE_TYPES = new Set(['identifier', 'field_identifier', 'type_identifier', 'primitive_type']);
const WORD = /[A-Za-z0-9_]/;

/** Finds the identifier at `offset` and, if it is catalogued mapping API, builds the hover. */
export function hoverAt(tree: Tree, text: string, offset: number, ruleLink: RuleLink = ruleCommandUri): HoverResult | null {
  const found = identifierAtOffset(tree, text, offset);
  if (!found) return null;
  if (!isDmaMappingIdentifier(found.name)) return null;
  const entry = lookup(found.name)!;
  const call = found.node ? callFactsFor(found.node, entry) : undefined;
  return { markdown: renderHover(entry, call, ruleLink), start: found.start, end: found.end, entry, call };
}

interface FoundName {
  name: string;
  start: number;
  end: number;
  node?: Node;
}

/** The name under the cursor, through the syntax tree. Exported for tests and other features. */
export function identifierAtOffset(tree: Tree, text: string, offset: number): FoundName | null {
  for (const at of [offset, offset - 1]) {
    if (at < 0 || at >= text.length) continue;
    const n = tree.rootNode.descendantForIndex(at, at);
    if (!n) continue;
    if (NAME_NODE_TYPES.has(n.type) && n.startIndex <= offset && offset <= n.endIndex) {
      return { name: text.slice(n.startIndex, n.endIndex), start: n.startIndex, end: n.endIndex, node: n };
    }
    if (n.type === 'comment' || n.type === 'string_content' || n.type === 'string_literal' || n.type === 'char_literal') return null;
    // `#define FOO dma_map_single(...)`: the body is one preproc_arg token
    if (n.type === 'preproc_arg') {
      const w = wordIn(text, n.startIndex, n.endIndex, offset);
      if (w) return w;
    }
  }
  return annotationWordAt(tree, text, offset);
}

function wordIn(text: string, from: number, to: number, offset: number): FoundName | null {
  let s = Math.min(offset, to);
  let e = Math.min(offset, to);
  while (s > from && WORD.test(text[s - 1])) s--;
  while (e < to && WORD.test(text[e])) e++;
  if (e <= s || /^[0-9]/.test(text[s])) return null;
  return { name: text.slice(s, e), start: s, end: e };
}

/** A word inside a kernel annotation the parser never saw (blanked to spaces before parsing). */
function annotationWordAt(tree: Tree, text: string, offset: number): FoundName | null {
  const n = tree.rootNode.descendantForIndex(Math.max(0, offset - 1), Math.max(0, offset - 1));
  if (n && (n.type === 'comment' || n.type.startsWith('string') || n.type === 'char_literal')) return null;
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = text.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd);
  const blanked = blankAnnotations(line);
  const rel = offset - lineStart;
  for (const r of [rel, rel - 1]) {
    if (r < 0 || r >= line.length) continue;
    if (WORD.test(line[r]) && blanked[r] === ' ') {
      const w = wordIn(line, 0, line.length, r);
      if (w) return { name: w.name, start: w.start + lineStart, end: w.end + lineStart };
    }
  }
  return null;
}

const FACT_ORDER = ['dir', 'size', 'nents', 'offset', 'attrs', 'gfp', 'buffer', 'sg', 'handle'] as const;

/** Facts of the call whose function name is `nameNode`, read from the tree. */
export function callFactsFor(nameNode: Node, entry: ApiEntry): CallFacts | undefined {
  const call = nameNode.parent;
  if (!call || call.type !== 'call_expression' || call.childForFieldName('function')?.id !== nameNode.id) return undefined;
  const args = callArgs(call);
  const facts: CallFacts = { line: call.startPosition.row + 1, args: {} };
  for (const k of FACT_ORDER) {
    const i = paramIndex(entry, k);
    if (i >= 0 && i < args.length) facts.args[k] = normText(args[i]);
  }
  facts.result = resultOf(call);
  const fn = enclosingFunction(call);
  if (fn && (entry.role === 'map' || entry.role === 'alloc' || entry.role === 'pool-alloc')) trackLater(fn, call, entry, facts);
  return facts;
}

/** `x = call(...)`, `T x = call(...)`, `return call(...)` → the receiving expression. */
function resultOf(call: Node): string | undefined {
  let cur: Node = call;
  while (cur.parent && cur.parent.type === 'parenthesized_expression') cur = cur.parent;
  while (cur.parent && cur.parent.type === 'cast_expression') cur = cur.parent;
  const p = cur.parent;
  if (!p) return undefined;
  if (p.type === 'assignment_expression' && p.childForFieldName('right')?.id === cur.id) return normText(p.childForFieldName('left')!);
  if (p.type === 'init_declarator' && p.childForFieldName('value')?.id === cur.id) {
    let d = p.childForFieldName('declarator');
    while (d && d.type !== 'identifier') d = d.childForFieldName('declarator') ?? null;
    return d ? d.text : undefined;
  }
  return undefined;
}

/** Looks after the call, in the same function, for the error check and the release of what it made. */
function trackLater(fn: Node, call: Node, entry: ApiEntry, facts: CallFacts): void {
  const sgLike = entry.family === 'sg' || entry.family === 'sgtable';
  const key = sgLike ? facts.args.sg : facts.result;
  if (!key) return;
  const releasers = new Set(entry.releasedBy);
  const checkedAt: number[] = [];
  const releasedAt: { name: string; line: number }[] = [];
  // the native query only materialises call nodes, which keeps hover cheap in 1,000-line functions
  for (const n of fn.descendantsOfType('call_expression', call.endPosition, fn.endPosition)) {
    if (!n || n.startIndex <= call.startIndex) continue;
    const name = callName(n);
    if (!name) continue;
    const e = lookup(name);
    if (!(e?.role === 'mapping-error' && !sgLike) && !releasers.has(name)) continue;
    const args = callArgs(n).map((a) => normText(stripParensAndCasts(a)));
    if (e?.role === 'mapping-error' && !sgLike && args.includes(key)) checkedAt.push(n.startPosition.row + 1);
    if (releasers.has(name) && args.includes(key)) releasedAt.push({ name, line: n.startPosition.row + 1 });
  }
  if (checkedAt.length) facts.checkedAt = checkedAt;
  if (releasedAt.length) facts.releasedAt = releasedAt;
}

// ---------------------------------------------------------------- markdown

/** Markdown with identifiers as code spans and every other special character escaped. */
export function mdText(s: string): string {
  const token = /([A-Za-z_][A-Za-z0-9_]*(?:->[A-Za-z_][A-Za-z0-9_]*)*\(\)|\b[A-Za-z0-9]*_[A-Za-z0-9_]*\b(?:\([^()]{0,40}\))?)/g;
  let out = '';
  let last = 0;
  for (const m of s.matchAll(token)) {
    const t = m[0];
    // only code-format things that look like C names (contain _ or end in ()), not plain words
    if (!t.includes('_') && !t.endsWith('()')) continue;
    out += escapeMd(s.slice(last, m.index!)) + '`' + t + '`';
    last = m.index! + t.length;
  }
  return out + escapeMd(s.slice(last));
}

function escapeMd(s: string): string {
  return s.replace(/([\\`*_[\]<>|#])/g, '\\$1');
}

const DIRECTION_NOTES: Record<string, string> = {
  DMA_TO_DEVICE: 'CPU → device: the device only reads',
  DMA_FROM_DEVICE: 'device → CPU: the CPU may read only after sync_for_cpu/unmap',
  DMA_BIDIRECTIONAL: 'both ways: costs copies/cache work in both directions',
  DMA_NONE: 'not a real direction: this call hits BUG_ON',
  PCI_DMA_TODEVICE: 'removed spelling of DMA_TO_DEVICE',
  PCI_DMA_FROMDEVICE: 'removed spelling of DMA_FROM_DEVICE',
  PCI_DMA_BIDIRECTIONAL: 'removed spelling of DMA_BIDIRECTIONAL',
};

function callSection(entry: ApiEntry, c: CallFacts): string[] {
  const lines: string[] = [];
  const a = c.args;
  if (a.dir !== undefined) {
    const note = DIRECTION_NOTES[a.dir];
    lines.push(`- direction: \`${a.dir}\`${note ? ` (${escapeMd(note)})` : ''}`);
  }
  if (a.size !== undefined) lines.push(`- size: \`${a.size}\`${/^(0x[0-9a-f]+|\d+)[uUlL]*$/i.test(a.size) ? ` (${Number(a.size.replace(/[uUlL]+$/, ''))} bytes)` : ''}`);
  if (a.offset !== undefined) lines.push(`- offset: \`${a.offset}\``);
  if (a.nents !== undefined) {
    const note = entry.role === 'unmap' || entry.role?.startsWith('sync') ? ' (must be the nents passed to the map, not the count it returned)' : '';
    lines.push(`- nents: \`${a.nents}\`${escapeMd(note)}`);
  }
  if (a.attrs !== undefined && a.attrs !== '0') lines.push(`- attrs: \`${a.attrs}\``);
  if (a.gfp !== undefined) lines.push(`- gfp: \`${a.gfp}\``);
  if (a.buffer !== undefined && (entry.role === 'map')) lines.push(`- buffer: \`${a.buffer}\``);
  if (a.sg !== undefined) lines.push(`- ${entry.family === 'sgtable' ? 'table' : 'list'}: \`${a.sg}\``);
  if (a.handle !== undefined && entry.role !== 'map') lines.push(`- handle: \`${a.handle}\``);
  if (c.result) lines.push(`- result stored in \`${c.result}\``);
  if (entry.role === 'map' && entry.family !== 'sg' && entry.family !== 'sgtable') {
    lines.push(c.checkedAt ? `- checked with \`dma_mapping_error()\` at line ${c.checkedAt.join(', ')}` : c.result ? '- no `dma_mapping_error()` check of it later in this function' : '');
  }
  if (c.releasedAt) lines.push(`- released at ${c.releasedAt.map((r) => `line ${r.line} (\`${r.name}\`)`).join(', ')}`);
  return lines.filter(Boolean);
}

/**
 * Where a rule id links to: in VS Code a command opening the bundled page (the default); a language
 * server gives other editors the page's file: URI instead.
 */
export type RuleLink = (ruleId: string) => string;

/** The hover markdown for an entry, with the call's facts when given. */
export function renderHover(e: ApiEntry, call?: CallFacts, ruleLink: RuleLink = ruleCommandUri): string {
  const out: string[] = [];
  out.push('```c\n' + e.signature + '\n```');
  const meta = [`**${escapeMd(e.name)}**`, e.kind + (e.gplOnly ? ', GPL-only export' : ''), e.header ? `\`${e.header}\`` : ''].filter(Boolean).join(' · ');
  out.push(meta);
  if (e.availability) out.push(`⚠️ ${mdText(e.availability)}`);
  if (e.replacement) out.push(`**Use instead:** ${mdText(e.replacement)}`);
  out.push(mdText(e.summary));
  if (call) {
    const facts = callSection(e, call);
    if (facts.length) out.push(`**This call** (line ${call.line}):\n\n${facts.join('\n')}`);
  }
  const conv: string[] = [];
  conv.push(`**Returns:** ${mdText(e.returns)}`);
  if (e.releasedBy.length) conv.push(`**Released by:** ${e.releasedBy.map((r) => '`' + r + '`').join(', ')}`);
  conv.push(`**Context:** ${mdText(e.context)}`);
  if (e.memory) conv.push(`**Memory:** ${mdText(e.memory)}`);
  if (e.value) conv.push(`**Value:** \`${e.value}\``);
  out.push(conv.join('  \n'));
  const rows = PLATFORM_IDS.map((p) => `| \`${p}\` | ${mdText(e.platforms[p]).replace(/\n/g, ' ')} |`);
  out.push(['| Platform | Effect |', '|---|---|', ...rows].join('\n'));
  if (e.rules.length) out.push(`**Rules:** ${e.rules.map((r) => `[${r}](${ruleLink(r)})`).join(' · ')}`);
  if (e.docs.length) out.push(`**Docs:** ${e.docs.map((d) => `[${escapeMd(d.title)}](${d.ref})`).join(' · ')}`);
  return out.join('\n\n');
}
