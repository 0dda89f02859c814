/** The wording and related locations the device-data rules share (where the value comes from). */
import { lineAt } from '../../ast';
import type { DeviceFlow, Origin } from '../../deviceData';
import type { FunctionContext } from '../../facts';

export function originRelated(o: Origin): { start: number; end: number; message: string } {
  return {
    start: o.start, end: o.end,
    message: o.kind === 'coherent' ? `device-writable memory allocated here (${o.what})`
      : o.kind === 'streaming' ? `the device writes this buffer (${o.what})`
      : `the device reports this length (${o.what})`,
  };
}

/** "`len` holds a value read at line 40 from DMA-coherent memory (dma_alloc_coherent() at line 12)" */
export function sourceText(ctx: FunctionContext, f: DeviceFlow): string {
  const line = lineAt(ctx.text, f.read.start);
  if (f.origin.kind === 'used-len') return `\`${f.via ?? oneLine(f.at.text)}\` is the used length the device reported through ${f.origin.what} (line ${line})`;
  const where = f.origin.kind === 'coherent' ? `DMA-coherent memory (${f.origin.what} at line ${lineAt(ctx.text, f.origin.start)})` : f.origin.what;
  return f.via ? `\`${f.via}\` holds \`${oneLine(f.read.text)}\`, read at line ${line} from ${where},` : `\`${oneLine(f.read.text)}\` is read from ${where}`;
}

export function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > 60 ? t.slice(0, 57) + '...' : t;
}
