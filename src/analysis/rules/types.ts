/** The shape of a rule module and of the findings it reports. */
import type { Node, Tree } from 'web-tree-sitter';
import type { FunctionContext, FileSummary } from '../facts';
import type { DriverIndex } from '../driverIndex';
import type { Span } from '../driverIndex/records';

export type Severity = 'info' | 'warning' | 'error';
export type SeveritySetting = Severity | 'off';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
}

/** A finding before positions are turned into lines/columns and settings applied. */
export interface RawFinding {
  rule: string;
  /** overrides the rule's default severity for this finding (e.g. info for single↔page) */
  severity?: Severity;
  message: string;
  start: number;
  end: number;
  related?: { start: number; end: number; message: string }[];
  fixes?: Fix[];
}

export interface FileContext {
  tree: Tree;
  root: Node;
  text: string;
  file?: string;
  functions: FunctionContext[];
  summary: FileSummary;
}

export type Report = (f: Omit<RawFinding, 'rule'> & { rule?: string }) => void;

/** A finding of a driver-level rule: in one file of the folder, related to places in others (spans carry line/column). */
export interface DriverRawFinding {
  rule?: string;
  severity?: Severity;
  message: string;
  file: string;
  /** the function the finding is in */
  function: string;
  at: Span;
  related: { file: string; at: Span; message: string }[];
  /** mechanical fixes, as edits of the finding's file (offsets in its text) */
  fixes?: Fix[];
}

export type DriverReport = (f: DriverRawFinding) => void;

export interface Rule {
  id: string;
  /** one line, for SARIF and the docs index */
  title: string;
  severity: Severity;
  /** rules that did not reach the precision bar on the kernel corpus ship disabled */
  enabledByDefault?: boolean;
  /**
   * Functions whose text matches are analysed for this rule even when they name no DMA-API entry
   * (the checker's text prefilter would skip them): e.g. a `writel(virt_to_phys(…))`.
   */
  alsoAnalyse?: RegExp;
  /**
   * The file-level facts outside the function that checkFunction reads (the file summary, the file's
   * path), as a stable text. The checker caches a function's results under its text plus every rule's
   * key, so a change to those facts re-checks the function. Omit when the rule reads only the function
   * and the facts shared by all rules (fileSummary.ts sharedFactsKey). Name only what `fnText` mentions.
   */
  factsKey?(summary: FileSummary, fnText: string, file: string | undefined): string;

  /**
   * The rule reads device-writable memory (src/analysis/deviceMemory.ts): functions that use a member holding
   * the file's coherent memory are analysed for it even when they name no DMA-API entry — and only the rules
   * with this flag run on those.
   */
  readsDeviceMemory?: boolean;
  checkFunction?(ctx: FunctionContext, report: Report): void;
  checkFile?(ctx: FileContext, report: Report): void;
  /**
   * A driver-level check over the index of a folder (src/analysis/driverIndex): judges a call in one
   * function against what other functions, in other files of the driver, did to the same struct member.
   * Runs once per folder after every file's records are in (driverIndex/check.ts).
   */
  checkDriver?(index: DriverIndex, report: DriverReport): void;
}
