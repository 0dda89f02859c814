/**
 * `.dmatrace` parser and printer (design.md §4). Every malformed line yields an error with its
 * 1-based line number; the parser never throws. printTrace(parseTrace(t).trace) parses back to
 * the same steps (full-line comments and blank lines are not kept).
 */
import { isPlatformId } from '../platformIds';
import {
  BUFFER_KINDS,
  BufferKind,
  DIRECTIONS,
  Direction,
  MAP_OPS,
  ParseError,
  SYNC_OPS,
  SourceRef,
  Step,
  Trace,
  UNMAP_OPS,
} from './types';

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUM = /^-?(0[xX][0-9a-fA-F]+|[0-9]+)$/;
const MAX_NUM = 1 << 30;

export const STEP_NAMES = [
  'platform',
  'buffer',
  'neighbour',
  'cpu_write',
  'cpu_read',
  'device_write',
  'device_read',
  ...MAP_OPS,
  'dma_mapping_error',
  ...SYNC_OPS,
  ...UNMAP_OPS,
  'dma_alloc_coherent',
  'dma_free_coherent',
  'dma_alloc_noncoherent',
  'dma_free_noncoherent',
  'cpu_prefetch',
  'cpu_evict',
  'device_done',
  'driver_unbind',
  'handoff',
] as const;

class LineError extends Error {}

function parseNum(tok: string | undefined, what: string, allowNegative = false): number {
  if (tok === undefined) throw new LineError(`missing ${what}`);
  if (!NUM.test(tok)) throw new LineError(`bad number '${tok}' for ${what}`);
  const neg = tok.startsWith('-');
  const body = neg ? tok.slice(1) : tok;
  const n = body.toLowerCase().startsWith('0x') ? parseInt(body.slice(2), 16) : parseInt(body, 10);
  if (!Number.isFinite(n) || n > MAX_NUM) throw new LineError(`number '${tok}' for ${what} is too large`);
  if (neg && !allowNegative) throw new LineError(`bad number '${tok}' for ${what} (must not be negative)`);
  return neg ? -n : n;
}

function parseDir(tok: string | undefined): Direction {
  if (tok === undefined) throw new LineError('missing direction (DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL)');
  if (!(DIRECTIONS as readonly string[]).includes(tok)) {
    throw new LineError(`bad direction '${tok}' (expected DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL or DMA_NONE)`);
  }
  return tok as Direction;
}

function splitComment(raw: string): { code: string; comment?: string; source?: SourceRef; srcError?: string } {
  const hash = raw.indexOf('#');
  if (hash < 0) return { code: raw };
  const code = raw.slice(0, hash);
  let comment = raw.slice(hash + 1).trim();
  let source: SourceRef | undefined;
  let srcError: string | undefined;
  const m = /(^|\s)src=(\S+)/.exec(comment);
  if (m) {
    const val = m[2];
    const sm = /^(?:(.+):)?([0-9]+)$/.exec(val);
    if (sm) {
      const line = parseInt(sm[2], 10);
      if (line >= 1 && line <= MAX_NUM) source = sm[1] ? { file: sm[1], line } : { line };
      else srcError = `bad source line in 'src=${val}'`;
    } else {
      srcError = `bad source reference 'src=${val}' (expected src=<line> or src=<file>:<line>)`;
    }
    comment = (comment.slice(0, m.index) + comment.slice(m.index + m[0].length)).trim();
  }
  return { code, comment: comment || undefined, source, srcError };
}

interface Named {
  kind: 'buffer' | 'neighbour' | 'alloc';
  line: number;
}

/** Parses .dmatrace text. Never throws. */
export function parseTrace(text: string): { trace: Trace; errors: ParseError[] } {
  const trace: Trace = { steps: [] };
  const errors: ParseError[] = [];
  const names = new Map<string, Named>();
  const lines = String(text ?? '').split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    try {
      const { code, comment, source, srcError } = splitComment(lines[i]);
      const toks = code.trim().split(/\s+/).filter((t) => t.length > 0);
      if (toks.length === 0) {
        if (srcError) throw new LineError(srcError);
        continue;
      }
      if (srcError) throw new LineError(srcError);
      const step = parseStep(toks, lineNo, names, trace);
      if (!step) continue; // platform directive
      if (source) step.source = source;
      if (comment) step.comment = comment;
      trace.steps.push(step);
    } catch (e) {
      if (e instanceof LineError) errors.push({ line: lineNo, message: e.message });
      else errors.push({ line: lineNo, message: `cannot parse line: ${(e as Error)?.message ?? String(e)}` });
    }
  }
  return { trace, errors };
}

/** Splits `key=value` options off the token list. */
function options(toks: string[], allowed: readonly string[]): { pos: string[]; opts: Map<string, string> } {
  const pos: string[] = [];
  const opts = new Map<string, string>();
  for (const t of toks) {
    const eq = t.indexOf('=');
    if (eq > 0) {
      const k = t.slice(0, eq);
      if (!allowed.includes(k)) throw new LineError(`unknown option '${k}='${allowed.length ? ` (allowed: ${allowed.map((a) => a + '=').join(', ')})` : ''}`);
      if (opts.has(k)) throw new LineError(`option '${k}=' given twice`);
      opts.set(k, t.slice(eq + 1));
    } else {
      if (opts.size > 0) throw new LineError(`unexpected '${t}' after options`);
      pos.push(t);
    }
  }
  return { pos, opts };
}

function ident(tok: string | undefined, what: string): string {
  if (tok === undefined) throw new LineError(`missing ${what}`);
  if (!IDENT.test(tok)) throw new LineError(`bad ${what} '${tok}' (expected a C identifier)`);
  return tok;
}

function maxArgs(pos: string[], n: number, op: string): void {
  if (pos.length > n) throw new LineError(`too many arguments for ${op}: '${pos.slice(n).join(' ')}'`);
}

function parseStep(toks: string[], line: number, names: Map<string, Named>, trace: Trace): Step | null {
  const op = toks[0];
  const rest = toks.slice(1);
  const declare = (name: string, kind: Named['kind']): void => {
    const prev = names.get(name);
    if (prev) throw new LineError(`'${name}' is already declared at line ${prev.line}`);
    names.set(name, { kind, line });
  };
  const ref = (tok: string | undefined, allowNeighbour: boolean): string => {
    const name = ident(tok, 'buffer name');
    const n = names.get(name);
    if (!n) throw new LineError(`unknown buffer '${name}' (declare it with 'buffer', 'dma_alloc_coherent' or 'dma_alloc_noncoherent' first)`);
    if (n.kind === 'neighbour' && !allowNeighbour) throw new LineError(`'${name}' is a neighbour, not a buffer: ${op} needs a buffer`);
    return name;
  };
  const range = (pos: string[], from: number): { offset?: number; len?: number } => {
    if (pos.length === from) return {};
    if (pos.length === from + 1) throw new LineError('give both <offset> and <len>, or neither');
    return { offset: parseNum(pos[from], 'offset'), len: parseNum(pos[from + 1], 'length') };
  };
  const attrs = (v: string | undefined): string[] => {
    if (v === undefined) return [];
    const list = v.split('|');
    for (const a of list) if (!/^DMA_ATTR_[A-Z0-9_]+$/.test(a)) throw new LineError(`bad attribute '${a}' (expected DMA_ATTR_…)`);
    return list;
  };
  const byte = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = parseNum(v, 'value=');
    if (n > 255) throw new LineError(`value=${v} is not a byte (0..255)`);
    return n;
  };

  switch (op) {
    case 'platform': {
      const { pos } = options(rest, []);
      if (pos.length !== 1) throw new LineError('expected: platform <platform-id>');
      if (!isPlatformId(pos[0])) throw new LineError(`unknown platform '${pos[0]}'`);
      if (trace.platform !== undefined) throw new LineError(`platform already set at line ${trace.platformLine}`);
      trace.platform = pos[0];
      trace.platformLine = line;
      return null;
    }
    case 'buffer': {
      const { pos, opts } = options(rest, ['align', 'offset']);
      const name = ident(pos[0], 'buffer name');
      const kind = pos[1];
      if (kind === undefined) throw new LineError('missing buffer kind');
      if (!(BUFFER_KINDS as readonly string[]).includes(kind)) throw new LineError(`unknown buffer kind '${kind}' (expected ${BUFFER_KINDS.join(' | ')})`);
      const size = parseNum(pos[2], 'size');
      if (size <= 0) throw new LineError('size must be at least 1');
      maxArgs(pos, 3, op);
      const step: Step = { op, line, name, kind: kind as BufferKind, size };
      if (opts.has('align')) {
        const a = parseNum(opts.get('align'), 'align=');
        if (a <= 0 || (a & (a - 1)) !== 0) throw new LineError(`align=${opts.get('align')} is not a power of two`);
        step.align = a;
      }
      if (opts.has('offset')) step.offset = parseNum(opts.get('offset'), 'offset=');
      declare(name, 'buffer');
      return step;
    }
    case 'neighbour':
    case 'neighbor': {
      const { pos } = options(rest, []);
      const name = ident(pos[0], 'neighbour name');
      const buffer = ref(pos[1], false);
      const offset = parseNum(pos[2], 'offset', true);
      const size = parseNum(pos[3], 'size');
      if (size <= 0) throw new LineError('size must be at least 1');
      maxArgs(pos, 4, 'neighbour');
      declare(name, 'neighbour');
      return { op: 'neighbour', line, name, buffer, offset, size };
    }
    case 'cpu_write':
    case 'device_write': {
      const { pos, opts } = options(rest, ['value']);
      const name = ref(pos[0], op === 'cpu_write');
      maxArgs(pos, 3, op);
      const step: Step = { op, line, name, ...range(pos, 1) };
      const v = byte(opts.get('value'));
      if (v !== undefined) step.value = v;
      return step;
    }
    case 'cpu_read':
    case 'device_read': {
      const { pos } = options(rest, []);
      const name = ref(pos[0], op === 'cpu_read');
      maxArgs(pos, 3, op);
      return { op, line, name, ...range(pos, 1) };
    }
    case 'dma_map_single':
    case 'dma_map_page':
    case 'dma_map_sg':
    case 'dma_unmap_single':
    case 'dma_unmap_page':
    case 'dma_unmap_sg': {
      const { pos, opts } = options(rest, ['size', 'attrs']);
      const name = ref(pos[0], false);
      const dir = parseDir(pos[1]);
      maxArgs(pos, 2, op);
      const at = attrs(opts.get('attrs'));
      let size: number | undefined;
      if (opts.has('size')) {
        size = parseNum(opts.get('size'), 'size=');
        if (size <= 0) throw new LineError('size= must be at least 1');
      }
      return size === undefined ? { op, line, name, dir, attrs: at } : { op, line, name, dir, size, attrs: at };
    }
    case 'dma_mapping_error': {
      const { pos } = options(rest, []);
      const name = ref(pos[0], false);
      maxArgs(pos, 1, op);
      return { op, line, name };
    }
    case 'dma_sync_single_for_cpu':
    case 'dma_sync_single_for_device': {
      const { pos } = options(rest, []);
      const name = ref(pos[0], false);
      const dir = parseDir(pos[1]);
      maxArgs(pos, 4, op);
      return { op, line, name, dir, ...range(pos, 2) };
    }
    case 'dma_alloc_coherent': {
      const { pos } = options(rest, []);
      const name = ident(pos[0], 'buffer name');
      const size = parseNum(pos[1], 'size');
      if (size <= 0) throw new LineError('size must be at least 1');
      maxArgs(pos, 2, op);
      declare(name, 'alloc');
      return { op, line, name, size };
    }
    case 'dma_free_coherent': {
      const { pos, opts } = options(rest, ['size']);
      const name = ref(pos[0], false);
      maxArgs(pos, 1, op);
      const step: Step = { op, line, name };
      if (opts.has('size')) step.size = parseNum(opts.get('size'), 'size=');
      return step;
    }
    case 'dma_alloc_noncoherent': {
      const { pos } = options(rest, []);
      const name = ident(pos[0], 'buffer name');
      const size = parseNum(pos[1], 'size');
      if (size <= 0) throw new LineError('size must be at least 1');
      const dir = parseDir(pos[2]);
      maxArgs(pos, 3, op);
      declare(name, 'alloc');
      return { op, line, name, size, dir };
    }
    case 'dma_free_noncoherent':
    case 'cpu_prefetch':
    case 'cpu_evict': {
      const { pos } = options(rest, []);
      const name = ref(pos[0], op !== 'dma_free_noncoherent');
      maxArgs(pos, 1, op);
      return { op, line, name };
    }
    case 'device_done':
    case 'driver_unbind': {
      const { pos } = options(rest, []);
      maxArgs(pos, 0, op);
      return { op, line };
    }
    case 'handoff': {
      const { pos } = options(rest, []);
      const name = ref(pos[0], false);
      maxArgs(pos, 1, op);
      return { op, line, name };
    }
    default:
      throw new LineError(`unknown step '${op}'${suggest(op)}`);
  }
}

function suggest(op: string): string {
  const near = STEP_NAMES.filter((s) => s.includes(op) || op.includes(s) || editDistance(s, op) <= 2);
  return near.length ? ` (did you mean ${near.slice(0, 3).join(', ')}?)` : '';
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const d: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

function num(n: number): string {
  return String(n);
}

/** The step as it would be written in a trace (no comment). */
export function stepText(s: Step): string {
  const r = (o?: number, l?: number) => (o !== undefined && l !== undefined ? ` ${num(o)} ${num(l)}` : '');
  switch (s.op) {
    case 'buffer':
      return `buffer ${s.name} ${s.kind} ${num(s.size)}${s.align !== undefined ? ` align=${s.align}` : ''}${s.offset !== undefined ? ` offset=${s.offset}` : ''}`;
    case 'neighbour':
      return `neighbour ${s.name} ${s.buffer} ${s.offset} ${s.size}`;
    case 'cpu_write':
    case 'device_write':
      return `${s.op} ${s.name}${r(s.offset, s.len)}${s.value !== undefined ? ` value=0x${s.value.toString(16).padStart(2, '0')}` : ''}`;
    case 'cpu_read':
    case 'device_read':
      return `${s.op} ${s.name}${r(s.offset, s.len)}`;
    case 'dma_map_single':
    case 'dma_map_page':
    case 'dma_map_sg':
    case 'dma_unmap_single':
    case 'dma_unmap_page':
    case 'dma_unmap_sg':
      return `${s.op} ${s.name} ${s.dir}${s.size !== undefined ? ` size=${s.size}` : ''}${s.attrs.length ? ` attrs=${s.attrs.join('|')}` : ''}`;
    case 'dma_mapping_error':
    case 'dma_free_noncoherent':
    case 'cpu_prefetch':
    case 'cpu_evict':
    case 'handoff':
      return `${s.op} ${s.name}`;
    case 'dma_sync_single_for_cpu':
    case 'dma_sync_single_for_device':
      return `${s.op} ${s.name} ${s.dir}${r(s.offset, s.len)}`;
    case 'dma_alloc_coherent':
      return `${s.op} ${s.name} ${s.size}`;
    case 'dma_free_coherent':
      return `${s.op} ${s.name}${s.size !== undefined ? ` size=${s.size}` : ''}`;
    case 'dma_alloc_noncoherent':
      return `${s.op} ${s.name} ${s.size} ${s.dir}`;
    case 'device_done':
    case 'driver_unbind':
      return s.op;
  }
}

export interface PrintOptions {
  /** comment lines printed first (without the leading `#`) */
  header?: readonly string[];
  /** start step comments at this column (steps padded with blanks); default: two blanks after the step */
  commentColumn?: number;
  /** full-line comments (without the leading `#`) printed before step `before` (steps.length: at the end) */
  remarks?: readonly { before: number; text: string }[];
}

/** Prints a trace; `# src=` and trailing comments are written back. */
export function printTrace(trace: Trace, opts: PrintOptions = {}): string {
  const out: string[] = [];
  const comment = (t: string) => `# ${t.replace(/[\r\n]+/g, ' ')}`.trimEnd();
  for (const h of opts.header ?? []) out.push(comment(h));
  if (trace.platform) out.push(`platform ${trace.platform}`);
  const remarksBefore = (i: number) => {
    for (const r of opts.remarks ?? []) if (r.before === i) out.push(comment(r.text));
  };
  trace.steps.forEach((s, i) => {
    remarksBefore(i);
    let t = stepText(s);
    const bits: string[] = [];
    if (s.source) bits.push(`src=${s.source.file ? `${s.source.file}:` : ''}${s.source.line}`);
    if (s.comment) bits.push(s.comment.replace(/[\r\n]+/g, ' '));
    if (bits.length) t = opts.commentColumn !== undefined ? `${t.padEnd(opts.commentColumn)} # ${bits.join(' ')}` : `${t}  # ${bits.join(' ')}`;
    out.push(t);
  });
  remarksBefore(trace.steps.length);
  return out.join('\n') + '\n';
}
