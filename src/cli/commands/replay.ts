/**
 * `dma-scope replay <file.c>:<line> [--buffer <expr>] [--platform <id>] --html <out.html>`:
 * the lifecycle at a source line as one self-contained HTML page (the replay
 * panel, its trace and the platform matrix; no network, works from file://).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CommandInfo, OptionSpec, UsageError, flagSpec, parseArgs } from '../args';
import { isPlatformId, PLATFORM_IDS, PlatformId } from '../../model/platformIds';
import { replayPageHtml } from '../../node/replayPage';
import { lifecycleTitle } from '../../server/driverFolder';
import { lifecycleAt, THIS_FUNCTION_OPTION } from './lifecycle';

const REPLAY_OPTIONS: readonly OptionSpec[] = [
  { name: '--html', value: 'OUT.html', help: 'Write the page here (required).' },
  { name: '--buffer', value: 'EXPR', help: 'The buffer to follow when the line maps or allocates more than one.' },
  { name: '--platform', value: 'ID', help: `The platform shown first (default arm64-noncoherent; one of ${PLATFORM_IDS.length} presets).` },
  { name: '--view', value: 'replay|matrix', help: 'The tab shown first.' },
  THIS_FUNCTION_OPTION,
];

export const replayCommand: CommandInfo = {
  name: 'replay',
  options: REPLAY_OPTIONS,
  details: 'The page holds the replay panel, the trace and the platform matrix; it needs no network and opens from file://.\n\nExit codes: 0 page written; 2 usage error, unreadable file, or no DMA buffer at that line.\n\nExample:\n  dma-scope replay drivers/net/foo.c:120 --platform cvm --html rx.html',
  usage: 'replay <file.c>:<line> [--buffer <expr>] [--platform <id>] [--view replay|matrix] [--this-function] --html <out.html>',
  summary: 'write the replay of the DMA buffer at a source line as one self-contained HTML page (no VS Code needed)',
  async run(argv, io) {
    const args = parseArgs(argv, flagSpec(REPLAY_OPTIONS));
    if (args.positionals.length !== 1) throw new UsageError('expected exactly one <file.c>:<line>');
    const out = args.values.get('--html');
    if (!out) throw new UsageError('--html <out.html> is required (the page is written there)');
    const p = args.values.get('--platform') ?? 'arm64-noncoherent';
    if (!isPlatformId(p)) throw new UsageError(`unknown platform '${p}'; one of: ${PLATFORM_IDS.join(', ')}`);
    const view = args.values.get('--view');
    if (view !== undefined && view !== 'replay' && view !== 'matrix') throw new UsageError(`--view is replay or matrix, not '${view}'`);
    const r = await lifecycleAt('replay', args.positionals[0], args.values.get('--buffer'), io, { thisFunction: args.flags.has('--this-function') });
    if (!r) return 2;
    const html = replayPageHtml({
      trace: r.result.trace,
      title: lifecycleTitle(r.result),
      platform: p as PlatformId,
      source: `${r.file}:${r.line}`,
      ...(view ? { view } : {}),
    });
    const dest = path.resolve(io.cwd, out);
    try {
      fs.writeFileSync(dest, html);
    } catch (e) {
      io.err(`dma-scope replay: cannot write ${out}: ${(e as Error).message}\n`);
      return 2;
    }
    io.err(`dma-scope replay: wrote ${out} (${Math.round(html.length / 1024)} KB); open it in a browser\n`);
    return 0;
  },
};
