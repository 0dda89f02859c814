/**
 * The `dma-scope` program (dist/cli.js): a launcher that sets the V8 flags a command needs, then loads
 * the CLI bundle (dist/cli-main.js) through a code cache (src/node/codeCache.ts) and runs it. It exports
 * what the bundle exports, so `require('dma-scope/dist/cli.js').main` keeps working. Nothing here may
 * import the analysis: this file is compiled on every start, the bundle only when its cache is stale.
 */
import * as path from 'path';
import { requireWithCodeCache } from '../node/codeCache';
import { chooseQuickWasm, restartWithQuickWasm } from '../node/quickWasm';
import { allowGc } from '../node/memory';

interface CliBundle {
  main(argv: string[], io: unknown): Promise<number>;
  processIO(): unknown;
}

/** when the server saves its code cache besides at exit (ms after it started) */
const SERVER_CACHE_SAVE_MS = 5000;

const argv = process.argv.slice(2);
const isServer = argv[0] === 'lsp';
// the language server compiles the parser's wasm with Liftoff only (quickWasm.ts); set before the bundle
// loads, so the bundle's cache is made and used under the same flags
const quick = isServer ? chooseQuickWasm() : 'off';
// and the server's idle heap trim (src/server/idleTrim.ts) calls gc(): its flag too, for the same reason
if (isServer) allowGc();
if (quick === 'restart' && require.main === module) {
  restartWithQuickWasm(); // this V8 takes the flag from the command line only: the child does the work
} else {
  // the server saves its cache 5 s after starting too (its first checks done), in case it is killed, not ended
  const { exports } = requireWithCodeCache(path.join(__dirname, 'cli-main.js'), isServer ? `lsp-${quick}` : 'cli', module, undefined, isServer ? { saveAfterMs: SERVER_CACHE_SAVE_MS } : {});
  const cli = exports as CliBundle;
  module.exports = cli;
  if (require.main === module) {
    cli.main(argv, cli.processIO()).then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        process.stderr.write(`dma-scope: ${(e as Error)?.message ?? e}\n`);
        process.exitCode = 2;
      },
    );
  }
}
