/**
 * The functions a stitched trace was extracted from, as its header lists them (docs/trace-format.md,
 * "Stitched traces"): one `# stitched <i>/<n>: <name>() <file>:<first>-<last> [<role>] — <why>`
 * comment per function, in replay order. Written by the lifecycle extraction
 * (src/analysis/lifecycle/stitch.ts), read by the panel to list them. Pure.
 */

/** Where a function stands in a buffer's life. */
export type StitchRole = 'map' | 'cpu' | 'repost' | 'release';

export const STITCH_ROLES: readonly StitchRole[] = ['map', 'cpu', 'repost', 'release'];

/** What each role means, for the header and the panel. */
export const STITCH_ROLE_LABEL: Record<StitchRole, string> = {
  map: 'map, hand-off to the device',
  cpu: 'sync_for_cpu, CPU access',
  repost: 'sync_for_device, re-post',
  release: 'unmap / free',
};

export interface StitchedFunction {
  /** 1-based position in the replay */
  index: number;
  count: number;
  name: string;
  file: string;
  /** 1-based first and last line of the function */
  line: number;
  endLine: number;
  role: StitchRole;
  /** why this function was picked */
  why: string;
}

const LINE_RE = /^#\s*stitched (\d+)\/(\d+): ([A-Za-z_]\w*)\(\) (\S+):(\d+)-(\d+) \[(map|cpu|repost|release)\] — (.*)$/;

/** The header line for one function (without the leading `# `). */
export function stitchedLine(f: StitchedFunction): string {
  return `stitched ${f.index}/${f.count}: ${f.name}() ${f.file}:${f.line}-${f.endLine} [${f.role}] — ${f.why.replace(/[\r\n]+/g, ' ')}`;
}

/** The stitched functions a trace's leading comments list (none for a single-function trace). */
export function parseStitched(trace: string, limit = 64): StitchedFunction[] {
  const out: StitchedFunction[] = [];
  for (const raw of trace.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith('#')) {
      if (line) break; // the header ends at the first step
      continue;
    }
    const m = LINE_RE.exec(line);
    if (!m) continue;
    const f: StitchedFunction = {
      index: Number(m[1]), count: Number(m[2]), name: m[3], file: m[4], line: Number(m[5]), endLine: Number(m[6]), role: m[7] as StitchRole, why: m[8],
    };
    if (f.index < 1 || f.line < 1 || f.endLine < f.line || f.line > 10_000_000) continue;
    out.push(f);
    if (out.length >= limit) break;
  }
  return out;
}

/** The stitched function a step's source location falls in, if any. */
export function functionOf(fns: readonly StitchedFunction[], source: { file?: string; line: number } | undefined): StitchedFunction | undefined {
  if (!source) return undefined;
  return fns.find((f) => (source.file === undefined || source.file === f.file) && source.line >= f.line && source.line <= f.endLine);
}
