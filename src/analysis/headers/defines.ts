/**
 * #define values for constant folding: one lookup table over the file's and its headers' object-like
 * defines, and a fold that substitutes them before the shared folder (rules/shared/constFold.ts).
 */
import { ConstantFolder } from '../constants';
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
 * Folds an integer expression with #defined names replaced by their values (the shared constant
 * folder, src/analysis/constants.ts, with the file's and its headers' defines); null when not constant.
 */
export function foldWithDefines(text: string, defines: DefineLookup | undefined): number | null {
  return new ConstantFolder(defines ? { defines } : {}).foldText(text) ?? null;
}
