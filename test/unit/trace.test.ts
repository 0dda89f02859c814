/** The .dmatrace parser and printer: line-numbered errors, source references, round trips. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import fc from 'fast-check';
import { parseTrace, printTrace, STEP_NAMES } from '../../src/model/sim';
import { REPO_ROOT } from '../helpers';

function errorsOf(text: string): { line: number; message: string }[] {
  return parseTrace(text).errors;
}

describe('.dmatrace parser', () => {
  it('parses every step kind of design.md §4', () => {
    const text = `platform arm64-noncoherent
buffer rx kmalloc 0x600 align=2048 offset=0
buffer s kmalloc 64 align=128 offset=32
neighbour head s -32 32
cpu_write rx 0 4 value=0xff
cpu_write rx
cpu_read rx 0 64
device_write rx 0 1514 value=7
device_read rx
dma_map_single rx DMA_FROM_DEVICE size=1536 attrs=DMA_ATTR_SKIP_CPU_SYNC|DMA_ATTR_WEAK_ORDERING
dma_map_page s DMA_TO_DEVICE
dma_map_sg s DMA_BIDIRECTIONAL
dma_mapping_error rx
dma_sync_single_for_cpu rx DMA_FROM_DEVICE 0 64
dma_sync_single_for_device rx DMA_FROM_DEVICE
dma_unmap_single rx DMA_FROM_DEVICE size=1536 attrs=DMA_ATTR_SKIP_CPU_SYNC
dma_unmap_page s DMA_TO_DEVICE
dma_unmap_sg s DMA_BIDIRECTIONAL
dma_alloc_coherent ring 4096
dma_free_coherent ring size=4096
dma_alloc_noncoherent nc 8192 DMA_BIDIRECTIONAL
dma_free_noncoherent nc
cpu_prefetch rx
cpu_evict head
device_done
handoff rx
driver_unbind
`;
    const { trace, errors } = parseTrace(text);
    assert.deepStrictEqual(errors, []);
    assert.strictEqual(trace.platform, 'arm64-noncoherent');
    assert.strictEqual(trace.steps.length, 26);
    assert.deepStrictEqual(trace.steps[24], { op: 'handoff', line: 26, name: 'rx' });
    assert.deepStrictEqual(trace.steps[0], { op: 'buffer', line: 2, name: 'rx', kind: 'kmalloc', size: 1536, align: 2048, offset: 0 });
    assert.deepStrictEqual(trace.steps[2], { op: 'neighbour', line: 4, name: 'head', buffer: 's', offset: -32, size: 32 });
    assert.deepStrictEqual(trace.steps[3], { op: 'cpu_write', line: 5, name: 'rx', offset: 0, len: 4, value: 255 });
    assert.deepStrictEqual(trace.steps[8], {
      op: 'dma_map_single',
      line: 10,
      name: 'rx',
      dir: 'DMA_FROM_DEVICE',
      size: 1536,
      attrs: ['DMA_ATTR_SKIP_CPU_SYNC', 'DMA_ATTR_WEAK_ORDERING'],
    });
    assert.deepStrictEqual(trace.steps[12], { op: 'dma_sync_single_for_cpu', line: 14, name: 'rx', dir: 'DMA_FROM_DEVICE', offset: 0, len: 64 });
    for (const s of trace.steps) assert.ok((STEP_NAMES as readonly string[]).includes(s.op));
  });

  it('reports every malformed line with its line number and keeps going', () => {
    const text = [
      'buffer rx kmalloc 1536', // 1 ok
      'dma_map_singel rx DMA_FROM_DEVICE', // 2 unknown step
      'cpu_read tx', // 3 unknown buffer
      'buffer big kmalloc 12k', // 4 bad number
      'dma_map_single rx DMA_FROM', // 5 bad direction
      'dma_sync_single_for_cpu rx DMA_FROM_DEVICE 0', // 6 offset without len
      'device_write rx 0 4 value=300', // 7 not a byte
      'buffer rx page 4096', // 8 duplicate
      'platform sparc64', // 9 unknown platform
      'neighbour n rx -8 -8', // 10 negative size
      'dma_unmap_single rx DMA_FROM_DEVICE foo=1', // 11 unknown option
      'cpu_read rx  # src=abc', // 12 bad source ref
      'buffer q heap 64', // 13 unknown kind
      'buffer 9x kmalloc 64', // 14 bad name
      'dma_map_single rx', // 15 missing direction
      'device_done now', // 16 extra argument
      'dma_map_single rx DMA_TO_DEVICE attrs=SKIP', // 17 bad attribute
    ].join('\n');
    const errs = errorsOf(text);
    assert.deepStrictEqual(
      errs.map((e) => e.line),
      [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17],
    );
    const msg = (line: number) => errs.find((e) => e.line === line)!.message;
    assert.match(msg(2), /unknown step 'dma_map_singel'.*dma_map_single/);
    assert.match(msg(3), /unknown buffer 'tx'/);
    assert.match(msg(4), /bad number '12k'/);
    assert.match(msg(5), /bad direction 'DMA_FROM'/);
    assert.match(msg(6), /both <offset> and <len>/);
    assert.match(msg(7), /not a byte/);
    assert.match(msg(8), /already declared at line 1/);
    assert.match(msg(9), /unknown platform 'sparc64'/);
    assert.match(msg(10), /bad number '-8' for size/);
    assert.match(msg(11), /unknown option 'foo='/);
    assert.match(msg(12), /src=abc/);
    assert.match(msg(13), /unknown buffer kind 'heap'/);
    assert.match(msg(14), /bad buffer name '9x'/);
    assert.match(msg(15), /missing direction/);
    assert.match(msg(16), /too many arguments/);
    assert.match(msg(17), /bad attribute 'SKIP'/);
  });

  it('handoff names a declared buffer, nothing else', () => {
    const errs = errorsOf('buffer b kmalloc 64\nneighbour n b 64 8\nhandoff nope\nhandoff n\nhandoff b extra\nhandoff\nhandoff b');
    assert.deepStrictEqual(errs.map((e) => e.line), [3, 4, 5, 6]);
    assert.match(errs[0].message, /unknown buffer 'nope'/);
    assert.match(errs[1].message, /neighbour, not a buffer/);
    assert.match(errs[2].message, /too many arguments/);
    assert.match(errs[3].message, /missing buffer name/);
  });

  it('a neighbour is not a buffer for DMA calls, but the CPU may access it', () => {
    const errs = errorsOf('buffer b kmalloc 64\nneighbour n b 64 8\ncpu_write n\ndma_map_single n DMA_TO_DEVICE\ndevice_read n');
    assert.deepStrictEqual(errs.map((e) => e.line), [4, 5]);
    assert.match(errs[0].message, /neighbour, not a buffer/);
  });

  it('reads comments, blank lines, CRLF and hex numbers', () => {
    const { trace, errors } = parseTrace('# header\r\n\r\n  buffer b kmalloc 0x40   # the buffer\r\ncpu_read b 0x0 0x10\r\n');
    assert.deepStrictEqual(errors, []);
    assert.strictEqual(trace.steps[0].line, 3);
    assert.strictEqual(trace.steps[0].comment, 'the buffer');
    assert.deepStrictEqual(trace.steps[1], { op: 'cpu_read', line: 4, name: 'b', offset: 0, len: 16 });
  });

  it('takes the source line from a trailing "# src=" comment', () => {
    const { trace, errors } = parseTrace('buffer b kmalloc 64  # src=27 kzalloc\ncpu_read b  # src=drivers/net/foo.c:1203\n# src=48 a comment-only line');
    assert.deepStrictEqual(errors, []);
    assert.deepStrictEqual(trace.steps[0].source, { line: 27 });
    assert.strictEqual(trace.steps[0].comment, 'kzalloc');
    assert.deepStrictEqual(trace.steps[1].source, { file: 'drivers/net/foo.c', line: 1203 });
    assert.strictEqual(trace.steps.length, 2);
  });

  it('print ∘ parse round-trips, with sources and comments', () => {
    const text = 'platform cvm\nbuffer b kmalloc 64 align=128 offset=32  # src=x.c:10 rx buffer\nneighbour h b -32 32\ndma_map_single b DMA_FROM_DEVICE attrs=DMA_ATTR_SKIP_CPU_SYNC  # src=12\ncpu_write h value=0x07\n';
    const a = parseTrace(text);
    const printed = printTrace(a.trace);
    const b = parseTrace(printed);
    assert.deepStrictEqual(b.errors, []);
    assert.deepStrictEqual(b.trace, a.trace);
    assert.strictEqual(printTrace(b.trace), printed);
    assert.match(printed, /# src=x\.c:10 rx buffer/);
  });

  it('every example trace and lifecycle fixture parses and round-trips', () => {
    const dirs = [path.join(REPO_ROOT, 'examples', 'traces'), path.join(REPO_ROOT, 'test', 'fixtures', 'lifecycle')];
    let n = 0;
    for (const d of dirs) {
      if (!fs.existsSync(d)) continue;
      for (const f of fs.readdirSync(d).filter((x) => x.endsWith('.dmatrace'))) {
        const a = parseTrace(fs.readFileSync(path.join(d, f), 'utf8'));
        assert.deepStrictEqual(a.errors, [], f);
        const b = parseTrace(printTrace(a.trace));
        assert.deepStrictEqual(
          b.trace.steps.map(({ line: _l, ...s }) => s),
          a.trace.steps.map(({ line: _l, ...s }) => s),
          f,
        );
        n++;
      }
    }
    assert.ok(n >= 8, `found ${n} traces`);
  });

  it('never throws on random text and every error has a valid line number', () => {
    const words = ['buffer', 'b', 'kmalloc', '64', 'DMA_TO_DEVICE', 'cpu_read', 'dma_map_single', '#', 'src=', '0x', '-1', 'value=', 'neighbour', '=', 'platform', 'cvm'];
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(fc.array(fc.constantFrom(...words), { maxLength: 7 }).map((ws) => ws.join(' ')), { maxLength: 20 }).map((ls) => ls.join('\n'))), (text) => {
        const { trace, errors } = parseTrace(text);
        const lines = text.split(/\r\n|\r|\n/).length;
        for (const e of errors) assert.ok(e.line >= 1 && e.line <= lines && e.message.length > 0);
        // whatever parsed cleanly prints and parses back to the same steps
        const again = parseTrace(printTrace(trace));
        assert.deepStrictEqual(again.errors, []);
        assert.deepStrictEqual(again.trace.steps.map(({ line: _l, ...s }) => s), trace.steps.map(({ line: _l, ...s }) => s));
      }),
      { numRuns: 300 },
    );
  });
});

describe('.dmatrace grammar and language configuration', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const grammar = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'syntaxes', 'dmatrace.tmLanguage.json'), 'utf8'));
  it('is registered in package.json for *.dmatrace', () => {
    const lang = pkg.contributes.languages.find((l: { id: string }) => l.id === 'dmatrace');
    assert.deepStrictEqual(lang.extensions, ['.dmatrace']);
    assert.ok(fs.existsSync(path.join(REPO_ROOT, lang.configuration)));
    const g = pkg.contributes.grammars.find((x: { language: string }) => x.language === 'dmatrace');
    assert.strictEqual(g.scopeName, grammar.scopeName);
    assert.ok(fs.existsSync(path.join(REPO_ROOT, g.path)));
    const conf = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, lang.configuration), 'utf8'));
    assert.strictEqual(conf.comments.lineComment, '#');
  });
  it('colours every step name as a known step (and an unknown one as invalid)', () => {
    const pats: { match?: string; name?: string; captures?: Record<string, { name: string }> }[] = grammar.repository.step.patterns;
    const scopeOf = (line: string): string | undefined => {
      for (const p of pats) {
        if (!p.match || !p.match.startsWith('^')) continue;
        if (new RegExp(p.match).test(line)) return p.captures?.['1']?.name ?? p.name;
      }
      return undefined;
    };
    for (const s of STEP_NAMES) {
      const sample = s === 'platform' ? 'platform cvm' : s === 'buffer' ? 'buffer b kmalloc 64' : s === 'neighbour' ? 'neighbour n b 0 4' : `${s} b`;
      const scope = scopeOf(sample);
      assert.ok(scope && !scope.startsWith('invalid'), `${s} → ${scope}`);
    }
    assert.match(scopeOf('dma_map_singel b')!, /^invalid/);
  });
});
