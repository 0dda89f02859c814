import type { Rule } from './types';
import { isChecked, isStreamingSingle, handleComparisons } from './shared/mapErrorChecks';
import { enclosingStatement } from '../facts';
import { indentAt } from './shared/fixes';

export const rule: Rule = {
  id: 'map-error-unchecked',
  title: 'The handle of dma_map_single/dma_map_page/dma_map_resource is used without dma_mapping_error()',
  severity: 'info',
  checkFunction(ctx, report) {
    for (const o of ctx.facts.objects) {
      if (!isStreamingSingle(o)) continue;
      if (isChecked(ctx, o)) continue;
      if (handleComparisons(ctx, o).length) continue; // map-error-compare reports those
      const c = o.call;
      const fixes = [];
      const stmt = enclosingStatement(ctx.callNodes[c.id]);
      if (c.result === 'assigned' && o.handle && stmt && (stmt.type === 'expression_statement' || stmt.type === 'declaration')) {
        const lineStart = ctx.text.lastIndexOf('\n', stmt.startIndex - 1) + 1;
        const indent = indentAt(ctx.text, stmt.startIndex);
        const inner = indent + (indent.includes('\t') || indent === '' ? '\t' : '    ');
        const label = errorLabel(ctx, c.end);
        const action = label ? `goto ${label};` : ctx.facts.returnsInt ? 'return -ENOMEM;' : null;
        void lineStart;
        if (action && c.dev) {
          fixes.push({
            title: `Check the mapping with dma_mapping_error() and ${label ? `goto ${label}` : 'return -ENOMEM'}`,
            edits: [{ start: stmt.endIndex, end: stmt.endIndex, text: `\n${indent}if (dma_mapping_error(${c.dev.text}, ${o.call.lvalue!.text}))\n${inner}${action}` }],
          });
        }
      }
      report({
        start: c.start,
        end: c.end,
        message: c.result === 'ignored'
          ? `The handle returned by ${c.name}() is discarded: store it, test it with dma_mapping_error() and unmap it later.`
          : `The handle returned by ${c.name}() is used without dma_mapping_error(); test it before giving it to the device.`,
        fixes,
      });
    }
  },
};

/** The function's error label after `from`: the first label that reads like one. */
export function errorLabel(ctx: import('../facts').FunctionContext, from: number): string | null {
  const labels = [...ctx.cfg.labels.entries()]
    .map(([name, id]) => ({ name, start: ctx.cfg.nodes[id].start }))
    .filter((l) => l.start > from)
    .sort((a, b) => a.start - b.start);
  const errLike = labels.find((l) => /err|fail|out|unwind|unmap|free|clean|bad|abort/i.test(l.name));
  return errLike ? errLike.name : null;
}
