/** `dma-scope lsp --stdio`: the language server for every LSP editor (src/server). */
import { CommandInfo, UsageError, parseArgs } from '../args';
import { runStdioServer } from '../../server/node';

export const lspCommand: CommandInfo = {
  name: 'lsp',
  usage: 'lsp --stdio',
  summary: 'run the language server (diagnostics, hover, quick fixes, code lens) over stdin/stdout',
  options: [
    { name: '--stdio', help: 'Talk the Language Server Protocol over stdin/stdout (required).' },
    { name: '--clientProcessId', value: 'PID', help: 'Exit when this process ends (vscode-languageclient adds it).' },
  ],
  details: 'Exit codes: 0 after the client sends shutdown then exit; 2 usage error (anything but --stdio).\n\nExample (Neovim):\n  vim.lsp.start({ name = \'dma-scope\', cmd = { \'dma-scope\', \'lsp\', \'--stdio\' } })',
  async run(argv) {
    // --clientProcessId=<pid>: added by vscode-languageclient; the server library watches that process
    const args = parseArgs(argv, { booleans: ['--stdio'], values: ['--clientProcessId'] });
    if (!args.flags.has('--stdio') || args.positionals.length) throw new UsageError('the language server talks over stdio only: dma-scope lsp --stdio');
    runStdioServer();
    // the server ends the process itself on `exit` (code 0 after `shutdown`) or when stdin closes
    return new Promise<number>(() => undefined);
  },
};
