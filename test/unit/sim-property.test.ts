/**
 * Properties of the simulator (fast-check):
 * - a random lifecycle that obeys the ownership contract has no hazard on any platform;
 * - the simulator never throws, whatever trace it is given.
 *
 * The contract the generator follows (dma-api-howto / dma-model.md §0, §2.4):
 * - each streaming buffer has one direction for its life; the CPU touches it only while it owns it
 *   (unmapped, or after dma_sync_single_for_cpu), the device only while it owns it (after map or
 *   dma_sync_single_for_device), and only in its direction (TO: device reads; FROM: device writes);
 * - a DMA_FROM_DEVICE buffer is read-only for the CPU (write access needs BIDI);
 * - CPU writes to a CPU-owned mapping are handed back with dma_sync_single_for_device before the
 *   unmap (an unmap copies back / invalidates FROM and BIDI mappings);
 * - every map is checked with dma_mapping_error, unmapped with its size and direction, every
 *   allocation freed; syncs cover the whole mapping; buffers share no cache line with other data.
 * Coherent memory has no ownership: the generator lets the device write it between two CPU reads,
 * which is a TOCTOU_READ on cvm / iommu-untrusted (a hazard about reading twice, not about the
 * contract, tested in sim.test.ts), so that kind is left out here.
 */
import * as assert from 'assert';
import fc from 'fast-check';
import { PLATFORM_IDS } from '../../src/model/platformIds';
import { Direction, parseTrace, printTrace, simulate, Step, STEP_NAMES, Trace } from '../../src/model/sim';

type BufSpec = { kind: 'kmalloc' | 'page' | 'static' | 'coherent' | 'noncoherent'; size: number; dir: Direction; sg: boolean };

const bufSpec: fc.Arbitrary<BufSpec> = fc.record({
  kind: fc.constantFrom('kmalloc', 'kmalloc', 'page', 'static', 'coherent', 'noncoherent'),
  size: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 4096 }), fc.constantFrom(64, 128, 1536, 2048, 4096)),
  dir: fc.constantFrom<Direction>('DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'),
  sg: fc.boolean(),
});

/** Builds a contract-obeying trace from buffer specs and a stream of random choices. */
function contractTrace(specs: BufSpec[], choices: number[]): Trace {
  const steps: Step[] = [];
  let line = 0;
  const push = (s: Step) => steps.push({ ...s, line: ++line } as Step);
  type St = { name: string; spec: BufSpec; state: 'unmapped' | 'dev' | 'cpu'; dirty: boolean };
  const bufs: St[] = specs.map((spec, i) => ({ name: `b${i}`, spec, state: 'unmapped', dirty: false }));
  for (const b of bufs) {
    const { kind, size, dir } = b.spec;
    if (kind === 'coherent') push({ op: 'dma_alloc_coherent', line: 0, name: b.name, size });
    else if (kind === 'noncoherent') {
      push({ op: 'dma_alloc_noncoherent', line: 0, name: b.name, size, dir });
      b.state = 'cpu';
    } else push({ op: 'buffer', line: 0, name: b.name, kind, size });
  }
  const mapOp = (b: St) => (b.spec.sg ? 'dma_map_sg' : b.spec.kind === 'page' ? 'dma_map_page' : 'dma_map_single');
  const unmapOp = (b: St) => (b.spec.sg ? 'dma_unmap_sg' : b.spec.kind === 'page' ? 'dma_unmap_page' : 'dma_unmap_single');
  const range = (size: number, c: number): { offset: number; len: number } => {
    const offset = (c >>> 3) % size;
    const len = 1 + ((c >>> 13) % (size - offset));
    return { offset, len };
  };
  for (const c of choices) {
    const b = bufs[c % bufs.length];
    const { kind, size, dir } = b.spec;
    const r = range(size, c);
    const cpuMayWrite = dir !== 'DMA_FROM_DEVICE';
    const acts: (() => void)[] = [];
    if (kind === 'coherent') {
      acts.push(() => push({ op: 'cpu_write', line: 0, name: b.name, ...r }));
      acts.push(() => push({ op: 'cpu_read', line: 0, name: b.name, ...r }));
      acts.push(() => push({ op: 'device_write', line: 0, name: b.name, ...r }));
      acts.push(() => push({ op: 'device_read', line: 0, name: b.name, ...r }));
    } else if (b.state === 'unmapped' || b.state === 'cpu') {
      acts.push(() => push({ op: 'cpu_read', line: 0, name: b.name, ...r }));
      if (cpuMayWrite)
        acts.push(() => {
          push({ op: 'cpu_write', line: 0, name: b.name, ...r });
          if (b.state === 'cpu') b.dirty = true;
        });
      if (b.state === 'unmapped' && kind !== 'noncoherent')
        acts.push(() => {
          push({ op: mapOp(b), line: 0, name: b.name, dir, attrs: [] } as Step);
          push({ op: 'dma_mapping_error', line: 0, name: b.name });
          b.state = 'dev';
        });
      if (b.state === 'cpu')
        acts.push(() => {
          push({ op: 'dma_sync_single_for_device', line: 0, name: b.name, dir });
          b.state = 'dev';
          b.dirty = false;
        });
      if (b.state === 'cpu' && !b.dirty && kind !== 'noncoherent')
        acts.push(() => {
          push({ op: unmapOp(b), line: 0, name: b.name, dir, attrs: [] } as Step);
          b.state = 'unmapped';
        });
    } else {
      if (dir !== 'DMA_TO_DEVICE') acts.push(() => push({ op: 'device_write', line: 0, name: b.name, ...r }));
      if (dir !== 'DMA_FROM_DEVICE') acts.push(() => push({ op: 'device_read', line: 0, name: b.name, ...r }));
      acts.push(() => push({ op: 'device_done', line: 0 }));
      acts.push(() => {
        push({ op: 'dma_sync_single_for_cpu', line: 0, name: b.name, dir });
        b.state = 'cpu';
      });
      if (kind !== 'noncoherent')
        acts.push(() => {
          push({ op: unmapOp(b), line: 0, name: b.name, dir, attrs: [] } as Step);
          b.state = 'unmapped';
        });
    }
    acts[(c >>> 20) % acts.length]();
  }
  for (const b of bufs) {
    if (b.spec.kind === 'coherent') push({ op: 'dma_free_coherent', line: 0, name: b.name });
    else if (b.spec.kind === 'noncoherent') {
      if (b.state === 'dev') push({ op: 'dma_sync_single_for_cpu', line: 0, name: b.name, dir: b.spec.dir });
      push({ op: 'dma_free_noncoherent', line: 0, name: b.name });
    } else if (b.state === 'cpu' && b.dirty) {
      push({ op: 'dma_sync_single_for_device', line: 0, name: b.name, dir: b.spec.dir });
      push({ op: unmapOp(b), line: 0, name: b.name, dir: b.spec.dir, attrs: [] } as Step);
    } else if (b.state !== 'unmapped') push({ op: unmapOp(b), line: 0, name: b.name, dir: b.spec.dir, attrs: [] } as Step);
  }
  return { steps };
}

describe('simulator properties', () => {
  it('a random lifecycle that obeys the ownership contract has no hazard on any platform', () => {
    fc.assert(
      fc.property(fc.array(bufSpec, { minLength: 1, maxLength: 3 }), fc.array(fc.nat(), { maxLength: 40 }), (specs, choices) => {
        const t = contractTrace(specs, choices);
        // the generated trace is valid .dmatrace text as well
        const reparsed = parseTrace(printTrace(t));
        assert.deepStrictEqual(reparsed.errors, []);
        for (const id of PLATFORM_IDS) {
          const r = simulate(reparsed.trace, id, { snapshots: false });
          assert.deepStrictEqual(
            r.hazards.filter((h) => h.kind !== 'TOCTOU_READ').map((h) => `${h.kind} at line ${h.line}: ${h.detail}`),
            [],
            `${id}\n${printTrace(t)}`,
          );
        }
      }),
      { numRuns: 120 },
    );
  });

  it('the same holds with speculative prefetch off', () => {
    fc.assert(
      fc.property(fc.array(bufSpec, { minLength: 1, maxLength: 2 }), fc.array(fc.nat(), { maxLength: 30 }), (specs, choices) => {
        const t = contractTrace(specs, choices);
        for (const id of ['arm64-noncoherent', 'armv7-noncoherent', 'riscv-noncoherent'] as const) {
          assert.deepStrictEqual(simulate(t, id, { speculativeFill: false, snapshots: false }).hazards, [], id);
        }
      }),
      { numRuns: 60 },
    );
  });

  const names = ['a', 'b', 'n', 'zz'];
  const num = fc.oneof(fc.integer({ min: -5000, max: 5000 }), fc.constantFrom(0, 1, 63, 64, 4095, 4096, 9000, -1));
  const anyStep: fc.Arbitrary<Step> = fc
    .record({
      op: fc.constantFrom(...STEP_NAMES.filter((s) => s !== 'platform'), 'bogus'),
      name: fc.constantFrom(...names),
      buffer: fc.constantFrom(...names),
      kind: fc.constantFrom('kmalloc', 'page', 'stack', 'vmalloc', 'static', 'coherent', 'pool', 'noncoherent'),
      size: fc.option(num, { nil: undefined }),
      offset: fc.option(num, { nil: undefined }),
      len: fc.option(num, { nil: undefined }),
      align: fc.option(fc.constantFrom(1, 8, 64, 128, 4096, 3), { nil: undefined }),
      value: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      dir: fc.constantFrom('DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL', 'DMA_NONE'),
      attrs: fc.array(fc.constantFrom('DMA_ATTR_SKIP_CPU_SYNC', 'DMA_ATTR_WEAK_ORDERING'), { maxLength: 2 }),
      line: fc.nat(100),
    })
    .map((r) => r as unknown as Step);

  it('never throws on random (even ill-formed) traces, on any platform', () => {
    fc.assert(
      fc.property(fc.array(anyStep, { maxLength: 30 }), fc.boolean(), (steps, spec) => {
        for (const id of PLATFORM_IDS) {
          const r = simulate({ steps }, id, { speculativeFill: spec, snapshots: false });
          assert.strictEqual(r.steps.length, steps.length);
          for (const h of r.hazards) assert.ok(h.kind && h.detail && h.why && h.step >= 0 && h.step < steps.length);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on random steps that parse (with snapshots)', () => {
    const words = ['buffer', 'neighbour', 'cpu_write', 'cpu_read', 'device_write', 'device_read', 'dma_map_single', 'dma_unmap_single', 'dma_sync_single_for_cpu', 'dma_sync_single_for_device', 'dma_alloc_coherent', 'dma_free_coherent', 'cpu_evict', 'driver_unbind'];
    const lineArb = fc
      .tuple(fc.constantFrom(...words), fc.constantFrom('a', 'b'), fc.constantFrom('kmalloc', 'page', 'DMA_FROM_DEVICE', 'DMA_TO_DEVICE', 'DMA_BIDIRECTIONAL', 'a', '-64'), fc.constantFrom('', '64', '0 16', '1536', '32 8', '8 value=3', 'size=16'))
      .map((ws) => ws.join(' '));
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 25 }), (lines) => {
        const { trace } = parseTrace(['buffer a kmalloc 96 align=128 offset=16', 'buffer b page 4096', ...lines].join('\n'));
        for (const id of PLATFORM_IDS) simulate(trace, id);
      }),
      { numRuns: 60 },
    );
  });
});

describe('simulator properties: the contract generator is not vacuous', () => {
  it('dropping the dma_sync_single_for_cpu before a CPU read of device data shows a data hazard somewhere', () => {
    let mutated = 0;
    fc.assert(
      fc.property(fc.array(bufSpec, { minLength: 1, maxLength: 2 }), fc.array(fc.nat(), { minLength: 10, maxLength: 40 }), (specs, choices) => {
        const t = contractTrace(specs, choices);
        // find a sync_for_cpu followed (before any other ownership step of that buffer) by a cpu_read
        const i = t.steps.findIndex((s, k) => s.op === 'dma_sync_single_for_cpu' && t.steps[k - 1]?.op === 'device_write' && t.steps[k + 1]?.op === 'cpu_read' && (t.steps[k + 1] as { name: string }).name === s.name && (t.steps[k - 1] as { name: string }).name === s.name);
        if (i < 0) return;
        const w = t.steps[i - 1] as { offset?: number; len?: number };
        const rd = t.steps[i + 1] as { offset?: number; len?: number };
        const [wa, wb] = [w.offset ?? 0, (w.offset ?? 0) + (w.len ?? 1 << 30)];
        const [ra, rb] = [rd.offset ?? 0, (rd.offset ?? 0) + (rd.len ?? 1 << 30)];
        if (Math.max(wa, ra) >= Math.min(wb, rb)) return; // the read does not look at the device's bytes
        mutated++;
        const steps = t.steps.filter((_, k) => k !== i);
        const hit = PLATFORM_IDS.some((id) => simulate({ steps }, id, { snapshots: false }).hazards.some((h) => h.kind === 'STALE_CPU_READ'));
        assert.ok(hit, printTrace({ steps }));
      }),
      { numRuns: 600 },
    );
    assert.ok(mutated > 0, 'no generated trace had a sync to drop');
  });
});
