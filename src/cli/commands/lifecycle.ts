/** `dma-scope lifecycle <file.c>:<line> [--buffer <expr>]`: prints the buffer's lifecycle as a .dmatrace. */
import * as fs from 'fs';
import * as path from 'path';
import { CliIO, CommandInfo, OptionSpec, UsageError, flagSpec, parseArgs } from '../args';
import { AnalysisSession } from '../../analysis/session';
import { extractLifecycle, LifecycleError, LifecycleResult, localIncludes, offsetOfLine } from '../../analysis/lifecycle';
import { nodeRuntime } from '../../node/wasm';

/**
 * Reads `<file>:<line>`, the driver's own headers next to it, and extracts the
 * lifecycle there. Problems are reported on io.err as `dma-scope <command>: …`
 * and give undefined (exit 2); a malformed location is a UsageError.
 */
export async function lifecycleAt(command: string, location: string, buffer: string | undefined, io: CliIO): Promise<{ result: LifecycleResult; file: string; line: number } | undefined> {
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
  // the driver's own headers next to the file, for the sizes they #define
  const headers: string[] = [];
  for (const inc of localIncludes(text)) {
    try {
      const h = path.resolve(path.dirname(path.resolve(io.cwd, file)), inc);
      if (fs.statSync(h).size <= 2 * 1024 * 1024) headers.push(fs.readFileSync(h, 'utf8'));
    } catch {
      // a missing header only costs a size
    }
  }
  const session = await AnalysisSession.create(await nodeRuntime());
  const tree = session.parser.parse(text);
  try {
    return { result: extractLifecycle({ text, tree, offset: offsetOfLine(text, line), buffer, file, headers }), file, line };
  } catch (e) {
    if (e instanceof LifecycleError) {
      io.err(`dma-scope ${command}: ${file}:${line}: ${e.message}\n`);
      return undefined;
    }
    throw e;
  } finally {
    tree.delete();
    session.dispose();
  }
}

const LIFECYCLE_OPTIONS: readonly OptionSpec[] = [
  { name: '--buffer', value: 'EXPR', help: 'The buffer to follow when the line maps or allocates more than one.' },
];

export const lifecycleCommand: CommandInfo = {
  options: LIFECYCLE_OPTIONS,
  details: 'Exit codes: 0 trace printed; 2 usage error, unreadable file, or no DMA buffer at that line.\n\nExample:\n  dma-scope lifecycle drivers/net/foo.c:120 > rx.dmatrace && dma-scope simulate rx.dmatrace',
  name: 'lifecycle',
  usage: 'lifecycle <file.c>:<line> [--buffer <expr>]',
  summary: 'print the lifecycle of the DMA buffer at a source line as a .dmatrace (for simulate or the panel)',
  async run(argv, io) {
    const args = parseArgs(argv, flagSpec(LIFECYCLE_OPTIONS));
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <file.c>:<line>');
    const r = await lifecycleAt('lifecycle', args.positionals[0], args.values.get('--buffer'), io);
    if (!r) return 2;
    io.out(r.result.trace);
    return 0;
  },
};
