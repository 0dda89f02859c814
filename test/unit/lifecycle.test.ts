import * as assert from 'assert';
import { extractLifecycle, LifecycleError, localIncludes, offsetOfLine, traceName } from '../../src/analysis/lifecycle';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { fixture, lineOf, testParser, REPO_ROOT } from '../helpers';
import { parseTrace, simulate, simulateAll } from '../../src/model/sim';
import { PLATFORM_IDS } from '../../src/model/platformIds';

async function extract(name: string, needle: string, opts: { nth?: number; buffer?: string } = {}) {
  const text = fixture(`lifecycle/${name}.c`);
  const p = await testParser();
  const tree = p.parse(text);
  try {
    let off = -1;
    for (let i = 0; i <= (opts.nth ?? 0); i++) off = text.indexOf(needle, off + 1);
    assert.ok(off >= 0, `${needle} not in ${name}`);
    return extractLifecycle({ text, tree, offset: off, buffer: opts.buffer, file: `${name}.c` });
  } finally {
    tree.delete();
  }
}

/** Steps only (no comments), as `op args @line`, for readable assertions. */
function steps(trace: string): string[] {
  return trace.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const [body, comment] = l.split('#');
    const src = /src=(\d+)/.exec(comment ?? '')?.[1];
    return `${body.trim()} @${src}`;
  });
}

function memIO(): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', errIsTTY: false, cwd: REPO_ROOT, out(t: string) { io.stdout += t; }, err(t: string) { io.stderr += t; }, readStdin: async () => '' };
  return io;
}

describe('lifecycle extraction', () => {
  const cases: [string, string][] = [
    ['rx_refill_no_sync', 'dma_map_single'],
    ['tx_copy_map', 'dma_map_single'],
    ['coherent_ring', 'dma_alloc_coherent'],
    ['stack_buf', 'dma_map_single'],
    ['page_rx', 'dma_map_page'],
    ['rx_poll_elsewhere', 'dma_sync_single_for_cpu(mp'],
    ['rx_ring_refill', 'dma_map_single'],
    ['tx_head_frags', 'dma_map_single'],
  ];
  for (const [name, needle] of cases) {
    it(`${name}.c gives the expected trace`, async () => {
      const r = await extract(name, needle);
      assert.strictEqual(r.trace, fixture(`lifecycle/${name}.expected.dmatrace`));
    });
  }

  it('RX refill without sync_for_cpu: the device write comes at the descriptor store, the read at the memcpy', async () => {
    const text = fixture('lifecycle/rx_refill_no_sync.c');
    const r = await extract('rx_refill_no_sync', 'dma_map_single');
    assert.deepStrictEqual(steps(r.trace), [
      `buffer buf kmalloc 1536 @${lineOf(text, 'buf = kmalloc')}`,
      `dma_map_single buf DMA_FROM_DEVICE @${lineOf(text, 'dma_map_single')}`,
      `dma_mapping_error buf @${lineOf(text, 'dma_mapping_error')}`,
      `device_write buf @${lineOf(text, 'desc->addr =')}`,
      `cpu_read buf @${lineOf(text, 'memcpy(priv->frame')}`,
      `dma_unmap_single buf DMA_FROM_DEVICE @${lineOf(text, 'dma_unmap_single')}`,
    ]);
    assert.strictEqual(r.kind, 'kmalloc');
    assert.strictEqual(r.size, 1536);
    assert.deepStrictEqual(r.handles, ['dma']);
    assert.match(r.trace, /# path: the main path, to the return at line 52; branches not followed at lines 31, 35/);
  });

  it('finds the same lifecycle from the alloc, the buffer, the handle and the unmap', async () => {
    const want = (await extract('rx_refill_no_sync', 'dma_map_single')).trace;
    for (const needle of ['kmalloc(', 'buf, len', 'dma_unmap_single', 'dma_mapping_error']) {
      assert.strictEqual((await extract('rx_refill_no_sync', needle)).trace, want, needle);
    }
    assert.strictEqual((await extract('rx_refill_no_sync', 'u32 len', { buffer: 'dma' })).trace, want, '--buffer names the handle');
    assert.strictEqual((await extract('rx_refill_no_sync', 'u32 len', { buffer: 'buf' })).trace, want, '--buffer names the buffer');
  });

  it('a line offset (the CLI) picks the DMA call on that line', async () => {
    const text = fixture('lifecycle/tx_copy_map.c');
    const p = await testParser();
    const tree = p.parse(text);
    try {
      const r = extractLifecycle({ text, tree, offset: offsetOfLine(text, lineOf(text, 'handle = dma_map_single')), file: 'tx_copy_map.c' });
      assert.strictEqual(r.trace, fixture('lifecycle/tx_copy_map.expected.dmatrace'));
    } finally {
      tree.delete();
    }
  });

  it('TX: kzalloc zeroing, the memcpy and the field write come before the map; the register write is the hand-off', async () => {
    const r = await extract('tx_copy_map', 'dma_map_single');
    assert.deepStrictEqual(r.steps.map((s) => s.op), ['cpu_write', 'cpu_write', 'cpu_write', 'dma_map_single', 'dma_mapping_error', 'device_read', 'dma_unmap_single', '']);
    assert.strictEqual(r.size, 56, 'sizeof(*buf) of struct bar_cmd');
    assert.match(r.trace, /branches not followed at lines 28, 36, 45/);
  });

  it('coherent memory: allocation, CPU writes, a device read and write at the register hand-off', async () => {
    const r = await extract('coherent_ring', 'dma_alloc_coherent');
    assert.strictEqual(r.kind, 'coherent');
    assert.strictEqual(r.name, 'status');
    assert.ok(!/^buffer /m.test(r.trace), 'dma_alloc_coherent declares the buffer itself');
  });

  it('stack arrays are recognised with their sizeof', async () => {
    const r = await extract('stack_buf', 'dma_map_single');
    assert.strictEqual(r.kind, 'stack');
    assert.strictEqual(r.size, 64);
    assert.match(r.trace, /loop bodies taken once/);
  });

  it('reports a one-line error outside a function or without DMA', async () => {
    const p = await testParser();
    const text = 'int x;\nstatic int f(void)\n{\n\treturn g(1);\n}\n';
    const tree = p.parse(text);
    try {
      assert.throws(() => extractLifecycle({ text, tree, offset: 2 }), LifecycleError);
      assert.throws(() => extractLifecycle({ text, tree, offset: text.indexOf('g(1)') }), LifecycleError);
    } finally {
      tree.delete();
    }
  });

  it('survives 10,000 nested blocks', async () => {
    const p = await testParser();
    const depth = 10000;
    const text = `void f(struct d *d)\n{\n${'{'.repeat(depth)}\n\th = dma_map_single(d->dev, buf, 64, DMA_TO_DEVICE);\n${'}'.repeat(depth)}\n}\n`;
    const tree = p.parse(text);
    try {
      const r = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single') });
      assert.ok(r.steps.some((s) => s.op === 'dma_map_single'));
    } finally {
      tree.delete();
    }
  });

  it('takes sizes from #defines in the driver\'s own headers', async () => {
    const p = await testParser();
    const text = '#include <linux/dma-mapping.h>\n#include "qux_hw.h"\n\nint qux_rx(struct qux *q)\n{\n\tvoid *b = kmalloc(QUX_RX_LEN, GFP_KERNEL);\n\tdma_addr_t h = dma_map_single(q->dev, b, QUX_RX_LEN, DMA_FROM_DEVICE);\n\treturn 0;\n}\n';
    assert.deepStrictEqual(localIncludes(text), ['qux_hw.h']);
    const tree = p.parse(text);
    try {
      const without = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single') });
      assert.strictEqual(without.size, 2048);
      assert.match(without.trace, /`QUX_RX_LEN` is not a constant, 2048 bytes assumed/);
      const header = '#ifndef QUX_HW_H\n#define QUX_HW_H\n#define QUX_RX_PAGES\t2\n#define QUX_RX_LEN\t(QUX_RX_PAGES * 768)\t/* two halves */\n#endif\n';
      const withHeader = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single'), headers: [header] });
      assert.strictEqual(withHeader.size, 1536);
      assert.match(withHeader.trace, /^buffer b kmalloc 1536 +# src=6$/m);
    } finally {
      tree.delete();
    }
  });

  it('follows the branch holding the call at the cursor, and a reused handle only from its own mapping', async () => {
    const p = await testParser();
    const text = [
      'int f(struct d *d, bool big)',
      '{',
      '\tif (big)',
      '\t\td->v = dma_alloc_coherent(d->dev, 4096, &d->h, GFP_KERNEL);',
      '\telse',
      '\t\td->v = dma_alloc_coherent(d->dev, 256, &d->h, GFP_KERNEL);',
      '\tif (!d->v)',
      '\t\treturn -ENOMEM;',
      '\twritel(d->h, d->regs + 8);',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const tree = p.parse(text);
    try {
      const small = extractLifecycle({ text, tree, offset: offsetOfLine(text, 6) });
      // the allocation is kept in d->v and its address written to the device: handed off at the register write
      assert.deepStrictEqual(steps(small.trace), ['dma_alloc_coherent v 256 @6', 'device_write v @9', 'handoff v @9']);
      const big = extractLifecycle({ text, tree, offset: offsetOfLine(text, 4) });
      assert.deepStrictEqual(steps(big.trace), ['dma_alloc_coherent v 4096 @4', 'device_write v @9', 'handoff v @9']);
    } finally {
      tree.delete();
    }
  });

  it('a function that only syncs a buffer mapped elsewhere: the map and the device write are assumed first', async () => {
    const text = fixture('lifecycle/rx_poll_elsewhere.c');
    const viaSync = await extract('rx_poll_elsewhere', 'dma_sync_single_for_cpu(mp');
    const viaCopy = await extract('rx_poll_elsewhere', 'skb_put_data(copy');
    const viaBuffer = await extract('rx_poll_elsewhere', 'slot->skb->data, len');
    assert.strictEqual(viaCopy.trace, viaSync.trace, 'cursor on the copy call');
    assert.strictEqual(viaBuffer.trace, viaSync.trace, 'cursor on the buffer');
    assert.match(viaSync.trace, /assumed: slot->dma was mapped before moo_rx_copybreak\(\) runs/);
    // replayed on arm64 non-coherent, the copy before the sync reads stale data at its own line
    const { trace, errors } = parseTrace(viaSync.trace);
    assert.deepStrictEqual(errors, []);
    const r = simulate(trace, 'arm64-noncoherent', { snapshots: false });
    const stale = r.hazards.find((h) => h.kind === 'STALE_CPU_READ');
    assert.ok(stale, 'stale read on arm64');
    assert.strictEqual(r.steps[stale.step].source?.line, lineOf(text, 'skb_put_data(copy'));
  });

  it('a sync guarded by a platform test is replayed as skipped, and says so', async () => {
    const text = fixture('lifecycle/rx_poll_elsewhere.c');
    const r = await extract('rx_poll_elsewhere', 'dma_sync_single_for_cpu(mp', { nth: 1 });
    assert.match(r.trace, /# path: the DMA calls under `if \(!dev_is_dma_coherent\(mp->dev\)\)` at line \d+ are skipped/);
    assert.ok(!r.steps.some((st) => st.op === 'dma_sync_single_for_cpu'));
    const { trace } = parseTrace(r.trace);
    const res = simulate(trace, 'x86-swiotlb', { snapshots: false });
    assert.ok(res.hazards.some((h) => h.kind === 'STALE_CPU_READ' && res.steps[h.step].source?.line === lineOf(text, 'data[0] == 0x45')));
  });

  it('TX head mapped at skb->data + offset: named skb_data; the fragment\'s dma_mapping_error is not the head\'s', async () => {
    const text = fixture('lifecycle/tx_head_frags.c');
    const r = await extract('tx_head_frags', 'dma_map_single');
    assert.strictEqual(r.name, 'skb_data');
    assert.strictEqual(r.bufferExpr, 'skb->data+offset');
    const checks = r.steps.filter((s) => s.op === 'dma_mapping_error').map((s) => s.line);
    assert.deepStrictEqual(checks, [lineOf(text, 'if (dma_mapping_error')], 'only the head\'s own check');
    assert.ok(!checks.includes(lineOf(text, 'if (dma_mapping_error', 1)), 'not the check after skb_frag_dma_map');
    // the handle is still the head's when it was kept: the hand-off names the map line
    assert.strictEqual(steps(r.trace).at(-1), `handoff skb_data @${lineOf(text, 'slot->dma = dma_map_single')}`);
  });

  it('a handle variable reassigned to another mapping or reset no longer names this buffer', async () => {
    const p = await testParser();
    const text = [
      'int f(struct d *d, u8 *a, u8 *b)',
      '{',
      '\tdma_addr_t h = dma_map_single(d->dev, a, 64, DMA_TO_DEVICE);',
      '\tif (dma_mapping_error(d->dev, h))',
      '\t\treturn -ENOMEM;',
      '\tdma_unmap_single(d->dev, h, 64, DMA_TO_DEVICE);',
      '\th = dma_map_single(d->dev, b, 64, DMA_TO_DEVICE);',
      '\tif (dma_mapping_error(d->dev, h))',
      '\t\treturn -ENOMEM;',
      '\tdma_sync_single_for_cpu(d->dev, h, 64, DMA_TO_DEVICE);',
      '\tdma_unmap_single(d->dev, h, 64, DMA_TO_DEVICE);',
      '\treturn 0;',
      '}',
      '',
    ].join('\n');
    const tree = p.parse(text);
    try {
      const r = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single') });
      assert.deepStrictEqual(steps(r.trace).filter((l) => !l.startsWith('buffer ') && !l.startsWith('device_')), [
        'dma_map_single a DMA_TO_DEVICE @3',
        'dma_mapping_error a @4',
        'dma_unmap_single a DMA_TO_DEVICE @6',
      ]);
    } finally {
      tree.delete();
    }
  });

  it('extracts a replayable trace at every map and alloc call of the fixtures', async () => {
    const p = await testParser();
    const { lifecycleTargets } = await import('../../src/analysis/lifecycle');
    for (const name of ['rx_refill_no_sync', 'tx_copy_map', 'coherent_ring', 'stack_buf', 'page_rx']) {
      const text = fixture(`lifecycle/${name}.c`);
      const tree = p.parse(text);
      try {
        for (const t of lifecycleTargets(tree)) {
          const r = extractLifecycle({ text, tree, offset: t.offset });
          assert.deepStrictEqual(parseTrace(r.trace).errors, [], `${name}:${t.row + 1}`);
        }
      } finally {
        tree.delete();
      }
    }
  });

  it('names the source file in every step when asked (exported traces)', async () => {
    const text = fixture('lifecycle/rx_refill_no_sync.c');
    const p = await testParser();
    const tree = p.parse(text);
    try {
      const r = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single'), srcFile: 'drivers/net/foo/foo_rx.c' });
      const { trace, errors } = parseTrace(r.trace);
      assert.deepStrictEqual(errors, []);
      const map = trace.steps.find((st) => st.op === 'dma_map_single');
      assert.deepStrictEqual(map?.source, { file: 'drivers/net/foo/foo_rx.c', line: lineOf(text, 'dma_map_single') });
      const spaced = extractLifecycle({ text, tree, offset: text.indexOf('dma_map_single'), srcFile: 'my drivers/foo.c' });
      assert.match(spaced.trace, /^dma_map_single buf DMA_FROM_DEVICE +# src=34$/m, 'no file when it cannot be written as one token');
    } finally {
      tree.delete();
    }
  });

  it('trace names are C identifiers', () => {
    assert.strictEqual(traceName('priv->rx_buf[i]'), 'rx_buf');
    assert.strictEqual(traceName('skb->data'), 'skb_data');
    assert.strictEqual(traceName('page_address(page)'), 'page');
    // pointer arithmetic is named after its base, not after the offset
    assert.strictEqual(traceName('skb->data+offset'), 'skb_data');
    assert.strictEqual(traceName('skb->data + offset'), 'skb_data');
    assert.strictEqual(traceName('buf + hdr_len'), 'buf');
    assert.strictEqual(traceName('page_address(page) + off'), 'page');
    assert.strictEqual(traceName('priv->rx_buf[i + 1]'), 'rx_buf');
    assert.strictEqual(traceName('ring->buf[i - 1] + ring->off'), 'buf');
    assert.match(traceName('<img src=x onerror=alert(1)>'), /^[A-Za-z_]\w*$/);
  });

  describe('hand-off: a buffer kept past the return is not a leak', () => {
    /** LEAK hazards of a trace on every platform, as `platform:line`. */
    function leaksEverywhere(trace: string): string[] {
      const parsed = parseTrace(trace);
      assert.deepStrictEqual(parsed.errors, []);
      const all = simulateAll(parsed.trace, { snapshots: false });
      return PLATFORM_IDS.flatMap((p) => all[p].hazards.filter((h) => h.kind === 'LEAK').map((h) => `${p}:${h.line}`));
    }
    async function inline(text: string, needle: string) {
      const p = await testParser();
      const tree = p.parse(text);
      try {
        return extractLifecycle({ text, tree, offset: text.indexOf(needle) });
      } finally {
        tree.delete();
      }
    }

    it('a ring refill ends with handoff at the descriptor store, and no platform reports LEAK', async () => {
      const text = fixture('lifecycle/rx_ring_refill.c');
      const r = await extract('rx_ring_refill', 'dma_map_single');
      assert.strictEqual(steps(r.trace).at(-1), `handoff skb_data @${lineOf(text, 'ring->desc[n].buf_addr =')}`);
      assert.match(r.trace, /handed off when koi_refill_rx\(\) returns: the DMA address is given to the device in ring->desc\[n\]\.buf_addr/);
      assert.deepStrictEqual(leaksEverywhere(r.trace), []);
      // without the handoff step the same replay is a leak on every platform: the step is what changes it
      const without = r.trace.split('\n').filter((l) => !l.startsWith('handoff ')).join('\n');
      assert.strictEqual(leaksEverywhere(without).length, PLATFORM_IDS.length);
    });

    it('the example driver\'s refill (examples/driver/dsnic_rx.c:27) replays without LEAK on every platform', async () => {
      const io = memIO();
      // the refill alone (--this-function): it ends with the hand-off
      assert.strictEqual(await main(['lifecycle', 'examples/driver/dsnic_rx.c:27', '--this-function'], io), 0, io.stderr);
      assert.match(io.stdout, /^handoff skb_data +# src=\d+ handed off when dsnic_rx_refill\(\) returns/m);
      assert.deepStrictEqual(leaksEverywhere(io.stdout), []);
      // followed through the driver: the poll path unmaps it, so there is no hand-off and still no LEAK
      const all = memIO();
      assert.strictEqual(await main(['lifecycle', 'examples/driver/dsnic_rx.c:27'], all), 0, all.stderr);
      assert.match(all.stdout, /^# stitched 1\/\d: dsnic_rx_refill\(\) examples\/driver\/dsnic_rx\.c:\d+-\d+ \[map\]/m);
      assert.doesNotMatch(all.stdout, /^handoff /m);
      assert.deepStrictEqual(leaksEverywhere(all.stdout), []);
    });

    it('a mapping whose address is dropped stays a LEAK on every platform', async () => {
      const r = await extract('cmd_map_leak', 'dma_map_single');
      assert.ok(!r.steps.some((s) => s.op === 'handoff'), 'no handoff');
      assert.match(r.trace, /# note: eel_prepare_cmd\(\) returns without keeping the DMA address or the buffer pointer anywhere/);
      assert.doesNotMatch(r.trace, /the device keeps the buffer/);
      const leaks = leaksEverywhere(r.trace);
      assert.strictEqual(leaks.length, PLATFORM_IDS.length, leaks.join(' '));
    });

    it('an out-parameter, a return value, a global and a pointer member are hand-offs; a local struct is not', async () => {
      const head = 'struct d { struct device *dev; u8 *buf; dma_addr_t h; };\nstatic dma_addr_t last;\n';
      const map = '\tdma_addr_t h = dma_map_single(d->dev, d->buf, 64, DMA_TO_DEVICE);\n\tif (dma_mapping_error(d->dev, h))\n\t\treturn -ENOMEM;\n';
      const out = await inline(`${head}int f(struct d *d, dma_addr_t *out)\n{\n${map}\t*out = h;\n\treturn 0;\n}\n`, 'dma_map_single');
      assert.deepStrictEqual(steps(out.trace).slice(-1), ['handoff buf @8']);
      assert.match(out.trace, /kept in \*out/);
      const ret = await inline(`${head}dma_addr_t f(struct d *d)\n{\n${map}\treturn h;\n}\n`, 'dma_map_single');
      assert.deepStrictEqual(steps(ret.trace).slice(-1), ['handoff buf @8']);
      assert.match(ret.trace, /returned to the caller/);
      const glob = await inline(`${head}int f(struct d *d)\n{\n${map}\tlast = h;\n\treturn 0;\n}\n`, 'dma_map_single');
      assert.deepStrictEqual(steps(glob.trace).slice(-1), ['handoff buf @8']);
      const member = await inline(`${head}int f(struct d *d)\n{\n${map}\td->h = h;\n\treturn 0;\n}\n`, 'dma_map_single');
      assert.deepStrictEqual(steps(member.trace).slice(-1), ['handoff buf @8']);
      // printing the address keeps nothing: still a leak
      const printed = await inline(`${head}int f(struct d *d)\n{\n${map}\tdev_info(d->dev, "cmd at %llx\\n", (u64)h);\n\treturn 0;\n}\n`, 'dma_map_single');
      assert.ok(!printed.steps.some((s) => s.op === 'handoff'), printed.trace);
      const local = await inline(`${head}int f(struct d *d)\n{\n\tstruct d tmp;\n${map}\ttmp.h = h;\n\treturn 0;\n}\n`, 'dma_map_single');
      assert.ok(!local.steps.some((s) => s.op === 'handoff'), local.trace);
      assert.strictEqual(leaksEverywhere(local.trace).length, PLATFORM_IDS.length);
    });

    it('no handoff once the function unmaps what it mapped', async () => {
      const r = await extract('rx_refill_no_sync', 'dma_map_single');
      assert.ok(!r.steps.some((s) => s.op === 'handoff'));
      assert.deepStrictEqual(leaksEverywhere(r.trace), []);
    });
  });

  describe('dma-scope lifecycle', () => {
    it('prints the trace and exits 0', async () => {
      const io = memIO();
      const file = 'test/fixtures/lifecycle/rx_refill_no_sync.c';
      const code = await main(['lifecycle', `${file}:${lineOf(fixture('lifecycle/rx_refill_no_sync.c'), 'dma_map_single')}`], io);
      assert.strictEqual(code, 0, io.stderr);
      assert.match(io.stdout, /^dma_map_single buf DMA_FROM_DEVICE +# src=34$/m);
      assert.match(io.stdout, /rx_refill_no_sync\.c:23/);
    });

    it('exits 2 with one line for bad input', async () => {
      for (const argv of [['lifecycle'], ['lifecycle', 'nope.c:3'], ['lifecycle', 'test/fixtures/lifecycle/page_rx.c'], ['lifecycle', 'test/fixtures/lifecycle/page_rx.c:2'], ['lifecycle', 'test/fixtures/lifecycle/page_rx.c:9999'], ['lifecycle', 'x.c:1', '--nope'], ['lifecycle', 'test/fixtures/lifecycle:1']]) {
        const io = memIO();
        assert.strictEqual(await main(argv, io), 2, argv.join(' '));
        assert.ok(!/\n\s+at /.test(io.stderr), `no stack trace for ${argv.join(' ')}`);
        assert.strictEqual(io.stdout, '');
      }
    });
  });
});
