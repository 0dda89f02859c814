/**
 * Node-side batch checking shared by the CLI and its worker threads: walk
 * paths for *.c / *.h, read each file, check it, collect per-file errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CParser } from '../analysis/parser';
import { checkSource, Finding, CheckError, SeveritySetting, mayHaveFindings } from '../analysis/checker';
import { readWasm } from './wasm';

export interface FileResult {
  file: string;
  findings: Finding[];
  errors: CheckError[];
  ms: number;
}

export interface BatchOptions {
  rules?: string[];
  severities?: Record<string, SeveritySetting>;
  maxFileSize?: number;
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
  }
  return out;
}

let parserP: Promise<CParser> | undefined;
export function nodeParser(): Promise<CParser> {
  parserP ??= CParser.create(readWasm());
  return parserP;
}

export async function checkOneFile(file: string, cwd: string, o: BatchOptions): Promise<FileResult> {
  const t0 = Date.now();
  let text: string;
  try {
    const abs = path.resolve(cwd, file);
    const size = fs.statSync(abs).size;
    if (o.maxFileSize && size > o.maxFileSize) return { file, findings: [], errors: [{ file, message: `skipped: ${size} bytes is over the size limit` }], ms: 0 };
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    return { file, findings: [], errors: [{ file, message: (e as Error).message }], ms: 0 };
  }
  // cheap prefilter: files that mention no DMA-API name cannot produce findings
  if (!mayHaveFindings(text)) return { file, findings: [], errors: [], ms: Date.now() - t0 };
  const parser = await nodeParser();
  const r = checkSource(parser, text, { file, rules: o.rules, severities: o.severities });
  return { file, findings: r.findings, errors: r.errors.map((e) => ({ ...e, file })), ms: Date.now() - t0 };
}
