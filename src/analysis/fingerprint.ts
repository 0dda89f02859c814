/**
 * Stable identities of findings for baselines and code-scanning services:
 * the enclosing function's name plus the normalised text of the flagged range
 * (whitespace and comments collapsed), never line numbers, so a finding keeps
 * its fingerprint when lines move above it and gets a new one when the flagged
 * code changes. Equal texts in one function are told apart by their order.
 */
import type { Tree } from 'web-tree-sitter';
import { functionDefinitions, functionName } from './ast';

export interface FunctionSpan {
  start: number;
  end: number;
  name: string | null;
}

/** The functions of a parsed file with their offsets (for enclosingFunction). */
export function functionSpans(tree: Tree): FunctionSpan[] {
  return functionDefinitions(tree).map((f) => ({ start: f.startIndex, end: f.endIndex, name: functionName(f) }));
}

/** The name of the innermost function containing an offset, or null outside functions. */
export function enclosingFunction(spans: readonly FunctionSpan[], offset: number): string | null {
  let best: FunctionSpan | undefined;
  for (const s of spans) if (s.start <= offset && offset < s.end && (!best || s.start >= best.start)) best = s;
  return best?.name ?? null;
}

/** Flagged code with comments dropped and whitespace collapsed. */
export function normaliseCode(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, ' ').replace(/\s+/g, ' ').trim();
}

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits (the same in Node and browsers). */
export function hash64(s: string): string {
  let h = 0xcbf29ce484222325n;
  const p = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * p) & mask;
  }
  return h.toString(16).padStart(16, '0');
}

export interface Fingerprinted {
  function: string | null;
  fingerprint: string;
}

/**
 * Fingerprints of a file's findings (in the order given): hash of rule,
 * function and normalised flagged code, then ':' and the occurrence number
 * among the file's findings with the same hash.
 */
export function fingerprints(text: string, findings: readonly { rule: string; start: number; end: number }[], spans: readonly FunctionSpan[]): Fingerprinted[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const fn = enclosingFunction(spans, f.start);
    const h = hash64(`${f.rule}\u0000${fn ?? ''}\u0000${normaliseCode(text.slice(f.start, f.end))}`);
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    return { function: fn, fingerprint: `${h}:${n}` };
  });
}
