/** Finding calls and their arguments by catalogue role and parameter name. */
import type { Node } from 'web-tree-sitter';
import { callName, callArgs } from '../../ast';
import { apiEntry, paramIndex } from '../../api';
import type { ApiRole } from '../../../model/catalogue/types';
import type { FunctionContext } from '../../facts';

/** Calls of the function body whose catalogue role is one of `roles`. */
export function callsWithRole(ctx: FunctionContext, ...roles: ApiRole[]): Node[] {
  return ctx.allCalls.filter((c) => {
    const e = apiEntry(callName(c));
    return !!e?.role && roles.includes(e.role) && e.kind !== 'legacy';
  });
}

/** The argument of a call by catalogue parameter name. */
export function argNamed(call: Node, ...names: string[]): Node | undefined {
  const i = paramIndex(apiEntry(callName(call)), ...names);
  return i >= 0 ? callArgs(call)[i] : undefined;
}
