/**
 * Branch conditions that go together. A buffer mapped under `if (resp && resp_len)` is unmapped
 * under `if (resp)`: on every path from the map, `resp` is still non-zero, so the path that skips
 * the unmap cannot happen. This module gives the path searches of ownership.ts a pruning test:
 * facts that hold where the map is (the conditions of the `if`s around it, as conjuncts of simple
 * truth tests), kept only for names the function never assigns or takes the address of, and the
 * CFG edges that contradict them.
 */
import type { Node } from 'web-tree-sitter';
import type { CfgNode } from './cfg';
import { normText } from './ast';
import { stripOuterParens } from './facts';

/** `x`, `!x`, `x != NULL`, `x == 0`, … → [name, truth] (in normText() form); null for anything else */
function atom(norm: string): [string, boolean] | null {
  const s = stripOuterParens(norm);
  const NAME = '([A-Za-z_]\\w*(?:(?:->|\\.)[A-Za-z_]\\w*)*)';
  let m = new RegExp(`^${NAME}$`).exec(s);
  if (m) return [m[1], true];
  m = new RegExp(`^!${NAME}$`).exec(s) ?? new RegExp(`^!\\(${NAME}\\)$`).exec(s);
  if (m) return [m[1], false];
  m = new RegExp(`^${NAME}(==|!=)(NULL|0)$`).exec(s.replace(/\s+/g, '')) ?? null;
  if (m) return [m[1], m[2] === '!='];
  m = new RegExp(`^(NULL|0)(==|!=)${NAME}$`).exec(s.replace(/\s+/g, ''));
  if (m) return [m[3], m[2] === '!='];
  return null;
}

/** split at top-level `op` (`&&` or `||`) of normText() text */
function split(norm: string, op: '&&' | '||'): string[] {
  const s = stripOuterParens(norm);
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && s.startsWith(op, i)) {
      out.push(s.slice(from, i));
      from = i + 2;
      i++;
    }
  }
  out.push(s.slice(from));
  return out.map((x) => x.trim());
}

/** Facts (name → truth) known at `at` from the `if`s around it, up to `stop`. */
function factsAround(at: Node, stop: Node): Map<string, boolean> {
  const known = new Map<string, boolean>();
  for (let n: Node = at, p = at.parent; p && n.id !== stop.id; n = p, p = p.parent) {
    let cond: Node | null = null;
    let truth = true;
    if (p.type === 'if_statement' && p.childForFieldName('consequence')?.id === n.id) cond = p.childForFieldName('condition');
    else if (p.type === 'else_clause' && p.parent?.type === 'if_statement') {
      cond = p.parent.childForFieldName('condition');
      truth = false;
    }
    if (!cond) continue;
    const parts = split(normText(cond), truth ? '&&' : '||');
    for (const part of parts) {
      const a = atom(part);
      if (a && !known.has(a[0])) known.set(a[0], truth ? a[1] : !a[1]);
    }
  }
  return known;
}

/** Names assigned, incremented or address-taken anywhere in the body (their truth may change). */
function unstable(body: Node, names: string[]): Set<string> {
  const text = normText(body);
  const out = new Set<string>();
  for (const n of names) {
    const e = n.replace(/[.*+?^${}()|[\]\\>-]/g, '\\$&');
    if (new RegExp(`(^|[^\\w.>])${e}(=[^=]|\\+\\+|--|[-+*/%|&^]=|<<=|>>=)|(\\+\\+|--)${e}\\b|&${e}\\b`).test(text)) out.add(n);
  }
  return out;
}

/**
 * A pruning test for path searches that start at `from` (a map call): true for a CFG edge that
 * contradicts what held at `from`. Null when nothing is known.
 */
export function correlatedPrune(from: Node, fn: Node, body: Node): ((n: CfgNode, e: 't' | 'f' | '') => boolean) | null {
  const known = factsAround(from, fn);
  if (!known.size) return null;
  for (const n of unstable(body, [...known.keys()])) known.delete(n);
  if (!known.size) return null;
  const memo = new Map<number, 't' | 'f' | null>();
  // the edge of a condition node that cannot be taken, if any
  const impossible = (n: CfgNode): 't' | 'f' | null => {
    if (memo.has(n.id)) return memo.get(n.id)!;
    let r: 't' | 'f' | null = null;
    if (n.node) {
      const norm = normText(n.node);
      const ands = split(norm, '&&');
      const ors = split(norm, '||');
      const val = (p: string): boolean | undefined => {
        const a = atom(p);
        return a && known.has(a[0]) ? known.get(a[0]) === a[1] : undefined;
      };
      if (ands.length > 1) {
        const v = ands.map(val);
        if (v.some((x) => x === false)) r = 't';
        else if (v.every((x) => x === true)) r = 'f';
      } else if (ors.length > 1) {
        const v = ors.map(val);
        if (v.some((x) => x === true)) r = 'f';
        else if (v.every((x) => x === false)) r = 't';
      } else {
        const v = val(norm);
        if (v !== undefined) r = v ? 'f' : 't';
      }
    }
    memo.set(n.id, r);
    return r;
  };
  return (n, e) => n.kind === 'cond' && e !== '' && impossible(n) === e;
}
