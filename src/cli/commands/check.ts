/**
 * `dma-scope check <files|dirs…|-> [options]`: the options are listed once, in CHECK_OPTIONS;
 * `--diff <rev> [paths…]` / `--patch <file|->` review a change: only findings on its lines (src/cli/diff.ts).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { CommandInfo, CliIO, OptionSpec } from '../args';
import { flagSpec, parseArgs, UsageError } from '../args';
import { RULES } from '../../analysis/checker';
import { ruleList, selectRules } from '../ruleSelection';
import { ruleDocs, RuleDocs, DOCS_URL_ENV } from '../../node/ruleDocs';
import {
  collectFiles, checkOneFile, checkBuffer, FileResult, BatchOptions, DEFAULT_MAX_FILE_SIZE, isCSourceName, isNotCSourceError, NOT_C_SOURCE,
  nodeSession,
} from '../../node/checkFiles';
import type { AnalysisSession } from '../../analysis/session';
import { version as pkgVersion } from '../../../package.json';
import { ConfigLoader } from '../../node/config';
import { formatProblem } from '../../analysis/config';
import { Baseline, SARIF_FINGERPRINT, loadBaseline } from '../baseline';
import { Progress } from '../progress';
import { WORKFLOW_CHECK_OPTIONS } from '../workflowOptions';
import { ChangedFile, InputError, gitChanges, keepChanged, patchChanges, readPatch } from '../diff';
import { addHeaderStats, emptyHeaderStats } from '../../analysis/headers/types';
import { driverPass, type DriverPassResult } from '../driverPass';
import { FolderQueue } from '../workQueue';
import { nodeModuleFolders } from '../../node/moduleFolders';

const FORMATS = ['text', 'json', 'sarif'];

/** Options of one file: the batch options with its repo configuration applied. */
type OptionsFor = (file: string) => BatchOptions;

/** Checks the files in this thread with one analysis session, created when a file first needs parsing and disposed at the end. */
async function runSerial(files: string[], cwd: string, o: OptionsFor, onResult: (r: FileResult) => void): Promise<void> {
  let session: Promise<AnalysisSession> | undefined;
  try {
    for (const f of files) onResult(await checkOneFile(f, cwd, o(f), () => (session ??= nodeSession())));
  } finally {
    if (session) (await session).dispose();
  }
}

async function runParallel(files: string[], cwd: string, o: OptionsFor, jobs: number, onResult: (r: FileResult) => void): Promise<boolean> {
  const workerPath = path.join(__dirname, 'worker.js');
  if (!fs.existsSync(workerPath)) return false;
  const { Worker } = await import('worker_threads');
  const results = new Map<number, FileResult>();
  const queue = new FolderQueue(files);
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
      const worker = new Worker(workerPath, { workerData: { cwd } });
      alive++;
      let current = -1;
      const at = { group: -1 };
      const feed = (): void => {
        const i = queue.take(at);
        if (i !== undefined) {
          current = i;
          worker.postMessage({ file: files[current], opts: o(files[current]) });
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

function sarif(results: FileResult[], docs: RuleDocs): object {
  const rules = RULES.map((r) => {
    const page = docs.text(r.id);
    const url = docs.url(r.id);
    return {
      id: r.id,
      shortDescription: { text: r.title },
      // the rule's page, embedded: SARIF viewers show it without following a link
      ...(page ? { help: { text: page, markdown: page } } : {}),
      ...(url ? { helpUri: url } : {}),
      defaultConfiguration: { level: r.severity === 'info' ? 'note' : r.severity, enabled: r.enabledByDefault !== false },
    };
  });
  const level = (s: string): string => (s === 'info' ? 'note' : s);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'dma-scope', version: pkgVersion, rules } },
      results: results.flatMap((fr) => fr.findings.map((f) => ({
        ruleId: f.rule,
        ruleIndex: RULES.findIndex((r) => r.id === f.rule),
        level: level(f.severity),
        message: { text: f.message },
        locations: [{
          physicalLocation: { artifactLocation: { uri: fr.file.replace(/\\/g, '/') }, region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn } },
          ...(f.function ? { logicalLocations: [{ name: f.function, kind: 'function' }] } : {}),
        }],
        partialFingerprints: { [SARIF_FINGERPRINT]: f.fingerprint },
        relatedLocations: f.related.map((r, i) => ({ id: i, message: { text: r.message }, physicalLocation: { artifactLocation: { uri: (r.file ?? fr.file).replace(/\\/g, '/') }, region: { startLine: r.line, startColumn: r.column } } })),
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

/** Every option of `check`, in one table: the parser and `check --help` both read it. */
export const CHECK_OPTIONS: readonly OptionSpec[] = [
  { name: '--format', alias: '-f', value: 'text|json|sarif', help: 'Output: gcc-style lines (default), JSON, or SARIF 2.1.0.' },
  { name: '--enable', value: 'a,b', help: "Also run these rules (e.g. one that is off by default; see 'dma-scope rules')." },
  { name: '--disable', value: 'a,b', help: 'Do not run these rules.' },
  { name: '--rules', value: 'a,b', help: 'Run only these rules (replaces the default set; --enable/--disable apply on top).' },
  { name: '--jobs', alias: '-j', value: 'N', help: 'Worker threads (default: one per CPU, at most 8).' },
  { name: '--max-file-size', value: 'BYTES', help: `Skip larger files (default ${DEFAULT_MAX_FILE_SIZE}; 0: no limit).` },
  { name: '--stdin-filename', value: 'NAME', help: 'The name reported for standard input (with the input -).' },
  { name: '--docs-url', value: 'URL', help: `Link rule pages under this base URL (default: the pages installed with\ndma-scope; also ${DOCS_URL_ENV}).` },
  ...WORKFLOW_CHECK_OPTIONS,
  { name: '--arch', value: 'ARCH', help: 'The architecture whose arch/<ARCH>/include serves <asm/…> headers (default x86).' },
  { name: '--no-headers', help: 'Check each file alone, without reading the headers it includes.' },
];

const CHECK_DETAILS = [
  'Inputs: C files (*.c, *.h), directories (searched recursively for *.c and *.h), or - for one file read',
  'from standard input. Anything else (a patch, a binary, random bytes) is reported as "skipped: not C source".',
  '',
  'Exit codes:',
  '  0  checked, no findings',
  '  1  at least one finding',
  '  2  usage error, a missing or unreadable input, or nothing checkable (every input skipped as not C source)',
  '',
  'Examples:',
  '  dma-scope check drivers/net/ethernet/mydrv/',
  '  dma-scope check --enable internal-header --format sarif mydrv/ > dma-scope.sarif',
  '  git show HEAD:drivers/foo/bar.c | dma-scope check - --stdin-filename drivers/foo/bar.c',
].join('\n');

function textLine(file: string, message: string): string {
  return `dma-scope check: ${message.startsWith(file) ? message : `${file}: ${message}`}\n`;
}

export async function runCheck(argv: string[], io: CliIO): Promise<number> {
  const a = parseArgs(argv, flagSpec(CHECK_OPTIONS));
  const format = a.values.get('--format') ?? 'text';
  if (!FORMATS.includes(format)) throw new UsageError(`unknown format '${format}' (text, json or sarif)`);
  const list = (opt: string): string[] | undefined => (a.values.has(opt) ? ruleList(opt, a.values.get(opt)!) : undefined);
  const rules = selectRules({ only: list('--rules'), enable: list('--enable'), disable: list('--disable') });
  const jobsText = a.values.get('--jobs') ?? String(defaultJobs());
  const jobs = Number(jobsText);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs needs a whole number from 1 to 64, not '${jobsText}'`);
  const maxText = a.values.get('--max-file-size');
  const maxFileSize = maxText === undefined ? undefined : Number(maxText);
  if (maxFileSize !== undefined && (!Number.isInteger(maxFileSize) || maxFileSize < 0)) throw new UsageError(`--max-file-size needs a number of bytes (0: no limit), not '${maxText}'`);
  const diffRev = a.values.get('--diff');
  const patchArg = a.values.get('--patch');
  if (diffRev !== undefined && patchArg !== undefined) throw new UsageError('--diff and --patch cannot be combined');
  if (patchArg !== undefined && a.positionals.length) throw new UsageError('--patch checks the files the patch names; give no paths');
  if (!a.positionals.length && diffRev === undefined && patchArg === undefined) throw new UsageError('no files or directories given');
  const stdinCount = a.positionals.filter((p) => p === '-').length;
  if (stdinCount > 1) throw new UsageError('standard input (-) can be given only once');
  if (stdinCount && (diffRev !== undefined || patchArg !== undefined)) throw new UsageError('standard input (-) cannot be combined with --diff or --patch');
  if (a.values.has('--stdin-filename') && !stdinCount) throw new UsageError('--stdin-filename names standard input: give - as an input');
  const stdinName = a.values.get('--stdin-filename') || '<stdin>';
  const arch = a.values.get('--arch');
  if (arch !== undefined && !/^[\w-]+$/.test(arch)) throw new UsageError(`--arch needs an architecture folder name (x86, arm64…), not '${arch}'`);
  const headers = !a.flags.has('--no-headers');
  const docs = ruleDocs(a.values.get('--docs-url'));
  const inputErrors: { file: string; message: string }[] = [];
  // patch review: only the C files the change touches, findings only on its lines
  let changes: Map<string, ChangedFile> | undefined;
  let baseline: Baseline | undefined;
  let known = 0;
  try {
    if (diffRev !== undefined) changes = new Map(gitChanges(io.cwd, diffRev, a.positionals).map((c) => [c.file, c]));
    else if (patchArg !== undefined) {
      const p = await readPatch(io.cwd, patchArg, io.readStdin);
      changes = new Map(patchChanges(io.cwd, p.text, p.name).map((c) => [c.file, c]));
    }
    if (a.values.has('--baseline')) baseline = loadBaseline(io.cwd, a.values.get('--baseline')!);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    io.err(`dma-scope check: ${e.message}\n`);
    return 2;
  }
  if (changes && !changes.size && format === 'text' && !a.flags.has('--quiet')) io.err(`dma-scope check: the ${diffRev !== undefined ? `changes since ${diffRev}` : 'patch'} touch no C line to check\n`);
  const collected = changes ? [...changes.keys()] : collectFiles(a.positionals.filter((p) => p !== '-'), io.cwd, (p, m) => inputErrors.push({ file: p, message: `${p}: ${m}` }));
  // .dma-scope.json of every file, read before anything is checked (an unusable one stops the run: exit 2)
  const configs = new ConfigLoader(io.cwd);
  const files = collected.filter((f) => !configs.excluded(f));
  if (configs.fatal.length) {
    io.err(`dma-scope check: ${formatProblem(configs.fatal[0])}\n`);
    return 2;
  }
  for (const p of configs.problems) io.err(`dma-scope check: ${formatProblem(p)} (ignored)\n`);
  const results: FileResult[] = [];
  const progress = Progress.forRun(io, files.length + stdinCount, a.flags.has('--quiet'));
  /** the findings of a file a review or a baseline keeps */
  const keep = (file: string, findings: FileResult['findings']): FileResult['findings'] => {
    const changed = changes?.get(file);
    // a related location in another file of the driver says nothing about this file's changed lines
    if (changed) findings = keepChanged(findings.map((f) => ({ ...f, related: f.related.filter((x) => !x.file) })), changed.lines).map((k) => findings.find((f) => f.fingerprint === k.fingerprint && f.start === k.start)!);
    if (baseline) {
      const b = baseline;
      const fresh = findings.filter((f) => !b.has(file, f));
      known += findings.length - fresh.length;
      findings = fresh;
    }
    return findings;
  };
  const printText = (file: string, findings: FileResult['findings']): void => {
    if (format !== 'text' || !findings.length) return;
    progress.clear();
    for (const f of findings) io.out(`${file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.rule}]\n`);
  };
  const onResult = (r: FileResult): void => {
    r = { ...r, findings: keep(r.file, r.findings) };
    results.push(r);
    printText(r.file, r.findings);
    progress.tick();
  };
  // command-line options win over the repo configuration
  const o = (file: string): BatchOptions => {
    const c = configs.forFile(file);
    return { rules, severities: c.rules, maxFileSize: maxFileSize ?? c.maxFileSize ?? DEFAULT_MAX_FILE_SIZE, text: changes?.get(file)?.text, headers, ...(arch ? { arch } : {}), records: true };
  };
  if (stdinCount) {
    let stdinSession: Promise<AnalysisSession> | undefined;
    // the name decides nothing but the reported path (and C-ness when it has an extension)
    const named = a.values.has('--stdin-filename');
    const buf = Buffer.from(await io.readStdin(), 'utf8');
    onResult(named && !isCSourceName(stdinName)
      ? { file: stdinName, findings: [], errors: [{ file: stdinName, message: `${NOT_C_SOURCE} (only *.c and *.h files are checked)` }], ms: 0 }
      : await checkBuffer(stdinName, io.cwd, buf, o(stdinName), () => (stdinSession ??= nodeSession())));
    if (stdinSession) (await stdinSession).dispose();
  }
  if (jobs > 1 && files.length > 1) {
    const ok = await runParallel(files, io.cwd, o, jobs, onResult);
    if (!ok) await runSerial(files, io.cwd, o, onResult);
  } else {
    await runSerial(files, io.cwd, o, onResult);
  }
  progress.finish();
  // the driver pass: one index per folder from the records the files came back with, then the driver rules
  const modules = nodeModuleFolders(io.cwd);
  const driver: DriverPassResult = driverPass(results, { rules, severitiesFor: (file) => configs.forFile(file).rules, folderOf: (file) => modules.folderOf(file) });
  for (const r of results) {
    const extra = driver.findings.get(r.file);
    if (!extra?.length) continue;
    const kept = keep(r.file, extra);
    printText(r.file, kept);
    r.findings = [...r.findings, ...kept].sort((x, y) => x.start - y.start || x.rule.localeCompare(y.rule));
    delete r.records;
  }
  for (const r of results) delete r.records;
  const findings = results.flatMap((r) => r.findings.map((f) => ({ file: r.file, f })));
  const errors = [...inputErrors, ...results.flatMap((r) => r.errors.map((e) => ({ file: r.file, rule: e.rule, message: e.message }))), ...driver.errors];
  const checked = results.filter((r) => !r.errors.some(isNotCSourceError)).length;
  if (format === 'json') {
    io.out(JSON.stringify({
      version: 1,
      findings: findings.map(({ file, f }) => ({
        file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, rule: f.rule, severity: f.severity, message: f.message, function: f.function, fingerprint: f.fingerprint,
        related: f.related.map((r) => ({ file: r.file ?? file, line: r.line, column: r.column, message: r.message })),
      })),
      files: checked,
      errors,
    }, null, 2) + '\n');
  } else if (format === 'sarif') {
    io.out(JSON.stringify(sarif(results, docs), null, 2) + '\n');
  } else {
    for (const e of errors) io.err(textLine(e.file, e.message));
    const ruleIds = [...new Set(findings.map(({ f }) => f.rule))];
    if (ruleIds.length) {
      io.out(`\nRule pages:\n`);
      for (const id of ruleIds) io.out(`  ${id.padEnd(26)} ${docs.location(id)}\n`);
    }
    if (baseline?.byPosition && !a.flags.has('--quiet')) io.err(`dma-scope check: the baseline has no fingerprints (an older report): matched by line and column\n`);
    if (known && !a.flags.has('--quiet')) io.err(`dma-scope check: ${known} finding${known === 1 ? '' : 's'} already in the baseline not shown\n`);
  }
  if (a.flags.has('--debug')) {
    const d = driver.figures;
    io.err(`driver index: ${d.folders} folders, ${d.files} files with records${d.linked ? ` (${d.linked} in subfolders their module's Makefile links)` : ''}, ${d.members} member records (${d.partial} partial) under ${d.keys} keys, ${d.helpers} helpers, ${d.resolvedCalls} helper calls resolved, ${d.unresolvedCalls} other sources of members (unexplained calls, stores, addresses passed); driver rules ${d.ms} ms\n`);
    for (const n of driver.notes.slice(0, 10)) io.err(`  note: ${n}\n`);
  }
  if (a.flags.has('--debug') && headers) {
    const h = emptyHeaderStats();
    let parsed = 0;
    for (const r of results) if (r.headers) { parsed++; addHeaderStats(h, r.headers); }
    io.err(`headers (${parsed} parsed files): ${h.resolved} includes resolved, ${h.unresolved} unresolved (skipped), ${h.read} headers read, ${h.cached} from the cache, ${h.stored} from the disk store, ${h.huge} over the size limit, ${h.depthLimited} past the depth limit, ${h.bytesLimited} past the byte limit, ${h.cycles} cycles cut\n`);
    for (const n of h.notes) io.err(`  note: ${n}\n`);
    const missing = new Map<string, number>();
    for (const m of h.missing) missing.set(m, (missing.get(m) ?? 0) + 1);
    const top = [...missing].sort((x, y) => y[1] - x[1]).slice(0, 10);
    if (top.length) io.err(`  most often unresolved: ${top.map(([m, n]) => `${m} ×${n}`).join(', ')}\n`);
  }
  // missing, unreadable or empty inputs are input errors (exit 2) even when other files were checked;
  // so is a run where nothing given was checkable C source
  if (inputErrors.length || results.some((r) => r.errors.some((e) => e.message.startsWith('cannot read')))) return 2;
  if (!checked && !changes) return 2;
  return findings.length ? 1 : 0;
}

export const checkCommand: CommandInfo = {
  name: 'check',
  usage: 'check <files|dirs…|-> [--format text|json|sarif] [--enable a,b] [--disable a,b] [--rules a,b] [--jobs N] [options] | check --diff <rev> [paths…] | check --patch <file|->',
  summary: 'Check C files for DMA-API misuse (gcc-style text, JSON or SARIF 2.1.0)',
  options: CHECK_OPTIONS,
  details: CHECK_DETAILS,
  run: runCheck,
};
