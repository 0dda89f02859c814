/**
 * Runs the driver-level rules (Rule.checkDriver) over a folder's index and returns their findings with
 * the same settings as the per-file checker: the rule selection, per-file severities, rules off by
 * default, and `dma-scope: ignore` comments. A failing rule is reported in `errors` and skipped.
 */
import { RULES } from '../rules';
import type { DriverRawFinding, Severity, SeveritySetting } from '../rules/types';
import type { Finding } from '../checker';
import type { DriverIndex } from './index';
import type { Span } from './records';

export interface DriverRelated {
  file: string;
  start: number;
  end: number;
  line: number;
  column: number;
  message: string;
}

/** A finding of a driver rule: the same fields as a per-file Finding, plus its file and function; related locations name their file. */
export interface DriverFinding extends Omit<Finding, 'related'> {
  file: string;
  function: string;
  related: DriverRelated[];
}

export interface DriverCheckOptions {
  /** only these rules (ids) */
  rules?: string[];
  /** severity settings of a file (its repo configuration, or the editor's) */
  severitiesFor?: (file: string) => Record<string, SeveritySetting> | undefined;
}

/** Ids of the rules with a driver-level check. */
export function driverRuleIds(): string[] {
  return RULES.filter((r) => r.checkDriver).map((r) => r.id);
}

function pos(s: Span): { line: number; column: number; endLine: number; endColumn: number } {
  return { line: s.line ?? 1, column: s.column ?? 1, endLine: s.endLine ?? s.line ?? 1, endColumn: s.endColumn ?? s.column ?? 1 };
}

export function checkDriverIndex(index: DriverIndex, opts: DriverCheckOptions = {}): { findings: DriverFinding[]; errors: { rule: string; file: string; message: string }[] } {
  const only = opts.rules ? new Set(opts.rules) : null;
  const findings: DriverFinding[] = [];
  const errors: { rule: string; file: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const r of RULES) {
    if (!r.checkDriver) continue;
    if (only && !only.has(r.id)) continue;
    const accept = (f: DriverRawFinding): void => {
      const id = f.rule ?? r.id;
      const setting = opts.severitiesFor?.(f.file)?.[id];
      if (setting === 'off') return;
      if (!only && r.enabledByDefault === false && !setting) return;
      const p = pos(f.at);
      if (index.suppressed(f.file, p.line, id)) return;
      const k = `${id}:${f.file}:${f.at.start}:${f.at.end}`;
      if (seen.has(k)) return;
      seen.add(k);
      findings.push({
        rule: id, severity: setting ? (setting as Severity) : f.severity ?? r.severity, message: f.message, file: f.file, function: f.function,
        start: f.at.start, end: f.at.end, ...p,
        related: f.related.map((x) => ({ file: x.file, start: x.at.start, end: x.at.end, line: x.at.line ?? 1, column: x.at.column ?? 1, message: x.message })),
        ...(f.fixes?.length ? { fixes: f.fixes } : {}),
      });
    };
    try {
      r.checkDriver(index, accept);
    } catch (e) {
      errors.push({ rule: r.id, file: index.folder, message: `rule ${r.id} failed on the driver index of ${index.folder || '.'}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  findings.sort((a, b) => a.file.localeCompare(b.file) || a.start - b.start || a.rule.localeCompare(b.rule));
  return { findings, errors };
}
