import type { Rule, RawFinding } from './types';
import { deviceData, UNTRUSTED_PLATFORMS, type DeviceFlow } from '../deviceData';
import { originRelated, sourceText } from './shared/deviceFindings';
import type { FunctionContext } from '../facts';
import { deviceMemoryKey } from '../deviceMemory';

export const rule: Rule = {
  id: 'device-data-unchecked',
  title: 'A value read from device-writable DMA memory is used as an index, length, loop bound or pointer without a bound check',
  severity: 'warning',
  alsoAnalyse: /\bvirtqueue_get_buf/,
  readsDeviceMemory: true,
  // the file's device allocations of the members the function reads (which ones; where they are is the related location's anchor)
  factsKey: (s, fnText) => deviceMemoryKey(s, fnText),
  checkFunction(ctx, report) {
    for (const f of deviceData(ctx).flows) {
      if (f.checkedRead) continue;
      report(uncheckedFinding(ctx, f));
    }
  },
};

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
