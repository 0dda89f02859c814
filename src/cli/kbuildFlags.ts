/**
 * kbuild's checker command line (`$(CHECK) $(CHECKFLAGS) $(c_flags) file.c`,
 * the one sparse and Smatch read): the preprocessor flags that matter to the
 * analysis (-D, -U, -I, -include, -isystem, -iquote, -idirafter, -nostdinc),
 * the architecture (--arch=, -m64/-m32), and everything else gcc takes
 * (-W*, -Wp,…, -f*, -m*, -O*, -std=, -g…) accepted and ignored. Relative
 * paths are kept as given; the caller resolves them from the build folder.
 */

export interface KbuildFlags {
  /** -D NAME[=VALUE] (value '1' when absent) and -U NAME (null), in order, last one wins */
  macros: Record<string, string | null>;
  /** -I and -iquote folders, in order */
  includeDirs: string[];
  /** -isystem and -idirafter folders */
  systemDirs: string[];
  /** -include files, in order */
  includes: string[];
  nostdinc: boolean;
  /** --arch= (kbuild's SRCARCH, e.g. x86) */
  arch?: string;
  /** -m64 / -m32 */
  bits?: 64 | 32;
  /** the source files (normally one) */
  files: string[];
  /** flags not known at all (ignored; listed for --debug) */
  unknown: string[];
}

/** gcc flags that take the next argument as their value (when not glued to it). */
const WITH_VALUE = new Set(['-o', '-MF', '-MT', '-MQ', '-x', '-imacros', '-iprefix', '-iwithprefix', '-iwithprefixbefore', '-isysroot', '--param', '-Xassembler', '-Xpreprocessor', '-Xlinker', '-aux-info', '-G', '-T']);
/** Flag families gcc and sparse take, ignored here. */
const IGNORED = /^-(W|f|m|O|g|std=|M[DMGP]?$|M[DM]D$|pipe$|c$|E$|S$|v$|w$|pedantic|ansi$|nostdlib$|no-|print-|dump|p$|pg$|P$|C$|CC$|H$|undef$|trigraphs$|traditional|static|shared|pthread|target=|gcc-toolchain|march=|mtune=|mabi=|Xclang|Q|-target|-sysroot|-param)/;

function defineMacro(macros: Record<string, string | null>, def: string): void {
  const eq = def.indexOf('=');
  const name = (eq < 0 ? def : def.slice(0, eq)).trim();
  if (!/^[A-Za-z_]\w*(\(.*\))?$/.test(name)) return;
  macros[name] = eq < 0 ? '1' : def.slice(eq + 1);
}

/** Parses the checker arguments kbuild passes (never throws; unknown flags are collected and ignored). */
export function parseKbuildFlags(argv: readonly string[]): KbuildFlags {
  const f: KbuildFlags = { macros: {}, includeDirs: [], systemDirs: [], includes: [], nostdinc: false, files: [], unknown: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string | undefined => (i + 1 < argv.length ? argv[++i] : undefined);
    const glued = (flag: string): string | undefined => (a === flag ? next() : a.startsWith(flag) ? a.slice(flag.length) : undefined);
    if (a === '--') {
      f.files.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      f.files.push(a);
      continue;
    }
    let v: string | undefined;
    if (a.startsWith('-D')) {
      v = glued('-D');
      if (v !== undefined) defineMacro(f.macros, v);
    } else if (a.startsWith('-U')) {
      v = glued('-U');
      if (v) f.macros[v.trim()] = null;
    } else if (a.startsWith('-I')) {
      v = glued('-I');
      if (v) f.includeDirs.push(v);
    } else if (a === '-include') {
      v = next();
      if (v) f.includes.push(v);
    } else if (a.startsWith('-iquote')) {
      v = glued('-iquote');
      if (v) f.includeDirs.push(v);
    } else if (a.startsWith('-isystem') || a.startsWith('-idirafter')) {
      v = glued(a.startsWith('-isystem') ? '-isystem' : '-idirafter');
      if (v) f.systemDirs.push(v);
    } else if (a === '-nostdinc') {
      f.nostdinc = true;
    } else if (a.startsWith('--arch=')) {
      f.arch = a.slice('--arch='.length);
    } else if (a === '-m64' || a === '-m32') {
      f.bits = a === '-m64' ? 64 : 32;
    } else if (a.startsWith('-Wp,')) {
      // preprocessor options passed through gcc: -Wp,-MMD,dep-file and, rarely, -Wp,-D…
      for (const p of a.slice(4).split(',')) {
        if (p.startsWith('-D') && p.length > 2) defineMacro(f.macros, p.slice(2));
        else if (p.startsWith('-U') && p.length > 2) f.macros[p.slice(2)] = null;
      }
    } else if (WITH_VALUE.has(a)) {
      next();
    } else if (!IGNORED.test(a)) {
      f.unknown.push(a);
    }
  }
  return f;
}

/**
 * The CONFIG_* values of include/generated/autoconf.h (or any header of
 * `#define NAME VALUE` lines): `#define CONFIG_X 1` → '1', strings keep their
 * quotes. `#undef NAME` gives null. Other lines are skipped.
 */
export function parseAutoconf(text: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const line of text.split('\n')) {
    const d = /^\s*#\s*define\s+([A-Za-z_]\w*)(?:[ \t]+(.*?))?\s*$/.exec(line);
    if (d) {
      out[d[1]] = d[2] ?? '';
      continue;
    }
    const u = /^\s*#\s*undef\s+([A-Za-z_]\w*)\s*$/.exec(line);
    if (u) out[u[1]] = null;
  }
  return out;
}
