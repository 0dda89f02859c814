/**
 * Patch review for `dma-scope check --diff <rev>` and `--patch <file|->`:
 * which C files a change touches, their text after the change, and which of
 * their lines it changed. Unified diffs (and `git format-patch` mails) are
 * parsed and applied with jsdiff (the `diff` package); git is run through
 * child_process. Findings are then kept when their range or one of their
 * related locations is on a changed line (keepChanged).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { applyPatch, parsePatch, reversePatch, structuredPatch } from 'diff';
import type { StructuredPatch, StructuredPatchHunk } from 'diff';

/** Bad input of a patch review (unknown revision, not a repository, a patch that does not apply): exit 2, one line. */
export class InputError extends Error {}

export interface ChangedFile {
  /** the path to check, relative to cwd when inside it */
  file: string;
  /** 1-based line numbers of the file after the change that the change added or modified (or that border a deletion) */
  lines: Set<number>;
  /** the file's text after the change, when it is not the file on disk (--patch on an unpatched tree) */
  text?: string;
}

const isC = (p: string): boolean => /\.[ch]$/.test(p);

/** Changed lines of the new side of unified-diff hunks (any context size). */
export function changedLines(hunks: readonly StructuredPatchHunk[]): Set<number> {
  const out = new Set<number>();
  for (const h of hunks) {
    // jsdiff normalises the unified-diff quirk of empty ranges: newStart is always the first line after
    let n = h.newStart;
    for (const l of h.lines) {
      if (l[0] === '+') out.add(n++);
      else if (l[0] === '-') {
        // a deletion changes the code around it: mark the lines on either side
        if (n > 1) out.add(n - 1);
        out.add(n);
      } else if (l[0] === ' ') n++;
    }
  }
  return out;
}

/** Keeps findings whose range, or one of whose related locations, lies on a changed line. */
export function keepChanged<T extends { line: number; endLine: number; related: readonly { line: number }[] }>(findings: readonly T[], lines: ReadonlySet<number>): T[] {
  return findings.filter((f) => {
    for (let l = f.line; l <= f.endLine; l++) if (lines.has(l)) return true;
    return f.related.some((r) => lines.has(r.line));
  });
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}

function gitTopLevel(cwd: string): string | undefined {
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('git is not installed (needed to find what changed)');
    return undefined;
  }
}

function shown(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/** Strips jsdiff's a/ b/ prefixes and a trailing tab-separated timestamp. */
function patchPath(name: string | undefined): string | undefined {
  if (!name || name === '/dev/null') return undefined;
  const n = name.split('\t')[0].trim();
  return /^[ab]\//.test(n) ? n.slice(2) : n;
}

/** The C files the working tree changed since `rev` (tracked changes and new untracked files), restricted to `paths`. */
export function gitChanges(cwd: string, rev: string, paths: readonly string[]): ChangedFile[] {
  const top = gitTopLevel(cwd);
  if (!top) throw new InputError(`${cwd} is not inside a git repository (--diff compares with a git revision)`);
  try {
    git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  } catch {
    throw new InputError(`unknown revision '${rev}'`);
  }
  for (const p of paths) if (!fs.existsSync(path.resolve(cwd, p))) throw new InputError(`${p}: no such file or directory`);
  const spec = ['--', ...(paths.length ? paths : ['.'])];
  let text: string;
  try {
    text = git(cwd, ['-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', '--no-renames', '--unified=0', rev, ...spec]);
  } catch (e) {
    throw new InputError(`git diff ${rev} failed: ${firstLine((e as { stderr?: string }).stderr ?? (e as Error).message)}`);
  }
  const out = new Map<string, ChangedFile>();
  for (const p of parseDiffText(text, `git diff ${rev}`)) {
    const rel = patchPath(p.newFileName);
    if (!rel || !isC(rel)) continue;
    const abs = path.join(top, rel);
    const f = out.get(abs) ?? { file: shown(cwd, abs), lines: new Set<number>() };
    for (const l of changedLines(p.hunks)) f.lines.add(l);
    out.set(abs, f);
  }
  // files git does not track yet are new in the working tree: every line is changed
  const untracked = git(cwd, ['-c', 'core.quotePath=false', 'ls-files', '--others', '--exclude-standard', '--full-name', ...spec]).split('\n').filter((p) => p && isC(p));
  for (const rel of untracked) {
    const abs = path.join(top, rel);
    let n = 0;
    try {
      n = fs.readFileSync(abs, 'utf8').split('\n').length;
    } catch {
      continue;
    }
    out.set(abs, { file: shown(cwd, abs), lines: new Set(Array.from({ length: n }, (_, i) => i + 1)) });
  }
  return [...out.values()].filter((f) => f.lines.size).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function firstLine(s: string): string {
  return s.split('\n').map((l) => l.trim()).find(Boolean) ?? 'failed';
}

/** `git format-patch` signatures ("-- " then the git version) would read as a removed line: cut them. */
function stripMailSignatures(text: string): string {
  return text.replace(/^-- \r?\n[^\n]*\r?\n(?:\s*\r?\n)*(?=From [0-9a-f]{40} |$)/gm, '');
}

function parseDiffText(text: string, what: string): StructuredPatch[] {
  try {
    return parsePatch(stripMailSignatures(text.replace(/\r\n/g, '\n')));
  } catch (e) {
    throw new InputError(`${what} is not a valid unified diff: ${(e as Error).message}`);
  }
}

/**
 * The C files a unified diff or format-patch mail changes, applied in memory to
 * the tree under cwd (or its git top level). A patch already applied to the
 * tree is accepted as is. Throws InputError for garbage, a file the patch
 * names that is missing, or a hunk that fits neither way.
 */
export function patchChanges(cwd: string, patchText: string, name: string): ChangedFile[] {
  const patches = parseDiffText(patchText, name).filter((p) => p.hunks.length);
  if (!patches.length) throw new InputError(`${name} holds no unified diff (no '@@' hunks after '---'/'+++' lines)`);
  const roots = [cwd];
  const top = gitTopLevel(cwd);
  if (top && path.resolve(top) !== path.resolve(cwd)) roots.push(top);
  // the patches of each file, in order: a series may touch a file several times
  const groups = new Map<string, { file: string; rel: string; creates: boolean; patches: StructuredPatch[] }>();
  for (const p of patches) {
    const newRel = patchPath(p.newFileName);
    const oldRel = patchPath(p.oldFileName);
    const rel = newRel ?? oldRel;
    if (!rel || !isC(rel)) continue;
    if (!newRel) continue; // a deleted file has nothing left to check
    const find = (r: string): string | undefined => roots.map((root) => path.resolve(root, r)).find((a) => fs.existsSync(a));
    const last = roots[roots.length - 1];
    // a rename already applied to the tree has only the new name on disk
    const abs = oldRel ? find(oldRel) ?? (oldRel !== newRel ? find(newRel) : undefined) ?? path.resolve(last, oldRel) : find(newRel) ?? path.resolve(last, newRel);
    const g = groups.get(abs);
    if (g) {
      g.patches.push(p);
      continue;
    }
    // reported under the file's name after the patch (a rename's new name)
    const root = roots.find((r) => path.resolve(r, oldRel ?? newRel) === abs || path.resolve(r, newRel) === abs) ?? last;
    if (oldRel && !fs.existsSync(abs)) throw new InputError(`${name}: ${oldRel} does not exist in ${last} (the patch does not apply to this tree)`);
    groups.set(abs, { file: shown(cwd, path.resolve(root, newRel)), rel: newRel, creates: !oldRel, patches: [p] });
  }
  const out: ChangedFile[] = [];
  for (const [abs, g] of groups) {
    let disk: string | undefined;
    try {
      disk = fs.readFileSync(abs, 'utf8');
    } catch {
      disk = undefined;
    }
    let before: string | false = false;
    let after: string | false = false;
    let inMemory = false;
    // not applied yet: every patch of the file fits in order (a file the series creates must not exist)
    if (!(g.creates && disk !== undefined)) {
      after = g.patches.reduce<string | false>((cur, p) => (cur === false ? false : applyPatch(cur, p)), disk ?? '');
      if (after !== false) {
        before = disk ?? '';
        inMemory = true;
      }
    }
    // already applied to the tree: every patch reverses, last first
    if (after === false && disk !== undefined) {
      before = [...g.patches].reverse().reduce<string | false>((cur, p) => (cur === false ? false : applyPatch(cur, reversePatch(p))), disk);
      if (before !== false && g.creates && before !== '') before = false;
      after = before === false ? false : disk;
    }
    if (before === false || after === false) {
      throw new InputError(g.creates && disk !== undefined
        ? `${name}: ${g.rel} already exists and is not the file the patch creates`
        : `${name}: the patch does not apply to ${g.rel} (a hunk fits neither the file nor the file with the patch applied)`);
    }
    const lines = changedLines(structuredPatch('a', 'b', before, after, '', '', { context: 0 }).hunks);
    if (lines.size) out.push({ file: g.file, lines, text: inMemory ? after : undefined });
  }
  return out;
}

/** Reads a patch from a file or from standard input (`-`). */
export async function readPatch(cwd: string, arg: string, readStdin: () => Promise<string>): Promise<{ text: string; name: string }> {
  if (arg === '-') return { text: await readStdin(), name: '<stdin>' };
  try {
    return { text: fs.readFileSync(path.resolve(cwd, arg), 'utf8'), name: arg };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot read ${arg}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.message}`);
  }
}
