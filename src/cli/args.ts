/** A small, strict argument parser: unknown flags and missing values are usage errors (exit 2). */

export class UsageError extends Error {}

export interface FlagSpec {
  /** flags that take a value, e.g. ['--format', '--platform'] */
  values?: readonly string[];
  /** boolean flags, e.g. ['--json'] */
  booleans?: readonly string[];
  /** short aliases, e.g. { '-j': '--jobs' } */
  aliases?: Readonly<Record<string, string>>;
}

export interface ParsedArgs {
  positionals: string[];
  values: Map<string, string>;
  flags: Set<string>;
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  const valueSet = new Set(spec.values ?? []);
  const boolSet = new Set([...(spec.booleans ?? []), '--debug']);
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (spec.aliases?.[a]) a = spec.aliases[a];
    if (a.startsWith('--') && a.includes('=')) {
      const [k, ...rest] = a.split('=');
      if (!valueSet.has(k)) throw new UsageError(`unknown option ${k}`);
      values.set(k, rest.join('='));
    } else if (valueSet.has(a)) {
      const v = argv[i + 1];
      if (v === undefined || (v.startsWith('--') && v.length > 2)) throw new UsageError(`option ${a} needs a value`);
      values.set(a, v);
      i++;
    } else if (boolSet.has(a)) {
      flags.add(a);
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      positionals.push(a);
    }
  }
  return { positionals, values, flags };
}

/** Output sinks, so commands can be tested without touching process.stdout. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  /** true when stderr is an interactive terminal (progress output) */
  errIsTTY: boolean;
  /** reads all of standard input (for `-`) */
  readStdin(): Promise<string>;
  cwd: string;
  /** the environment (CI detection); process.env when absent */
  env?: Readonly<Record<string, string | undefined>>;
}

export type CommandFn = (argv: string[], io: CliIO) => Promise<number>;

/**
 * One command-line option, described once: the parser spec (flagSpec) and the `--help` text (optionsHelp)
 * are both derived from a command's table of these.
 */
export interface OptionSpec {
  /** e.g. '--format' */
  name: string;
  /** the value's placeholder, e.g. 'text|json|sarif'; absent for a boolean flag */
  value?: string;
  /** a short alias, e.g. '-f' */
  alias?: string;
  /** one line (or a few) for --help */
  help: string;
}

export function flagSpec(options: readonly OptionSpec[]): FlagSpec {
  return {
    values: options.filter((o) => o.value !== undefined).map((o) => o.name),
    booleans: options.filter((o) => o.value === undefined).map((o) => o.name),
    aliases: Object.fromEntries(options.filter((o) => o.alias).map((o) => [o.alias!, o.name])),
  };
}

export function optionsHelp(options: readonly OptionSpec[]): string[] {
  const heads = options.map((o) => `${o.alias ? `${o.alias}, ` : '    '}${o.name}${o.value !== undefined ? ` ${o.value}` : ''}`);
  const w = Math.min(34, Math.max(...heads.map((h) => h.length)) + 2);
  const out: string[] = [];
  options.forEach((o, i) => {
    const lines = o.help.split('\n');
    const head = `  ${heads[i]}`;
    if (head.length + 1 > w + 2) {
      out.push(head);
      for (const l of lines) out.push(`${' '.repeat(w + 2)}${l}`);
    } else {
      out.push(`${head.padEnd(w + 2)}${lines[0]}`);
      for (const l of lines.slice(1)) out.push(`${' '.repeat(w + 2)}${l}`);
    }
  });
  return out;
}

export interface CommandInfo {
  name: string;
  usage: string;
  summary: string;
  /** the command's options (for `dma-scope <command> --help`) */
  options?: readonly OptionSpec[];
  /** more text for `--help` after the options: exit codes, examples */
  details?: string;
  run: CommandFn;
}

/** `dma-scope <command> --help` */
export function commandHelp(cmd: CommandInfo): string {
  const out = [`Usage: dma-scope ${cmd.usage}`, '', cmd.summary];
  const options = [...(cmd.options ?? []), { name: '--help', alias: '-h', help: 'Show this help.' }, { name: '--debug', help: 'Show the stack trace of an internal error.' }];
  out.push('', 'Options:', ...optionsHelp(options));
  if (cmd.details) out.push('', cmd.details.replace(/\n+$/, ''));
  return out.join('\n') + '\n';
}
