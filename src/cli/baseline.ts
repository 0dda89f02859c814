/**
 * `dma-scope check --baseline <report.json|report.sarif>`: drops findings an
 * earlier report already had, matched by rule, file, function and fingerprint
 * (src/analysis/fingerprint.ts), so moved lines still match and changed code
 * is new. Reports of older versions without fingerprints are matched by rule,
 * file, line and column (with a note).
 */
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from './diff';

/** The key a finding is matched by. */
const key = (rule: string, file: string, fn: string | null | undefined, fp: string): string => `${rule}\u0000${file.replace(/\\/g, '/').replace(/^\.\//, '')}\u0000${fn ?? ''}\u0000${fp}`;

export const SARIF_FINGERPRINT = 'dmaScope/v1';

export class Baseline {
  private readonly keys = new Set<string>();
  /** true when the report had no fingerprints (matched by position instead) */
  byPosition = false;
  size = 0;

  add(rule: string, file: string, fn: string | null | undefined, fingerprint: string | undefined, line: number, column: number): void {
    this.size++;
    if (fingerprint) this.keys.add(key(rule, file, fn, fingerprint));
    else {
      this.byPosition = true;
      this.keys.add(key(rule, file, null, `@${line}:${column}`));
    }
  }

  /** True when the report had this finding. */
  has(file: string, f: { rule: string; function: string | null; fingerprint: string; line: number; column: number }): boolean {
    return this.keys.has(key(f.rule, file, f.function, f.fingerprint)) || (this.byPosition && this.keys.has(key(f.rule, file, null, `@${f.line}:${f.column}`)));
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** Reads a JSON or SARIF report of `dma-scope check`; throws InputError naming the file when it is not one. */
export function loadBaseline(cwd: string, file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path.resolve(cwd, file), 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code) throw new InputError(`cannot read baseline ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message}`);
    throw new InputError(`baseline ${file} is not JSON (${err.message})`);
  }
  const b = new Baseline();
  const notReport = (why: string): InputError => new InputError(`baseline ${file} is not a dma-scope report (${why})`);
  if (isObj(raw) && Array.isArray(raw.runs)) {
    for (const run of raw.runs) {
      if (!isObj(run) || !Array.isArray(run.results)) throw notReport('a SARIF run without results');
      for (const r of run.results) {
        const loc = isObj(r) && Array.isArray(r.locations) && isObj(r.locations[0]) ? r.locations[0] : undefined;
        const phys = loc && isObj(loc.physicalLocation) ? loc.physicalLocation : undefined;
        const uri = phys && isObj(phys.artifactLocation) ? phys.artifactLocation.uri : undefined;
        const region = phys && isObj(phys.region) ? phys.region : {};
        if (!isObj(r) || typeof r.ruleId !== 'string' || typeof uri !== 'string') throw notReport('a SARIF result without ruleId or location');
        const fp = isObj(r.partialFingerprints) && typeof r.partialFingerprints[SARIF_FINGERPRINT] === 'string' ? (r.partialFingerprints[SARIF_FINGERPRINT] as string) : undefined;
        const logical = loc && Array.isArray(loc.logicalLocations) && isObj(loc.logicalLocations[0]) ? loc.logicalLocations[0].name : undefined;
        b.add(r.ruleId, uri, typeof logical === 'string' ? logical : null, fp, Number(region.startLine), Number(region.startColumn));
      }
    }
    return b;
  }
  if (!isObj(raw) || !Array.isArray(raw.findings)) throw notReport('neither a JSON report with "findings" nor SARIF with "runs"');
  for (const f of raw.findings) {
    if (!isObj(f) || typeof f.rule !== 'string' || typeof f.file !== 'string') throw notReport('a finding without rule or file');
    b.add(f.rule, f.file, typeof f.function === 'string' ? f.function : null, typeof f.fingerprint === 'string' ? f.fingerprint : undefined, Number(f.line), Number(f.column));
  }
  return b;
}
