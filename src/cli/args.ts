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

export interface CommandInfo {
  name: string;
  usage: string;
  summary: string;
  run: CommandFn;
}
