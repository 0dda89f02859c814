/**
 * Which kernel module a file belongs to: Makefile/Kbuild lines first, then the file and directory
 * names. Frames name their module (`[e1000e]`), so definitions in that module are preferred.
 */
import type { SourceText } from './types';

export function dirOf(p: string): string {
  const i = p.replace(/\\/g, '/').lastIndexOf('/');
  return i < 0 ? '' : p.replace(/\\/g, '/').slice(0, i);
}
export function baseName(p: string): string {
  const n = p.replace(/\\/g, '/');
  return n.slice(n.lastIndexOf('/') + 1);
}
/** Module names use '_' where file names may use '-'. */
export function modName(s: string): string {
  return s.replace(/-/g, '_');
}

/**
 * For every C file in a directory with a Makefile/Kbuild, the modules it is
 * linked into: `obj-$(CONFIG_X) += foo.o` (foo.c is module foo) and
 * `foo-y := a.o b.o` / `foo-objs` / `foo-$(CONFIG_Y) += c.o` (a.c, b.c, c.c are in foo).
 */
export function makefileModules(files: readonly SourceText[]): Map<string, Set<string>> {
  const byFile = new Map<string, Set<string>>();
  const add = (file: string, mod: string): void => {
    const set = byFile.get(file) ?? new Set<string>();
    set.add(modName(mod));
    byFile.set(file, set);
  };
  for (const f of files) {
    const b = baseName(f.path);
    if (b !== 'Makefile' && b !== 'Kbuild') continue;
    const dir = dirOf(f.path);
    const text = f.text.replace(/\\\r?\n/g, ' ');
    for (const line of text.split('\n')) {
      const m = /^\s*([\w-]+?)-(?:y|m|objs|\$\([\w]+\))\s*[:+]?=\s*(.*)$/.exec(line);
      const o = /^\s*obj-(?:y|m|\$\([\w]+\))\s*[:+]?=\s*(.*)$/.exec(line);
      if (o) {
        for (const w of o[1].split(/\s+/)) if (/\.o$/.test(w)) add(`${dir}/${w.slice(0, -2)}.c`, baseName(w.slice(0, -2)));
      } else if (m && m[1] !== 'obj' && m[1] !== 'ccflags' && m[1] !== 'subdir') {
        for (const w of m[2].split(/\s+/)) if (/\.o$/.test(w)) add(`${dir}/${w.slice(0, -2)}.c`, m[1]);
      }
    }
  }
  return byFile;
}
