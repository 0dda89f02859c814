/**
 * The user-facing settings every surface reads (`dmaScope.*`), parsed from a
 * plain settings object: the VS Code extension passes what
 * `workspace.getConfiguration('dmaScope')` holds, the language server what
 * `workspace/configuration` returns. Pure: no `vscode`, no Node.
 */
import { RULES } from './rules';
import type { SeveritySetting } from './rules/types';
import { globToRegExp } from './config';

export const DEFAULT_MAX_FILE_SIZE = 2 * 1024 * 1024;

const SEVERITIES: readonly string[] = ['off', 'info', 'warning', 'error'];

export function isSeveritySetting(v: unknown): v is SeveritySetting {
  return typeof v === 'string' && SEVERITIES.includes(v);
}

/**
 * Per-rule severities from a `dmaScope` settings object. Both shapes work:
 * `rules: { "<id>": "warning" }` (how a dotted key `dmaScope.rules.<id>`
 * arrives from VS Code, or an object written by hand) and a flat
 * `"rules.<id>": "warning"` key. Unknown rule ids and values are ignored.
 */
export function severitiesFromSettings(settings: unknown, get?: (key: string) => unknown): Record<string, SeveritySetting> {
  const out: Record<string, SeveritySetting> = {};
  const obj = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : {};
  const rules = obj.rules;
  if (typeof rules === 'object' && rules !== null) {
    for (const [k, v] of Object.entries(rules as Record<string, unknown>)) if (isSeveritySetting(v)) out[k] = v;
  }
  for (const r of RULES) {
    const v = get ? get(`rules.${r.id}`) : obj[`rules.${r.id}`];
    if (isSeveritySetting(v)) out[r.id] = v;
  }
  return out;
}

/** Whether any of `globs` matches one of the paths given (workspace-relative and absolute). */
export function isExcluded(globs: readonly string[], ...paths: string[]): boolean {
  if (!globs.length) return false;
  const res = globs.map((g) => globToRegExp(g));
  return paths.some((p) => res.some((re) => re.test(p.replace(/\\/g, '/'))));
}

/** The `dmaScope` settings as one typed object, with defaults for what is missing or malformed. */
export interface DmaScopeSettings {
  severities: Record<string, SeveritySetting>;
  exclude: string[];
  maxFileSize: number;
  platform?: string;
}

export function parseSettings(settings: unknown): DmaScopeSettings {
  const obj = typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : {};
  const exclude = Array.isArray(obj.exclude) ? obj.exclude.filter((x): x is string => typeof x === 'string') : [];
  const mfs = obj.maxFileSize;
  const maxFileSize = typeof mfs === 'number' && Number.isFinite(mfs) && mfs > 0 ? mfs : DEFAULT_MAX_FILE_SIZE;
  return { severities: severitiesFromSettings(obj), exclude, maxFileSize, ...(typeof obj.platform === 'string' ? { platform: obj.platform } : {}) };
}

/**
 * Why a document is not analysed, or undefined when it is: too large for
 * maxFileSize, or binary (a NUL character in its first 64 KB).
 */
export function skipReason(text: string, maxFileSize: number): string | undefined {
  if (text.length > maxFileSize) return `larger than dmaScope.maxFileSize (${text.length} > ${maxFileSize} characters)`;
  if (text.slice(0, 65536).includes('\u0000')) return 'binary content (NUL characters)';
  return undefined;
}
