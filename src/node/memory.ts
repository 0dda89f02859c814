/**
 * The Node process's memory split for the language server's `dmaScope/memory` request (src/server/protocol.ts):
 * RSS, the V8 heap (used vs committed), memory outside the heap (external, of which array buffers), in bytes;
 * `gc` collects first, so that "used" is the live heap;
 * `heapSnapshotDir` writes a heap snapshot there first (for Chrome DevTools' Memory tab; it collects too).
 */
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';

export function nodeProcessMemory(opts: { gc?: boolean; heapSnapshotDir?: string } = {}): Record<string, number> {
  // the live heap, for diagnosis
  if (opts.gc) gcFn()?.();
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
    ...Object.fromEntries(v8.getHeapSpaceStatistics().map((sp) => [`committed:${sp.space_name}`, sp.space_size])),
    idleTrims: trims,
    idleTrimMs: Math.round(trimMs),
    liveAfterLastTrim: liveAfterTrim,
  };
}

/** The V8 flag the idle trim's `gc()` needs; the launcher (src/cli/bin.ts) sets it before the server's bundle loads. */
export const GC_FLAG = '--expose-gc';

/**
 * Sets GC_FLAG now. V8 takes a code cache only under the flags it was made with, so a process that sets
 * it later than the bundle's compilation (the first trim) would find its code cache rejected at every start.
 */
export function allowGc(): void {
  v8.setFlagsFromString(GC_FLAG);
}

/** a full, synchronous collection (with options, Node 20's V8 ran a 1-ms minor one: measured) */
type GcFunction = () => void;
let gcFunction: GcFunction | null | undefined;

/**
 * V8's `gc()` without starting node with --expose-gc: the flag is set at run time and the function taken
 * from a new context (the main context's globals are left alone). Hand-written: the `expose-gc` package
 * does these same two calls but also assigns `global.gc`. Null when this V8 refuses.
 */
function gcFn(): GcFunction | null {
  if (gcFunction === undefined) {
    try {
      const existing = (globalThis as { gc?: GcFunction }).gc;
      if (existing) gcFunction = existing;
      else {
        allowGc();
        const f = vm.runInNewContext('gc') as unknown;
        gcFunction = typeof f === 'function' ? (f as GcFunction) : null;
      }
    } catch {
      gcFunction = null;
    }
  }
  return gcFunction;
}

/** the heap after the last trim's collection (bytes) */
let liveAfterTrim = 0;
let trims = 0;
let trimMs = 0;
/** a trim is worth it when the heap has grown this much over what was live after the last one */
const TRIM_GROWTH = 32 * 1024 * 1024;

/**
 * The language server's idle-time trim (src/server/idleTrim.ts calls it when the server has gone quiet
 * after work): a full collection when the heap holds at least TRIM_GROWTH (32 MiB) more than was live
 * after the previous one, so the garbage of a burst (a batch of files opened and closed, a folder's driver
 * index built) is collected now rather than when allocation next reaches V8's limit, which in an idle
 * server may not come for a long time. Node's platform runs none of the idle-time tasks with which V8
 * collects in a browser. Measured with scripts/bench-lsp.mjs (150 drivers/net/ethernet files, four
 * rounds): without it the heap held 85-214 MiB at the end of a round for ~75 MiB live, and the RSS after
 * a round moved with it. A collection of that heap costs some 40-80 ms of the idle main thread; typing in
 * one file allocates far less than the threshold between trims. Returns whether it collected.
 */
export function trimIdleHeap(): boolean {
  const gc = gcFn();
  if (!gc) return false;
  const used = v8.getHeapStatistics().used_heap_size;
  if (used < liveAfterTrim + TRIM_GROWTH) return false;
  const t0 = performance.now();
  gc();
  trimMs += performance.now() - t0;
  liveAfterTrim = v8.getHeapStatistics().used_heap_size;
  trims++;
  return true;
}
