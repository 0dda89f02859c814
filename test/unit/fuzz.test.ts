/**
 * Property tests (fast-check): the analyzer never throws and stays inside its
 * bounds on random bytes, on C token soup and on kernel-style fixtures mutated
 * by deleting, duplicating and swapping byte ranges; the same for the trace
 * parser and the simulator on mutated example traces. Findings, hovers and
 * lifecycle steps always point inside the text they were computed from.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { checkSource, checkTree, functionFacts } from '../../src/analysis/checker';
import { hoverAt } from '../../src/analysis/hover';
import { extractLifecycle, LifecycleError } from '../../src/analysis/lifecycle';
import { parseTrace, simulateAll } from '../../src/model/sim';
import type { CParser } from '../../src/analysis/parser';
import { FIXTURES, REPO_ROOT, testParser } from '../helpers';

const RUNS = Number(process.env.DMA_SCOPE_FUZZ_RUNS ?? 60);

function cFixtures(): string[] {
  const out: string[] = [];
  const stack = [FIXTURES, path.join(REPO_ROOT, 'examples', 'driver')];
  while (stack.length) {
    const d = stack.pop()!;
    if (!fs.existsSync(d)) continue;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (/\.c$/.test(e.name)) out.push(fs.readFileSync(p, 'utf8'));
    }
  }
  return out;
}

function traceFixtures(): string[] {
  const out: string[] = [];
  for (const d of [path.join(REPO_ROOT, 'examples', 'traces'), path.join(FIXTURES, 'lifecycle')]) {
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d)) if (f.endsWith('.dmatrace')) out.push(fs.readFileSync(path.join(d, f), 'utf8'));
  }
  return out;
}

type Mutation = { op: 'delete' | 'duplicate' | 'swap'; a: number; b: number; c: number; d: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom<'delete' | 'duplicate' | 'swap'>('delete', 'duplicate', 'swap'),
  a: fc.double({ min: 0, max: 1, noNaN: true }),
  b: fc.double({ min: 0, max: 0.2, noNaN: true }),
  c: fc.double({ min: 0, max: 1, noNaN: true }),
  d: fc.double({ min: 0, max: 0.2, noNaN: true }),
});

/** Applies byte-range mutations (positions as fractions of the current length). */
export function mutate(text: string, muts: readonly Mutation[]): string {
  let s = text;
  for (const m of muts) {
    const n = s.length;
    const a = Math.min(Math.max(0, n - 1), Math.floor(m.a * n));
    const b = Math.min(n, a + Math.floor(m.b * n) + 1);
    if (m.op === 'delete') s = s.slice(0, a) + s.slice(b);
    else if (m.op === 'duplicate') s = s.slice(0, b) + s.slice(a, b) + s.slice(b);
    else {
      const c = Math.floor(m.c * n);
      const d = Math.min(n, c + Math.floor(m.d * n) + 1);
      if (d <= a || c >= b) {
        const [x, y] = a < c ? [[a, b], [c, d]] : [[c, d], [a, b]];
        s = s.slice(0, x[0]) + s.slice(y[0], y[1]) + s.slice(x[1], y[0]) + s.slice(x[0], x[1]) + s.slice(y[1]);
      }
    }
  }
  return s;
}

const TOKENS = [
  '{', '}', '(', ')', ';', ',', '*', '&', '=', '==', '!', '->', '.', '[', ']', '?', ':', '#if 0', '#endif', '#define X', '\n', '/*', '*/', '//', '"', "'",
  'if', 'else', 'for', 'while', 'do', 'return', 'goto', 'out', 'out:', 'err_unmap:', 'static', 'int', 'void', 'struct', 'dma_addr_t', 'size_t', 'sizeof',
  'dev', 'buf', 'len', 'h', 'sg', 'sgt', 'nents', 'i', '0', '1', '4096', 'NULL', 'GFP_KERNEL', 'GFP_ATOMIC', '__GFP_COMP',
  'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL', 'DMA_NONE', 'DMA_MAPPING_ERROR',
  'dma_map_single', 'dma_unmap_single', 'dma_map_page', 'dma_unmap_page', 'dma_map_sg', 'dma_unmap_sg', 'dma_map_sgtable', 'dma_mapping_error',
  'dma_sync_single_for_cpu', 'dma_sync_single_for_device', 'dma_alloc_coherent', 'dma_free_coherent', 'dmam_alloc_coherent', 'dma_pool_alloc',
  'pci_map_single', 'PCI_DMA_TODEVICE', 'for_each_sg', 'sg_dma_address', 'sg_dma_len', 'kmalloc', 'kfree', 'vmalloc', 'memset', 'dev_is_dma_coherent',
];

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 400 }).map((ts) => ts.join(' '));
const randomBytes = fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('utf8'));
const randomLatin1 = fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b).toString('latin1'));

/** Runs every analysis on one input and checks its invariants. */
function analyse(parser: CParser, text: string, offsets: readonly number[]): void {
  const r = checkSource(parser, text, { file: 'drivers/fuzz/fuzz.c' });
  for (const f of r.findings) {
    assert.ok(f.start >= 0 && f.start <= f.end && f.end <= text.length, `finding ${f.rule} out of the text`);
    assert.ok(f.line >= 1 && f.column >= 1);
    for (const fix of f.fixes ?? []) for (const e of fix.edits) assert.ok(e.start >= 0 && e.start <= e.end && e.end <= text.length, `fix of ${f.rule} out of the text`);
  }
  for (const e of r.errors) assert.strictEqual(typeof e.message, 'string');
  let tree;
  try {
    tree = parser.parse(text);
  } catch {
    return; // over the parse time limit: checkSource reported it already
  }
  try {
    // a second check on the same tree serves from the per-function cache: same result
    const again = checkTree(tree, text, { file: 'drivers/fuzz/fuzz.c' });
    assert.deepStrictEqual(again.findings.map((f) => `${f.rule}@${f.start}`), r.findings.map((f) => `${f.rule}@${f.start}`));
    for (const ff of functionFacts(tree, text)) assert.ok(ff.start >= 0 && ff.end <= text.length);
    for (const frac of offsets) {
      const off = Math.floor(frac * text.length);
      const h = hoverAt(tree, text, off);
      if (h) assert.ok(h.start <= off && off <= h.end && h.end <= text.length && h.markdown.length > 0);
      try {
        const l = extractLifecycle({ text, tree, offset: off, file: 'fuzz.c' });
        assert.ok(l);
      } catch (e) {
        if (!(e instanceof LifecycleError)) throw e;
      }
    }
  } finally {
    tree.delete();
  }
}

const offsets = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 });

describe('fuzz: the analyzer never throws', function () {
  this.timeout(120000);
  let parser: CParser;
  before(async () => {
    parser = await testParser();
  });

  it('on random byte strings (UTF-8 with invalid sequences, and latin-1)', () => {
    fc.assert(fc.property(fc.oneof(randomBytes, randomLatin1), offsets, (text, offs) => analyse(parser, text, offs)), { numRuns: RUNS });
  });

  it('on random C token soup', () => {
    fc.assert(fc.property(tokenSoup, offsets, (text, offs) => analyse(parser, text, offs)), { numRuns: RUNS });
  });

  it('on kernel-style fixtures mutated by deleting, duplicating and swapping byte ranges', () => {
    const fixtures = cFixtures();
    assert.ok(fixtures.length >= 5, 'fixtures found');
    fc.assert(
      fc.property(fc.nat({ max: fixtures.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), offsets, (i, muts, offs) => analyse(parser, mutate(fixtures[i], muts), offs)),
      { numRuns: RUNS * 2 },
    );
  });

  it('the mutation helper keeps to its contract (delete shrinks, duplicate grows, swap keeps the bytes)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), mutation, (s, m) => {
        const t = mutate(s, [m]);
        if (m.op === 'delete') assert.ok(t.length < s.length);
        else if (m.op === 'duplicate') assert.ok(t.length > s.length);
        else assert.deepStrictEqual([...t].sort(), [...s].sort());
      }),
      { numRuns: 200 },
    );
  });
});

describe('fuzz: the trace parser and the simulator never throw', function () {
  this.timeout(120000);
  const traces = traceFixtures();

  it('on mutated example traces (parse, then simulate every platform when the trace parses)', () => {
    assert.ok(traces.length >= 3, 'example traces found');
    fc.assert(
      fc.property(fc.nat({ max: traces.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (i, muts) => {
        const text = mutate(traces[i], muts);
        const { trace, errors } = parseTrace(text);
        const lines = text.split('\n').length;
        for (const e of errors) assert.ok(e.line >= 1 && e.line <= lines, `error line ${e.line} of ${lines}`);
        if (!errors.length) simulateAll(trace);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('on random bytes', () => {
    fc.assert(
      fc.property(randomBytes, (text) => {
        const { trace, errors } = parseTrace(text);
        if (!errors.length) simulateAll(trace);
      }),
      { numRuns: RUNS },
    );
  });
});
