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
  const { exports } = requireWithCodeCache(path.join(__dirname, 'cli-main.js'), isServer ? `lsp-${quick}` : 'cli', module);
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
