/**
 * Output: the extraction's steps as the model's `Trace` (src/model/sim/types.ts), printed by the
 * model's printer (src/model/sim/trace.ts) with the header comments that say what was assumed.
 */
import type { Node } from 'web-tree-sitter';
import { printTrace } from '../../model/sim/trace';
import type { BufferKind, SourceRef, Step, Trace } from '../../model/sim/types';
import type { Ctx } from './context';
import type { PathNotes } from './path';
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

/** The trace text and its comment lines. */
export function printLifecycle(o: OutputInput): Output {
  const { req, ctx, fname, fn, bufExpr, kind, size, pathNotes, notes } = o;
  const fnLine = lineOf(fn);
  const header: string[] = [];
  header.push(`Lifecycle of \`${truncate(bufExpr, 60)}\` in ${fname}()${req.file ? ` (${req.file}:${fnLine})` : ` (line ${fnLine})`}, extracted by dma-scope`);
  header.push(`buffer: ${ctx.sizeNote}`);
  const pathBits: string[] = [];
  pathBits.push(pathNotes.successReturn ? `the main path, to the return at line ${pathNotes.successReturn}` : 'the main path, to the end of the function');
  if (pathNotes.skipped.length) pathBits.push(`branches not followed at line${pathNotes.skipped.length > 1 ? 's' : ''} ${[...new Set(pathNotes.skipped)].join(', ')}`);
  if (pathNotes.loops.length) pathBits.push(`loop bodies taken once (line${pathNotes.loops.length > 1 ? 's' : ''} ${pathNotes.loops.join(', ')})`);
  header.push(`path: ${pathBits.join('; ')}`);
  for (const g of pathNotes.gotos) header.push(`path: followed ${g}`);
  for (const b of pathNotes.branches) header.push(`path: ${b}`);
  if (pathNotes.truncated) header.push('path: the walk stopped early (too many statements or gotos)');
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
