/**
 * DMA Scope's own language-server messages (besides the standard LSP ones), shared by the server and
 * the clients that implement them. Nothing else is imported here, so a client bundle stays small.
 */

/**
 * Server → client: the text of a file, for a server that cannot read files itself (the web worker).
 * A client announces that it serves it with `initializationOptions.readFiles: true`.
 */
export const READ_FILE_REQUEST = 'dmaScope/readFile';
export interface ReadFileParams {
  uri: string;
}
/** null: no such file, unreadable, outside the workspace, or over the client's size limit */
export type ReadFileResult = { text: string } | null;

/**
 * Server → client: the names of the C files (`*.c`, `*.h`) directly in a folder, for the driver index of
 * a server that cannot list folders itself (the web worker). Served by the clients that serve
 * READ_FILE_REQUEST.
 */
export const LIST_FOLDER_REQUEST = 'dmaScope/listFolder';
export interface ListFolderParams {
  uri: string;
}
/** null: not a folder, unreadable, or outside the workspace */
export type ListFolderResult = { names: string[] } | null;

/**
 * The V8 flag of the language server's quick start (tree-sitter's wasm compiled by Liftoff only; see
 * src/node/wasm.ts). A client that starts the server with it on node's command line saves the server
 * setting it, or on recent V8 starting itself again with it.
 */
export const QUICK_WASM_FLAG = '--liftoff-only';

/**
 * Client → server: where the server's memory is (for the bench and for diagnosing a long session): the
 * process figures its host can give (Node: RSS, V8 heap used/committed, external, array buffers), the
 * analysis session's cache bytes, the parser's wasm linear memory and the folders' driver-index sizes.
 */
export const MEMORY_REQUEST = 'dmaScope/memory';
export interface MemoryParams {
  /** collect garbage first (a Node server), so the heap figure is the live heap */
  gc?: boolean;
  /** a Node server writes a V8 heap snapshot into this folder first (diagnosis; the snapshot collects garbage too) */
  heapSnapshotDir?: string;
}
export interface MemoryResult {
  process?: Record<string, number>;
  session?: {
    documents: number;
    cachedFunctions: number;
    bytes: Record<string, number>;
    wasmHeapBytes: number | undefined;
    driverIndexes: { folders: number; files: number; records: number; bytes: number };
  };
  /** the server's own maps of open documents (diagnostics kept for re-publication) */
  server: { openDocuments: number; indexedFolders: number; indexingPending: number };
}
