/** `dma-scope rules [--json]`: every rule with its default severity and one-line title. */
import { CommandInfo, CliIO, OptionSpec, flagSpec, parseArgs, UsageError } from '../args';
import { RULES } from '../../analysis/checker';
import { ruleDocs, ruleDocHref, DOCS_URL_ENV } from '../../node/ruleDocs';

const RULES_OPTIONS: readonly OptionSpec[] = [
  { name: '--json', help: 'Print the list as JSON: [{ id, severity, enabledByDefault, title, doc }].' },
  { name: '--docs-url', value: 'URL', help: `Link rule pages under this base URL (default: the pages installed with\ndma-scope; also ${DOCS_URL_ENV}).` },
];

/** "off" for a rule that ships off by default, else its severity. */
function defaultSeverity(r: (typeof RULES)[number]): string {
  return r.enabledByDefault === false ? 'off' : r.severity;
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, flagSpec(RULES_OPTIONS));
  if (args.positionals.length) throw new UsageError(`unexpected argument '${args.positionals[0]}'`);
  const docs = ruleDocs(args.values.get('--docs-url'));
  if (args.flags.has('--json')) {
    io.out(JSON.stringify(RULES.map((r) => ({
      id: r.id,
      severity: defaultSeverity(r),
      ...(r.enabledByDefault === false ? { severityWhenEnabled: r.severity } : {}),
      enabledByDefault: r.enabledByDefault !== false,
      title: r.title,
      doc: ruleDocHref(docs, r.id),
    })), null, 2) + '\n');
    return 0;
  }
  const w = Math.max(...RULES.map((r) => r.id.length)) + 2;
  const lines = RULES.map((r) => `${r.id.padEnd(w)}${defaultSeverity(r).padEnd(9)}${r.title}`);
  const off = RULES.filter((r) => r.enabledByDefault === false).length;
  io.out([
    `${'rule'.padEnd(w)}${'default'.padEnd(9)}what it reports`,
    ...lines,
    '',
    `${RULES.length} rules, ${off} off by default (turn one on with 'dma-scope check --enable <id>').`,
    `Rule pages: ${docs.location('<id>')}`,
  ].join('\n') + '\n');
  return 0;
}

export const rulesCommand: CommandInfo = {
  name: 'rules',
  usage: 'rules [--json] [--docs-url URL]',
  summary: 'List every rule with its default severity (off, info, warning or error) and what it reports.',
  options: RULES_OPTIONS,
  details: 'Exit codes: 0 listed; 2 usage error.',
  run,
};
