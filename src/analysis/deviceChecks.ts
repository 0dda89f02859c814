/**
 * Bound checks of the device-data analysis (deviceData.ts): whether a CFG node compares, clamps or
 * validates a local or a device-memory location, and whether the CPU wrote a location itself before a
 * read. Split from deviceData.ts; one instance per analysed function.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, LEAVES } from './ast';
import { reach, type CfgNode } from './cfg';
import type { FunctionContext } from './facts';
import { reassigns } from './ownership';
import { baseNames, nodeWrites } from './writes';
import { BOUND_OPS, CHECKER_NAME, CONVERT, COPY_IN, REL_OPS, walkOwnNode, type DeviceRead } from './deviceDataSyntax';

export class DeviceChecks {
  constructor(private readonly ctx: FunctionContext, private readonly readAt: ReadonlyMap<number, DeviceRead>) {}

  /** Conditions (and BUG_ON() statements) that compare, clamp or validate something containing a `pred`-matching node. */
  private checksIn(n: CfgNode, pred: (x: Node) => boolean, boundOnly = false): boolean {
    if (!n.node) return false;
    const isCond = n.kind === 'cond';
    if (!isCond && !/\bBUG_ON\b/.test(n.node.text) && !CHECKER_NAME.test(n.node.text) && !this.callsBoundingHelper(n.node.text)) return false;
    const contains = (y: Node): boolean => {
      let found = false;
      walk(y, (z) => {
        if (found) return false;
        if (pred(z)) found = true;
        return !found;
      });
      return found;
    };
    if (isCond && n.node.parent?.type === 'switch_statement') return !boundOnly && contains(n.node);
    let hit = false;
    const scan = (root: Node): void => walk(root, (x) => {
      if (hit) return false;
      if (x.type === 'binary_expression' && (boundOnly ? BOUND_OPS : REL_OPS).has(x.childForFieldName('operator')?.text ?? '')) { if (contains(x)) hit = true; return false; }
      if (x.type === 'call_expression') {
        const name = callName(x) ?? '';
        // a same-file (or any) helper given the value in a condition: trusted to validate it
        if (!CONVERT.test(name) && !/^(unlikely|likely|WARN_ON|WARN_ON_ONCE|BUG_ON|WARN)$/.test(name) && (!boundOnly || /^(min|min_t|clamp\w*)$/.test(name)) && contains(x)) { hit = true; return false; }
        if (this.boundsArg(x, contains)) { hit = true; return false; }
      }
      return true;
    }, LEAVES);
    if (isCond) scan(n.node);
    else walk(n.node, (x) => {
      if (x.type === 'call_expression' && callName(x) === 'BUG_ON') { scan(x); return false; }
      if (x.type === 'call_expression' && this.boundsArg(x, contains)) { hit = true; return false; }
      // `err = foo_validate_len(priv, len);` then a test of err: the helper is trusted to bound it
      if (x.type === 'call_expression' && CHECKER_NAME.test(callName(x) ?? '') && contains(x)) { hit = true; return false; }
      return !hit;
    }, LEAVES);
    return hit;
  }

  /** A call of a same-file helper that bounds the parameter the value is passed as. */
  private boundsArg(call: Node, contains: (y: Node) => boolean): boolean {
    const idx = this.ctx.summary.boundingHelpers?.().get(callName(call) ?? '');
    if (!idx) return false;
    const args = callArgs(call);
    return idx.some((i) => !!args[i] && contains(args[i]));
  }

  private callsBoundingHelper(t: string): boolean {
    const bh = this.ctx.summary.boundingHelpers?.();
    if (!bh || !bh.size) return false;
    for (const k of bh.keys()) if (t.includes(k + '(')) return true;
    return false;
  }

  /** Memoised per node and name (reach() asks the same node many times); a text test before any walk. */
  private readonly checkMemo = new Map<string, boolean>();

  checksLocal(n: CfgNode, name: string): boolean {
    const k = `${n.id}\u0000${name}`;
    let v = this.checkMemo.get(k);
    if (v === undefined) {
      v = !!n.node && this.ctx.text.slice(n.start, n.end).includes(name) && this.checksIn(n, (z) => z.type === 'identifier' && z.text === name);
      this.checkMemo.set(k, v);
    }
    return v;
  }

  checksLocation(n: CfgNode, key: string, boundOnly = false): boolean {
    const k = `${n.id}\u0001${key}\u0001${boundOnly ? 'b' : ''}`;
    let v = this.checkMemo.get(k);
    if (v === undefined) {
      const field = /(\w+)[\])]*$/.exec(key)?.[1] ?? '';
      v = !!n.node && this.ctx.text.slice(n.start, n.end).includes(field) && this.checksIn(n, (z) => this.readAt.has(z.id) && this.readAt.get(z.id)!.key === key, boundOnly);
      this.checkMemo.set(k, v);
    }
    return v;
  }

  /** A memcpy()/memset()/copy_from_user()-style call of the node writes through a pointer rooted at `root`. */
  private copiesInto(n: CfgNode, root: string): boolean {
    let hit = false;
    walkOwnNode(n, (x) => {
      if (hit) return false;
      if (x.type === 'call_expression' && COPY_IN.test((callName(x) ?? '') + '(')) {
        const d = callArgs(x)[0];
        const id = d ? /^[&(*\s]*(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/.exec(d.text)?.[1] : undefined;
        if (id === root) hit = true;
      }
      return !hit;
    });
    return hit;
  }

  /** The CPU wrote this location earlier on a path to the read (its own value, e.g. a command block it filled or copied in). */
  ownWrite(r: DeviceRead): boolean {
    const bases = baseNames(r.key);
    const root = bases[0];
    for (const n of this.ctx.cfg.nodes) {
      if (!n.node || n.id === r.cfg.id) continue;
      const w = nodeWrites(n).lefts.includes(r.key) || (!!root && COPY_IN.test(n.node.text) && this.copiesInto(n, root));
      if (!w) continue;
      if (reach(this.ctx.cfg, n.id, { target: (m) => m.id === r.cfg.id, blocked: (m) => bases.some((b) => reassigns(m, b)), limit: 20000 })) return true;
    }
    return false;
  }
}
