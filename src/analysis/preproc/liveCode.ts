/**
 * The tree of a file's live code: when conditionals.ts finds `#if` arms that cannot be compiled
 * (a macro the file `#undef`s or never defines, `#if 0`, a known configuration), the file is parsed
 * again with those arms blanked, so every rule sees only code that can be built. Offsets, lines and
 * columns are unchanged. Most files have no decided arm and are not parsed twice.
 */
import { Parser, type Edit, type Tree } from 'web-tree-sitter';
import { blankAnnotations } from '../preprocess';
import type { Node } from 'web-tree-sitter';
import { blankDeadConditionals, configCondition, type MacroEnvironment } from './conditionals';

/**
 * `if (IS_ENABLED(CONFIG_FOO))` under a known configuration: the compiler drops the dead branch, so
 * do we. The dead consequence becomes `;` (the `if` stays well formed), a dead `else` clause goes.
 */
function configBranches(tree: Tree, text: string, env: MacroEnvironment): string {
  if (!/\bIS_(ENABLED|BUILTIN|MODULE|REACHABLE)\s*\(/.test(text)) return text;
  const edits: [number, number, string][] = [];
  const stack: Node[] = [tree.rootNode];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'if_statement') {
      const cond = n.childForFieldName('condition');
      const v = cond ? configCondition(text.slice(cond.startIndex, cond.endIndex), env) : undefined;
      const cons = n.childForFieldName('consequence');
      const alt = n.childForFieldName('alternative');
      if (v !== undefined && cons) {
        if (v === 0) edits.push([cons.startIndex, cons.endIndex, ';']);
        else if (alt) edits.push([alt.startIndex, alt.endIndex, '']);
        // the live branch may hold more decided `if`s
        const live = v === 0 ? alt : cons;
        if (live) stack.push(live);
        continue;
      }
    }
    for (let i = n.namedChildCount - 1; i >= 0; i--) {
      const k = n.namedChild(i);
      if (k) stack.push(k);
    }
  }
  if (!edits.length) return text;
  edits.sort((a, b) => a[0] - b[0]);
  const parts: string[] = [];
  let at = 0;
  for (const [s, e, lead] of edits) {
    if (s < at) continue;
    const blank = text.slice(s, e).replace(/[^\r\n]/g, ' ');
    parts.push(text.slice(at, s), lead + blank.slice(lead.length));
    at = e;
  }
  parts.push(text.slice(at));
  return parts.join('');
}

/** The segments where `b` differs from `a` (same length, same newlines), as tree edits. */
function blankedSegments(a: string, b: string): Edit[] {
  const out: Edit[] = [];
  let row = 0;
  let lineStart = 0;
  let i = 0;
  const n = a.length;
  while (i < n) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) {
      if (a.charCodeAt(i) === 10) { row++; lineStart = i + 1; }
      i++;
      continue;
    }
    const start = i;
    const startPosition = { row, column: i - lineStart };
    while (i < n && a.charCodeAt(i) !== b.charCodeAt(i)) {
      if (a.charCodeAt(i) === 10) { row++; lineStart = i + 1; }
      i++;
    }
    const end = { row, column: i - lineStart };
    out.push({ startIndex: start, oldEndIndex: i, newEndIndex: i, startPosition, oldEndPosition: end, newEndPosition: end });
  }
  return out;
}

/** Bound on the second parse, as for the first (parser.ts). */
const REPARSE_TIMEOUT_MS = 2000;

/**
 * The live text and its tree (owned by the caller: `delete()` it), or null when every arm may be
 * compiled (use the tree you have) or the second parse failed.
 */
export function liveCode(tree: Tree, text: string, env: MacroEnvironment & { file?: string }): { tree: Tree; text: string; dead: number } | null {
  if (text.indexOf('#') < 0) return null;
  let r: { text: string; dead: [number, number][] };
  try {
    r = blankDeadConditionals(text, env);
  } catch {
    return null; // never worse than analysing every arm
  }
  const c = env.macros || env.macrosComplete ? configBranches(tree, r.text, env) : r.text;
  if (c === text) return null;
  r = { ...r, text: c };
  const parser = new Parser();
  try {
    parser.setLanguage(tree.language);
    const deadline = Date.now() + REPARSE_TIMEOUT_MS;
    // same length, same lines: tell a copy of the tree which segments were blanked, so the parser
    // reuses every subtree outside them (advansys.c, 345 KB: check 490 → 330 ms). On the 111 DMA files of 6.12
    // with dead arms the result equals a fresh parse except in 3 whose error recovery differs (eni, iphase, BusLogic)
    const old = tree.copy();
    try {
      for (const e of blankedSegments(text, r.text)) old.edit(e);
      const t = parser.parse(blankAnnotations(r.text), old, { progressCallback: () => Date.now() > deadline });
      return t ? { tree: t, text: r.text, dead: r.dead.length } : null;
    } finally {
      old.delete();
    }
  } catch {
    return null;
  } finally {
    parser.delete();
  }
}
