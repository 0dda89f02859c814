/** Folding small integer constant expressions in rule arguments (sizes, alignments, mask widths). */
import { normText } from '../../ast';

/** Folds a small integer constant expression (`64`, `0x40`, `1 << 12`, `SZ_4K`, `4 * 1024`); null when not constant. */
export function constValue(text: string): number | null {
  const t = normText(text).replace(/\b(0x[0-9a-fA-F]+|\d+)(?:[uU]?[lL]{0,2}|[lL]{1,2}[uU]?)\b/g, '$1');
  if (!/^[\w\s()+*<>x-]+$/.test(t)) return null;
  const sz = t.replace(/\bSZ_(\d+)([KMG]?)\b/g, (_m, n: string, u: string) => String(Number(n) * (u === 'K' ? 1024 : u === 'M' ? 1048576 : u === 'G' ? 1073741824 : 1)));
  if (/[A-Za-z_]/.test(sz.replace(/0x[0-9a-fA-F]+/g, ''))) return null;
  try {
    // only digits, hex, parentheses and + - * << remain
    // eslint-disable-next-line no-new-func
    const v = Function(`"use strict"; return (${sz});`)() as unknown;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export const isPow2 = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;
