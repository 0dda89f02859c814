/** Locates GFP flag tokens inside an allocation's gfp argument and builds removal edits. */
import type { Arg } from '../../facts';

export function flagSpans(arg: Arg, text: string, flag: RegExp): { start: number; end: number; name: string }[] {
  const src = text.slice(arg.start, arg.end);
  const out: { start: number; end: number; name: string }[] = [];
  const re = new RegExp(`\\b(?:${flag.source})\\b`, 'g');
  for (let m = re.exec(src); m; m = re.exec(src)) out.push({ start: arg.start + m.index, end: arg.start + m.index + m[0].length, name: m[0] });
  return out;
}

/** Edit removing one flag and its `|` from an OR-expression. */
export function removeFlagEdit(arg: Arg, text: string, span: { start: number; end: number }): { start: number; end: number; text: string } | null {
  const before = text.slice(arg.start, span.start);
  const after = text.slice(span.end, arg.end);
  const mb = /\s*\|\s*$/.exec(before);
  if (mb) return { start: span.start - mb[0].length, end: span.end, text: '' };
  const ma = /^\s*\|\s*/.exec(after);
  if (ma) return { start: span.start, end: span.end + ma[0].length, text: '' };
  return null;
}
