/**
 * #define values for constant folding: one lookup table over the file's and its headers' object-like
 * defines, and a fold that substitutes them before the shared folder (rules/shared/constFold.ts).
 */
import { constValue } from '../rules/shared/constFold';
import type { DefineLookup } from './types';

/** The file's defines first, then each header's in include order (the first definition wins). */
export class DefineTable implements DefineLookup {
  constructor(private readonly tables: readonly ReadonlyMap<string, string>[]) {}
  get(name: string): string | undefined {
    for (const t of this.tables) {
      const v = t.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  get size(): number {
    let n = 0;
    for (const t of this.tables) n += t.size;
    return n;
  }
}

/**
 * Folds an integer expression after replacing #defined names by their values (recursively, bounded),
 * with the shared folder (rules/shared/constFold.ts constValue); null when it is not constant.
 */
export function foldWithDefines(text: string, defines: DefineLookup | undefined): number | null {
  let t = text;
  if (defines) {
    for (let round = 0; round < 8 && /[A-Za-z_]/.test(t) && t.length < 400; round++) {
      let changed = false;
      t = t.replace(/\b[A-Za-z_]\w*\b/g, (id) => {
        const v = /^SZ_\d+[KMG]?$/.test(id) ? undefined : defines.get(id);
        if (v === undefined) return id;
        changed = true;
        return `(${v})`;
      });
      if (!changed) break;
    }
  }
  return constValue(t);
}

