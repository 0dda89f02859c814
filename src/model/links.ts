/**
 * Where rule documentation lives. Hover, `dma-scope explain`, diagnostics
 * (`codeDescription.href`) and SARIF `helpUri` all build their links here, so
 * the base URL is defined exactly once.
 */
export const RULE_DOC_BASE = 'https://github.com/dma-scope/dma-scope/blob/main/docs/rules/';

/** The published documentation page of a rule id, e.g. ruleDocUrl('map-error-unchecked'). */
export function ruleDocUrl(ruleId: string): string {
  return `${RULE_DOC_BASE}${encodeURIComponent(ruleId)}.md`;
}

/** The repository-relative path of a rule's documentation page. */
export function ruleDocPath(ruleId: string): string {
  return `docs/rules/${ruleId}.md`;
}

/** A kernel source file at the 6.12 baseline, browsable online. */
export function kernelSourceUrl(path: string): string {
  return `https://elixir.bootlin.com/linux/v6.12/source/${path}`;
}
