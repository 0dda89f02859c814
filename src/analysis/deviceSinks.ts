/**
 * The sinks of the device-data analysis (deviceData.ts): the expressions where a device value would do
 * harm, namely loop bounds, array indexes, the length or offset arguments of copies and skb helpers, and
 * pointers or handles given to a free or an unmap. Split from deviceData.ts.
 */
import type { Node } from 'web-tree-sitter';
import { walk, callName, callArgs, stripParensAndCasts, LEAVES } from './ast';
import type { CfgNode } from './cfg';
import type { FunctionContext } from './facts';
import { apiEntry, paramIndex, P } from './api';
import { LENGTH_ARGS, FREES, DMA_HANDLE_SINK, type DeviceFlow } from './deviceDataSyntax';

export type SinkPush = (at: Node, cfg: CfgNode, sink: DeviceFlow['sink'], sinkWhat: string) => void;

/**
 * Pushes every sink of the function that `maybe` says may carry a device value, with its CFG node
 * (`cfgOf`); `accessCands` are the function's memory accesses (subscripts are index sinks).
 */
export function gatherSinks(
  ctx: FunctionContext, accessCands: readonly Node[], maybe: (e: Node) => boolean, cfgOf: (e: Node) => CfgNode | undefined, push: SinkPush,
): void {
  const at = (e: Node, sink: DeviceFlow['sink'], what: string): void => {
    if (!maybe(e)) return;
    const c = cfgOf(e);
    if (c) push(e, c, sink, what);
  };
  for (const n of ctx.cfg.nodes) {
    const loopCond = n.kind === 'cond' && n.loop && n.loop.type !== 'do_statement' ? n.loop.childForFieldName('condition') : null;
    if (!loopCond || !maybe(loopCond)) continue;
    // a loop bound: a side of the loop condition's comparison that is not the variable the loop steps
    const upd = n.loop!.childForFieldName('update')?.text ?? '';
    walk(loopCond, (x) => {
      if (x.type === 'binary_expression' && /^(<|<=|>|>=)$/.test(x.childForFieldName('operator')?.text ?? '')) {
        for (const s of [x.childForFieldName('left'), x.childForFieldName('right')]) {
          const id = s ? stripParensAndCasts(s) : null;
          if (!s || (id?.type === 'identifier' && new RegExp(`\\b${id.text}\\b`).test(upd))) continue;
          if (maybe(s)) push(s, n, 'loop', 'a loop bound');
        }
        return false;
      }
      return true;
    }, LEAVES);
  }
  for (const x of accessCands) {
    if (x.type !== 'subscript_expression') continue;
    const i = x.childForFieldName('index');
    if (i) at(i, 'index', 'an array index');
  }
  for (const x of ctx.allCalls) {
    const name = callName(x) ?? '';
    const li = LENGTH_ARGS[name];
    const frees = FREES.test(name);
    const e = DMA_HANDLE_SINK.test(name) ? apiEntry(name) : undefined;
    if (!li && !frees && !e) continue;
    const args = callArgs(x);
    if (li) for (const i of li) if (args[i]) at(args[i], 'length', `the ${i === li[li.length - 1] || name.startsWith('mem') ? 'length' : 'offset'} of ${name}()`);
    if (frees && args[0]) at(args[0], 'pointer', `the pointer ${name}() frees`);
    if (e) {
      const hi = paramIndex(e, ...P.handle);
      if (hi >= 0 && args[hi]) at(args[hi], 'pointer', `the handle ${name}() releases`);
      const ci = e.role === 'free' || e.role === 'pool-free' ? paramIndex(e, ...P.cpu) : -1;
      if (ci >= 0 && args[ci]) at(args[ci], 'pointer', `the pointer ${name}() frees`);
    }
  }
}
