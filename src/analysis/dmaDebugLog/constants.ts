/** Constant folding for size and count arguments: literals, `#define`s of the given files, SZ_*. */
import type { SourceText } from './types';

export type Defines = Map<string, string>;

export function collectDefines(files: readonly SourceText[]): Defines {
  const out: Defines = new Map();
  const re = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+([^\n]*?)[ \t]*(?:\/\*[^\n]*|\/\/[^\n]*)?$/gm;
  for (const f of files) {
    if (!/\.[ch]$/i.test(f.path)) continue;
    let m: RegExpExecArray | null;
    while ((m = re.exec(f.text))) if (!out.has(m[1]) && !m[2].endsWith('\\')) out.set(m[1], m[2]);
  }
  return out;
}

/** Folds a small integer expression; undefined when it is not a compile-time constant we can see. */
export function foldConstant(expr: string, defines: ReadonlyMap<string, string>, depth = 0): number | undefined {
  if (depth > 6) return undefined;
  const toks = expr.match(/0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*|[A-Za-z_]\w*|<<|>>|[-+*/()~]/g);
  if (!toks || toks.join('').length !== expr.replace(/\s+/g, '').length) return undefined;
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const primary = (): number | undefined => {
    const t = toks[i++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const v = shift();
      if (toks[i++] !== ')') return undefined;
      return v;
    }
    if (t === '-') {
      const v = primary();
      return v === undefined ? undefined : -v;
    }
    if (/^\d|^0[xX]/.test(t)) return Number(t.replace(/[uUlL]+$/, ''));
    if (/^[A-Za-z_]/.test(t)) {
      const sz = /^SZ_(\d+)([KMG]?)$/.exec(t);
      if (sz) return Number(sz[1]) * ({ '': 1, K: 1024, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[sz[2]];
      const def = defines.get(t);
      return def === undefined ? undefined : foldConstant(def, defines, depth + 1);
    }
    return undefined;
  };
  const mul = (): number | undefined => {
    let v = primary();
    while (v !== undefined && (peek() === '*' || peek() === '/')) {
      const op = toks[i++];
      const r = primary();
      if (r === undefined || (op === '/' && r === 0)) return undefined;
      v = op === '*' ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const add = (): number | undefined => {
    let v = mul();
    while (v !== undefined && (peek() === '+' || peek() === '-')) {
      const op = toks[i++];
      const r = mul();
      if (r === undefined) return undefined;
      v = op === '+' ? v + r : v - r;
    }
    return v;
  };
  const shift = (): number | undefined => {
    let v = add();
    while (v !== undefined && (peek() === '<<' || peek() === '>>')) {
      const op = toks[i++];
      const r = add();
      if (r === undefined || r > 52) return undefined;
      v = op === '<<' ? v * 2 ** r : Math.floor(v / 2 ** r);
    }
    return v;
  };
  const v = shift();
  return i === toks.length ? v : undefined;
}
