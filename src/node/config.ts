/**
 * Node loader of `.dma-scope.json` (the CLI and kbuild mode): walks up from
 * each checked file, reads every config on the way once, and merges them with
 * src/analysis/config.ts. Problems are collected once per config file.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_FILE_NAME, ConfigProblem, EffectiveConfig, RepoConfig, ancestorDirs, isExcluded, mergeConfigs, parseRepoConfig } from '../analysis/config';

const toPosix = (p: string): string => p.replace(/\\/g, '/');

export class ConfigLoader {
  /** per folder: its parsed config, or null when it has none (or an unusable one) */
  private readonly byDir = new Map<string, { config: RepoConfig; file: string } | null>();
  private readonly effective = new Map<string, EffectiveConfig>();
  /** validation problems: the offending key is ignored, the rest applies */
  readonly problems: ConfigProblem[] = [];
  /** configs that cannot be used at all (unreadable, not JSON): the CLI stops with exit 2 */
  readonly fatal: ConfigProblem[] = [];

  constructor(private readonly cwd: string) {}

  private load(dir: string): { config: RepoConfig; file: string } | null {
    if (this.byDir.has(dir)) return this.byDir.get(dir)!;
    const file = path.join(dir, CONFIG_FILE_NAME);
    let entry: { config: RepoConfig; file: string } | null = null;
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR') this.fatal.push({ file: this.shown(file), key: '', message: `cannot read: ${err.code === 'EACCES' ? 'permission denied' : err.code === 'EISDIR' ? 'is a directory' : err.message}` });
    }
    if (text !== undefined) {
      const r = parseRepoConfig(text, toPosix(file));
      const shown = this.shown(file);
      for (const p of r.problems) (r.fatal ? this.fatal : this.problems).push({ ...p, file: shown });
      if (!r.fatal) entry = { config: r.config, file: shown };
    }
    this.byDir.set(dir, entry);
    return entry;
  }

  private shown(file: string): string {
    const rel = path.relative(this.cwd, file);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
  }

  /** The merged configuration for a file (relative to cwd or absolute). */
  forFile(file: string): EffectiveConfig {
    const abs = path.resolve(this.cwd, file);
    const dir = path.dirname(abs);
    const hit = this.effective.get(dir);
    if (hit) return hit;
    const dirs = ancestorDirs(toPosix(abs)).map((d) => (path.sep === '\\' ? d.replace(/\//g, '\\') : d));
    const found = dirs.map((d) => this.load(d)).filter((x): x is { config: RepoConfig; file: string } => !!x).reverse();
    const eff = mergeConfigs(found.map((f) => f.config), found.map((f) => f.file));
    this.effective.set(dir, eff);
    return eff;
  }

  /** True when an exclude glob of the file's configuration matches it. */
  excluded(file: string): boolean {
    return isExcluded(this.forFile(file), toPosix(path.resolve(this.cwd, file)));
  }
}
