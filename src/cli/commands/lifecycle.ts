/** `dma-scope lifecycle <file.c>:<line> [--buffer <expr>]`: prints the buffer's lifecycle as a .dmatrace. */
import * as fs from 'fs';
import * as path from 'path';
import { CliIO, CommandInfo, OptionSpec, UsageError, flagSpec, parseArgs } from '../args';
import { AnalysisSession } from '../../analysis/session';
import type { Tree } from 'web-tree-sitter';
import { extractLifecycle, HeaderTree, LifecycleError, LifecycleResult, offsetOfLine, StitchCandidate } from '../../analysis/lifecycle';
import { nodeRuntime } from '../../node/wasm';
import { nodeDriverFolder } from '../../node/driverFolder';
import { MAX_DRIVER_CHARS, MAX_DRIVER_FILES } from '../../server/driverFolder';

/**
 * Reads `<file>:<line>`, the driver's own headers next to it, and extracts the
 * lifecycle there. Problems are reported on io.err as `dma-scope <command>: …`
 * and give undefined (exit 2); a malformed location is a UsageError.
 */
export async function lifecycleAt(command: string, location: string, buffer: string | undefined, io: CliIO, opts: { thisFunction?: boolean } = {}): Promise<{ result: LifecycleResult; file: string; line: number } | undefined> {
  const m = /^(.+):(\d+)$/.exec(location);
  if (!m) throw new UsageError(`'${location}' is not <file>:<line>`);
  const file = m[1];
  const line = Number(m[2]);
  if (line < 1) throw new UsageError('line numbers start at 1');
  let text: string;
  try {
    const full = path.resolve(io.cwd, file);
    if (fs.statSync(full).isDirectory()) throw new Error(`${file} is a directory`);
    text = fs.readFileSync(full, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    io.err(`dma-scope ${command}: cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.message}\n`);
    return undefined;
  }
  const lines = text.split('\n').length;
  if (line > lines) {
    io.err(`dma-scope ${command}: ${file} has only ${lines} lines\n`);
    return undefined;
  }
  const session = await AnalysisSession.create(await nodeRuntime());
  const trees: Tree[] = [];
  const parsed = new Map<string, HeaderTree>();
  const parse = (t: string): Tree => {
    const tr = session.parser.parse(t);
    trees.push(tr);
    return tr;
  };
  // a header included by several files is parsed once
  const headerTrees = (texts: readonly string[]): HeaderTree[] => texts.map((t) => {
    let h = parsed.get(t);
    if (!h) parsed.set(t, (h = { text: t, tree: parse(t) }));
    return h;
  });
  const full = path.resolve(io.cwd, file);
  // the driver's own headers next to it (the sizes they #define, the structs they declare), and the
  // other .c files of its driver (its folder, and the subfolders its Makefile links): where the buffer's life
  // goes on (bounded; src/server/driverFolder.ts)
  const driver = nodeDriverFolder(full);
  const folder = driver.folder;
  try {
    const headers = await folder.headersOf(text, driver.self);
    const tree = parse(text);
    const candidates: StitchCandidate[] = [];
    if (!opts.thisFunction) {
      // other files are named as the user named this one (relative stays relative)
      const shown = (n: string) => path.join(path.dirname(file), path.relative(path.dirname(full), path.join(driver.root, n))).split(path.sep).join('/');
      const found = await folder.sources(driver.self);
      for (const f of found.files) candidates.push({ file: shown(f.name), text: f.text, tree: parse(f.text), headers: f.headers, headerTrees: headerTrees(f.headers) });
      if (found.skipped) io.err(`dma-scope ${command}: ${found.skipped} other .c file${found.skipped > 1 ? 's' : ''} of ${path.dirname(file)} not searched (more than ${MAX_DRIVER_FILES} files or ${MAX_DRIVER_CHARS >> 20} MB, or unreadable)\n`);
    }
    const result = extractLifecycle({ text, tree, offset: offsetOfLine(text, line), buffer, file, headers, stitch: opts.thisFunction ? false : { candidates, headerTrees: headerTrees(headers) } });
    if (result.stitched) {
      io.err(`dma-scope ${command}: stitched ${result.stitched.length} functions: ${result.stitched.map((f) => `${f.name}() [${f.role}]`).join(' → ')}\n`);
    }
    return { result, file, line };
  } catch (e) {
    if (e instanceof LifecycleError) {
      io.err(`dma-scope ${command}: ${file}:${line}: ${e.message}\n`);
      return undefined;
    }
    throw e;
  } finally {
    for (const t of trees) t.delete();
    session.dispose();
  }
}

/** Shared with `replay`. */
export const THIS_FUNCTION_OPTION: OptionSpec = { name: '--this-function', help: 'Follow the buffer in this function only; by default it is followed through the functions of the driver (the .c files of the same folder) that map, sync, unmap or free the struct member holding it, and the trace is stitched from them.' };

const LIFECYCLE_OPTIONS: readonly OptionSpec[] = [
  { name: '--buffer', value: 'EXPR', help: 'The buffer to follow when the line maps or allocates more than one.' },
  THIS_FUNCTION_OPTION,
];

export const lifecycleCommand: CommandInfo = {
  options: LIFECYCLE_OPTIONS,
  details: 'Exit codes: 0 trace printed; 2 usage error, unreadable file, or no DMA buffer at that line.\n\nExample:\n  dma-scope lifecycle drivers/net/foo.c:120 > rx.dmatrace && dma-scope simulate rx.dmatrace',
  name: 'lifecycle',
  usage: 'lifecycle <file.c>:<line> [--buffer <expr>] [--this-function]',
  summary: 'print the lifecycle of the DMA buffer at a source line as a .dmatrace (for simulate or the panel)',
  async run(argv, io) {
    const args = parseArgs(argv, flagSpec(LIFECYCLE_OPTIONS));
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <file.c>:<line>');
    const r = await lifecycleAt('lifecycle', args.positionals[0], args.values.get('--buffer'), io, { thisFunction: args.flags.has('--this-function') });
    if (!r) return 2;
    io.out(r.result.trace);
    return 0;
  },
};
