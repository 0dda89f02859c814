/**
 * `dma-scope`: the command-line face of the same core the extension uses.
 * Exit codes: 0 clean, 1 findings, 2 usage or input error.
 */
import { CliIO, CommandInfo, UsageError, commandHelp } from './args';
import { COMMANDS } from './commands';

import { version as pkgVersion } from '../../package.json';

function version(): string {
  return pkgVersion;
}

export function helpText(): string {
  const lines = [
    'dma-scope: Linux kernel DMA-API checker, explainer and lifecycle simulator',
    '',
    'Usage:',
    ...COMMANDS.map((c) => `  dma-scope ${c.usage}`),
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`),
    '',
    "Run 'dma-scope <command> --help' for a command's options.",
    'Options: --help, --version, --debug (show stack traces of internal errors)',
    'Exit codes: 0 clean, 1 findings, 2 usage or input error.',
  ];
  return lines.join('\n') + '\n';
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.out(`dma-scope ${version()}\n`);
    return 0;
  }
  const cmd: CommandInfo | undefined = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`dma-scope: unknown command '${name}'. Run 'dma-scope --help' for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(cmd));
    return 0;
  }
  try {
    return await cmd.run(debug ? [...rest, '--debug'] : rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`dma-scope ${cmd.name}: ${e.message}\nUsage: dma-scope ${cmd.usage}\n`);
      return 2;
    }
    const err = e as Error;
    io.err(`dma-scope ${cmd.name}: ${err?.message ?? String(e)}\n`);
    if (debug && err?.stack) io.err(err.stack + '\n');
    return 2;
  }
}

export function processIO(): CliIO {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    errIsTTY: !!process.stderr.isTTY,
    cwd: process.cwd(),
    env: process.env,
    readStdin: () =>
      new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        process.stdin.on('data', (c: Buffer) => chunks.push(c));
        process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        process.stdin.on('error', reject);
      }),
  };
}

if (require.main === module) {
  main(process.argv.slice(2), processIO()).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`dma-scope: ${(e as Error)?.message ?? e}\n`);
      process.exitCode = 2;
    },
  );
}
