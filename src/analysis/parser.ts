/**
 * The C parsing service: web-tree-sitter + the tree-sitter-c grammar, both as
 * wasm, so the same code runs in Node (CLI, tests, desktop extension host) and
 * in the browser (VS Code for the Web). The caller supplies the wasm bytes;
 * nothing is ever fetched from the network.
 */
import { Parser, Language, Tree, Node, Edit, Point } from 'web-tree-sitter';
import { blankAnnotations, reblankAnnotations } from './preprocess';

export type { Tree, Node, Point };

export interface WasmBytes {
  /** web-tree-sitter's own runtime (tree-sitter.wasm) */
  treeSitter: Uint8Array;
  /** the C grammar (tree-sitter-c.wasm) */
  language: Uint8Array;
}

export interface ParseOptions {
  /** Give up when parsing takes longer than this (wall-clock ms). Default 2000. */
  timeoutMs?: number;
}

export const DEFAULT_PARSE_TIMEOUT_MS = 2000;

export class ParseTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`parsing took longer than ${timeoutMs} ms and was abandoned`);
  }
}

/** web-tree-sitter's runtime with the C grammar loaded: what every CParser of a host shares. */
export interface CRuntime {
  readonly language: Language;
  /** bytes of the runtime's wasm linear memory (it grows and never shrinks), when this load started the runtime */
  readonly heapBytes?: () => number;
}

/**
 * Whether web-tree-sitter's runtime is started. The runtime is one emscripten module per process (or web
 * worker) inside the library, and starting it twice would swap it under the parsers that exist: the
 * library is asked (a Parser can only be built once it is started); this module keeps no state of its own.
 */
function runtimeStarted(): boolean {
  try {
    new Parser().delete();
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the runtime if needed and loads the C grammar. Hosts that make several sessions keep the result
 * and pass it to CParser.create / AnalysisSession.create (src/node/wasm.ts nodeRuntime()).
 */
export async function loadCRuntime(wasm: WasmBytes): Promise<CRuntime> {
  // locateFile: emscripten derives the runtime's file name from import.meta.url even when
  // wasmBinary is given; in a CommonJS bundle running in a web worker that URL is undefined
  // and `new URL()` throws. The name is never fetched (the bytes are passed in).
  // the options object becomes the emscripten module (MODULARIZE builds on it): its HEAP8 views the linear memory once started
  const mod: { wasmBinary: Uint8Array; locateFile: (name: string) => string; HEAP8?: Int8Array } = { wasmBinary: wasm.treeSitter, locateFile: (name: string) => name };
  if (!runtimeStarted()) {
    await Parser.init(mod as object);
    fastHeapAccess(mod as HeapRuntime);
    return { language: await Language.load(wasm.language), heapBytes: () => mod.HEAP8?.buffer.byteLength ?? 0 };
  }
  return { language: await Language.load(wasm.language) };
}

/** The parts of web-tree-sitter's emscripten module that fastHeapAccess replaces. */
interface HeapRuntime {
  HEAP32?: Int32Array;
  setValue?: (ptr: number, value: number, type?: string) => void;
  getValue?: (ptr: number, type?: string) => number;
}

/**
 * web-tree-sitter passes every node to the wasm side, and back, through its module's setValue/getValue, five
 * 32-bit words per node. Those generic helpers test the type name with endsWith and a switch and go through a
 * DataView, each call; with a dozen walks per function they were 5% of a whole-tree check. On a little-endian
 * host (every one Node and browsers run on today) an `i32` is one Int32Array element: the helpers are replaced by
 * ones that do exactly that and leave every other type to the original. The module object is the one given to
 * Parser.init (emscripten's MODULARIZE builds on it), so this changes the library's runtime, nothing of ours;
 * anything unexpected (an older or newer web-tree-sitter without these members) leaves it untouched.
 */
function fastHeapAccess(m: HeapRuntime): void {
  const set = m.setValue;
  const get = m.getValue;
  if (typeof set !== 'function' || typeof get !== 'function' || !(m.HEAP32 instanceof Int32Array)) return;
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) return;
  // HEAP32 is read from the module at each call: emscripten replaces it when the wasm memory grows
  m.setValue = (ptr, value, type = 'i8') => {
    if (type === 'i32') m.HEAP32![ptr >> 2] = value;
    else set(ptr, value, type);
  };
  m.getValue = (ptr, type = 'i8') => (type === 'i32' ? m.HEAP32![ptr >> 2] : get(ptr, type));
}

function isRuntime(x: WasmBytes | CRuntime): x is CRuntime {
  return 'language' in x && !(x.language instanceof Uint8Array);
}

/** A parser for kernel C: annotation blanking, time limit, tree ownership left to the caller. */
export class CParser {
  private constructor(private readonly parser: Parser, readonly language: Language, private readonly runtime: CRuntime) {}

  /** From a loaded runtime, or from the wasm bytes (the runtime is then loaded for this parser). */
  static async create(source: WasmBytes | CRuntime): Promise<CParser> {
    const runtime = isRuntime(source) ? source : await loadCRuntime(source);
    const parser = new Parser();
    parser.setLanguage(runtime.language);
    return new CParser(parser, runtime.language, runtime);
  }

  /** Bytes of the wasm linear memory the parser's trees live in (undefined when the runtime cannot tell). */
  get heapBytes(): number | undefined {
    return this.runtime.heapBytes?.();
  }

  /**
   * Parses `text` (the document as the user sees it). With `oldTree` (already
   * `edit`ed to match), the parse is incremental. The caller owns the result
   * and must `delete()` it. Throws ParseTimeoutError when over the time limit.
   */
  parse(text: string, oldTree?: Tree | null, options: ParseOptions = {}): Tree {
    return this.parsePrepared(blankAnnotations(text), oldTree, options);
  }

  /** Same as parse() for text that has already been through blankAnnotations(). */
  parsePrepared(prepared: string, oldTree?: Tree | null, options: ParseOptions = {}): Tree {
    const timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    let timedOut = false;
    const tree = this.parser.parse(prepared, oldTree ?? null, {
      progressCallback: () => {
        if (Date.now() > deadline) timedOut = true;
        return timedOut as unknown as void;
      },
    });
    if (!tree || timedOut) {
      tree?.delete();
      this.parser.reset();
      throw new ParseTimeoutError(timeoutMs);
    }
    return tree;
  }

  delete(): void {
    this.parser.delete();
  }
}

/** A text change in document coordinates (offsets in UTF-16 code units, as JS strings). */
export interface TextChange {
  /** offset of the first changed character in the old text */
  start: number;
  /** offset just past the replaced range in the old text */
  oldEnd: number;
  /** the replacement text */
  text: string;
}

/** Position (row, column in UTF-16 code units) of an offset. */
export function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** The smallest single edit that turns `a` into `b` (common prefix and suffix removed). */
export function diffRange(a: string, b: string): { start: number; oldEnd: number; newEnd: number } | null {
  if (a === b) return null;
  const max = Math.min(a.length, b.length);
  const CHUNK = 2048;
  let start = 0;
  // whole chunks first (string comparison is a memcmp), then character by character
  while (start + CHUNK <= max && a.slice(start, start + CHUNK) === b.slice(start, start + CHUNK)) start += CHUNK;
  while (start < max && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let ea = a.length;
  let eb = b.length;
  while (ea - CHUNK >= start && eb - CHUNK >= start && a.slice(ea - CHUNK, ea) === b.slice(eb - CHUNK, eb)) { ea -= CHUNK; eb -= CHUNK; }
  while (ea > start && eb > start && a.charCodeAt(ea - 1) === b.charCodeAt(eb - 1)) { ea--; eb--; }
  return { start, oldEnd: ea, newEnd: eb };
}

/** The point reached from `from` after the text `segment`. */
function advance(from: Point, segment: string): Point {
  const last = segment.lastIndexOf('\n');
  if (last < 0) return { row: from.row, column: from.column + segment.length };
  let rows = 0;
  for (let i = segment.indexOf('\n'); i >= 0; i = segment.indexOf('\n', i + 1)) rows++;
  return { row: from.row + rows, column: segment.length - last - 1 };
}

export function applyChanges(text: string, changes: readonly TextChange[]): string {
  // Changes are applied in order, each against the result of the previous one
  // (the VS Code contentChanges contract, when sorted from last to first).
  let out = text;
  for (const c of changes) out = out.slice(0, c.start) + c.text + out.slice(c.oldEnd);
  return out;
}

interface DocEntry {
  text: string;
  prepared: string;
  tree: Tree;
  version: number;
  /** the range of the last incremental change in the new text, for "what changed" queries */
  lastChanged: { start: number; end: number } | null;
}

/**
 * One tree per open document. Edits are applied with `tree.edit` and an
 * incremental reparse; trees are deleted when replaced and when documents close.
 */
export class DocumentTrees {
  private readonly docs = new Map<string, DocEntry>();

  constructor(private readonly parser: CParser, private readonly options: ParseOptions = {}) {}

  /** Parses a newly opened document. Replaces (and deletes) any previous tree for the key. */
  open(key: string, text: string, version = 0): Tree {
    const prepared = blankAnnotations(text);
    const tree = this.parser.parsePrepared(prepared, null, this.options);
    this.close(key);
    this.docs.set(key, { text, prepared, tree, version, lastChanged: null });
    return tree;
  }

  /**
   * Applies changes and reparses incrementally. The tree is edited with the
   * smallest range that covers what changed after annotation blanking, so a
   * change that creates or removes an annotation still reparses correctly.
   */
  update(key: string, changes: readonly TextChange[], version = 0): Tree {
    const entry = this.docs.get(key);
    if (!entry) throw new Error(`document not open: ${key}`);
    return this.replace(key, applyChanges(entry.text, changes), version);
  }

  /** Replaces a document's whole text, reparsing incrementally against the old tree. */
  replace(key: string, text: string, version = 0): Tree {
    const entry = this.docs.get(key);
    if (!entry) return this.open(key, text, version);
    const raw = diffRange(entry.text, text);
    const prepared = raw ? reblankAnnotations(entry.prepared, text, raw.start, raw.oldEnd, raw.newEnd) : entry.prepared;
    const d = raw && diffRange(entry.prepared, prepared);
    if (!d) {
      entry.text = text;
      entry.version = version;
      entry.lastChanged = null;
      return entry.tree;
    }
    const startPoint = pointAt(prepared, d.start);
    const edit: Edit = {
      startIndex: d.start,
      oldEndIndex: d.oldEnd,
      newEndIndex: d.newEnd,
      startPosition: startPoint,
      oldEndPosition: advance(startPoint, entry.prepared.slice(d.start, d.oldEnd)),
      newEndPosition: advance(startPoint, prepared.slice(d.start, d.newEnd)),
    } as Edit;
    entry.tree.edit(edit);
    let tree: Tree;
    try {
      tree = this.parser.parsePrepared(prepared, entry.tree, this.options);
    } catch (e) {
      // the old tree no longer matches the text: drop the document entirely
      this.close(key);
      throw e;
    }
    entry.tree.delete();
    entry.tree = tree;
    entry.text = text;
    entry.prepared = prepared;
    entry.version = version;
    entry.lastChanged = { start: d.start, end: d.newEnd };
    return tree;
  }

  get(key: string): { text: string; tree: Tree; version: number; lastChanged: { start: number; end: number } | null } | undefined {
    const e = this.docs.get(key);
    return e && { text: e.text, tree: e.tree, version: e.version, lastChanged: e.lastChanged };
  }

  has(key: string): boolean {
    return this.docs.has(key);
  }

  close(key: string): void {
    const e = this.docs.get(key);
    if (e) {
      e.tree.delete();
      this.docs.delete(key);
    }
  }

  get size(): number {
    return this.docs.size;
  }

  dispose(): void {
    for (const key of [...this.docs.keys()]) this.close(key);
  }
}
