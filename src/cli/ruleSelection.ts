/** Which rules a `check` runs: `--rules` (only these), then `--enable` / `--disable` on top. */
import { RULES } from '../analysis/checker';
import { UsageError } from './args';

export interface RuleSelection {
  /** only these rules (replaces the default set) */
  only?: readonly string[];
  /** add these to the set (e.g. a rule that ships off by default) */
  enable?: readonly string[];
  /** remove these from the set */
  disable?: readonly string[];
}

/** Splits a comma-separated option value, rejecting unknown rule ids (usage error naming the option). */
export function ruleList(option: string, value: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!ids.length) throw new UsageError(`${option} needs at least one rule id (see 'dma-scope rules')`);
  const unknown = ids.filter((r) => !RULES.some((x) => x.id === r));
  if (unknown.length) throw new UsageError(`${option}: unknown rule ${unknown.join(', ')} (see 'dma-scope rules')`);
  return ids;
}

/** The rule ids to run, or undefined for the default set (every rule on by default). */
export function selectRules(s: RuleSelection): string[] | undefined {
  if (!s.only && !s.enable?.length && !s.disable?.length) return undefined;
  const set = new Set(s.only ?? RULES.filter((r) => r.enabledByDefault !== false).map((r) => r.id));
  for (const id of s.enable ?? []) set.add(id);
  for (const id of s.disable ?? []) set.delete(id);
  // registry order, so output does not depend on the order the options were typed
  return RULES.map((r) => r.id).filter((id) => set.has(id));
}
