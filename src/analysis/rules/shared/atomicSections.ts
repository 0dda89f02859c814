/** Atomic sections of a function: from a lock / IRQ-disable call to its matching release, along CFG paths. */
import type { Node } from 'web-tree-sitter';
import { callName, callArgs, normText } from '../../ast';
import { reach, CfgNode } from '../../cfg';
import type { FunctionContext } from '../../facts';

interface LockKind { release: RegExp; irqsOff: boolean; keyed: boolean }

const LOCKS: Record<string, LockKind> = {
  spin_lock: { release: /^spin_unlock$/, irqsOff: false, keyed: true },
  spin_lock_bh: { release: /^spin_unlock_bh$/, irqsOff: false, keyed: true },
  spin_lock_irq: { release: /^spin_unlock_irq$/, irqsOff: true, keyed: true },
  spin_lock_irqsave: { release: /^spin_unlock_irqrestore$/, irqsOff: true, keyed: true },
  spin_lock_nested: { release: /^spin_unlock$/, irqsOff: false, keyed: true },
  spin_lock_irqsave_nested: { release: /^spin_unlock_irqrestore$/, irqsOff: true, keyed: true },
  raw_spin_lock: { release: /^raw_spin_unlock$/, irqsOff: false, keyed: true },
  raw_spin_lock_irq: { release: /^raw_spin_unlock_irq$/, irqsOff: true, keyed: true },
  raw_spin_lock_irqsave: { release: /^raw_spin_unlock_irqrestore$/, irqsOff: true, keyed: true },
  read_lock: { release: /^read_unlock$/, irqsOff: false, keyed: true },
  write_lock: { release: /^write_unlock$/, irqsOff: false, keyed: true },
  read_lock_bh: { release: /^read_unlock_bh$/, irqsOff: false, keyed: true },
  write_lock_bh: { release: /^write_unlock_bh$/, irqsOff: false, keyed: true },
  read_lock_irqsave: { release: /^read_unlock_irqrestore$/, irqsOff: true, keyed: true },
  write_lock_irqsave: { release: /^write_unlock_irqrestore$/, irqsOff: true, keyed: true },
  local_irq_save: { release: /^local_irq_restore$/, irqsOff: true, keyed: false },
  local_irq_disable: { release: /^local_irq_enable$/, irqsOff: true, keyed: false },
};

export interface AtomicHit {
  lock: Node;
  lockName: string;
  irqsOff: boolean;
}

/** The lock call whose critical section contains `target` on some path (irqsOnly: only IRQ-disabling ones). */
export function heldAt(ctx: FunctionContext, target: Node, irqsOnly: boolean): AtomicHit | null {
  const tn = ctx.index.at(target.startIndex, target.endIndex);
  if (!tn) return null;
  for (const l of ctx.allCalls) {
    const name = callName(l) ?? '';
    const k = LOCKS[name];
    if (!k || (irqsOnly && !k.irqsOff)) continue;
    if (l.startIndex >= target.startIndex && l.endIndex <= target.endIndex) continue;
    // a parse error can swallow several functions into one: a brace in column 0 between the two means another function
    if (ctx.fn.hasError) {
      const a = Math.min(l.startIndex, target.startIndex);
      const b = Math.max(l.endIndex, target.endIndex);
      if (/\n[{}]/.test(ctx.text.slice(a, b))) continue;
    }
    const ln = ctx.index.at(l.startIndex, l.endIndex);
    if (!ln || ln.id === tn.id) continue;
    const key = k.keyed && callArgs(l)[0] ? normText(callArgs(l)[0]) : null;
    const releases = new Set<number>();
    for (const u of ctx.allCalls) {
      if (!k.release.test(callName(u) ?? '')) continue;
      if (key && callArgs(u)[0] && normText(callArgs(u)[0]) !== key) continue;
      const un = ctx.index.at(u.startIndex, u.endIndex);
      if (un) releases.add(un.id);
    }
    const hit = reach(ctx.cfg, ln.id, { target: (n: CfgNode) => n.id === tn.id, blocked: (n: CfgNode) => releases.has(n.id), limit: 20000 });
    if (hit) return { lock: l, lockName: name, irqsOff: k.irqsOff };
  }
  return null;
}
