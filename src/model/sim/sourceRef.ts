/**
 * Source locations of trace steps (`# src=<line>` / `# src=<file>:<line>`) as the CLI and the panel
 * show them. The simulator's texts name trace lines ("line 7"); next to the C source a reader
 * wants the source line, so the front ends rewrite those mentions with the helpers here. Pure.
 */
import type { SourceRef } from './types';

/** `58` or `dsnic_rx.c:58`. */
export function sourceLabel(ref: SourceRef): string {
  return ref.file ? `${ref.file}:${ref.line}` : String(ref.line);
}

/** The part of a step these helpers read (SimStep and the CLI's JSON rows both fit). */
export interface LocatedStep {
  index: number;
  /** 1-based trace line */
  line: number;
  source?: SourceRef;
}

/** The source location of the step at a trace line (the first step on that line), if it has one. */
export function sourceOfTraceLine(steps: readonly LocatedStep[], traceLine: number): SourceRef | undefined {
  for (const s of steps) if (s.line === traceLine) return s.source;
  return undefined;
}

/**
 * Rewrites every `line <n>` in `text` whose n is a step's trace line with `replace(step, match)`;
 * mentions of lines that are no step are left as they are.
 */
export function rewriteTraceLines<S extends LocatedStep>(text: string, steps: readonly S[], replace: (step: S, match: string) => string): string {
  const byTraceLine = new Map<number, S>();
  for (const st of steps) if (!byTraceLine.has(st.line)) byTraceLine.set(st.line, st);
  return text.replace(/\bline (\d+)\b/g, (m, n: string) => {
    const st = byTraceLine.get(Number(n));
    return st ? replace(st, m) : m;
  });
}

/** `line 9` → `line 9 [src 58]` for steps that carry a source location; others unchanged. */
export function withSourceLines(text: string, steps: readonly LocatedStep[]): string {
  return rewriteTraceLines(text, steps, (st, m) => (st.source ? `${m} [src ${sourceLabel(st.source)}]` : m));
}
