/**
 * Kernel C is full of annotations that tree-sitter-c does not know (`__iomem`,
 * `__user`, `__aligned(8)`, `____cacheline_aligned`, `__must_check`, ...).
 * They confuse declarations into ERROR nodes. We blank them with spaces of the
 * same length so every offset, line and column in the tree still matches the
 * document the user sees.
 */

/** Bare-word annotations, blanked wherever they appear as a whole identifier. */
const BARE_ANNOTATIONS = [
  '__iomem', '__user', '__kernel', '__force', '__rcu', '__percpu', '__bitwise', '__private',
  '__must_check', '__always_inline', '__noinline', 'noinline', '__cold', '__hot', '__init', '__exit',
  '__initdata', '__exitdata', '__devinit', '__devexit', '__read_mostly', '__maybe_unused',
  '__always_unused', '__used', '__packed', '__weak', '__pure', '__malloc', '__noreturn',
  '__ref', '__refdata', '__visible', '__flatten', '__latent_entropy', '__randomize_layout',
  '____cacheline_aligned', '____cacheline_aligned_in_smp', '__cacheline_aligned',
  '__cacheline_aligned_in_smp', '____cacheline_internodealigned_in_smp', '__ro_after_init',
  '__nocast', '__safe', '__acquires', '__releases', '__must_hold', '__cond_lock', 'notrace',
  '__counted_by', '__counted_by_le', '__counted_by_be', '__nonstring', '__dma_from_device_aligned',
];

/** Annotations that take a parenthesised argument list: `__aligned(64)`, `__attribute__((packed))`. */
const CALL_ANNOTATIONS = [
  '__aligned', '__attribute__', '__attribute', '__section', '__acquires', '__releases', '__must_hold',
  '__counted_by', '__counted_by_le', '__counted_by_be', '__printf', '__scanf', '__alloc_size',
  '__diagnose_as', '__cleanup', '__guarded_by', '__pt_guarded_by',
];

/**
 * Identifiers that mean "this buffer is aligned for DMA". Kept as facts before
 * blanking so rules (cacheline-share) can still see that a member was aligned.
 */
export const ALIGNMENT_ANNOTATIONS = new Set([
  '__aligned', '____cacheline_aligned', '____cacheline_aligned_in_smp', '__cacheline_aligned',
  '__cacheline_aligned_in_smp', '__dma_from_device_aligned',
]);

const BARE_RE = new RegExp(`\\b(?:${BARE_ANNOTATIONS.join('|')})\\b`, 'g');
const CALL_RE = new RegExp(`\\b(?:${CALL_ANNOTATIONS.join('|')})\\s*\\(`, 'g');

/**
 * Returns the text with annotations replaced by spaces. The result has exactly
 * the same length and the same newlines as the input.
 */
export function blankAnnotations(text: string): string {
  // Fast path: most of a file has no double underscore annotations at all.
  if (text.indexOf('__') < 0 && text.indexOf('noinline') < 0 && text.indexOf('notrace') < 0) return text;
  // blanked ranges, in order (a 700 KB file is never split into a character array)
  const ranges: [number, number][] = [];
  CALL_RE.lastIndex = 0;
  for (let m = CALL_RE.exec(text); m; m = CALL_RE.exec(text)) {
    // find the matching close parenthesis (bounded: annotations are short)
    let depth = 0;
    let end = -1;
    const limit = Math.min(text.length, m.index + m[0].length + 2000);
    for (let i = m.index + m[0].length - 1; i < limit; i++) {
      const c = text.charCodeAt(i);
      if (c === 40 /* ( */) depth++;
      else if (c === 41 /* ) */) {
        depth--;
        if (depth === 0) { end = i + 1; break; }
      } else if (c === 59 /* ; */ || c === 123 /* { */ || c === 10 /* \n */) break; // line-local, so edits re-blank only their lines
    }
    if (end < 0) continue;
    ranges.push([m.index, end]);
    CALL_RE.lastIndex = end;
  }
  let base = text;
  if (ranges.length) {
    const parts: string[] = [];
    let at = 0;
    for (const [from, to] of ranges) {
      parts.push(text.slice(at, from), text.slice(from, to).replace(/[^\r\n]/g, ' '));
      at = to;
    }
    parts.push(text.slice(at));
    base = parts.join('');
  }
  BARE_RE.lastIndex = 0;
  let any = false;
  const out = base.replace(BARE_RE, (w) => { any = true; return ' '.repeat(w.length); });
  return any || ranges.length ? out : text;
}

/**
 * blankAnnotations() of `text` after one edit, given the blanked text before it.
 * Blanking is line-local (an annotation never spans a newline here), so only the
 * lines the edit touched are blanked again. `start`/`oldEnd` are the changed range
 * in the old text, `newEnd` its end in `text`.
 */
export function reblankAnnotations(oldPrepared: string, text: string, start: number, oldEnd: number, newEnd: number): string {
  const ls = start > 0 ? text.lastIndexOf('\n', start - 1) + 1 : 0;
  let le = text.indexOf('\n', newEnd);
  if (le < 0) le = text.length;
  const oldLe = le - newEnd + oldEnd;
  return oldPrepared.slice(0, ls) + blankAnnotations(text.slice(ls, le)) + oldPrepared.slice(oldLe);
}
