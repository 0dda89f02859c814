/**
 * The DMA lifecycle simulator and the `.dmatrace` format: the API the CLI and the webview panel use.
 *
 *   parseTrace(text)              → { trace, errors: [{ line, message }] }   (never throws)
 *   printTrace(trace)             → text; parseTrace(printTrace(t)) gives the same steps
 *   simulate(trace, platform, o?) → SimResult { platform, steps: SimStep[], hazards: Hazard[] }
 *   simulateAll(trace)            → Record<PlatformId, SimResult>
 */
export { parseTrace, printTrace, stepText, STEP_NAMES } from './trace';
export { simulate, simulateAll } from './simulate';
export { sourceLabel, sourceOfTraceLine, rewriteTraceLines, withSourceLines } from './sourceRef';
export type { LocatedStep } from './sourceRef';
export * from './types';
export type { PlatformId } from '../platformIds';
