/**
 * Node-side batch checking shared by the CLI and its worker threads: walk
 * paths for *.c / *.h, read each file, check it, collect per-file errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Finding, CheckError, SeveritySetting, mayHaveFindings, type CheckOptions } from '../analysis/checker';
import { AnalysisSession } from '../analysis/session';
import { fingerprints, functionSpans, Fingerprinted, FunctionSpan } from '../analysis/fingerprint';
import { nodeRuntime } from './wasm';
import { nodeHeaderHost, posixAbsolute } from './headerHost';
import type { HeaderStats } from '../analysis/headers/types';
import type { FileRecords } from '../analysis/driverIndex/records';

/** A finding with its enclosing function and its fingerprint (baselines, SARIF partialFingerprints). */
export type ReportedFinding = Finding & Fingerprinted;

export interface FileResult {
  file: string;
  findings: ReportedFinding[];
  errors: CheckError[];
  ms: number;
  /** how the file's includes were resolved (when it was parsed with headers) */
  headers?: HeaderStats;
  /** with BatchOptions.records: the file's driver records, for the folder's driver index (plain data) */
  records?: FileRecords;
}

export interface BatchOptions {
  rules?: string[];
  severities?: Record<string, SeveritySetting>;
  maxFileSize?: number;
  /** the file's content to check instead of what is on disk (a patch applied in memory) */
  text?: string;
  /** build macros and whether they are the complete configuration (kbuild mode; see CheckOptions) */
  macros?: Record<string, string | null>;
  macrosComplete?: boolean;
  /** false: check files without reading their headers */
  headers?: boolean;
  /** kbuild's -I folders and -include files, when known; the architecture of arch/<arch>/include */
  includePaths?: string[];
  forcedIncludes?: string[];
  arch?: string;
  /** also return the file's driver records (the CLI builds each folder's driver index from them) */
  records?: boolean;
  /** only the records: no rule runs (the other files of a driver under `dma-scope kbuild`) */
  recordsOnly?: boolean;
}

/** Expands files and directories (recursively, *.c and *.h, sorted) in the order given. */
export function collectFiles(inputs: string[], cwd: string, onError: (p: string, msg: string) => void): string[] {
  const out: string[] = [];
  for (const input of inputs) {
    const abs = path.resolve(cwd, input);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      onError(input, 'no such file or directory');
      continue;
    }
    if (st.isFile()) {
      out.push(input);
      continue;
    }
    const before = out.length;
    const stack = [input];
    while (stack.length) {
      const dir = stack.pop()!;
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(path.resolve(cwd, dir), { withFileTypes: true });
      } catch (e) {
        onError(dir, (e as Error).message);
        continue;
      }
      const files: string[] = [];
      const dirs: string[] = [];
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) dirs.push(p);
        else if (e.isFile() && /\.[ch]$/.test(e.name)) files.push(p);
      }
      out.push(...files.sort());
      stack.push(...dirs.sort().reverse());
    }
    if (out.length === before) onError(input, 'no C files (*.c, *.h) in this directory');
  }
  return out;
}

/**
 * Cache budgets for batch checking: files rarely share a function (16 of the 12,493 functions analysed
 * in the 1,611 DMA-using files of 6.12 were served from the result cache), so there is no result cache,
 * whose keys cost 7% of the analysis; smaller summary budgets keep each worker thread's memory down.
 */
const BATCH_LIMITS = { resultBytes: 0, functionSummaryBytes: 8 * 1024 * 1024, helperSummaryBytes: 4 * 1024 * 1024, structBytes: 4 * 1024 * 1024 };

/** A new analysis session with the wasm files shipped next to the CLI (one per run, or per worker thread), reading headers from disk. */
export function nodeSession(): Promise<AnalysisSession> {
  return nodeRuntime().then((r) => AnalysisSession.create(r, { limits: BATCH_LIMITS, headerHost: nodeHeaderHost({ stableTree: true }) }));
}

/**
 * Byte-level prefilter: false when a file's bytes cannot name any DMA-API entry
 * (every catalogue name and every scatterlist helper the rules look at contains
 * one of these needles). Runs on the raw buffer, before any decoding.
 */
const NEEDLES = ['dma', 'DMA', 'pci_', 'swiotlb', 'sg_'];
export function bufferMayMentionDma(buf: Buffer): boolean {
  return NEEDLES.some((n) => buf.includes(n, 0, 'latin1'));
}

/**
 * Why these bytes are not text, or undefined when they are. Looks at the first 8 KB (as git and grep do): a
 * NUL byte, or more than 5% of control characters (other than tab, newlines, form feed, escape) and invalid
 * UTF-8 sequences, which random or compressed data always has and C source (even with a Latin-1 comment
 * or two) never does.
 */
export function notTextReason(buf: Buffer): string | undefined {
  const sample = buf.subarray(0, 8192);
  if (!sample.length) return undefined;
  if (sample.includes(0)) return 'binary data';
  let bad = 0;
  for (const b of sample) if (b < 0x20 && b !== 9 && b !== 10 && b !== 11 && b !== 12 && b !== 13 && b !== 27) bad++;
  const decoded = new TextDecoder('utf-8').decode(sample);
  for (let i = decoded.indexOf('\uFFFD'); i >= 0; i = decoded.indexOf('\uFFFD', i + 1)) bad++;
  return bad > sample.length * 0.05 ? 'binary data' : undefined;
}

/** C source by name: *.c and *.h (what directory walks collect). */
export function isCSourceName(file: string): boolean {
  return /\.[ch]$/i.test(file);
}

/** The `errors` entry of an input that is not C source; such inputs are not counted as checked. */
export const NOT_C_SOURCE = 'skipped: not C source';

export function isNotCSourceError(e: { message: string }): boolean {
  return e.message.startsWith(NOT_C_SOURCE);
}

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** Checks one file with a session; the session is only created (`session()`) when the file needs parsing. */
export async function checkOneFile(file: string, cwd: string, o: BatchOptions, session: () => Promise<AnalysisSession>): Promise<FileResult> {
  const t0 = Date.now();
  let buf: Buffer;
  const max = o.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  try {
    const abs = path.resolve(cwd, file);
    const size = o.text !== undefined ? Buffer.byteLength(o.text) : fs.statSync(abs).size;
    if (max > 0 && size > max) return { file, findings: [], errors: [{ file, message: `skipped: ${size} bytes is over the ${max}-byte size limit` }], ms: 0 };
    buf = o.text !== undefined ? Buffer.from(o.text) : fs.readFileSync(abs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    return { file, findings: [], errors: [{ file, message: `cannot read: ${why}` }], ms: 0 };
  }
  // a file named on the command line may be anything: a patch, an object file, a log
  if (!isCSourceName(file)) return { file, findings: [], errors: [{ file, message: `${NOT_C_SOURCE} (${notCName(file)}; only *.c and *.h files are checked)` }], ms: Date.now() - t0 };
  return checkBuffer(file, cwd, buf, o, session, t0);
}

function notCName(file: string): string {
  const ext = /\.([A-Za-z0-9_]+)$/.exec(file)?.[1];
  return ext ? `a .${ext} file` : 'no .c or .h extension';
}

/** Checks bytes already read (a file, or standard input for `check -`) under the name `file`. */
export async function checkBuffer(file: string, cwd: string, buf: Buffer, o: BatchOptions, session: () => Promise<AnalysisSession>, t0 = Date.now()): Promise<FileResult> {
  const notText = notTextReason(buf);
  if (notText) return { file, findings: [], errors: [{ file, message: `${NOT_C_SOURCE} (${notText})` }], ms: Date.now() - t0 };
  // cheap prefilters: files that name no DMA-API entry cannot produce findings and are never parsed
  if (!bufferMayMentionDma(buf)) return { file, findings: [], errors: [], ms: Date.now() - t0 };
  // invalid UTF-8 sequences decode to U+FFFD (never an exception)
  const text = buf.toString('utf8');
  if (!mayHaveFindings(text)) return { file, findings: [], errors: [], ms: Date.now() - t0 };
  const ses = await session();
  const copts: CheckOptions = {
    file, rules: o.rules, severities: o.severities, macros: o.macros, macrosComplete: o.macrosComplete,
    headers: o.headers, headerPath: posixAbsolute(file, cwd), includePaths: o.includePaths, forcedIncludes: o.forcedIncludes, arch: o.arch,
    ...(o.records ? { records: true } : {}),
    ...(o.recordsOnly ? { recordsOnly: true } : {}),
  };
  let tree;
  try {
    tree = ses.parser.parse(text);
  } catch (e) {
    return { file, findings: [], errors: [{ file, message: (e as Error)?.message ?? String(e) }], ms: Date.now() - t0 };
  }
  let r;
  let spans: FunctionSpan[];
  try {
    r = ses.checkTree(tree, text, copts);
    spans = r.findings.length ? functionSpans(tree) : [];
  } finally {
    tree.delete();
  }
  const fps = fingerprints(text, r.findings, spans);
  const headers = o.headers === false ? undefined : { ...ses.lastHeaderStats, notes: [...ses.lastHeaderStats.notes], missing: [...ses.lastHeaderStats.missing] };
  return { file, findings: r.findings.map((f, j) => ({ ...f, ...fps[j] })), errors: r.errors.map((e) => ({ ...e, file })), ms: Date.now() - t0, ...(headers ? { headers } : {}), ...(r.records && (r.records.members.length || r.records.helpers.length || r.records.calls.length) ? { records: r.records } : {}) };
}
