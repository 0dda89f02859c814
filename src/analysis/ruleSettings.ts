/** The `dmaScope.rules.<id>` settings contributed in package.json, derived from the rule registry. */
import { RULES } from './rules';
import { ruleCommandUri } from '../model/links';

export function ruleSettingsContribution(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const r of RULES) {
    const def = r.enabledByDefault === false ? 'off (this rule ships off by default; see its page)' : r.severity;
    out[`dmaScope.rules.${r.id}`] = {
      type: 'string',
      enum: ['off', 'info', 'warning', 'error'],
      enumDescriptions: ['Do not report', 'Information', 'Warning', 'Error'],
      markdownDescription: `Severity of [\`${r.id}\`](${ruleCommandUri(r.id)}): ${r.title}. Unset: the rule default (${def}).`,
    };
  }
  return out;
}
