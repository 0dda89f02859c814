/**
 * The quick fixes offered for one diagnostic, shared by the VS Code code
 * action provider and the language server: the finding's own mechanical fixes
 * (the first is the preferred one), then "Suppress <rule> on this line".
 */
import { suppressionFix, Finding, Fix } from './checker';

export interface QuickFix extends Fix {
  preferred: boolean;
}

/**
 * Fixes for a diagnostic identified by its rule and range (string offsets in
 * `text`). `findings` are the latest findings of the same text; when none
 * matches (stale diagnostics) only the suppression is offered.
 */
export function quickFixesFor(text: string, findings: readonly Finding[], diag: { rule: string; start: number; end: number }): QuickFix[] {
  const f = findings.find((x) => x.rule === diag.rule && x.start === diag.start && x.end === diag.end);
  const out: QuickFix[] = (f?.fixes ?? []).map((fix, i) => ({ ...fix, preferred: i === 0 }));
  out.push({ ...suppressionFix(text, { rule: diag.rule, start: diag.start }), preferred: false });
  return out;
}
