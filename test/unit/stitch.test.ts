/**
 * A buffer's life across the driver's functions (src/analysis/lifecycle/stitch.ts): which functions
 * are stitched, in which order, the trace they make, and what the simulator says about it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { extractLifecycle, LifecycleResult, StitchCandidate } from '../../src/analysis/lifecycle';
import { functionDefinitions, functionName } from '../../src/analysis/ast';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { parseTrace, simulateAll } from '../../src/model/sim';
import { functionOf, parseStitched, stitchedLine } from '../../src/model/sim/stitched';
import { PLATFORM_IDS, PlatformId } from '../../src/model/platformIds';
import { fixture, FIXTURES, lineOf, REPO_ROOT, testParser, writeWrenModule } from '../helpers';

type Tree = Awaited<ReturnType<typeof testParser>> extends { parse(t: string): infer T } ? T : never;

async function extractIn(name: string, needle: string, opts: { candidates?: string[]; headers?: string[]; stitch?: false } = {}): Promise<LifecycleResult> {
  const p = await testParser();
  const trees: Tree[] = [];
  const parse = (t: string) => { const tr = p.parse(t); trees.push(tr); return tr; };
  try {
    const text = fixture(`lifecycle/${name}`);
    const headers = (opts.headers ?? []).map((h) => fixture(`lifecycle/${h}`));
    const headerTrees = headers.map((t) => ({ text: t, tree: parse(t) }));
    const candidates: StitchCandidate[] = (opts.candidates ?? []).map((c) => { const t = fixture(`lifecycle/${c}`); return { file: path.basename(c), text: t, tree: parse(t), headers, headerTrees }; });
    const off = text.indexOf(needle);
    assert.ok(off >= 0, `${needle} not in ${name}`);
    return extractLifecycle({ text, tree: parse(text), offset: off, file: path.basename(name), headers, stitch: opts.stitch === false ? false : { candidates, headerTrees } });
  } finally {
    for (const t of trees) t.delete();
  }
}

/** Hazard kinds per platform (LEAK included). */
function verdicts(trace: string): Record<PlatformId, string[]> {
  const parsed = parseTrace(trace);
  assert.deepStrictEqual(parsed.errors, []);
  const all = simulateAll(parsed.trace, { snapshots: false });
  const out = {} as Record<PlatformId, string[]>;
  for (const p of PLATFORM_IDS) out[p] = [...new Set(all[p].hazards.map((h) => h.kind))].sort();
  return out;
}

function memIO(): CliIO & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', errIsTTY: false, cwd: REPO_ROOT, out(t: string) { io.stdout += t; }, err(t: string) { io.stderr += t; }, readStdin: async () => '' };
  return io;
}

/** Steps as `op args @file:line`. */
function steps(trace: string): string[] {
  return trace.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => `${l.split('#')[0].trim()} @${/src=(\S+)/.exec(l)?.[1]}`);
}

describe('lifecycle across functions (stitching)', () => {
  it('follows the buffer from the refill through the poll to the teardown, as the expected trace', async () => {
    const r = await extractIn('stitch_rx_ring.c', 'dma_map_single');
    assert.strictEqual(r.trace, fixture('lifecycle/stitch_rx_ring.expected.dmatrace'));
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.index} ${f.name} ${f.role}${f.cursor ? ' *' : ''}`), ['1 pika_refill_one map *', '2 pika_poll cpu', '3 pika_free_rx release']);
    const text = fixture('lifecycle/stitch_rx_ring.c');
    const f = 'stitch_rx_ring.c';
    assert.deepStrictEqual(steps(r.trace), [
      `buffer data kmalloc 2048 @${f}:${lineOf(text, 'data = kmalloc')}`,
      `dma_map_single data DMA_FROM_DEVICE @${f}:${lineOf(text, 'dma = dma_map_single')}`,
      `dma_mapping_error data @${f}:${lineOf(text, 'if (dma_mapping_error')}`,
      `device_write data @${f}:${lineOf(text, 'priv->rx_desc[i].addr =')}`,
      `dma_sync_single_for_cpu data DMA_FROM_DEVICE @${f}:${lineOf(text, 'dma_sync_single_for_cpu')}`,
      `cpu_read data @${f}:${lineOf(text, 'skb_put_data')}`,
      `dma_sync_single_for_device data DMA_FROM_DEVICE @${f}:${lineOf(text, 'dma_sync_single_for_device')}`,
      `device_write data @${f}:${lineOf(text, 'dma_sync_single_for_device')}`,
      `dma_unmap_single data DMA_FROM_DEVICE @${f}:${lineOf(text, 'dma_unmap_single')}`,
    ]);
  });

  it('gives the same life from the cursor in the poll or the teardown (only the cursor mark moves)', async () => {
    const want = steps((await extractIn('stitch_rx_ring.c', 'dma_map_single')).trace);
    for (const needle of ['dma_sync_single_for_cpu', 'skb_put_data', 'dma_unmap_single']) {
      const r = await extractIn('stitch_rx_ring.c', needle);
      assert.deepStrictEqual(steps(r.trace), want, needle);
      assert.strictEqual(r.stitched?.find((f) => f.cursor)?.name, needle === 'dma_unmap_single' ? 'pika_free_rx' : 'pika_poll', needle);
    }
  });

  it('a correct refill/poll/teardown driver: no LEAK and no stale data on any platform', async () => {
    const v = verdicts((await extractIn('stitch_rx_ring.c', 'dma_map_single')).trace);
    for (const p of PLATFORM_IDS) assert.deepStrictEqual(v[p], [], p);
  });

  it('a poll that reads before dma_sync_single_for_cpu: stale data where the CPU does not see device writes, never a LEAK', async () => {
    const r = await extractIn('stitch_rx_nosync.c', 'dma_map_single');
    assert.deepStrictEqual(r.stitched?.map((f) => f.name), ['puma_refill_one', 'puma_poll', 'puma_free_rx']);
    const v = verdicts(r.trace);
    const stale = PLATFORM_IDS.filter((p) => v[p].includes('STALE_CPU_READ'));
    assert.deepStrictEqual(stale, ['x86-swiotlb', 'swiotlb-force', 'iommu-untrusted', 'cvm', 'arm64-noncoherent', 'armv7-noncoherent', 'riscv-noncoherent']);
    for (const p of PLATFORM_IDS) {
      assert.ok(!v[p].includes('LEAK'), p);
      assert.ok(v[p].includes('OWNERSHIP_VIOLATION'), `${p}: the read happens while the device owns the buffer`);
    }
  });

  it('stitches across two files through a shared header (DEFINE_DMA_UNMAP_ADDR, dma_unmap_addr, a page buffer)', async () => {
    const r = await extractIn('twofile/wren_main.c', 'dma_map_page', { candidates: ['twofile/wren_rx.c'], headers: ['twofile/wren.h'] });
    assert.strictEqual(r.trace, fixture('lifecycle/twofile/wren.expected.dmatrace'));
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.file}:${f.name}:${f.role}`), ['wren_main.c:wren_alloc_rx_page:map', 'wren_rx.c:wren_rx_poll:cpu', 'wren_main.c:wren_free_rx_ring:release']);
    // the read of a run-time length after a partial sync stays within what was synced
    assert.match(r.trace, /^cpu_read page 0 1518 +# src=wren_rx\.c:\d+$/m);
    for (const [p, kinds] of Object.entries(verdicts(r.trace))) assert.deepStrictEqual(kinds, [], p);
    // without the header the member cannot be identified: the refill alone, as before
    const alone = await extractIn('twofile/wren_main.c', 'dma_map_page', { candidates: ['twofile/wren_rx.c'] });
    assert.strictEqual(alone.stitched, undefined);
    assert.match(alone.trace, /^handoff page /m);
  });

  it('a candidate file limited to some functions (a driver index\'s picks) offers only those', async () => {
    const p = await testParser();
    const main = fixture('lifecycle/twofile/wren_main.c');
    const rx = fixture('lifecycle/twofile/wren_rx.c');
    const h = fixture('lifecycle/twofile/wren.h');
    const trees = [p.parse(rx), p.parse(main), p.parse(h)];
    try {
      const [rxTree, mainTree, hTree] = trees;
      const headerTrees = [{ text: h, tree: hTree }];
      const onlyMap = functionDefinitions(mainTree).filter((f) => functionName(f) === 'wren_alloc_rx_page');
      const r = extractLifecycle({
        text: rx, tree: rxTree, offset: rx.indexOf('dma_sync_single_for_cpu'), file: 'wren_rx.c', headers: [h],
        stitch: { headerTrees, candidates: [{ file: 'wren_main.c', text: main, tree: mainTree, headers: [h], headerTrees, functions: onlyMap }] },
      });
      assert.deepStrictEqual(r.stitched?.map((f) => f.name), ['wren_alloc_rx_page', 'wren_rx_poll']);
      assert.match(r.trace, /^handoff page +# src=wren_rx\.c:\d+ no function found that unmaps it/m);
    } finally {
      for (const t of trees) t.delete();
    }
  });

  it('stitch: false, or nothing else touching the member, gives the single-function trace', async () => {
    const single = await extractIn('stitch_rx_ring.c', 'dma_sync_single_for_cpu', { stitch: false });
    assert.strictEqual(single.stitched, undefined);
    assert.match(single.trace, /^# Lifecycle of `rb->data` in pika_poll\(\)/);
    assert.match(single.trace, /assumed: rb->dma was mapped before pika_poll\(\) runs/);
    // the earlier fixtures are single-function lifecycles and stay so
    for (const [name, needle] of [['rx_ring_refill.c', 'dma_map_single'], ['rx_poll_elsewhere.c', 'dma_sync_single_for_cpu(mp'], ['tx_copy_map.c', 'dma_map_single']]) {
      const r = await extractIn(name, needle);
      assert.strictEqual(r.stitched, undefined, name);
      assert.strictEqual(r.trace, fixture(`lifecycle/${name.replace(/\.c$/, '.expected.dmatrace')}`), name);
    }
  });

  it('a life with no teardown found ends handed off (no LEAK), and says so', async () => {
    const text = fixture('lifecycle/stitch_rx_ring.c');
    const cut = text.slice(0, text.indexOf('static void pika_free_rx'));
    const p = await testParser();
    const tree = p.parse(cut);
    try {
      const r = extractLifecycle({ text: cut, tree, offset: cut.indexOf('dma_map_single'), file: 'rx.c' });
      assert.deepStrictEqual(r.stitched?.map((f) => f.name), ['pika_refill_one', 'pika_poll']);
      assert.match(r.trace, /^handoff data +# src=rx\.c:\d+ no function found that unmaps it/m);
      assert.match(r.trace, /# note: none of the functions searched unmaps pika_rx_buf\.dma; the trace ends with the buffer handed off/);
      for (const [pl, kinds] of Object.entries(verdicts(r.trace))) assert.deepStrictEqual(kinds, [], pl);
    } finally {
      tree.delete();
    }
  });

  it('the CLI searches the other .c files of the folder and names the stitched functions in order on stderr', async () => {
    const io = memIO();
    assert.strictEqual(await main(['lifecycle', 'test/fixtures/lifecycle/twofile/wren_rx.c:22'], io), 0, io.stderr);
    assert.match(io.stdout, /^# stitched 1\/3: wren_alloc_rx_page\(\) test\/fixtures\/lifecycle\/twofile\/wren_main\.c:\d+-\d+ \[map\]/m);
    assert.match(io.stdout, /^dma_sync_single_for_cpu page DMA_FROM_DEVICE 0 1518 +# src=test\/fixtures\/lifecycle\/twofile\/wren_rx\.c:22$/m);
    assert.strictEqual(io.stderr, 'dma-scope lifecycle: stitched 3 functions: wren_alloc_rx_page() [map] → wren_rx_poll() [cpu] → wren_free_rx_ring() [release]\n');
    const one = memIO();
    assert.strictEqual(await main(['lifecycle', 'test/fixtures/lifecycle/twofile/wren_rx.c:22', '--this-function'], one), 0, one.stderr);
    assert.match(one.stdout, /^# Lifecycle of .* in wren_rx_poll\(\)/);
    assert.strictEqual(one.stderr, '');
  });

  it('the CLI follows the buffer into a subfolder file the Makefile links into the module, and back from it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-module-'));
    try {
      writeWrenModule(dir);
      const rel = (f: string): string => path.relative(REPO_ROOT, path.join(dir, f)).split(path.sep).join('/');
      const fromMain = memIO();
      assert.strictEqual(await main(['lifecycle', `${rel('wren_main.c')}:16`], fromMain), 0, fromMain.stderr);
      assert.strictEqual(fromMain.stderr, 'dma-scope lifecycle: stitched 3 functions: wren_alloc_rx_page() [map] → wren_rx_poll() [cpu] → wren_free_rx_ring() [release]\n');
      assert.deepStrictEqual(parseStitched(fromMain.stdout).map((f) => `${f.name} ${f.file}`), [`wren_alloc_rx_page ${rel('wren_main.c')}`, `wren_rx_poll ${rel('rx/wren_rx.c')}`, `wren_free_rx_ring ${rel('wren_main.c')}`]);
      // from the subfolder file: its own header next to it, the map and the teardown one folder up
      const fromRx = memIO();
      assert.strictEqual(await main(['lifecycle', `${rel('rx/wren_rx.c')}:22`], fromRx), 0, fromRx.stderr);
      assert.deepStrictEqual(parseStitched(fromRx.stdout).map((f) => `${f.name} ${f.file}`), [`wren_alloc_rx_page ${rel('wren_main.c')}`, `wren_rx_poll ${rel('rx/wren_rx.c')}`, `wren_free_rx_ring ${rel('wren_main.c')}`]);
      // without the Makefile line, rx/ is a folder of its own: nothing to stitch from there
      fs.writeFileSync(path.join(dir, 'Makefile'), 'obj-$(CONFIG_WREN) += wren.o rx/\n');
      const alone = memIO();
      assert.strictEqual(await main(['lifecycle', `${rel('rx/wren_rx.c')}:22`], alone), 0, alone.stderr);
      assert.strictEqual(alone.stderr, '');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a folder of unrelated drivers does not stitch through a member of another struct with the same name', async () => {
    // every fixture in test/fixtures/lifecycle has a `dma` member; only pika_rx_buf.dma belongs to this buffer
    const io = memIO();
    assert.strictEqual(await main(['lifecycle', 'test/fixtures/lifecycle/stitch_rx_ring.c:49'], io), 0, io.stderr);
    const fns = parseStitched(io.stdout);
    assert.deepStrictEqual(fns.map((f) => f.name), ['pika_refill_one', 'pika_poll', 'pika_free_rx']);
    assert.ok(fns.every((f) => f.file === 'test/fixtures/lifecycle/stitch_rx_ring.c'));
  });

  it('follows the handle copied from a helper\'s pair into the ring arrays, and reads only the header field it synced', async () => {
    const r = await extractIn('stitch_rx_copy.c', 'dma_map_single');
    const text = fixture('lifecycle/stitch_rx_copy.c');
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.name} ${f.role}`), ['kes_pair_init map', 'kes_rx_one cpu', 'kes_rx_free release']);
    assert.match(r.trace, /# stitch: functions that map, sync, unmap or free kes_pair\.dma, kes_priv\.rx_dma or reach the buffer through kes_pair\.skb, kes_priv\.rx_skb;/);
    assert.match(r.trace, /# note: not replayed: kes_pair_store\(\) \(stitch_rx_copy\.c:\d+\) touches the buffer's member, but nothing on its main path uses the buffer/);
    // sizeof(struct kes_rx_hdr) = 8 synced; hdr->status is bytes 0..1
    assert.ok(steps(r.trace).includes(`dma_sync_single_for_cpu skb_data DMA_FROM_DEVICE 0 8 @stitch_rx_copy.c:${lineOf(text, 'dma_sync_single_for_cpu')}`));
    assert.ok(steps(r.trace).includes(`cpu_read skb_data 0 2 @stitch_rx_copy.c:${lineOf(text, 'status = le16_to_cpu(hdr->status)')}`));
    for (const [p, kinds] of Object.entries(verdicts(r.trace))) assert.deepStrictEqual(kinds, [], p);
    // from the poll, the copy is followed back to the helper that maps
    const fromPoll = await extractIn('stitch_rx_copy.c', 'dma_sync_single_for_cpu');
    assert.deepStrictEqual(steps(fromPoll.trace), steps(r.trace));
    assert.strictEqual(fromPoll.trace.split('\n').slice(1).join('\n'), r.trace.split('\n').slice(1).join('\n'), 'only the first line (where the cursor is) differs');
  });

  it('from the poll, a local copy of the member (`dma_addr_t h = rb->dma;`) leads to the same life', async () => {
    const text = fixture('lifecycle/stitch_rx_ring.c')
      .replace('\t\tstruct sk_buff *skb;\n', '\t\tstruct sk_buff *skb;\n\t\tdma_addr_t h = rb->dma;\n')
      .replace('dma_sync_single_for_cpu(priv->dev, rb->dma,', 'dma_sync_single_for_cpu(priv->dev, h,')
      .replace('dma_sync_single_for_device(priv->dev, rb->dma,', 'dma_sync_single_for_device(priv->dev, h,');
    assert.match(text, /dma_sync_single_for_cpu\(priv->dev, h,/);
    const p = await testParser();
    const tree = p.parse(text);
    try {
      const r = extractLifecycle({ text, tree, offset: text.indexOf('dma_sync_single_for_cpu'), file: 'rx.c' });
      assert.deepStrictEqual(r.stitched?.map((f) => `${f.name}${f.cursor ? ' *' : ''}`), ['pika_refill_one', 'pika_poll *', 'pika_free_rx']);
      assert.deepStrictEqual(r.steps.filter((x) => x.op).map((x) => x.op), ['dma_map_single', 'dma_mapping_error', 'device_write', 'dma_sync_single_for_cpu', 'cpu_read', 'dma_sync_single_for_device', 'device_write', 'dma_unmap_single']);
    } finally {
      tree.delete();
    }
  });

  it('a poll that unmaps and maps a fresh buffer into the slot: the life ends there, once; the teardown is not replayed', async () => {
    const r = await extractIn('stitch_rx_remap.c', 'dma_map_single');
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.name} ${f.role}`), ['tern_fill map', 'tern_poll release']);
    assert.match(r.trace, /# note: tern_poll\(\) maps a new buffer into the same member to refill: that loop is shown once/);
    assert.match(r.trace, /# note: not replayed: tern_teardown\(\) \(stitch_rx_remap\.c:\d+\) also unmaps or frees the buffer, which tern_poll\(\) has already released/);
    assert.strictEqual(r.steps.filter((x) => x.op === 'dma_map_single').length, 1, 'the fresh buffer is not this one');
    assert.strictEqual(r.steps.filter((x) => x.op === 'dma_unmap_single').length, 1);
    for (const [p, kinds] of Object.entries(verdicts(r.trace))) assert.deepStrictEqual(kinds, [], p);
    const fromUnmap = await extractIn('stitch_rx_remap.c', 'dma_unmap_single(tn->dev, s->dma');
    assert.deepStrictEqual(steps(fromUnmap.trace), steps(r.trace));
  });

  it('a buffer mapped past its headroom is reached through the member holding the allocation; a teardown freeing through a helper is not taken for a reader', async () => {
    const r = await extractIn('stitch_rx_offset.c', 'dma_map_single');
    const text = fixture('lifecycle/stitch_rx_offset.c');
    assert.deepStrictEqual(r.stitched?.map((f) => `${f.name} ${f.role}`), ['weka_fill map', 'weka_rx cpu', 'weka_free_rx release']);
    assert.match(r.trace, /or reach the buffer through weka_buf\.data;/);
    assert.ok(steps(r.trace).includes(`cpu_read data @stitch_rx_offset.c:${lineOf(text, 'memcpy(wk->frame')}`));
    for (const [p, kinds] of Object.entries(verdicts(r.trace))) assert.deepStrictEqual(kinds, [], p);
  });

  it('two drivers in one folder with a struct of the same tag: only the functions of the same definition are stitched', async () => {
    const io = memIO();
    assert.strictEqual(await main(['lifecycle', 'test/fixtures/lifecycle/samename/owl.c:21'], io), 0, io.stderr);
    assert.deepStrictEqual(parseStitched(io.stdout).map((f) => f.name), ['owl_fill', 'owl_drain']);
    assert.doesNotMatch(io.stdout, /lark_/);
  });

  it('a TX path sharing the member (one slot struct for both rings) is not stitched into the RX life', async () => {
    const io = memIO();
    assert.strictEqual(await main(['lifecycle', 'examples/driver/dsnic_rx.c:27'], io), 0, io.stderr);
    assert.match(io.stdout, /# note: not stitched: dsnic_clean_tx\(\) \(examples\/driver\/dsnic_tx\.c:\d+\) uses the same member with DMA_TO_DEVICE/);
    assert.match(io.stdout, /# note: dsnic_rx_poll\(\) calls dsnic_rx_refill\(\) again to refill: that loop is shown once/);
    assert.ok(parseStitched(io.stdout).every((f) => f.file === 'examples/driver/dsnic_rx.c'));
  });

  it('bad input: unreadable siblings and a folder of garbage do not stop the extraction', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-stitch-'));
    try {
      fs.copyFileSync(path.join(FIXTURES, 'lifecycle', 'stitch_rx_ring.c'), path.join(dir, 'rx.c'));
      fs.writeFileSync(path.join(dir, 'junk.c'), 'struct pika_rx_buf { int dma; ;;; }} static void f( { rb->dma = \x00');
      fs.mkdirSync(path.join(dir, 'dir.c'));
      const o = memIO();
      o.cwd = dir;
      assert.strictEqual(await main(['lifecycle', 'rx.c:49'], o), 0, o.stderr);
      assert.deepStrictEqual(parseStitched(o.stdout).map((f) => f.name), ['pika_refill_one', 'pika_poll', 'pika_free_rx']);
      assert.ok(parseStitched(o.stdout).every((f) => f.file === 'rx.c'), 'nothing stitched from junk.c');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stitched header lines (model)', () => {
  it('round-trips, and maps a step source to its function', () => {
    const f = { index: 2, count: 3, name: 'pika_poll', file: 'drv/rx.c', line: 62, endLine: 97, role: 'cpu' as const, why: 'syncs rb->dma for the CPU' };
    const trace = `# Lifecycle…\n# ${stitchedLine(f)}\n# stitched 9/3: bad() x.c:5-1 [map] — reversed range\nbuffer b kmalloc 8\n# stitched 3/3: late() x.c:1-2 [map] — after the header\n`;
    assert.deepStrictEqual(parseStitched(trace), [f]);
    assert.strictEqual(functionOf([f], { file: 'drv/rx.c', line: 70 }), f);
    assert.strictEqual(functionOf([f], { file: 'drv/tx.c', line: 70 }), undefined);
    assert.strictEqual(functionOf([f], { line: 98 }), undefined);
    assert.deepStrictEqual(parseStitched('buffer b kmalloc 8\n'), []);
  });
});
