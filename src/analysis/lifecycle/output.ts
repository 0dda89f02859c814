/**
 * Output: the extraction's steps as the model's `Trace` (src/model/sim/types.ts), printed by the
 * model's printer (src/model/sim/trace.ts) with the header comments that say what was assumed.
 */
import type { Node } from 'web-tree-sitter';
import { printTrace } from '../../model/sim/trace';
import type { BufferKind, SourceRef, Step, Trace } from '../../model/sim/types';
import type { Ctx } from './context';
import type { PathNotes } from './path';
import { functionOf, stitchedLine } from '../../model/sim/stitched';
import type { StitchOutcome } from './stitch';
import { lineOf, truncate } from './scope';

/** Column where step comments start (steps are padded to it, as the examples are written). */
const COMMENT_COLUMN = 44;

export interface LifecycleRequestFile {
  file?: string;
  srcFile?: string;
}

export interface Output {
  trace: string;
  /** the printed header and comment-only lines */
  notes: string[];
}

export interface OutputInput {
  req: LifecycleRequestFile;
  ctx: Ctx;
  fname: string;
  fn: Node;
  bufExpr: string;
  kind: BufferKind;
  size: number;
  pathNotes: PathNotes;
  notes: string[];
  liveAtEnd: boolean;
}

/** The `path:` header lines: which path through the function was followed (`prefix` names the function). */
export function pathLines(pathNotes: PathNotes, prefix = ''): string[] {
  const out: string[] = [];
  const pathBits: string[] = [];
  pathBits.push(pathNotes.successReturn ? `the main path, to the return at line ${pathNotes.successReturn}` : 'the main path, to the end of the function');
  if (pathNotes.skipped.length) pathBits.push(`branches not followed at line${pathNotes.skipped.length > 1 ? 's' : ''} ${[...new Set(pathNotes.skipped)].join(', ')}`);
  if (pathNotes.loops.length) pathBits.push(`loop bodies taken once (line${pathNotes.loops.length > 1 ? 's' : ''} ${pathNotes.loops.join(', ')})`);
  out.push(`path: ${prefix}${pathBits.join('; ')}`);
  for (const g of pathNotes.gotos) out.push(`path: ${prefix}followed ${g}`);
  for (const b of pathNotes.branches) out.push(`path: ${prefix}${b}`);
  if (pathNotes.truncated) out.push(`path: ${prefix}the walk stopped early (too many statements or gotos)`);
  return out;
}

/** The trace text and its comment lines. */
export function printLifecycle(o: OutputInput): Output {
  const { req, ctx, fname, fn, bufExpr, kind, size, pathNotes, notes } = o;
  const fnLine = lineOf(fn);
  const header: string[] = [];
  header.push(`Lifecycle of \`${truncate(bufExpr, 60)}\` in ${fname}()${req.file ? ` (${req.file}:${fnLine})` : ` (line ${fnLine})`}, extracted by dma-scope`);
  header.push(`buffer: ${ctx.sizeNote}`);
  header.push(...pathLines(pathNotes));
  if (o.liveAtEnd && ctx.escape) notes.push('the mapping is still live when the function returns (the device keeps the buffer)');
  for (const n of notes) header.push(`note: ${n}`);

  // a file name with spaces or '#' cannot be written into a src= token: keep the bare line then
  const file = req.srcFile && /^[^\s#]+$/.test(req.srcFile) ? req.srcFile : undefined;
  const src = (line: number): SourceRef => (file ? { file, line } : { line });
  const trace: Trace = { steps: [] };
  const remarks: { before: number; text: string }[] = [];
  if (kind !== 'coherent' && kind !== 'noncoherent') {
    trace.steps.push({ op: 'buffer', line: 0, name: ctx.name, kind, size, source: src(ctx.allocLine ?? fnLine) });
  }
  for (const s of ctx.steps) {
    if (s.step) trace.steps.push({ ...s.step, line: 0, source: src(s.line), ...(s.note ? { comment: s.note } : {}) } as Step);
    else remarks.push({ before: trace.steps.length, text: `src=${file ? `${file}:` : ''}${s.line}${s.note ? ` ${s.note}` : ''}` });
  }
  const text = printTrace(trace, { header, commentColumn: COMMENT_COLUMN, remarks });
  return { trace: text, notes: text.split('\n').filter((l) => l.startsWith('#')) };
}

/** A trace stitched from several functions (./stitch.ts): the functions in the header, each step with its file. */
export function printStitched(req: LifecycleRequestFile, o: StitchOutcome): Output {
  const { core } = o;
  const ctx = core.ctx;
  const cursor = o.functions.find((f) => f.cursor);
  const header: string[] = [];
  header.push(`Lifecycle of \`${truncate(core.bufExpr, 60)}\` across ${o.functions.length} functions of the driver, stitched by dma-scope${cursor ? ` from ${cursor.name}() (${cursor.file}:${cursor.line})` : ''}`);
  for (const f of o.functions) header.push(stitchedLine(f));
  header.push(`stitch: functions that map, sync, unmap or free ${o.handleKeys.join(', ')}${o.bufferKeys.length ? ` or reach the buffer through ${o.bufferKeys.join(', ')}` : ''}; in the order map, device owns, sync_for_cpu and CPU access, sync_for_device and re-post, unmap or free`);
  header.push(`buffer: ${ctx.sizeNote ?? `${core.kind}`}${o.allocLine ? ` (in ${o.allocLine.file})` : ''}`);
  for (const f of o.functions) header.push(...pathLines(f.pathNotes, `${f.name}(): `));
  for (const n of [...core.notes, ...o.notes]) header.push(`note: ${n}`);

  const ok = (f: string | undefined) => !!f && /^[^\s#]+$/.test(f);
  const src = (file: string | undefined, line: number): SourceRef => (ok(file) ? { file: file!, line } : { line });
  const trace: Trace = { steps: [] };
  const remarks: { before: number; text: string }[] = [];
  const first = o.functions[0];
  if (core.kind !== 'coherent' && core.kind !== 'noncoherent') {
    trace.steps.push({ op: 'buffer', line: 0, name: ctx.name, kind: core.kind, size: core.size, source: o.allocLine ? src(o.allocLine.file, o.allocLine.line) : src(first.file, first.line) });
  }
  let shown: unknown;
  for (const s of o.steps) {
    const f = functionOf(o.functions, { file: s.file, line: s.line });
    if (f && f !== shown) {
      remarks.push({ before: trace.steps.length, text: `${f.index}/${f.count} ${f.name}() — ${f.file}:${f.line}` });
      shown = f;
    }
    if (s.step) trace.steps.push({ ...s.step, line: 0, source: src(s.file, s.line), ...(s.note ? { comment: s.note } : {}) } as Step);
    else remarks.push({ before: trace.steps.length, text: `src=${ok(s.file) ? `${s.file}:` : ''}${s.line}${s.note ? ` ${s.note}` : ''}` });
  }
  const text = printTrace(trace, { header, commentColumn: COMMENT_COLUMN, remarks });
  return { trace: text, notes: text.split('\n').filter((l) => l.startsWith('#')) };
}
