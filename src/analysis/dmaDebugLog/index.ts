/**
 * dma-debug reports in kernel logs: parse them (parse.ts, with checks, prefix, frames, fields),
 * locate their frames in C sources (locate.ts, pickCall.ts, callShapes, constants, modules) and
 * explain them (explain.ts). The CLI's explain-log and the extension's command use this API.
 */
export { CHECKS, classifyMessage } from './checks';
export type { CallFamily, CheckInfo, DmaDebugCheck } from './checks';
export type { FieldValue, FindingLike, FindingsFn, Frame, KernelLogReport, LocateOptions, LocationHow, LocationRole, SourceLocation, SourceText } from './types';
export { stripLogPrefix } from './prefix';
export { baseFunctionName, isGenericFrame } from './frames';
export { parseFields } from './fields';
export { parseKernelLog } from './parse';
export { foldConstant } from './constants';
export { LogLocator, checkerFindings, locateReports, wantedFunctions } from './locate';
export { EXPLANATIONS, checkTitle, explainReport } from './explain';
