/**
 * What the kernel-log parser returns (one report per dma-debug WARN, with its stack frames) and
 * what the locator takes and returns (source texts in, source locations out).
 */
import type { Tree } from 'web-tree-sitter';
import type { DmaDebugCheck } from './checks';

export interface Frame {
  function: string;
  /** offset into the function, as written in the log (hex with 0x) */
  offset: string;
  /** the function's length, as written (hex with 0x) */
  length: string;
  /** module name in brackets, when the function lives in a module */
  module?: string;
  /** `? ` frames on x86 are stack words that merely look like return addresses */
  unreliable: boolean;
  /** 1-based line of the log */
  line: number;
}

export type FieldValue = string | number;

export interface KernelLogReport {
  check: DmaDebugCheck;
  rule: string | null;
  /** dev_driver_string(): the driver name, or "NULL" */
  driver: string;
  /** dev_name(): e.g. 0000:03:00.0 */
  device: string;
  /** the message after "<driver> <device>: ", joined with its continuation line */
  message: string;
  fields: Record<string, FieldValue>;
  /** Call Trace frames in log order (innermost first) */
  frames: Frame[];
  /** "Mapped at:" frames (the stack recorded at map/alloc time) */
  mappedAt: Frame[];
  /** where the WARN fired, from the WARNING: line */
  warning?: { cpu?: number; pid?: number; file?: string; fileLine?: number; function?: string };
  /** process name from the "CPU: … Comm: …" line */
  comm?: string;
  /** kernel release from the "CPU: …" line */
  kernel?: string;
  /** modules from "Modules linked in:" (taint flags stripped) */
  modules?: string[];
  /** 1-based log lines where the report starts and ends */
  startLine: number;
  endLine: number;
  /** the log ended (or another report began) before the report was complete */
  truncated: boolean;
}

// ---- locating reports in source

export interface SourceText {
  /** path as the caller wants it shown (relative or absolute) */
  path: string;
  text: string;
}

/** A static finding of our checker, reduced to what the locator needs. */
export interface FindingLike {
  rule: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column?: number;
  message?: string;
}

export type FindingsFn = (file: SourceText, tree: Tree) => readonly FindingLike[];

export interface LocateOptions {
  /** static findings per file (the checker's checkTree); used to pick the exact call */
  findings?: FindingsFn;
  /** how many caller frames (after the one that made the DMA call) to resolve; default 3 */
  maxCallers?: number;
}

export type LocationRole = 'trigger' | 'caller' | 'mapped-at';
/** How the line was chosen: a checker finding, the report's fields (size/direction/count), a comparison with the map call, the first call of the family, a call site of the inner frame, or only the function. */
export type LocationHow = 'finding' | 'fields' | 'compare' | 'family' | 'call-site' | 'definition';

export interface SourceLocation {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
  function: string;
  role: LocationRole;
  how: LocationHow;
  /** the call at that line (a DMA call, or the inner frame's function) */
  call?: string;
  /** index of the frame in report.frames (or report.mappedAt for 'mapped-at') */
  frame: number;
  /** the static checker's findings on this line (when LocateOptions.findings is given) */
  findings?: FindingLike[];
}
