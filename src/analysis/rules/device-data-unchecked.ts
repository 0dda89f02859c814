import type { Rule, RawFinding } from './types';
import { deviceData, UNTRUSTED_PLATFORMS, type DeviceFlow, type Origin } from '../deviceData';
import { lineAt } from './wave2Common';
import type { FunctionContext } from '../facts';

export const rule: Rule = {
  id: 'device-data-unchecked',
  title: 'A value read from device-writable DMA memory is used as an index, length, loop bound or pointer without a bound check',
  severity: 'warning',
  alsoAnalyse: /\bvirtqueue_get_buf/,
  readsDeviceMemory: true,
  checkFunction(ctx, report) {
    for (const f of deviceData(ctx).flows) {
      if (f.checkedRead) continue;
      report(uncheckedFinding(ctx, f));
    }
  },
};

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

function uncheckedFinding(ctx: FunctionContext, f: DeviceFlow): Omit<RawFinding, 'rule'> {
  const what = sourceText(ctx, f);
  const todo = f.sink === 'pointer'
    ? 'Do not take pointers or DMA handles back from device memory: keep them in the driver\'s own bookkeeping (or validate the value against it) and use that.'
    : f.sink === 'index'
      ? 'Check it against the array size (or mask it by the power-of-two ring size, or use array_index_nospec()) before indexing.'
      : f.sink === 'loop'
        ? 'Check it against the largest count the driver allows before looping.'
        : 'Check it against the size of the buffer it copies into or out of (or clamp it with min()) before using it.';
  const rel = [originRelated(f.origin)];
  if (f.read.start < f.at.startIndex || f.read.start >= f.at.endIndex) rel.push({ start: f.read.start, end: f.read.end, message: f.origin.kind === 'used-len' ? 'the length is written here' : 'read from device memory here' });
  return {
    start: f.at.startIndex,
    end: f.at.endIndex,
    message: `${what} and is used as ${f.sinkWhat} with ${f.sink === 'pointer' ? 'nothing validating it' : 'no bound check'}; on ${UNTRUSTED_PLATFORMS} whoever writes that memory chooses this value. ${todo}`,
    related: rel,
  };
}
