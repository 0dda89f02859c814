/** Folding small integer constant expressions in rule arguments (sizes, alignments, mask widths). */
import { ConstantFolder } from '../../constants';

/**
 * Folds a small integer constant expression (`64`, `0x40`, `1 << 12`, `SZ_4K`, `PAGE_SIZE`, `4 * 1024`)
 * with the shared constant folder (src/analysis/constants.ts); null when not constant.
 */
export function constValue(text: string): number | null {
  return new ConstantFolder().foldText(text) ?? null;
}

export const isPow2 = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;
