/** `dma-scope explain <identifier> [--json]`: one catalogue entry, for a terminal or a tool. */
import { CommandInfo, CliIO, OptionSpec, flagSpec, parseArgs, UsageError } from '../args';
import { lookup, NOT_MAPPING_PREFIXES, ApiEntry } from '../../model/catalogue';
import { suggestNames } from '../../model/catalogue/suggest';
import { PLATFORM_IDS } from '../../model/platformIds';
import { ruleDocs, ruleDocHref, RuleDocs, DOCS_URL_ENV } from '../../node/ruleDocs';
import { wrap } from '../text';

/** The stable JSON shape of design.md §5, followed by extra optional fields. */
export function explainJson(e: ApiEntry, docs: RuleDocs = ruleDocs()): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: e.name,
    kind: e.kind,
    signature: e.signature,
    summary: e.summary,
    returns: e.returns,
    releasedBy: e.releasedBy,
    context: e.context,
    platforms: Object.fromEntries(PLATFORM_IDS.map((p) => [p, e.platforms[p]])),
    docs: e.docs,
    memory: e.memory,
    rules: e.rules.map((id) => ({ id, url: ruleDocHref(docs, id) })),
  };
  if (e.params) out.params = e.params;
  if (e.role) out.role = e.role;
  if (e.family) out.family = e.family;
  if (e.header) out.header = e.header;
  if (e.value) out.value = e.value;
  if (e.replacement) out.replacement = e.replacement;
  if (e.availability) out.availability = e.availability;
  if (e.aliases) out.aliases = e.aliases;
  if (e.gplOnly) out.gplOnly = true;
  return out;
}


function field(label: string, text: string): string {
  const head = `${label}:`;
  const body = wrap(text, ' '.repeat(14));
  return head + body.slice(head.length);
}

/** Human-readable text for a terminal. */
export function explainText(e: ApiEntry, docs: RuleDocs = ruleDocs()): string {
  const out: string[] = [];
  const where = [e.kind, e.header].filter(Boolean).join(', ');
  out.push(`${e.name}  (${where})`);
  if (e.availability) out.push(`  ! ${e.availability}`);
  out.push('');
  for (const l of e.signature.split('\n')) out.push(`    ${l.replace(/\t/g, '  ')}`);
  out.push('');
  out.push(field('Summary', e.summary));
  out.push(field('Returns', e.returns));
  out.push(field('Released by', e.releasedBy.length ? e.releasedBy.join(', ') : '(nothing to release)'));
  out.push(field('Context', e.context));
  if (e.memory) out.push(field('Memory', e.memory));
  if (e.value) out.push(field('Value', e.value));
  if (e.replacement) out.push(field('Use instead', e.replacement));
  if (e.gplOnly) out.push(field('Export', 'EXPORT_SYMBOL_GPL: GPL-compatible modules only.'));
  out.push('');
  out.push('Per platform:');
  const w = Math.max(...PLATFORM_IDS.map((p) => p.length)) + 2;
  for (const p of PLATFORM_IDS) {
    const body = wrap(e.platforms[p], ' '.repeat(2 + w));
    out.push(`  ${p.padEnd(w)}${body.slice(2 + w)}`);
  }
  if (e.rules.length) {
    out.push('');
    out.push('Rules:');
    for (const r of e.rules) out.push(`  ${r.padEnd(26)} ${docs.location(r)}`);
  }
  if (e.docs.length) {
    out.push('');
    out.push('Docs:');
    for (const d of e.docs) out.push(`  ${d.title}\n    ${d.ref}`);
  }
  return out.join('\n') + '\n';
}

const EXPLAIN_OPTIONS: readonly OptionSpec[] = [
  { name: '--json', help: 'Print the entry as JSON.' },
  { name: '--docs-url', value: 'URL', help: `Link rule pages under this base URL (default: the pages installed with\ndma-scope; also ${DOCS_URL_ENV}).` },
];

async function run(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, flagSpec(EXPLAIN_OPTIONS));
  const docs = ruleDocs(args.values.get('--docs-url'));
  if (args.positionals.length !== 1) throw new UsageError(args.positionals.length ? 'give exactly one identifier' : 'missing identifier');
  const name = args.positionals[0];
  const entry = lookup(name);
  if (!entry) {
    if (NOT_MAPPING_PREFIXES.some((p) => name.startsWith(p))) {
      io.err(`dma-scope explain: '${name}' is not part of the DMA mapping API (it belongs to dma-fence, dma-resv, dma-buf or dmaengine).\n`);
      return 2;
    }
    const hints = suggestNames(name);
    const hint = hints.length ? ` Did you mean ${hints.map((h) => `'${h}'`).join(', ')}?` : '';
    io.err(`dma-scope explain: unknown identifier '${name}'.${hint}\n`);
    return 2;
  }
  if (args.flags.has('--json')) io.out(JSON.stringify(explainJson(entry, docs), null, 2) + '\n');
  else io.out(explainText(entry, docs));
  return 0;
}

export const explainCommand: CommandInfo = {
  name: 'explain',
  usage: 'explain <identifier> [--json] [--docs-url URL]',
  summary: 'Explain a DMA-API function, macro, constant or attribute: signature, conventions, per-platform effect.',
  options: EXPLAIN_OPTIONS,
  details: 'Exit codes: 0 explained; 2 unknown identifier or usage error.\n\nExamples:\n  dma-scope explain dma_map_single\n  dma-scope explain DMA_ATTR_SKIP_CPU_SYNC --json',
  run,
};
