/**
 * Reliability: a throwing rule is isolated and reported, bounds hold (deep
 * nesting, huge functions, binary and non-UTF-8 input, size limits), and the
 * CLI answers bad input with a one-line message and exit 2 for every command.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkSource, checkTree, functionFacts, RULES } from '../../src/analysis/checker';
import type { Rule } from '../../src/analysis/rules/types';
import { hoverAt } from '../../src/analysis/hover';
import { extractLifecycle, LifecycleError } from '../../src/analysis/lifecycle';
import { parseKernelLog, locateReports } from '../../src/analysis/dmaDebugLog';
import { mentionsDmaApi } from '../../src/analysis/relevance';
import { main } from '../../src/cli/main';
import type { CliIO, CommandInfo } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/commands';
import { testParser } from '../helpers';

const DRIVER = `#include <linux/dma-mapping.h>

static int rlb_tx(struct device *dev, void *buf, size_t len)
{
\tdma_addr_t h;

\th = dma_map_single(dev, buf, len, DMA_TO_DEVICE);
\twritel(lower_32_bits(h), NULL);
\treturn 0;
}
`;

const OTHER = `#include <linux/dma-mapping.h>

static void rlb_rx(struct device *dev, dma_addr_t h, size_t len)
{
\tdma_unmap_single(dev, h, len, DMA_NONE);
}
`;

function io(cwd: string): CliIO & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    errIsTTY: false,
    cwd,
    out(t: string) { o.stdout += t; },
    err(t: string) { o.stderr += t; },
    readStdin: async () => '',
  };
  return o;
}

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-rel-'));
}

/** `n` nested blocks around a DMA call in one function. */
function nested(n: number): string {
  return `static int deep(struct device *dev, void *p)\n{\n\tdma_addr_t h;\n${'{'.repeat(n)}\n\th = dma_map_single(dev, p, 64, DMA_TO_DEVICE);\n${'}'.repeat(n)}\n\treturn 0;\n}\n`;
}

describe('reliability: a rule that throws', function () {
  this.timeout(60000);
  const throwing: Rule[] = [
    { id: 'test-throws-fn', title: 'throws in functions', severity: 'error', checkFunction() { throw new Error('boom in a function rule'); } },
    { id: 'test-throws-file', title: 'throws on files', severity: 'error', checkFile() { throw new TypeError('boom in a file rule'); } },
  ];
  before(() => {
    (RULES as Rule[]).push(...throwing);
  });
  after(() => {
    for (const r of throwing) (RULES as Rule[]).splice((RULES as Rule[]).indexOf(r), 1);
  });

  it('is reported in errors with its rule and file, and the other rules still report', async () => {
    const parser = await testParser();
    const r = checkSource(parser, DRIVER, { file: 'drivers/net/rlb.c' });
    assert.ok(r.findings.some((f) => f.rule === 'map-error-unchecked'), 'the other rules ran');
    const fnErr = r.errors.filter((e) => e.rule === 'test-throws-fn');
    const fileErr = r.errors.filter((e) => e.rule === 'test-throws-file');
    assert.strictEqual(fnErr.length, 1);
    assert.strictEqual(fileErr.length, 1);
    assert.strictEqual(fnErr[0].file, 'drivers/net/rlb.c');
    assert.match(fnErr[0].message, /rlb_tx\(\).*boom in a function rule/);
    assert.match(fileErr[0].message, /boom in a file rule/);
  });

  it('the CLI lists per-file errors in JSON and in text, and checks the remaining files', async () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'a.c'), DRIVER);
    fs.writeFileSync(path.join(dir, 'b.c'), OTHER);
    const j = io(dir);
    const code = await main(['check', '--jobs', '1', '--format', 'json', 'a.c', 'b.c'], j);
    assert.strictEqual(code, 1);
    const out = JSON.parse(j.stdout) as { files: number; findings: { file: string; rule: string }[]; errors: { file: string; rule?: string; message: string }[] };
    assert.strictEqual(out.files, 2);
    assert.ok(out.findings.some((f) => f.file === 'a.c' && f.rule === 'map-error-unchecked'));
    assert.ok(out.findings.some((f) => f.file === 'b.c' && f.rule === 'dir-none'));
    for (const f of ['a.c', 'b.c']) {
      assert.ok(out.errors.some((e) => e.file === f && e.rule === 'test-throws-file'), `file rule error for ${f}`);
    }
    assert.ok(out.errors.some((e) => e.file === 'a.c' && e.rule === 'test-throws-fn'));
    const t = io(dir);
    assert.strictEqual(await main(['check', '--jobs', '1', 'a.c', 'b.c'], t), 1);
    assert.match(t.stdout, /a\.c:\d+:\d+: \w+: .*\[map-error-unchecked\]/);
    assert.match(t.stderr, /^dma-scope check: a\.c: rule test-throws-file failed: boom in a file rule$/m);
    assert.match(t.stderr, /^dma-scope check: b\.c: rule test-throws-file failed/m);
    assert.doesNotMatch(t.stderr, /\n\s+at /, 'no stack trace');
  });
});

describe('reliability: bounds', function () {
  // deep inputs take a while on a loaded machine; nothing here is a timed budget
  this.timeout(120000);
  const DEPTH = 10000;

  it('the checker survives 10,000 nested blocks', async () => {
    const parser = await testParser();
    const text = nested(DEPTH);
    const r = checkSource(parser, text, { file: 'deep.c' });
    // the function is past the analysis bounds: skipped with one error that says so, never a stack overflow
    assert.deepStrictEqual(r.findings, []);
    assert.strictEqual(r.errors.length, 1);
    assert.match(r.errors[0].message, /deep\(\) is too deeply nested or too large to analyse/);
    const tree = parser.parse(text);
    try {
      assert.deepStrictEqual(functionFacts(tree, text), []);
      // a shallower nesting is analysed normally
      const ok = nested(50);
      const r2 = checkSource(parser, ok, { file: 'ok.c' });
      assert.deepStrictEqual(r2.errors, []);
      assert.ok(r2.findings.some((f) => f.rule === 'map-error-unchecked'));
    } finally {
      tree.delete();
    }
  });

  it('hover survives 10,000 nested blocks', async () => {
    const parser = await testParser();
    const text = nested(DEPTH);
    const tree = parser.parse(text);
    try {
      const h = hoverAt(tree, text, text.indexOf('dma_map_single') + 3);
      assert.ok(h, 'the identifier still gets its hover');
      assert.match(h!.markdown, /dma_map_single/);
    } finally {
      tree.delete();
    }
  });

  it('lifecycle extraction survives 10,000 nested blocks', async () => {
    const parser = await testParser();
    const text = nested(DEPTH);
    const tree = parser.parse(text);
    try {
      try {
        const r = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single') + 2, file: 'deep.c' });
        assert.ok(r);
      } catch (e) {
        assert.ok(e instanceof LifecycleError, `only a LifecycleError, not ${(e as Error).stack}`);
      }
    } finally {
      tree.delete();
    }
  });

  it('explain-log location survives 10,000 nested blocks', async () => {
    const parser = await testParser();
    const text = nested(DEPTH);
    const log = [
      '------------[ cut here ]------------',
      'DMA-API: rlb 0000:03:00.0: device driver tries to free DMA memory it has not allocated [device address=0x0000000012345000] [size=64 bytes]',
      'WARNING: CPU: 1 PID: 412 at kernel/dma/debug.c:1024 check_unmap+0x6a5/0x8a0',
      'Call Trace:',
      ' <TASK>',
      ' debug_dma_unmap_page+0x79/0xa0',
      ' deep+0x40/0x90 [rlb]',
      ' </TASK>',
      '---[ end trace 0000000000000000 ]---',
    ].join('\n');
    const reports = parseKernelLog(log);
    assert.strictEqual(reports.length, 1);
    const [locs] = locateReports(parser, [{ path: 'drivers/net/rlb/deep.c', text }], reports, {});
    assert.ok(locs.some((l) => l.function === 'deep'), JSON.stringify(locs));
  });

  it('a function past the step bound (25,000 branches) is skipped with an error, the rest of the file is checked', async () => {
    const parser = await testParser();
    const stmts = Array.from({ length: 25000 }, (_, i) => `\tif (v & ${i}) v++;`).join('\n');
    const text = `static int huge(struct device *dev, void *p)\n{\n\tint v = 0;\n\tdma_addr_t h = dma_map_single(dev, p, 64, DMA_TO_DEVICE);\n${stmts}\n\treturn v;\n}\n\n${DRIVER}`;
    const tree = parser.parse(text, null, { timeoutMs: 60000 });
    try {
      const r = checkTree(tree, text, { file: 'huge.c' });
      assert.strictEqual(r.errors.length, 1);
      assert.match(r.errors[0].message, /huge\(\) is too deeply nested or too large/);
      assert.ok(r.findings.some((f) => f.rule === 'map-error-unchecked' && f.line > 25000), 'rlb_tx() after it is still checked');
    } finally {
      tree.delete();
    }
  });

  it('a function over 64 KB (a parse accident or generated code) is skipped with an error', async () => {
    const parser = await testParser();
    const filler = Array.from({ length: 3000 }, (_, i) => `\tv = v * 31 + ${i}; /* padding */`).join('\n');
    const text = `static int giant(struct device *dev, void *p)\n{\n\tint v = 0;\n\tdma_addr_t h = dma_map_single(dev, p, 64, DMA_TO_DEVICE);\n${filler}\n\treturn v;\n}\n\n${DRIVER}`;
    assert.ok(text.length > 64 * 1024);
    const r = checkSource(parser, text, { file: 'giant.c' });
    assert.strictEqual(r.errors.length, 1);
    assert.match(r.errors[0].message, /giant\(\) is too deeply nested or too large/);
    assert.ok(r.findings.some((f) => f.rule === 'map-error-unchecked'), 'the normal function after it is still checked');
  });

  it('lifecycle extraction refuses a function over 64 KB with a message instead of spending seconds', async () => {
    const parser = await testParser();
    const filler = Array.from({ length: 3000 }, (_, i) => `\tv = v * 31 + ${i}; /* padding */`).join('\n');
    const text = `static int giant(struct device *dev, void *p)\n{\n\tint v = 0;\n\tdma_addr_t h = dma_map_single(dev, p, 64, DMA_FROM_DEVICE);\n${filler}\n\treturn v;\n}\n`;
    const tree = parser.parse(text);
    try {
      assert.throws(
        () => extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single') + 3, file: 'giant.c' }),
        (e: unknown) => e instanceof LifecycleError && /giant\(\) is larger than 64 KB/.test((e as Error).message),
      );
    } finally {
      tree.delete();
    }
  });

  it('lifecycle extraction folds macros built from macros once each (found by the fuzz run: 30 s before)', async () => {
    const parser = await testParser();
    const defs = ['#define A0 4', ...Array.from({ length: 20 }, (_, i) => `#define A${i + 1} (A${i} + A${i} + A${i})`)].join('\n');
    const text = `${defs}\n#define LOOP (LOOP + 1)\nstatic int f(struct device *dev, void *buf)\n{\n\tdma_addr_t h = dma_map_single(dev, buf, A3, DMA_TO_DEVICE);\n\n\tif (dma_mapping_error(dev, h))\n\t\treturn -ENOMEM;\n\tdma_unmap_single(dev, h, A20 + LOOP, DMA_TO_DEVICE);\n\treturn 0;\n}\n`;
    const tree = parser.parse(text);
    try {
      const r = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single') + 3, file: 'fold.c' });
      // A3 = 4 * 27 = 108: the size still folds, through the memoised defines
      assert.match(r.trace, /^buffer \S+ \S+ 108\b/m);
    } finally {
      tree.delete();
    }
  });

  it('random binary and invalid UTF-8 never throw out of checkSource', async () => {
    const parser = await testParser();
    const bytes = Buffer.alloc(20000);
    let s = 12345;
    for (let i = 0; i < bytes.length; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      bytes[i] = s >>> 24;
    }
    for (const text of [bytes.toString('utf8'), bytes.toString('latin1'), `${DRIVER}\n${bytes.toString('utf8')}`, '\uFFFD\u0000\uD800'.repeat(1000)]) {
      const r = checkSource(parser, text, { file: 'bin.c' });
      for (const f of r.findings) assert.ok(f.start >= 0 && f.end <= text.length);
    }
  });

  it('the function prefilter only skips functions that name no DMA-API entry', () => {
    assert.ok(mentionsDmaApi('x = dma_map_single(d, p, n, DMA_TO_DEVICE);'));
    assert.ok(mentionsDmaApi('for_each_sg(sgl, sg, n, i) sg_dma_address(sg);'));
    assert.ok(mentionsDmaApi('pci_map_single(pdev, p, n, PCI_DMA_TODEVICE);'));
    assert.ok(!mentionsDmaApi('static int f(int dma_mask_bits) { return my_dma_mapper(dma_mask_bits); }'));
  });
});

describe('reliability: CLI files', () => {
  it('skips binary files and oversized files with a per-file error, checks latin-1 text', async () => {
    const dir = tmpdir();
    const bin = Buffer.concat([Buffer.from('dma_map_single'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0]), Buffer.alloc(100, 7)]);
    fs.writeFileSync(path.join(dir, 'blob.c'), bin);
    fs.writeFileSync(path.join(dir, 'latin.c'), Buffer.from(`/* Copyright (c) J\xfcrgen M\xfcller */\n${DRIVER}`, 'latin1'));
    fs.writeFileSync(path.join(dir, 'big.c'), `${DRIVER}\n/* ${'x'.repeat(5000)} */\n`);
    const j = io(dir);
    const code = await main(['check', '--jobs', '1', '--format', 'json', '--max-file-size', '2000', 'blob.c', 'latin.c', 'big.c'], j);
    assert.strictEqual(code, 1);
    const out = JSON.parse(j.stdout) as { findings: { file: string; rule: string }[]; errors: { file: string; message: string }[] };
    assert.ok(out.errors.some((e) => e.file === 'blob.c' && /binary/.test(e.message)));
    assert.ok(out.errors.some((e) => e.file === 'big.c' && /size limit/.test(e.message)));
    assert.ok(out.findings.some((f) => f.file === 'latin.c' && f.rule === 'map-error-unchecked'));
    assert.ok(!out.findings.some((f) => f.file === 'big.c'));
  });
});

describe('reliability: CLI input errors (one line, exit 2, no stack trace)', function () {
  this.timeout(60000);
  const dir = tmpdir();
  const empty = path.join(dir, 'empty');
  fs.mkdirSync(empty);
  fs.writeFileSync(path.join(empty, 'notes.txt'), 'no C here\n');
  fs.writeFileSync(path.join(dir, 'drv.c'), DRIVER);
  fs.writeFileSync(path.join(dir, 'bad.dmatrace'), 'buffer a kmalloc 64\nfrobnicate a\nmap a\n');
  fs.writeFileSync(path.join(dir, 'blob.dmatrace'), Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 0, 200]));
  // an unreadable file: permissions do not stop root, /proc/self/mem always fails to read
  const unreadable = process.platform === 'linux' ? '/proc/self/mem' : path.join(dir, 'locked.c');
  if (process.platform !== 'linux') {
    fs.writeFileSync(unreadable, DRIVER);
    fs.chmodSync(unreadable, 0);
  }

  const cases: [string, string[], RegExp][] = [
    ['check: unknown flag', ['check', '--frobnicate', 'drv.c'], /unknown option --frobnicate/],
    ['check: missing file', ['check', 'nope.c'], /nope\.c: no such file/],
    ['check: directory without C files', ['check', 'empty'], /empty: no C files/],
    ['check: unreadable file', ['check', '--jobs', '1', unreadable], /cannot read/],
    ['check: bad --jobs', ['check', '--jobs', 'lots', 'drv.c'], /--jobs/],
    ['explain: unknown flag', ['explain', '--frobnicate', 'dma_map_single'], /unknown option --frobnicate/],
    ['explain: unknown identifier', ['explain', 'not_a_dma_thing'], /unknown identifier/],
    ['explain: nothing given', ['explain'], /missing identifier/],
    ['simulate: unknown flag', ['simulate', '--frobnicate', 'bad.dmatrace'], /unknown option --frobnicate/],
    ['simulate: missing file', ['simulate', 'nope.dmatrace'], /cannot read nope\.dmatrace/],
    ['simulate: a directory', ['simulate', 'empty'], /is a directory/],
    ['simulate: unreadable file', ['simulate', unreadable], /cannot read/],
    ['simulate: invalid trace', ['simulate', 'bad.dmatrace'], /error/],
    ['simulate: binary trace', ['simulate', 'blob.dmatrace'], /^dma-scope simulate: cannot read blob\.dmatrace: not a trace \(binary data\)\n$/],
    ['lifecycle: unknown flag', ['lifecycle', '--frobnicate', 'drv.c:7'], /unknown option --frobnicate/],
    ['lifecycle: missing file', ['lifecycle', 'nope.c:3'], /cannot read nope\.c/],
    ['lifecycle: a directory', ['lifecycle', 'empty:3'], /./],
    ['lifecycle: no line', ['lifecycle', 'drv.c'], /<file>:<line>/],
    ['lifecycle: unreadable file', ['lifecycle', `${unreadable}:1`], /cannot read/],
    ['explain-log: unknown flag', ['explain-log', '--frobnicate', 'x.log'], /unknown option --frobnicate/],
    ['explain-log: missing file', ['explain-log', 'nope.log'], /cannot read nope\.log/],
    ['explain-log: a directory', ['explain-log', 'empty'], /is a directory/],
    ['explain-log: unreadable file', ['explain-log', unreadable], /cannot read/],
    ['unknown command', ['frobnicate'], /unknown command/],
  ];
  for (const [name, argv, re] of cases) {
    it(name, async () => {
      const o = io(dir);
      const code = await main(argv, o);
      assert.strictEqual(code, 2, `exit code (stderr: ${o.stderr})`);
      assert.match(o.stderr, re);
      assert.doesNotMatch(o.stderr, /\n\s+at .*\(/, 'no stack trace');
      // the message itself is one line (a usage line may follow a usage error)
      const first = o.stderr.split('\n')[0];
      assert.ok(first.length > 0 && first.length < 300, first);
    });
  }

  it('an internal error is one line; --debug adds its stack', async () => {
    const boom: CommandInfo = { name: 'test-boom', usage: 'test-boom', summary: 'throws', run: async () => { throw new Error('internal failure'); } };
    COMMANDS.push(boom);
    try {
      const o = io(dir);
      assert.strictEqual(await main(['test-boom'], o), 2);
      assert.strictEqual(o.stderr, 'dma-scope test-boom: internal failure\n');
      const d = io(dir);
      assert.strictEqual(await main(['--debug', 'test-boom'], d), 2);
      assert.match(d.stderr, /internal failure\nError: internal failure\n\s+at /);
    } finally {
      COMMANDS.splice(COMMANDS.indexOf(boom), 1);
    }
  });
});
