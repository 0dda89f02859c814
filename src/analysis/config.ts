/**
 * The repository configuration `.dma-scope.json`: parsing, validation and
 * merging, with no file system access (the CLI's loader is src/node/config.ts,
 * the extension's is src/extension/repoConfig.ts). A file applies to every
 * file below its folder; the nearest file wins key by key, merged with those
 * above it. Paths here are '/'-separated.
 *
 * {
 *   "rules": { "<rule-id>": "off" | "info" | "warning" | "error" },
 *   "exclude": ["glob", …],        // relative to the folder of the .dma-scope.json
 *   "maxFileSize": 2097152,        // bytes, 0: no limit
 *   "platform": "<platform id>"    // default replay platform
 * }
 *
 * A value that does not validate is dropped with one problem naming the file
 * and the key; the rest of the file still applies.
 */
import { RULES } from './rules';
import type { SeveritySetting } from './rules/types';
import { PLATFORM_IDS, PlatformId, isPlatformId } from '../model/platformIds';

export const CONFIG_FILE_NAME = '.dma-scope.json';

const SEVERITIES: readonly SeveritySetting[] = ['off', 'info', 'warning', 'error'];
const KEYS = ['$schema', 'rules', 'exclude', 'maxFileSize', 'platform'];

/** One parsed `.dma-scope.json` (only the keys it sets, each validated). */
export interface RepoConfig {
  /** '/'-separated folder the file lives in (exclude globs are relative to it) */
  dir: string;
  rules?: Record<string, SeveritySetting>;
  exclude?: string[];
  maxFileSize?: number;
  platform?: PlatformId;
}

export interface ConfigProblem {
  /** the configuration file */
  file: string;
  /** the offending key, e.g. `rules.map-leak`, or '' for the whole file */
  key: string;
  message: string;
}

/** The settings that apply to one checked file, every config above it merged. */
export interface EffectiveConfig {
  rules: Record<string, SeveritySetting>;
  /** exclude globs with the folder each is relative to */
  exclude: { dir: string; glob: string }[];
  maxFileSize?: number;
  platform?: PlatformId;
  /** the config files that contributed, outermost first */
  files: string[];
}

/** `file: key: message` (or `file: message` for the whole file), one line. */
export function formatProblem(p: ConfigProblem): string {
  return p.key ? `${p.file}: ${p.key}: ${p.message}` : `${p.file}: ${p.message}`;
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i < 0 ? '.' : i === 0 ? '/' : file.slice(0, i);
}

/**
 * Parses and validates one configuration file's text. `fatal` is set when
 * nothing of the file can be used (not JSON, or not an object).
 */
export function parseRepoConfig(text: string, file: string): { config: RepoConfig; problems: ConfigProblem[]; fatal: boolean } {
  const config: RepoConfig = { dir: dirOf(file) };
  const problems: ConfigProblem[] = [];
  const bad = (key: string, message: string): void => {
    problems.push({ file, key, message });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    bad('', `not valid JSON (${(e as Error).message})`);
    return { config, problems, fatal: true };
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    bad('', 'must be a JSON object with the keys rules, exclude, maxFileSize, platform');
    return { config, problems, fatal: true };
  }
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) bad(k, `unknown key (known: ${KEYS.slice(1).join(', ')})`);
  if ('rules' in o) {
    const r = o.rules;
    if (!r || typeof r !== 'object' || Array.isArray(r)) bad('rules', 'must be an object of rule id → "off" | "info" | "warning" | "error"');
    else {
      config.rules = {};
      for (const [id, sev] of Object.entries(r as Record<string, unknown>)) {
        if (!RULES.some((x) => x.id === id)) bad(`rules.${id}`, 'no such rule (dma-scope check --help lists the rules; docs/rules/ has a page per rule)');
        else if (typeof sev !== 'string' || !SEVERITIES.includes(sev as SeveritySetting)) bad(`rules.${id}`, `must be one of ${SEVERITIES.map((s) => `"${s}"`).join(', ')}, not ${JSON.stringify(sev)}`);
        else config.rules[id] = sev as SeveritySetting;
      }
    }
  }
  if ('exclude' in o) {
    const e = o.exclude;
    if (!Array.isArray(e)) bad('exclude', 'must be an array of glob strings');
    else {
      config.exclude = [];
      e.forEach((g, i) => {
        if (typeof g !== 'string' || !g.trim()) bad(`exclude[${i}]`, `must be a non-empty glob string, not ${JSON.stringify(g)}`);
        else config.exclude!.push(g.trim());
      });
    }
  }
  if ('maxFileSize' in o) {
    const m = o.maxFileSize;
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) bad('maxFileSize', `must be a whole number of bytes (0: no limit), not ${JSON.stringify(m)}`);
    else config.maxFileSize = m;
  }
  if ('platform' in o) {
    const p = o.platform;
    if (typeof p !== 'string' || !isPlatformId(p)) bad('platform', `must be one of ${PLATFORM_IDS.join(', ')}, not ${JSON.stringify(p)}`);
    else config.platform = p;
  }
  return { config, problems, fatal: false };
}

/** Merges configs given outermost first: rules key by key and scalars nearest-wins; exclude globs accumulate. */
export function mergeConfigs(outerToInner: readonly RepoConfig[], files: readonly string[] = []): EffectiveConfig {
  const out: EffectiveConfig = { rules: {}, exclude: [], files: [...files] };
  for (const c of outerToInner) {
    if (c.rules) Object.assign(out.rules, c.rules);
    if (c.exclude) out.exclude.push(...c.exclude.map((glob) => ({ dir: c.dir, glob })));
    if (c.maxFileSize !== undefined) out.maxFileSize = c.maxFileSize;
    if (c.platform !== undefined) out.platform = c.platform;
  }
  return out;
}

/** The folders from a file's folder up to the root, nearest first ('/'-separated, absolute or relative). */
export function ancestorDirs(file: string): string[] {
  const out: string[] = [];
  let d = dirOf(file.replace(/\/+$/, ''));
  for (;;) {
    out.push(d);
    if (d === '/' || d === '.' || /^[A-Za-z]:$/.test(d) || !d.includes('/')) break;
    const up = dirOf(d);
    if (up === d) break;
    d = up;
  }
  return out;
}

/** Glob → RegExp (`**` any folders, `*` within a name, `?` one character); matches a whole path or any trailing part of it. */
export function globToRegExp(glob: string, anchored = false): RegExp {
  return new RegExp(`${anchored ? '^' : '(^|/)'}${globBody(glob)}(/.*)?$`);
}

function globBody(glob: string): string {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        re += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return re;
}

/** True when an exclude glob of the config matches the file (given by its '/'-separated path, absolute like the config dirs). */
export function isExcluded(cfg: EffectiveConfig, file: string): boolean {
  for (const { dir, glob } of cfg.exclude) {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const rel = dir === '.' ? file.replace(/^\.\//, '') : file.startsWith(prefix) ? file.slice(prefix.length) : undefined;
    if (rel === undefined) continue;
    const g = glob.replace(/^\.\//, '');
    // a glob starting with '/' is anchored at the config's folder
    if (g.startsWith('/') ? globToRegExp(g.slice(1), true).test(rel) : globToRegExp(g).test(rel)) return true;
  }
  return false;
}

/** The JSON schema of `.dma-scope.json`, contributed to VS Code (schemas/dma-scope.schema.json is generated from this). */
export function configSchema(): object {
  const ruleProps: Record<string, object> = {};
  for (const r of RULES) {
    ruleProps[r.id] = { enum: [...SEVERITIES], description: `${r.title} (default: ${r.enabledByDefault === false ? 'off' : r.severity})` };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'DMA Scope repository configuration (.dma-scope.json)',
    description: 'Applies to every file below its folder; the nearest .dma-scope.json wins key by key, merged with those above. VS Code settings override it.',
    type: 'object',
    additionalProperties: false,
    properties: {
      $schema: { type: 'string' },
      rules: { type: 'object', description: 'Severity per rule id; "off" disables the rule.', properties: ruleProps, additionalProperties: false },
      exclude: { type: 'array', description: 'Glob patterns (relative to this file\'s folder) of files not checked.', items: { type: 'string', minLength: 1 } },
      maxFileSize: { type: 'integer', minimum: 0, description: 'Files larger than this many bytes are not analysed (0: no limit).' },
      platform: { enum: [...PLATFORM_IDS], description: 'Default platform of lifecycle replays.' },
    },
  };
}
