/** `dma-scope lifecycle <file.c>:<line> [--buffer <expr>]`: prints the buffer's lifecycle as a .dmatrace. */
import * as fs from 'fs';
import * as path from 'path';
import { CliIO, CommandInfo, OptionSpec, UsageError, flagSpec, parseArgs } from '../args';
import { AnalysisSession } from '../../analysis/session';
import type { Tree } from 'web-tree-sitter';
import { extractLifecycle, HeaderTree, LifecycleError, LifecycleResult, localIncludes, offsetOfLine, StitchCandidate } from '../../analysis/lifecycle';
import { nodeRuntime } from '../../node/wasm';

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
  const parse = (t: string): Tree => {
    const tr = session.parser.parse(t);
    trees.push(tr);
    return tr;
  };
  const full = path.resolve(io.cwd, file);
  const dir = path.dirname(full);
  const headerCache = new Map<string, HeaderTree | null>();
  // the driver's own headers next to a file: the sizes they #define, the structs they declare
  const headersOf = (src: string, from: string): { texts: string[]; trees: HeaderTree[] } => {
    const texts: string[] = [];
    const trees: HeaderTree[] = [];
    for (const inc of localIncludes(src)) {
      const h = path.resolve(path.dirname(from), inc);
      let got = headerCache.get(h);
      if (got === undefined) {
        got = null;
        try {
          if (fs.statSync(h).size <= 2 * 1024 * 1024) {
            const t = fs.readFileSync(h, 'utf8');
            got = { text: t, tree: parse(t) };
          }
        } catch {
          // a missing header only costs a size
        }
        headerCache.set(h, got);
      }
      if (!got) continue;
      texts.push(got.text);
      trees.push(got);
    }
    return { texts, trees };
  };
  const { texts: headers, trees: headerTrees } = headersOf(text, full);
  try {
    const tree = parse(text);
    // the other .c files of the driver's folder: where the buffer's life goes on (bounded)
    const candidates: StitchCandidate[] = [];
    // other files are named as the user named this one (relative stays relative)
    const shown = (f: string) => path.join(path.dirname(file), path.basename(f)).split(path.sep).join('/');
    let names: string[] = [];
    try {
      if (!opts.thisFunction) names = fs.readdirSync(dir).filter((n) => n.endsWith('.c') && path.join(dir, n) !== full).sort();
    } catch {
      // an unreadable folder: this file only
    }
    let bytes = 0;
    let skipped = 0;
    for (const n of names) {
      const f = path.join(dir, n);
      let t: string;
      try {
        const st = fs.statSync(f);
        if (!st.isFile() || st.size > 2 * 1024 * 1024 || candidates.length >= MAX_SIBLING_FILES || bytes + st.size > MAX_SIBLING_BYTES) { skipped++; continue; }
        t = fs.readFileSync(f, 'utf8');
        bytes += st.size;
      } catch {
        skipped++;
        continue;
      }
      const h = headersOf(t, f);
      candidates.push({ file: shown(f), text: t, tree: parse(t), headers: h.texts, headerTrees: h.trees });
    }
    if (skipped) io.err(`dma-scope ${command}: ${skipped} other .c file${skipped > 1 ? 's' : ''} of ${path.dirname(file)} not searched (more than ${MAX_SIBLING_FILES} files or ${MAX_SIBLING_BYTES >> 20} MB)\n`);
    const result = extractLifecycle({ text, tree, offset: offsetOfLine(text, line), buffer, file, headers, stitch: opts.thisFunction ? false : { candidates, headerTrees } });
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

/** Bounds on the sibling files searched for the rest of a buffer's life. */
const MAX_SIBLING_FILES = 64;
const MAX_SIBLING_BYTES = 8 * 1024 * 1024;

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
