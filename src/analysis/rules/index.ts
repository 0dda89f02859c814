/** The rule registry: every rule module, in documentation order. */
import type { Rule } from './types';
import { rule as r0 } from './map-error-unchecked';
import { rule as r1 } from './map-error-compare';
import { rule as r2 } from './map-sg-zero';
import { rule as r3 } from './map-sgtable-errno';
import { rule as r4 } from './unmap-size-mismatch';
import { rule as r5 } from './unmap-dir-mismatch';
import { rule as r6 } from './unmap-wrong-family';
import { rule as r7 } from './free-coherent-mismatch';
import { rule as r8 } from './dmam-mixed-free';
import { rule as r9 } from './unmap-sg-nents';
import { rule as r10 } from './sg-iterate-nents';
import { rule as r11 } from './sync-dir-mismatch';
import { rule as r12 } from './dir-none';
import { rule as r13 } from './double-unmap';
import { rule as r14 } from './map-leak';
import { rule as r15 } from './map-stack';
import { rule as r16 } from './map-vmalloc';
import { rule as r17 } from './coherent-gfp-zero';
import { rule as r18 } from './gfp-comp';
import { rule as r19 } from './pages-gfp-zone';
import { rule as r20 } from './legacy-pci-dma';
import { rule as r21 } from './internal-header';
import { rule as r22 } from './skip-sync-heuristic';
import { rule as r23 } from './coherent-gfp-zone';
import { WAVE2_RULES } from './wave2';

export const RULES: readonly Rule[] = [
  r0,
  r1,
  r2,
  r3,
  r4,
  r5,
  r6,
  r7,
  r8,
  r9,
  r10,
  r11,
  r12,
  r13,
  r14,
  r15,
  r16,
  r17,
  r18,
  r19,
  r20,
  r21,
  r22,
  r23,
  ...WAVE2_RULES,
];

export const RULE_IDS: readonly string[] = RULES.map((r) => r.id);
export function ruleById(id: string): Rule | undefined { return RULES.find((r) => r.id === id); }
export type { Rule } from './types';
