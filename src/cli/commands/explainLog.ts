/**
 * `dma-scope explain-log <file|-> [--json] [--workspace <dir>]`: finds the
 * CONFIG_DMA_API_DEBUG reports in a kernel log, explains each one and maps
 * its frames to the C sources under the workspace directory.
 * Exit: 0 no report, 1 reports found, 2 usage or input error.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CommandInfo, CliIO, OptionSpec, flagSpec, parseArgs, UsageError } from '../args';
import type { CParser } from '../../analysis/parser';
import { AnalysisSession } from '../../analysis/session';
import { CHECKS, KernelLogReport, parseKernelLog, LocateOptions, SourceLocation, SourceText, checkerFindings, locateReports, wantedFunctions, explainReport } from '../../analysis/dmaDebugLog';
import { nodeRuntime } from '../../node/wasm';
import { wrap } from '../text';

const USAGE = 'explain-log <file|-> [--json] [--workspace <dir>]';

const SKIP_DIRS = new Set(['node_modules', '.git', 'out', 'dist', '.cache', '.vscode-test', '.hg', '.svn']);
const MAX_FILE = 2 * 1024 * 1024;
const MAX_FILES = 200_000;

/**
 * The C files (and Makefiles/Kbuild) under `root` that can matter for the
 * wanted function names: a C file is kept only if its text mentions one.
 */
export function collectSources(root: string, wanted: ReadonlySet<string>, shownFrom: string): SourceText[] {
  const out: SourceText[] = [];
  if (wanted.size === 0) return out;
  const names = [...wanted];
  const stack = [root];
  let seen = 0;
  while (stack.length > 0 && seen < MAX_FILES) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) stack.push(p);
        continue;
      }
      if (!e.isFile()) continue;
      const isC = /\.[ch]$/i.test(e.name);
      const isMake = e.name === 'Makefile' || e.name === 'Kbuild';
      if (!isC && !isMake) continue;
      seen++;
      let text: string;
      try {
        if (fs.statSync(p).size > MAX_FILE) continue;
        text = fs.readFileSync(p, 'utf8');
      } catch {
        continue;
      }
      if (isC && !names.some((n) => text.includes(n))) continue;
      const rel = path.relative(shownFrom, p);
      out.push({ path: rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : p, text });
    }
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

export interface ExplainedReport {
  report: KernelLogReport;
  explanation: string;
  locations: SourceLocation[];
}

/** Parses, explains and locates: the part of the command the tests drive directly. */
export async function explainLogText(text: string, sources: readonly SourceText[], parser: CParser | undefined, options: LocateOptions = {}): Promise<ExplainedReport[]> {
  const reports = parseKernelLog(text);
  const locs = parser && sources.length > 0 ? locateReports(parser, sources, reports, options) : reports.map(() => []);
  return reports.map((report, i) => ({ report, explanation: explainReport(report), locations: locs[i] }));
}

export function toJson(results: readonly ExplainedReport[]): object {
  return {
    version: 1,
    reports: results.map(({ report: r, explanation, locations }) => ({
      check: r.check,
      rule: r.rule,
      dmaDebug: CHECKS[r.check].model,
      driver: r.driver,
      device: r.device,
      message: r.message,
      fields: r.fields,
      frames: r.frames.map((f) => ({ function: f.function, offset: f.offset, length: f.length, module: f.module ?? null, unreliable: f.unreliable })),
      mappedAt: r.mappedAt.map((f) => ({ function: f.function, offset: f.offset, length: f.length, module: f.module ?? null })),
      locations: locations.map((l) => ({
        file: l.file,
        line: l.line,
        column: l.column,
        function: l.function,
        role: l.role,
        how: l.how,
        call: l.call ?? null,
        findings: (l.findings ?? []).map((f) => ({ rule: f.rule, line: f.line, column: f.column ?? null, message: f.message ?? '' })),
      })),
      explanation,
      truncated: r.truncated,
      logLine: r.startLine,
    })),
  };
}


const ROLE_TEXT: Record<SourceLocation['role'], string> = {
  trigger: 'the call that tripped the check',
  caller: 'called from here',
  'mapped-at': 'mapped here',
};

/** Why this call of the function was picked (shown when it is not obvious). */
const HOW_TEXT: Partial<Record<SourceLocation['how'], string>> = {
  finding: 'the checker reports it too',
  fields: 'its argument matches the report',
  compare: 'it differs from the map call',
  family: 'the first call of its kind here',
};

export function toText(results: readonly ExplainedReport[], logName: string): string {
  const out: string[] = [];
  for (const { report: r, explanation, locations } of results) {
    const who = r.driver ? `${r.driver} ${r.device}: ` : '';
    out.push(`${logName}:${r.startLine}: ${r.check}: ${who}${r.message || '(message not in the log)'}`);
    const info = CHECKS[r.check];
    out.push(`  rule: ${r.rule ?? '(no static rule)'}${info.model ? ` (dma-debug ${info.model})` : ''}${r.truncated ? '  [truncated report]' : ''}`);
    out.push(wrap(explanation, '  ', 98));
    for (const l of locations) {
      const what = l.call ? `${l.function}: ${l.call}` : l.function;
      const role = l.how === 'definition' ? (l.role === 'mapped-at' ? 'the mapping was made in this function' : 'in the trace; no direct call found') : ROLE_TEXT[l.role];
      const why = l.role === 'trigger' && HOW_TEXT[l.how] ? `; ${HOW_TEXT[l.how]}` : '';
      out.push(`  ${l.file}:${l.line}: ${what} (${role}${why})`);
      for (const f of l.findings ?? []) out.push(`      static check here: ${f.rule}${f.message ? `: ${f.message}` : ''}`);
    }
    if (locations.length === 0) {
      const named = r.frames.filter((f) => f.module && !f.unreliable).map((f) => `${f.function} [${f.module}]`);
      if (named.length > 0) out.push(`  frames: ${named.slice(0, 4).join(', ')} (not found in the workspace)`);
    }
    out.push('');
  }
  out.push(results.length === 0 ? 'No DMA-API debug report found.' : `${results.length} DMA-API report${results.length === 1 ? '' : 's'} found.`);
  return out.join('\n') + '\n';
}

async function readInput(file: string, io: CliIO): Promise<string> {
  if (file === '-') return io.readStdin();
  const p = path.resolve(io.cwd, file);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new InputError(`cannot read ${file}: no such file`);
  }
  if (st.isDirectory()) throw new InputError(`${file} is a directory, not a log file`);
  try {
    return fs.readFileSync(p, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

class InputError extends Error {}

const EXPLAIN_LOG_OPTIONS: readonly OptionSpec[] = [
  { name: '--workspace', alias: '-w', value: 'DIR', help: 'Search this source tree for the reported functions (default: the current folder).' },
  { name: '--json', help: 'Print the reports as JSON.' },
];

export const explainLogCommand: CommandInfo = {
  name: 'explain-log',
  usage: USAGE,
  options: EXPLAIN_LOG_OPTIONS,
  details: 'Input: a log file, or - for standard input (e.g. dmesg | dma-scope explain-log -).\n\nExit codes: 0 no DMA-API debug report in the log; 1 at least one report; 2 usage error or unreadable input.',
  summary: 'Explain CONFIG_DMA_API_DEBUG reports in a kernel log (dmesg, journalctl -k, console) and map them to source',
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs(argv, flagSpec(EXPLAIN_LOG_OPTIONS));
    if (args.positionals.length !== 1) throw new UsageError(args.positionals.length === 0 ? 'missing log file (use - for standard input)' : 'expected one log file');
    const file = args.positionals[0];
    let text: string;
    try {
      text = await readInput(file, io);
    } catch (e) {
      io.err(`dma-scope explain-log: ${(e as Error).message}\n`);
      return 2;
    }
    const wsArg = args.values.get('--workspace');
    const ws = path.resolve(io.cwd, wsArg ?? '.');
    if (wsArg !== undefined && !(fs.existsSync(ws) && fs.statSync(ws).isDirectory())) {
      io.err(`dma-scope explain-log: workspace ${wsArg} is not a directory\n`);
      return 2;
    }
    const reports = parseKernelLog(text);
    let results: ExplainedReport[];
    const sources = reports.length > 0 ? collectSources(ws, wantedFunctions(reports), io.cwd) : [];
    if (sources.length > 0) {
      const session = await AnalysisSession.create(await nodeRuntime());
      try {
        results = await explainLogText(text, sources, session.parser, cliLocateOptions());
      } finally {
        session.dispose();
      }
    } else {
      results = await explainLogText(text, [], undefined);
    }
    io.out(args.flags.has('--json') ? JSON.stringify(toJson(results), null, 2) + '\n' : toText(results, file === '-' ? '<stdin>' : file));
    return results.length > 0 ? 1 : 0;
  },
};

/** The CLI picks calls with the checker's findings. */
function cliLocateOptions(): LocateOptions {
  return { findings: checkerFindings };
}
