/** DMA directions as the analysis reads them from source text. */
import { stripOuterParens } from './ast';

const DIR_CONST = /^(?:PCI_)?DMA_(BIDIRECTIONAL|TO_?DEVICE|FROM_?DEVICE|NONE)$/;

/** DMA_TO_DEVICE / PCI_DMA_TODEVICE → 'TO' etc.; null when not a constant. */
export function dirConst(norm: string | undefined): 'BIDI' | 'TO' | 'FROM' | 'NONE' | null {
  if (!norm) return null;
  const m = DIR_CONST.exec(stripOuterParens(norm));
  if (!m) return null;
  const k = m[1].replace('_', '');
  return k === 'BIDIRECTIONAL' ? 'BIDI' : k === 'TODEVICE' ? 'TO' : k === 'FROMDEVICE' ? 'FROM' : 'NONE';
}

/** The constant name of a direction ('TO' → DMA_TO_DEVICE …), for messages. */
export function dirName(d: string | null): string {
  return d === 'TO' ? 'DMA_TO_DEVICE' : d === 'FROM' ? 'DMA_FROM_DEVICE' : d === 'BIDI' ? 'DMA_BIDIRECTIONAL' : 'an unknown direction';
}
