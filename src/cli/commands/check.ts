/** `dma-scope check <files|dirs…> [--format text|json|sarif] [--rules a,b] [--jobs N]` */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CommandInfo, CliIO } from '../args';
import { parseArgs, UsageError } from '../args';
import { RULES } from '../../analysis/checker';
import { ruleDocUrl } from '../../model/links';
import { collectFiles, checkOneFile, nodeSession, FileResult, BatchOptions, DEFAULT_MAX_FILE_SIZE } from '../../node/checkFiles';
import type { AnalysisSession } from '../../analysis/session';
import { addHeaderStats, emptyHeaderStats } from '../../analysis/headers/types';

const FORMATS = ['text', 'json', 'sarif'];

/** Checks the files in this thread with one analysis session, created when a file first needs parsing and disposed at the end. */
async function runSerial(files: string[], cwd: string, o: BatchOptions, onResult: (r: FileResult) => void): Promise<void> {
  let session: Promise<AnalysisSession> | undefined;
  try {
    for (const f of files) onResult(await checkOneFile(f, cwd, o, () => (session ??= nodeSession())));
  } finally {
    if (session) (await session).dispose();
  }
}

async function runParallel(files: string[], cwd: string, o: BatchOptions, jobs: number, onResult: (r: FileResult) => void): Promise<boolean> {
  const workerPath = path.join(__dirname, 'worker.js');
  if (!fs.existsSync(workerPath)) return false;
  const { Worker } = await import('worker_threads');
  const results = new Map<number, FileResult>();
  let next = 0;
  let emitted = 0;
  const flush = (): void => {
    while (results.has(emitted)) {
      onResult(results.get(emitted)!);
      results.delete(emitted);
      emitted++;
    }
  };
  await new Promise<void>((resolve, reject) => {
    let alive = 0;
    const n = Math.min(jobs, files.length);
    if (!n) return resolve();
    for (let w = 0; w < n; w++) {
      const worker = new Worker(workerPath, { workerData: { cwd, opts: o } });
      alive++;
      let current = -1;
      const feed = (): void => {
        if (next < files.length) {
          current = next++;
          worker.postMessage({ file: files[current] });
        } else {
          worker.postMessage({ done: true });
        }
      };
      worker.on('message', (r: FileResult) => {
        results.set(current, r);
        flush();
        feed();
      });
      worker.on('error', reject);
      worker.on('exit', () => {
        if (--alive === 0) resolve();
      });
      feed();
    }
  });
  flush();
  return true;
}

function sarif(results: FileResult[]): object {
  const rules = RULES.map((r) => ({
    id: r.id,
    shortDescription: { text: r.title },
    helpUri: ruleDocUrl(r.id),
    defaultConfiguration: { level: r.severity === 'info' ? 'note' : r.severity, enabled: r.enabledByDefault !== false },
  }));
  const level = (s: string): string => (s === 'info' ? 'note' : s);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'dma-scope', informationUri: 'https://github.com/dma-scope/dma-scope', rules } },
      results: results.flatMap((fr) => fr.findings.map((f) => ({
        ruleId: f.rule,
        ruleIndex: RULES.findIndex((r) => r.id === f.rule),
        level: level(f.severity),
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: { uri: fr.file.replace(/\\/g, '/') }, region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn } } }],
        relatedLocations: f.related.map((r, i) => ({ id: i, message: { text: r.message }, physicalLocation: { artifactLocation: { uri: fr.file.replace(/\\/g, '/') }, region: { startLine: r.line, startColumn: r.column } } })),
      }))),
      invocations: [{
        executionSuccessful: true,
        toolExecutionNotifications: results.flatMap((fr) => fr.errors.map((e) => ({ level: 'warning', message: { text: e.message }, locations: [{ physicalLocation: { artifactLocation: { uri: fr.file } } }] }))),
      }],
    }],
  };
}

/** Worker threads by default: one per available CPU, at most 8. */
export function defaultJobs(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(8, n));
}

export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const a = parseArgs(argv, { values: ['--format', '--rules', '--jobs', '--max-file-size', '--arch'], booleans: ['--no-headers'], aliases: { '-j': '--jobs', '-f': '--format' } });
  const format = a.values.get('--format') ?? 'text';
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${format}' (text, json or sarif)`);
  let rules: string[] | undefined;
  if (a.values.has('--rules')) {
    rules = a.values.get('--rules')!.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = rules.filter((r) => !RULES.some((x) => x.id === r));
    if (unknown.length) throw new UsageError(`unknown rule ${unknown.join(', ')}`);
  }
  const jobsText = a.values.get('--jobs') ?? String(defaultJobs());
  const jobs = Number(jobsText);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs needs a whole number from 1 to 64, not '${jobsText}'`);
  if (!a.positionals.length) throw new UsageError('no files or directories given');
  const inputErrors: { file: string; message: string }[] = [];
  const files = collectFiles(a.positionals, io.cwd, (p, m) => inputErrors.push({ file: p, message: `${p}: ${m}` }));
  const results: FileResult[] = [];
  let done = 0;
  const progress = io.errIsTTY && format !== 'text' ? true : io.errIsTTY;
  const onResult = (r: FileResult): void => {
    results.push(r);
    done++;
    if (progress && (done % 25 === 0 || done === files.length)) io.err(`\rchecked ${done}/${files.length} files`);
    if (format === 'text') {
      for (const f of r.findings) io.out(`${r.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]\n`);
    }
  };
  const maxText = a.values.get('--max-file-size') ?? String(DEFAULT_MAX_FILE_SIZE);
  const maxFileSize = Number(maxText);
  if (!Number.isInteger(maxFileSize) || maxFileSize < 0) throw new UsageError(`--max-file-size needs a number of bytes (0: no limit), not '${maxText}'`);
  const arch = a.values.get('--arch');
  if (arch !== undefined && !/^[\w-]+$/.test(arch)) throw new UsageError(`--arch needs an architecture folder name (x86, arm64…), not '${arch}'`);
  const o: BatchOptions = { rules, maxFileSize, headers: !a.flags.has('--no-headers'), ...(arch ? { arch } : {}) };
  if (jobs > 1 && files.length > 1) {
    const ok = await runParallel(files, io.cwd, o, jobs, onResult);
    if (!ok) await runSerial(files, io.cwd, o, onResult);
  } else {
    await runSerial(files, io.cwd, o, onResult);
  }
  if (progress && files.length) io.err('\n');
  const findings = results.flatMap((r) => r.findings.map((f) => ({ file: r.file, f })));
  const errors = [...inputErrors, ...results.flatMap((r) => r.errors.map((e) => ({ file: r.file, rule: e.rule, message: e.message })))];
  if (format === 'json') {
    io.out(JSON.stringify({
      version: 1,
      findings: findings.map(({ file, f }) => ({
        file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, rule: f.rule, severity: f.severity, message: f.message,
        related: f.related.map((r) => ({ file, line: r.line, column: r.column, message: r.message })),
      })),
      files: files.length,
      errors,
    }, null, 2) + '\n');
  } else if (format === 'sarif') {
    io.out(JSON.stringify(sarif(results), null, 2) + '\n');
  } else {
    for (const e of errors) io.err(`${e.message.startsWith(e.file) ? e.message : `${e.file}: ${e.message}`}\n`);
  }
  if (a.flags.has('--debug') && o.headers) {
    const h = emptyHeaderStats();
    let parsed = 0;
    for (const r of results) if (r.headers) { parsed++; addHeaderStats(h, r.headers); }
    io.err(`headers (${parsed} parsed files): ${h.resolved} includes resolved, ${h.unresolved} unresolved (skipped), ${h.read} headers read, ${h.cached} from the cache, ${h.huge} over the size limit, ${h.depthLimited} past the depth limit, ${h.bytesLimited} past the byte limit, ${h.cycles} cycles cut\n`);
    for (const n of h.notes) io.err(`  note: ${n}\n`);
    const missing = new Map<string, number>();
    for (const m of h.missing) missing.set(m, (missing.get(m) ?? 0) + 1);
    const top = [...missing].sort((x, y) => y[1] - x[1]).slice(0, 10);
    if (top.length) io.err(`  most often unresolved: ${top.map(([m, n]) => `${m} ×${n}`).join(', ')}\n`);
  }
  // missing, unreadable or empty inputs are input errors (exit 2) even when other files were checked
  if (inputErrors.length || results.some((r) => r.errors.some((e) => e.message.startsWith('cannot read')))) return 2;
  return findings.length ? 1 : 0;
}

export const checkCommand: CommandInfo = {
  name: 'check',
  usage: 'check <files|dirs…> [--format text|json|sarif] [--rules a,b] [--jobs N] [--max-file-size BYTES] [--arch ARCH] [--no-headers]',
  summary: 'Check C files for DMA-API misuse (gcc-style text, JSON or SARIF 2.1.0)',
  run: runCheck,
};
