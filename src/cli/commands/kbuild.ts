/**
 * `dma-scope kbuild <checker flags…> file.c`: the checker kbuild runs with
 * `make C=1 CHECK="dma-scope kbuild"` (or C=2), from the build folder, as
 * `$(CHECK) $(CHECKFLAGS) $(c_flags) file.c`. Reads the kernel configuration
 * the -include'd kconfig.h brings (include/generated/autoconf.h, found in the
 * -I folders, so O= builds work) and passes it with the -D/-U macros to the
 * analysis; prints findings gcc-style on stderr like sparse (a driver rule's
 * related locations as `note:` lines); exits 0 with findings so the build goes
 * on (non-zero only for its own internal error). The driver rules see the
 * driver's other files through records kept between runs (../kbuildDriver.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { CliIO, CommandInfo } from '../args';
import { parseAutoconf, parseKbuildFlags, KbuildFlags } from '../kbuildFlags';
import { checkOneFile, nodeSession, DEFAULT_MAX_FILE_SIZE, type BatchOptions } from '../../node/checkFiles';
import { bundleStore, type DiskStore } from '../../node/headerStore';
import type { FileRecords } from '../../analysis/driverIndex/records';
import { kbuildDriverFindings } from '../kbuildDriver';
import type { AnalysisSession } from '../../analysis/session';
import { ConfigLoader } from '../../node/config';
import { formatProblem } from '../../analysis/config';

export interface KbuildConfig {
  macros: Record<string, string | null>;
  /** true when autoconf.h was read: every CONFIG_ option it does not define is undefined */
  complete: boolean;
  /** the autoconf.h read, if any */
  autoconf?: string;
  /** why the configuration is incomplete, when kconfig.h was included but autoconf.h not found */
  note?: string;
}

/** The macros of a kbuild command line: -D/-U, then include/generated/autoconf.h when kconfig.h is -include'd. */
export function kbuildConfig(flags: KbuildFlags, cwd: string): KbuildConfig {
  const macros: Record<string, string | null> = { ...flags.macros };
  if (!flags.includes.some((f) => path.basename(f) === 'kconfig.h')) return { macros, complete: false };
  for (const dir of flags.includeDirs) {
    const file = path.resolve(cwd, dir, 'generated', 'autoconf.h');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    Object.assign(macros, parseAutoconf(text));
    return { macros, complete: true, autoconf: file };
  }
  return { macros, complete: false, note: 'kconfig.h is included but no generated/autoconf.h was found in the -I folders (run make prepare); #if CONFIG_ is not decided' };
}

const toPosix = (p: string): string => p.replace(/\\/g, '/');

const LEVEL: Record<string, string> = { error: 'error', warning: 'warning', info: 'note' };

export async function runKbuild(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  const flags = parseKbuildFlags(argv.filter((a) => a !== '--debug'));
  if (!flags.files.length) {
    io.err('dma-scope kbuild: no source file on the command line (kbuild runs: $(CHECK) $(CHECKFLAGS) $(c_flags) file.c)\n');
    return 2;
  }
  const cfg = kbuildConfig(flags, io.cwd);
  if (cfg.note) io.err(`dma-scope kbuild: ${cfg.note}\n`);
  if (debug) io.err(`dma-scope kbuild: ${Object.keys(cfg.macros).length} macros${cfg.autoconf ? ` (configuration ${cfg.autoconf})` : ''}; ignored flags: ${flags.unknown.join(' ') || 'none'}\n`);
  const configs = new ConfigLoader(io.cwd);
  let session: Promise<AnalysisSession> | undefined;
  let store: { s: DiskStore<FileRecords> | undefined } | undefined;
  try {
  for (const file of flags.files) {
    if (configs.excluded(file)) continue;
    const repo = configs.forFile(file);
    const opts: BatchOptions = { severities: repo.rules, maxFileSize: repo.maxFileSize ?? DEFAULT_MAX_FILE_SIZE, macros: cfg.macros, macrosComplete: cfg.complete,
      // exactly kbuild's header search: its -I/-isystem folders and -include files (relative ones from the build folder)
      includePaths: [...flags.includeDirs, ...flags.systemDirs].map((d) => toPosix(path.resolve(io.cwd, d))),
      forcedIncludes: flags.includes.map((f) => toPosix(path.resolve(io.cwd, f))),
    };
    const ses = (): Promise<AnalysisSession> => (session ??= nodeSession());
    const r = await checkOneFile(file, io.cwd, { ...opts, records: true }, ses);
    for (const f of r.findings) io.err(`${file}:${f.line}:${f.column}: ${LEVEL[f.severity] ?? 'warning'}: ${f.message} [${f.rule}]\n`);
    for (const e of r.errors) io.err(`${file}: warning: dma-scope: ${e.message}${e.rule ? ` [${e.rule}]` : ''}\n`);
    // the driver rules: this file's records with those of the driver's other files (kept between kbuild's runs)
    if (!r.records) continue;
    const d = await kbuildDriverFindings(file, io.cwd, r.records, opts, ses, (store ??= { s: bundleStore<FileRecords>('records') }).s, (f) => configs.forFile(f).rules);
    for (const f of d.findings) {
      io.err(`${file}:${f.line}:${f.column}: ${LEVEL[f.severity] ?? 'warning'}: ${f.message} [${f.rule}]\n`);
      for (const x of f.related) io.err(`${x.file}:${x.line}:${x.column}: note: ${x.message}\n`);
    }
    for (const n of d.notes) io.err(`dma-scope kbuild: ${n}\n`);
    if (debug) io.err(`dma-scope kbuild: driver records of ${d.stored + d.computed} other files (${d.stored} from the disk store, ${d.computed} analysed now)\n`);
  }
  } finally {
    if (session) (await session).dispose();
  }
  // a broken .dma-scope.json is reported, never fatal here: the build goes on
  for (const p of [...configs.fatal, ...configs.problems]) io.err(`dma-scope kbuild: ${formatProblem(p)} (ignored)\n`);
  return 0;
}

export const kbuildCommand: CommandInfo = {
  name: 'kbuild',
  usage: 'kbuild <sparse-style flags…> file.c   (make C=1 CHECK="dma-scope kbuild")',
  summary: 'Checker for kbuild: reads the -D/-I/-include flags and the kernel configuration, prints findings gcc-style on stderr, exits 0',
  details: [
    'Every other argument is kbuild\'s checker command line, $(CHECKFLAGS) $(c_flags): -D/-U/-I/-include/-isystem',
    'are read (relative -I folders from the build folder, so O= builds work); -nostdinc, -Wp,…, --arch=, -m*, -f*,',
    '-W*, -std=, -O* and other gcc flags are accepted and ignored. With kconfig.h -include\'d, the configuration is',
    'read from generated/autoconf.h in the -I folders and #if CONFIG_ branches are decided exactly.',
    'The driver rules read the records of the driver\'s other C files (the folder, and the subfolders its Makefile',
    'links into the module), kept in the disk cache between runs; a related location prints as a note: line.',
    '',
    'Exit codes:',
    '  0  checked (findings do not stop the build; they are printed on stderr as file:line:col: severity: …)',
    '  2  no source file on the command line, or an internal error (one line)',
    '',
    'Example:',
    '  make O=../build C=2 CHECK="dma-scope kbuild" drivers/net/ethernet/amd/amd8111e.o',
  ].join('\n'),
  run: runKbuild,
};
