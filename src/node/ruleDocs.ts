/**
 * Rule pages for the CLI (Node only): the page shipped in the installed package (docs/rules/<id>.md, found
 * next to the bundle), or one documentation base URL configured with `--docs-url` or DMA_SCOPE_DOCS_URL.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import { ruleDocPath, ruleDocUrlAt } from '../model/links';

export const DOCS_URL_ENV = 'DMA_SCOPE_DOCS_URL';

/** The package's docs/rules folder: dist/cli.js and out/src/… both live under the package root. */
export function rulesDocDir(from: string = __dirname): string | undefined {
  for (let dir = from, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'docs', 'rules');
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

export interface RuleDocs {
  /** where a reader finds the page: the base URL's page, else the absolute path of the installed page */
  location(id: string): string;
  /** an absolute URI for the page (SARIF helpUri), only when a base URL is configured */
  url(id: string): string | undefined;
  /** the page's markdown, undefined when the package has no such page */
  text(id: string): string | undefined;
}

/** `docsUrl` (from --docs-url) wins over the environment; empty means "installed pages". */
export function ruleDocs(docsUrl?: string, env: NodeJS.ProcessEnv = process.env): RuleDocs {
  const base = (docsUrl ?? env[DOCS_URL_ENV] ?? '').trim() || undefined;
  const dir = rulesDocDir();
  const file = (id: string): string => (dir ? path.join(dir, `${id}.md`) : ruleDocPath(id));
  const texts = new Map<string, string | undefined>();
  return {
    location: (id) => (base ? ruleDocUrlAt(base, id) : file(id)),
    url: (id) => (base ? ruleDocUrlAt(base, id) : undefined),
    text(id) {
      if (!texts.has(id)) {
        let t: string | undefined;
        try {
          t = dir ? fs.readFileSync(file(id), 'utf8') : undefined;
        } catch {
          t = undefined;
        }
        texts.set(id, t);
      }
      return texts.get(id);
    },
  };
}

/** For JSON output: a link a tool can follow (base URL, else a file: URL of the installed page). */
export function ruleDocHref(docs: RuleDocs, id: string): string {
  const loc = docs.location(id);
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(loc) ? loc : pathToFileURL(loc).href;
}
