import type { Node } from 'web-tree-sitter';
import type { Rule, Fix } from './types';
import { deviceData, UNTRUSTED_PLATFORMS, type DeviceFlow, type DeviceRead } from '../deviceData';
import { lineAt } from '../ast';
import { originRelated, oneLine } from './shared/deviceFindings';
import { callName } from '../ast';
import type { FunctionContext } from '../facts';
import { indentAt } from './shared/fixes';
import { deviceMemoryKey } from '../deviceMemory';

export const rule: Rule = {
  id: 'device-data-double-fetch',
  title: 'A device-writable location is read again after a check of an earlier read, and the second read is used',
  // 7 true, 3 debatable of all 10 on 6.12 (70% strict; docs/rules/device-data-double-fetch.md): info
  severity: 'info',
  readsDeviceMemory: true,
  // the file's device allocations of the members the function reads (which ones; where they are is the related location's anchor)
  factsKey: (s, fnText) => deviceMemoryKey(s, fnText),
  checkFunction(ctx, report) {
    const seen = new Set<number>();
    for (const f of deviceData(ctx).flows) {
      const first = f.checkedRead;
      const second = f.secondRead;
      // a pointer kept in shared memory and tested for NULL is the driver's own bookkeeping: not reported here
      // nor a running sum bounded by the loop that re-reads it (`while (x >= loc) x -= loc;`)
      if (!first || !second || f.sink === 'pointer' || (f.sink === 'loop' && f.viaAccumulates) || seen.has(second.start)) continue;
      seen.add(second.start);
      const fix = readOnceFix(ctx, first, second);
      report({
        start: second.start,
        end: second.end,
        message: `\`${oneLine(second.key)}\` is fetched again from device-writable memory after the check at line ${lineAt(ctx.text, first.start)} looked at an earlier fetch, and this second value is used as ${f.sinkWhat}${f.via ? ` (through \`${f.via}\`)` : ''}. On ${UNTRUSTED_PLATFORMS} the memory can change between the two reads, so the value checked is not the value used: read it once with READ_ONCE() into a local, check the local and use the local.`,
        related: [
          { start: first.start, end: first.end, message: 'the check looks at this earlier read' },
          originRelated(f.origin),
        ],
        ...(fix ? { fixes: [fix] } : {}),
      });
    }
  },
};

/** The expression to replace for a read: the read itself, or a READ_ONCE() around it. */
function replaced(r: DeviceRead): Node {
  let n: Node = r.node;
  while (n.parent?.type === 'parenthesized_expression') n = n.parent;
  const args = n.parent;
  const call = args?.type === 'argument_list' ? args.parent : null;
  if (call && callName(call) === 'READ_ONCE' && args!.namedChildCount === 1) return call;
  return r.node;
}

/**
 * `typeof(loc) v = READ_ONCE(loc);` before the `if` that checks the first read, and both reads replaced by
 * `v`: only when the check is a plain `if` in a block (a declaration may go right before it).
 */
function readOnceFix(ctx: FunctionContext, first: DeviceRead, second: DeviceRead): Fix | null {
  const cond = first.cfg.node;
  const ifs = cond?.parent;
  if (!ifs || ifs.type !== 'if_statement' || ifs.parent?.type !== 'compound_statement') return null;
  if (second.start < ifs.startIndex) return null;
  const a = replaced(first);
  const b = replaced(second);
  if (a.endIndex > b.startIndex) return null;
  const field = /(\w+)(?:\[[^\]]*\])*$/.exec(first.key)?.[1] ?? 'val';
  let name = field;
  const fnText = ctx.text.slice(ctx.facts.start, ctx.facts.end);
  for (let i = 0; new RegExp(`\\b${name}\\b(?!\\s*(?:\\(|:))`).test(fnText.replace(new RegExp(`(->|\\.)\\s*${name}\\b`, 'g'), '')) && i < 5; i++) name = `${field}_${i ? i + 1 : 'once'}`;
  const indent = indentAt(ctx.text, ifs.startIndex);
  const lineStart = ctx.text.lastIndexOf('\n', ifs.startIndex - 1) + 1;
  if (ctx.text.slice(lineStart, ifs.startIndex).trim() !== '') return null;
  return {
    title: `Read \`${oneLine(first.key)}\` once with READ_ONCE() into \`${name}\` and check and use that`,
    edits: [
      { start: lineStart, end: lineStart, text: `${indent}typeof(${first.key}) ${name} = READ_ONCE(${first.key});\n` },
      { start: a.startIndex, end: a.endIndex, text: name },
      { start: b.startIndex, end: b.endIndex, text: name },
    ],
  };
}

export type { DeviceFlow };
