/**
 * Where rule documentation lives. Every surface builds its rule links here:
 *  - VS Code (hover, diagnostics' `codeDescription`, rule settings): a `command:` URI that opens the page
 *    bundled inside the extension (`docs/rules/<id>.md`) as a markdown preview, offline and on the web;
 *  - the CLI and SARIF: the page's path in the installed package, or one configured base URL
 *    (src/node/ruleDocs.ts; SARIF also embeds the page text).
 * The project has no public web home, so no link points to a web site by default.
 */

/** The extension command that opens a bundled rule page; its single argument is the rule id. */
export const OPEN_RULE_COMMAND = 'dmaScope.openRulePage';

/** The package-relative path of a rule's documentation page, e.g. docs/rules/map-leak.md. */
export function ruleDocPath(ruleId: string): string {
  return `docs/rules/${ruleId}.md`;
}

/** A `command:` URI opening the rule page shipped inside the extension (hovers, diagnostics, settings). */
export function ruleCommandUri(ruleId: string): string {
  return `command:${OPEN_RULE_COMMAND}?${encodeURIComponent(JSON.stringify([ruleId]))}`;
}

/** The page of a rule under a configured documentation base URL (`--docs-url`). */
export function ruleDocUrlAt(base: string, ruleId: string): string {
  return `${base.endsWith('/') ? base : base + '/'}${encodeURIComponent(ruleId)}.md`;
}

/** A kernel source file at the 6.12 baseline, browsable online. */
export function kernelSourceUrl(path: string): string {
  return `https://elixir.bootlin.com/linux/v6.12/source/${path}`;
}
