/** `dma-scope lsp --stdio`: the language server for every LSP editor (src/server). */
import { CommandInfo, UsageError, parseArgs } from '../args';
import { runStdioServer } from '../../server/node';

export const lspCommand: CommandInfo = {
  name: 'lsp',
  usage: 'lsp --stdio',
  summary: 'run the language server (diagnostics, hover, quick fixes, code lens) over stdin/stdout',
  async run(argv) {
    // --clientProcessId=<pid>: added by vscode-languageclient; the server library watches that process
    const args = parseArgs(argv, { booleans: ['--stdio'], values: ['--clientProcessId'] });
    if (!args.flags.has('--stdio') || args.positionals.length) throw new UsageError('the language server talks over stdio only: dma-scope lsp --stdio');
    runStdioServer();
    // the server ends the process itself on `exit` (code 0 after `shutdown`) or when stdin closes
    return new Promise<number>(() => undefined);
  },
};
