/** Driver fixtures (test/fixtures/driver/<name>/): index a folder with a session and run the driver rules. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIXTURES } from './helpers';
import type { AnalysisSession } from '../src/analysis/session';
import type { DriverIndex } from '../src/analysis/driverIndex';
import { checkDriverIndex } from '../src/analysis/driverIndex/check';
import { ModuleFolders } from '../src/analysis/driverIndex/kbuildModule';
import type { FileRecords } from '../src/analysis/driverIndex/records';

export const DRIVER_FIXTURES = path.join(FIXTURES, 'driver');


/** `/* expect <rule> L:C … *\/` on a fixture's first line. */
export function expected(text: string): string[] {
  const m = /expect\s*(.*?)\s*\*\//.exec(text.split('\n')[0]);
  assert.ok(m, 'a driver fixture file starts with an expect header');
  const toks = m![1].split(/\s+/).filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + 1 < toks.length; i += 2) out.push(`${toks[i]} ${toks[i + 1]}`);
  return out;
}

export interface Run {
  index: DriverIndex;
  records: Map<string, FileRecords>;
  /** file name → `rule L:C` of every finding (per-file and driver), sorted */
  found: Map<string, string[]>;
  want: Map<string, string[]>;
  driver: ReturnType<typeof checkDriverIndex>;
}

/** `base`: the folder holding the fixture folders (default test/fixtures/driver). */
export async function runFolder(session: AnalysisSession, name: string, base = DRIVER_FIXTURES): Promise<Run> {
  const folder = `drivers/net/${name}`;
  const index = session.driverIndex(folder);
  const found = new Map<string, string[]>();
  const want = new Map<string, string[]>();
  const records = new Map<string, FileRecords>();
  // the folder's own .c files and those of its subfolders its Makefile links into the module (what `check` indexes together)
  const dir = path.join(base, name);
  const own = fs.readdirSync(dir).filter((x) => x.endsWith('.c')).sort();
  const linked = new ModuleFolders((d) => (d === '' && fs.existsSync(path.join(dir, 'Makefile')) ? fs.readFileSync(path.join(dir, 'Makefile'), 'utf8') : undefined))
    .subfolderSources('')
    .filter((f) => fs.existsSync(path.join(dir, f)));
  for (const f of [...own, ...linked]) {
    const abs = path.join(base, name, f);
    const text = fs.readFileSync(abs, 'utf8');
    const r = session.check(text, { file: `${folder}/${f}`, headerPath: abs.replace(/\\/g, '/'), records: true });
    assert.deepStrictEqual(r.errors, []);
    assert.ok(r.records);
    index.setFile(r.records!);
    records.set(f, r.records!);
    found.set(f, r.findings.map((x) => `${x.rule} ${x.line}:${x.column}`));
    want.set(f, expected(text).sort());
  }
  const driver = checkDriverIndex(index);
  for (const d of driver.findings) {
    const f = d.file.slice(folder.length + 1);
    found.set(f, [...(found.get(f) ?? []), `${d.rule} ${d.line}:${d.column}`]);
  }
  for (const [f, v] of found) found.set(f, v.sort());
  return { index, records, found, want, driver };
}

