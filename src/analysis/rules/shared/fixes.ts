/** Building quick fixes: replacement edits and the indentation of the line they go on. */

/** The text of a line up to `offset` (its indentation). */
export function indentAt(text: string, offset: number): string {
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const m = /^[ \t]*/.exec(text.slice(ls, offset));
  return m ? m[0] : '';
}

/** A fix that replaces a range with new text. */
export function replaceFix(title: string, start: number, end: number, text: string) {
  return { title, edits: [{ start, end, text }] };
}

/**
 * The related-location text of a map, naming one of its arguments: "mapped here with size `len`", or just
 * "mapped here with `nents`" when the argument is spelled like its role (never "with nents nents").
 */
export function mappedWith(role: string, text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t === role ? `mapped here with \`${t}\`` : `mapped here with ${role} \`${t}\``;
}
