/**
 * The tree of a file's live code: when conditionals.ts finds `#if` arms that cannot be compiled
 * (a macro the file `#undef`s or never defines, `#if 0`, a known configuration), the file is parsed
 * again with those arms blanked, so every rule sees only code that can be built. Offsets, lines and
 * columns are unchanged. Most files have no decided arm and are not parsed twice.
 */
import { Parser, type Tree } from 'web-tree-sitter';
import { blankAnnotations } from '../preprocess';
import { blankDeadConditionals, type MacroEnvironment } from './conditionals';

/** Bound on the second parse, as for the first (parser.ts). */
const REPARSE_TIMEOUT_MS = 2000;

/**
 * The live text and its tree (owned by the caller: `delete()` it), or null when every arm may be
 * compiled (use the tree you have) or the second parse failed.
 */
export function liveCode(tree: Tree, text: string, env: MacroEnvironment & { file?: string }): { tree: Tree; text: string; dead: number } | null {
  if (text.indexOf('#') < 0) return null;
  let r: ReturnType<typeof blankDeadConditionals>;
  try {
    r = blankDeadConditionals(text, env);
  } catch {
    return null; // never worse than analysing every arm
  }
  if (r.text === text) return null;
  const parser = new Parser();
  try {
    parser.setLanguage(tree.language);
    const deadline = Date.now() + REPARSE_TIMEOUT_MS;
    const t = parser.parse(blankAnnotations(r.text), null, { progressCallback: () => Date.now() > deadline });
    return t ? { tree: t, text: r.text, dead: r.dead.length } : null;
  } catch {
    return null;
  } finally {
    parser.delete();
  }
}
