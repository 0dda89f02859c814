/**
 * What the language server asks of where it runs (src/server/node.ts for stdio, browserHost.ts for the
 * web worker), and the URI helpers both sides use.
 */
import { DiagnosticSeverity, type InitializeParams } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { WasmBytes } from '../analysis/parser';
import type { SeveritySetting } from '../analysis/rules/types';
import type { SessionOptions } from '../analysis/session';
import type { PlatformId } from '../model/platformIds';
import type { Finding } from './analysis';
import type { DriverSearch } from './driverFolder';

export interface ReplayRequest {
  uri: string;
  /** 1-based line of the call the lifecycle starts from */
  line: number;
  trace: string;
  title: string;
  platform: PlatformId;
}

export interface ServerHost {
  loadWasm(): Promise<WasmBytes>;
  /**
   * Makes the standalone replay page for a lifecycle and returns where it is
   * (a URI the client can show). Absent in hosts that cannot write files.
   */
  writeReplay?(r: ReplayRequest): Promise<string>;
  /** the `#include "…"` headers next to a file, for sizes they #define (best effort) */
  readHeaders?(uri: string, text: string): Promise<string[]>;
  /** every *.c / *.h file under the folders (absolute paths, sorted; hidden folders and node_modules skipped) */
  listSourceFiles?(folders: string[], limit: number): Promise<string[]>;
  /** the *.c / *.h files directly in one folder (absolute paths, sorted), at most `limit`: the driver index of the folder (src/server/driverIndexing.ts) */
  listFolderFiles?(folder: string, limit: number): Promise<string[]>;
  readFile?(file: string): Promise<string>;
  /** a folder's kbuild file (`Kbuild`, else `Makefile`), undefined when none: drivers spanning subfolders are indexed as one */
  readMakefile?(folder: string): Promise<string | undefined>;
  /**
   * The driver's other .c files next to a document, for a stitched lifecycle (bounded; ./driverFolder.ts),
   * each with the local headers it includes; only those of `only` (absolute paths) when given. An open
   * document's text wins over the disk.
   */
  driverSources?(file: string, opts: { only?: readonly string[]; openText(file: string): string | undefined }): Promise<DriverSearch>;
  /** the file: URI of an absolute path */
  fileUri?(file: string): string;
  /** a rule page's URI (the page installed with the server); clients asking for `ruleLinks: 'command'` get a VS Code command link instead */
  ruleDocHref?(ruleId: string): string;
  /**
   * The repository configuration (`.dma-scope.json`, merged upward) of an absolute path: its rule
   * severities (client settings override them), whether its exclude globs match, and its problems.
   */
  repoConfig?(file: string): { rules: Record<string, SeveritySetting>; excluded: boolean; problems: string[] };
  /** options of the server's analysis session (e.g. a header host that reads the driver's headers) */
  sessionOptions?: SessionOptions;
  /** checks documents of every URI scheme the client sends (the web workbench's file systems are not file:) */
  anyScheme?: boolean;
  /** sees the client's initialize request before the parser loads (the browser host takes the wasm bytes from it) */
  initialize?(params: InitializeParams): void;
  /** the process's memory figures (bytes) for the dmaScope/memory request */
  processMemory?(opts?: { gc?: boolean; heapSnapshotDir?: string }): Record<string, number>;
  /** trims the heap when the server has gone quiet after work (./idleTrim.ts); absent: nothing is done */
  trimIdleHeap?(): void;
}

export function isCDocument(doc: TextDocument): boolean {
  return doc.languageId === 'c' || /\.[ch]$/i.test(doc.uri);
}

export function schemeOf(uri: string): string {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(uri);
  return m ? m[1].toLowerCase() : '';
}

/** The path of a file: URI (percent-decoded), or undefined. */
export function uriPath(uri: string): string | undefined {
  if (schemeOf(uri) !== 'file') return undefined;
  try {
    return decodeURIComponent(new URL(uri).pathname);
  } catch {
    return undefined;
  }
}

export function severityOf(s: Finding['severity']): DiagnosticSeverity {
  return s === 'error' ? DiagnosticSeverity.Error : s === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
}

