/**
 * The driver pass of `dma-scope check`: after every file is checked, the records the files returned with
 * their findings (no second parse) are gathered into one driver index per folder (a folder with the
 * subfolder files its Makefile links into the same module), the driver-level rules
 * run on each, and their findings join the files' findings (with a fingerprint, like any other).
 */
import { DriverIndex, folderOf, type IndexFigures } from '../analysis/driverIndex';
import { checkDriverIndex, type DriverFinding } from '../analysis/driverIndex/check';
import type { SeveritySetting } from '../analysis/checker';
import { hash64 } from '../analysis/fingerprint';
import type { FileResult, ReportedFinding } from '../node/checkFiles';

export interface DriverPassResult {
  /** file → its driver findings, as reported findings (related locations name their file) */
  findings: Map<string, ReportedFinding[]>;
  errors: { file: string; rule?: string; message: string }[];
  notes: string[];
  /** folders: driver indexes; linked: files indexed with a parent folder whose Makefile links them into its module */
  figures: IndexFigures & { folders: number; linked: number; ms: number };
}

export function toReported(d: DriverFinding, seen: Map<string, number>): ReportedFinding {
  const h = hash64(`${d.rule}\u0000${d.function}\u0000${d.message}`);
  const n = (seen.get(d.file + h) ?? 0) + 1;
  seen.set(d.file + h, n);
  return {
    rule: d.rule, severity: d.severity, message: d.message, start: d.start, end: d.end, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn,
    related: d.related.map((r) => ({ start: r.start, end: r.end, line: r.line, column: r.column, message: r.message, ...(r.file !== d.file ? { file: r.file } : {}) })),
    function: d.function, fingerprint: `${h}:${n}`,
  };
}

export interface DriverPassOptions {
  rules?: string[];
  severitiesFor?: (file: string) => Record<string, SeveritySetting> | undefined;
  maxFiles?: number;
  /** the folder whose index holds a file (default: its own folder; the CLI: the kbuild module's folder, kbuildModule.ts) */
  folderOf?: (file: string) => string;
}

export function driverPass(results: readonly FileResult[], opts: DriverPassOptions = {}): DriverPassResult {
  const t0 = Date.now();
  const indexes = new Map<string, DriverIndex>();
  let linked = 0;
  for (const r of results) {
    if (!r.records) continue;
    const folder = (opts.folderOf ?? folderOf)(r.file);
    if (folder !== folderOf(r.file)) linked++;
    let ix = indexes.get(folder);
    if (!ix) indexes.set(folder, (ix = new DriverIndex(folder, opts.maxFiles ? { maxFiles: opts.maxFiles } : {})));
    ix.setFile(r.records);
  }
  const findings = new Map<string, ReportedFinding[]>();
  const errors: DriverPassResult['errors'] = [];
  const notes: string[] = [];
  const figures = { folders: indexes.size, linked, files: 0, members: 0, keys: 0, partial: 0, helpers: 0, resolvedCalls: 0, unresolvedCalls: 0, ms: 0 };
  const seen = new Map<string, number>();
  for (const ix of indexes.values()) {
    const r = checkDriverIndex(ix, { rules: opts.rules, severitiesFor: opts.severitiesFor });
    for (const d of r.findings) findings.set(d.file, [...(findings.get(d.file) ?? []), toReported(d, seen)]);
    errors.push(...r.errors);
    notes.push(...ix.notes);
    const f = ix.figures();
    figures.files += f.files;
    figures.members += f.members;
    figures.keys += f.keys;
    figures.partial += f.partial;
    figures.helpers += f.helpers;
    figures.resolvedCalls += f.resolvedCalls;
    figures.unresolvedCalls += f.unresolvedCalls;
  }
  figures.ms = Date.now() - t0;
  return { findings, errors, notes, figures };
}
