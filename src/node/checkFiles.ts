/**
 * Node-side batch checking shared by the CLI and its worker threads: walk
 * paths for *.c / *.h, read each file, check it, collect per-file errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Finding, CheckError, SeveritySetting, mayHaveFindings } from '../analysis/checker';
import { AnalysisSession } from '../analysis/session';
import { readWasm } from './wasm';
import { nodeHeaderHost, posixAbsolute } from './headerHost';
import type { HeaderStats } from '../analysis/headers/types';

export interface FileResult {
  file: string;
  findings: Finding[];
  errors: CheckError[];
  ms: number;
  /** how the file's includes were resolved (when it was parsed with headers) */
  headers?: HeaderStats;
}

export interface BatchOptions {
  rules?: string[];
  severities?: Record<string, SeveritySetting>;
  maxFileSize?: number;
  /** false: check files without reading their headers */
  headers?: boolean;
  /** kbuild's -I folders and -include files, when known; the architecture of arch/<arch>/include */
  includePaths?: string[];
  forcedIncludes?: string[];
  arch?: string;
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

/** A new analysis session with the wasm files shipped next to the CLI (one per run, or per worker thread), reading headers from disk. */
export function nodeSession(): Promise<AnalysisSession> {
  return AnalysisSession.create(readWasm(), { headerHost: nodeHeaderHost() });
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

/** A NUL byte in the first 8 KB: not a C source file. */
export function looksBinary(buf: Buffer): boolean {
  return buf.subarray(0, 8192).includes(0);
}

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

/** Checks one file with a session; the session is only created (`session()`) when the file needs parsing. */
export async function checkOneFile(file: string, cwd: string, o: BatchOptions, session: () => Promise<AnalysisSession>): Promise<FileResult> {
  const t0 = Date.now();
  let buf: Buffer;
  const max = o.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  try {
    const abs = path.resolve(cwd, file);
    const size = fs.statSync(abs).size;
    if (max > 0 && size > max) return { file, findings: [], errors: [{ file, message: `skipped: ${size} bytes is over the ${max}-byte size limit` }], ms: 0 };
    buf = fs.readFileSync(abs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'EACCES' ? 'permission denied' : err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message;
    return { file, findings: [], errors: [{ file, message: `cannot read: ${why}` }], ms: 0 };
  }
  // cheap prefilters: files that name no DMA-API entry cannot produce findings and are never parsed
  if (!bufferMayMentionDma(buf)) return { file, findings: [], errors: [], ms: Date.now() - t0 };
  if (looksBinary(buf)) return { file, findings: [], errors: [{ file, message: 'skipped: binary file' }], ms: Date.now() - t0 };
  // invalid UTF-8 sequences decode to U+FFFD (never an exception)
  const text = buf.toString('utf8');
  if (!mayHaveFindings(text)) return { file, findings: [], errors: [], ms: Date.now() - t0 };
  const s = await session();
  const r = s.check(text, {
    file, rules: o.rules, severities: o.severities,
    headers: o.headers, headerPath: posixAbsolute(file, cwd), includePaths: o.includePaths, forcedIncludes: o.forcedIncludes, arch: o.arch,
  });
  const headers = o.headers === false ? undefined : { ...s.lastHeaderStats, notes: [...s.lastHeaderStats.notes], missing: [...s.lastHeaderStats.missing] };
  return { file, findings: r.findings, errors: r.errors.map((e) => ({ ...e, file })), ms: Date.now() - t0, ...(headers ? { headers } : {}) };
}
