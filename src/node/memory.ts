/**
 * The Node process's memory split for the language server's `dmaScope/memory` request (src/server/protocol.ts):
 * RSS, the V8 heap (used vs committed), memory outside the heap (external, of which array buffers), in bytes;
 * `gc` (a server started with node --expose-gc) collects first, so that "used" is the live heap;
 * `heapSnapshotDir` writes a heap snapshot there first (for Chrome DevTools' Memory tab; it collects too).
 */
import * as path from 'path';
import * as v8 from 'v8';

export function nodeProcessMemory(opts: { gc?: boolean; heapSnapshotDir?: string } = {}): Record<string, number> {
  // the live heap, for diagnosis: only in a server started with --expose-gc
  const gc = (globalThis as { gc?: () => void }).gc;
  if (opts.gc && gc) gc();
  if (opts.heapSnapshotDir) v8.writeHeapSnapshot(path.join(opts.heapSnapshotDir, `dma-scope-lsp-${process.pid}-${Date.now()}.heapsnapshot`));
  const m = process.memoryUsage();
  const h = v8.getHeapStatistics();
  return {
    rss: m.rss,
    heapUsed: h.used_heap_size,
    heapCommitted: h.total_heap_size,
    heapPhysical: h.total_physical_size,
    mallocedMemory: h.malloced_memory,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
  };
}
