/**
 * The byte-accurate DMA lifecycle simulator (dma-model.md §4) over the platform presets (§3).
 * The parts live in ./simulator: state (data), machine (memory, cache, swiotlb, IOMMU primitives),
 * layout, steps, access, lifetime (unmaps, frees, leaks), lostWrites, view (snapshots).
 *
 * Pure module: no vscode, no Node built-ins. Never throws on any Trace.
 */
import { PLATFORM_IDS, PlatformId } from '../platformIds';
import { PLATFORMS } from '../platforms';
import { stepText } from './trace';
import type { Hazard, SimOptions, SimResult, SimStep, Trace } from './types';
import { layout } from './simulator/layout';
import { endOfTrace } from './simulator/lifetime';
import { checkLost } from './simulator/lostWrites';
import { Machine, speculate } from './simulator/machine';
import { execStep } from './simulator/steps';
import { snapshot } from './simulator/view';

/** Runs a trace on one platform. Never throws. */
export function simulate(trace: Trace, platform: PlatformId, options?: SimOptions): SimResult {
  const p = PLATFORMS[platform] ?? PLATFORMS['x86-direct'];
  const spec = options?.speculativeFill ?? p.speculativeFillDefault;
  const wantSnapshots = options?.snapshots !== false;
  const M = new Machine(p, spec && !p.coherent);
  M.stepLines = (Array.isArray(trace?.steps) ? trace.steps : []).map((s) => (typeof s?.line === 'number' ? s.line : 0));
  const steps: SimStep[] = [];
  const all: Hazard[] = [];
  const list = Array.isArray(trace?.steps) ? trace.steps : [];
  try {
    layout(M, list);
  } catch {
    /* layout of malformed hand-built traces: objects missing from the map are skipped later */
  }
  for (let i = 0; i < list.length; i++) {
    const s = list[i];
    M.stepIndex = i;
    M.stepLine = typeof s?.line === 'number' ? s.line : 0;
    M.stepOp = String(s?.op ?? '');
    M.hazards = [];
    M.causes = new Set();
    M.touched = [];
    const nm = (s as { name?: unknown })?.name;
    M.stepObj = typeof nm === 'string' ? M.objs.get(nm) ?? M.neighbours.get(nm)?.owner : undefined;
    // age the lazy IOTLB
    for (const [ip, e] of M.iotlb) if (e.expiresAt < i) M.iotlb.delete(ip);
    try {
      execStep(M, s);
    } catch (e) {
      M.hz('API_MISUSE', `the simulator could not run this step: ${(e as Error)?.message ?? String(e)}`, 'Internal error while simulating; the step was skipped.');
    }
    if (i === list.length - 1) endOfTrace(M);
    try {
      checkLost(M);
      speculate(M);
    } catch {
      /* never throw */
    }
    let text = '';
    try {
      text = stepText(s);
    } catch {
      text = String(s?.op ?? '');
    }
    const st: SimStep = {
      index: i,
      line: M.stepLine,
      op: M.stepOp,
      text,
      hazards: M.hazards,
      state: wantSnapshots ? snapshot(M) : { seq: M.seq, buffers: [], mappings: [], iommu: [] },
    };
    if (s?.source) st.source = { ...s.source };
    steps.push(st);
    all.push(...M.hazards);
  }
  return { platform: p.id, steps, hazards: all };
}

/** Runs a trace on every platform preset. */
export function simulateAll(trace: Trace, options?: SimOptions): Record<PlatformId, SimResult> {
  const out = {} as Record<PlatformId, SimResult>;
  for (const id of PLATFORM_IDS) out[id] = simulate(trace, id, options);
  return out;
}
