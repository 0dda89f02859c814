import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseKernelLog, KernelLogReport, LogLocator, SourceText, checkerFindings, foldConstant, locateReports } from '../../src/analysis/dmaDebugLog';
import { main } from '../../src/cli/main';
import { CliIO } from '../../src/cli/args';
import { FIXTURES, REPO_ROOT, fixture, lineOf, testParser } from '../helpers';

const WS = path.join(FIXTURES, 'dmesg');
const XFOO = 'drivers/net/ethernet/xfoo';

/** Every file of the fixture tree, paths relative to it. */
function workspace(): SourceText[] {
  const out: SourceText[] = [];
  const stack = [WS];
  while (stack.length) {
    const d = stack.pop()!;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (/\.[ch]$|^Makefile$/.test(e.name)) out.push({ path: path.relative(WS, p).split(path.sep).join('/'), text: fs.readFileSync(p, 'utf8') });
    }
  }
  return out;
}

const src = (f: string): string => fixture(`dmesg/${XFOO}/${f}`);

/** A report as the kernel prints it (no prefixes), with the given message and frames. */
function report(message: string, frames: string[], mapped?: string[]): KernelLogReport {
  const lines = [
    '------------[ cut here ]------------',
    `DMA-API: xfoo 0000:03:00.0: ${message}`,
    'WARNING: CPU: 1 PID: 412 at kernel/dma/debug.c:1024 check_unmap+0x6a5/0x8a0',
    'Call Trace:',
    ' <TASK>',
    ' ? __warn+0x89/0x130',
    ...frames.map((f) => ` ${f}`),
    ' </TASK>',
    '---[ end trace 0000000000000000 ]---',
  ];
  if (mapped) lines.push('DMA-API: Mapped at:', ...mapped.map((f) => ` ${f}`));
  const rs = parseKernelLog(lines.join('\n'));
  assert.strictEqual(rs.length, 1);
  return rs[0];
}

async function locate(r: KernelLogReport, files = workspace(), findings?: (f: SourceText) => { rule: string; line: number }[]) {
  const parser = await testParser();
  return locateReports(parser, files, [r], findings ? { findings: (f) => findings(f) } : {})[0];
}

describe('explain-log: frames to source', () => {
  it('DONE: a "frees DMA memory with different size" report lands on the offending unmap of the fixture driver', async () => {
    const [r] = parseKernelLog(fixture('dmesg/logs/unmap-size.dmesg'));
    const locs = await locate(r);
    const rx = src('xfoo_rx.c');
    const trigger = locs.find((l) => l.role === 'trigger')!;
    assert.deepStrictEqual(
      { file: trigger.file, line: trigger.line, function: trigger.function, call: trigger.call },
      { file: `${XFOO}/xfoo_rx.c`, line: lineOf(rx, 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_HDR_LEN'), function: 'xfoo_rx_clean', call: 'dma_unmap_single' },
    );
    assert.strictEqual(trigger.how, 'fields', 'picked by the unmap size of the report (256 = XFOO_RX_HDR_LEN)');
    assert.strictEqual(locs[0], trigger, 'the trigger comes first');
    const mapped = locs.find((l) => l.role === 'mapped-at')!;
    assert.deepStrictEqual([mapped.file, mapped.line, mapped.function, mapped.call], [`${XFOO}/xfoo_rx.c`, lineOf(rx, 'rb->dma = dma_map_single'), 'xfoo_rx_fill', 'dma_map_single']);
    const caller = locs.find((l) => l.role === 'caller')!;
    assert.deepStrictEqual([caller.file, caller.line, caller.function, caller.how], [`${XFOO}/xfoo_main.c`, lineOf(src('xfoo_main.c'), 'done = xfoo_rx_clean('), 'xfoo_poll', 'call-site']);
  });

  it('without a matching constant, picks the unmap whose size differs from the map in "Mapped at"', async () => {
    const r = report('device driver frees DMA memory with different size [device address=0x00000000ffd8a000] [map size=2048 bytes] [unmap size=300 bytes]', ['debug_dma_unmap_page+0x86/0xa0', 'xfoo_rx_clean+0x1c4/0x3d0 [xfoo]'], ['debug_dma_map_page+0x60/0x130', 'xfoo_rx_fill+0x11a/0x3c0 [xfoo]']);
    const t = (await locate(r)).find((l) => l.role === 'trigger')!;
    assert.strictEqual(t.line, lineOf(src('xfoo_rx.c'), 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_HDR_LEN'));
    assert.strictEqual(t.how, 'compare');
  });

  it("prefers the static checker's finding of the matching rule inside the function", async () => {
    const rx = src('xfoo_rx.c');
    const other = lineOf(rx, 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_BUF_LEN');
    const r = report('device driver frees DMA memory with different size [device address=0x00000000ffd8a000] [map size=2048 bytes] [unmap size=256 bytes]', ['xfoo_rx_clean+0x1c4/0x3d0 [xfoo]']);
    const seen: string[] = [];
    const t = (await locate(r, undefined, (f) => (seen.push(f.path), f.path.endsWith('xfoo_rx.c') ? [{ rule: 'unmap-size-mismatch', line: other }, { rule: 'map-leak', line: 3 }] : []))).find((l) => l.role === 'trigger')!;
    assert.deepStrictEqual([t.line, t.how], [other, 'finding']);
    assert.ok(seen.includes(`${XFOO}/xfoo_rx.c`));
  });

  it('with the real checker: the map-stack and map-error-unchecked findings pick the map calls', async () => {
    const parser = await testParser();
    const stack = report('device driver maps memory from stack [probable addr=000000007d1b2c3e]', ['debug_dma_map_page+0xf0/0x130', 'xfoo_read_status+0x4c/0xa0 [xfoo]']);
    const unchecked = report('device driver failed to check map error[device address=0x00000000ffd8a000] [size=1514 bytes] [mapped as single]', ['xfoo_tx_complete+0x60/0x90 [xfoo]'], ['xfoo_xmit+0x2d4/0x3a0 [xfoo]']);
    const [s, u] = locateReports(parser, workspace(), [stack, unchecked], { findings: checkerFindings });
    assert.deepStrictEqual([s[0].function, s[0].line, s[0].how], ['xfoo_read_status', lineOf(src('xfoo_main.c'), 'h = dma_map_single(&priv->pdev->dev, status'), 'finding']);
    const m = u.find((l) => l.role === 'mapped-at')!;
    assert.deepStrictEqual([m.function, m.line, m.how], ['xfoo_xmit', lineOf(src('xfoo_tx.c'), 'tb->dma = dma_map_single'), 'finding']);
    // the static findings on those lines travel with the locations
    assert.deepStrictEqual(s[0].findings?.map((f) => f.rule), ['map-stack']);
    assert.match(s[0].findings![0].message ?? '', /stack/);
    assert.deepStrictEqual(m.findings?.map((f) => f.rule), ['map-error-unchecked']);
  });

  it('falls back to the first call of the family when nothing else decides', async () => {
    const r = report('device driver tries to free DMA memory it has not allocated [device address=0x00000000fffe0000] [size=1500 bytes]', ['xfoo_rx_clean+0x1c4/0x3d0 [xfoo]']);
    const t = (await locate(r))[0];
    assert.deepStrictEqual([t.line, t.how, t.call], [lineOf(src('xfoo_rx.c'), 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_BUF_LEN'), 'family', 'dma_unmap_single']);
    // with the size of one of the unmaps, that one
    const sized = report('device driver tries to free DMA memory it has not allocated [device address=0x00000000fffe0000] [size=256 bytes]', ['xfoo_rx_clean+0x1c4/0x3d0 [xfoo]']);
    const u = (await locate(sized))[0];
    assert.deepStrictEqual([u.line, u.how], [lineOf(src('xfoo_rx.c'), 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_HDR_LEN'), 'fields']);
  });

  it('prefers the file of the module the frame names (Makefile composite objects), and follows the module name', async () => {
    const files = workspace();
    const parser = await testParser();
    const loc = new LogLocator(parser, files);
    try {
      assert.strictEqual(loc.definitions('xfoo_rx_clean', 'xfoo')[0].file.path, `${XFOO}/xfoo_rx.c`);
      assert.strictEqual(loc.definitions('xfoo_rx_clean', 'ybar')[0].file.path, 'drivers/misc/ybar/ybar.c');
      assert.strictEqual(loc.moduleScore(`${XFOO}/xfoo_tx.c`, 'xfoo'), 3, 'xfoo-y := … xfoo_tx.o');
      assert.strictEqual(loc.moduleScore('drivers/misc/ybar/ybar.c', 'ybar'), 3);
      assert.strictEqual(loc.moduleScore(`${XFOO}/xfoo_tx.c`, 'ybar'), 0);
    } finally {
      loc.dispose();
    }
    // the same frame with [ybar] resolves into ybar.c
    const r = report('device driver frees DMA memory with different size [device address=0x0] [map size=2048 bytes] [unmap size=256 bytes]', ['xfoo_rx_clean+0x10/0x20 [ybar]']);
    const l = (await locate(r, files))[0];
    assert.deepStrictEqual([l.file, l.how], ['drivers/misc/ybar/ybar.c', 'definition']);
  });

  it('unmap-dir: the unmap whose direction is the one the report names', async () => {
    const r = report('device driver frees DMA memory with different direction [device address=0x00000000ffd8a000] [size=1514 bytes] [mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]', ['debug_dma_unmap_page+0x86/0xa0', 'xfoo_tx_complete+0x60/0x90 [xfoo]', 'xfoo_poll+0x81/0x2b0 [xfoo]'], ['xfoo_xmit+0x2d4/0x3a0 [xfoo]']);
    const locs = await locate(r);
    const tx = src('xfoo_tx.c');
    assert.deepStrictEqual(locs.map((l) => [l.role, l.line, l.how]), [
      ['trigger', lineOf(tx, 'dma_unmap_single(ring->dev, tb->dma, tb->len, DMA_FROM_DEVICE)'), 'fields'],
      ['mapped-at', lineOf(tx, 'tb->dma = dma_map_single'), 'family'],
      ['caller', lineOf(src('xfoo_main.c'), 'xfoo_tx_complete(&priv->txr)'), 'call-site'],
    ]);
  });

  it('sync-wo-for-device: the for_device sync with the direction of the report', async () => {
    const r = report('device driver syncs device write-only DMA memory to device [device address=0x00000000ffd8a000] [size=2048 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]', ['debug_dma_sync_single_for_device+0x88/0xb0', 'xfoo_rx_clean+0x1e0/0x3a0 [xfoo]']);
    const t = (await locate(r))[0];
    assert.deepStrictEqual([t.line, t.call, t.how], [lineOf(src('xfoo_rx.c'), 'dma_sync_single_for_device('), 'dma_sync_single_for_device', 'fields']);
  });

  it('map-error-not-checked: "Mapped at" leads to the unchecked map call', async () => {
    const r = report('device driver failed to check map error[device address=0x00000000ffd8a000] [size=1514 bytes] [mapped as single]', ['debug_dma_unmap_page+0x86/0xa0', 'xfoo_tx_complete+0x60/0x90 [xfoo]'], ['debug_dma_map_page+0x60/0x130', 'dma_map_page_attrs+0x75/0x2b0', 'xfoo_xmit+0x2d4/0x3a0 [xfoo]']);
    const locs = await locate(r);
    const tx = src('xfoo_tx.c');
    const m = locs.find((l) => l.role === 'mapped-at')!;
    assert.deepStrictEqual([m.function, m.line], ['xfoo_xmit', lineOf(tx, 'tb->dma = dma_map_single')]);
    assert.strictEqual(locs.find((l) => l.role === 'trigger')!.line, lineOf(tx, 'dma_unmap_single(ring->dev, tb->dma'));
  });

  it('sg-nents: the sg unmap whose count is not the one given to dma_map_sg', async () => {
    const r = report('device driver frees DMA sg list with different entry count [map count=3] [unmap count=1]', ['debug_dma_unmap_sg+0x120/0x1a0', 'xfoo_tx_unmap_sg+0x30/0x70 [xfoo]', 'xfoo_tx_complete+0x2c/0x90 [xfoo]'], ['debug_dma_map_sg+0x1d0/0x3a0', 'xfoo_tx_map_sg+0x88/0x120 [xfoo]']);
    const locs = await locate(r);
    const tx = src('xfoo_tx.c');
    const t = locs.find((l) => l.role === 'trigger')!;
    assert.deepStrictEqual([t.line, t.call, t.how], [lineOf(tx, 'dma_unmap_sg('), 'dma_unmap_sg', 'compare']);
    assert.strictEqual(locs.find((l) => l.role === 'mapped-at')!.line, lineOf(tx, 'count = dma_map_sg('));
    assert.strictEqual(locs.find((l) => l.role === 'caller')!.line, lineOf(tx, 'xfoo_tx_unmap_sg(ring, tb);'));
  });

  it('map-stack and map-text-rodata: the map call in the function of the trace', async () => {
    const stack = report('device driver maps memory from stack [probable addr=000000007d1b2c3e]', ['debug_dma_map_page+0xf0/0x130', 'dma_map_page_attrs+0x75/0x2b0', 'xfoo_read_status+0x4c/0xa0 [xfoo]', 'xfoo_probe+0x1a0/0x1f0 [xfoo]']);
    const [s, caller] = await locate(stack);
    assert.deepStrictEqual([s.function, s.line, s.call, caller.function], ['xfoo_read_status', lineOf(src('xfoo_main.c'), 'h = dma_map_single(&priv->pdev->dev, status'), 'dma_map_single', 'xfoo_probe']);
    const ro = report('device driver maps memory from kernel text or rodata [addr=000000003f1c2b7e] [len=64]', ['debug_dma_map_page+0xf0/0x130', 'xfoo_tx_pad+0x30/0x80 [xfoo]']);
    assert.strictEqual((await locate(ro))[0].line, lineOf(src('xfoo_tx.c'), 'h = dma_map_single(ring->dev, (void *)xfoo_pad_pattern'));
  });

  it('finds the DMA call in a static helper the compiler inlined into the frame\'s function', async () => {
    const r = report('device driver tries to free DMA memory it has not allocated [device address=0x00000000fffe0000] [size=1514 bytes]', ['debug_dma_unmap_page+0x86/0xa0', 'xfoo_tx_timeout+0x48/0x90 [xfoo]']);
    const locs = await locate(r);
    const tx = src('xfoo_tx.c');
    assert.deepStrictEqual(locs.map((l) => [l.role, l.function, l.line]), [
      ['trigger', 'xfoo_tx_drop', lineOf(tx, 'dma_unmap_single(ring->dev, tb->dma, tb->len, DMA_TO_DEVICE)')],
      ['caller', 'xfoo_tx_timeout', lineOf(tx, 'xfoo_tx_drop(ring, &ring->tx')],
    ]);
  });

  it('leak at unbind: the leaked mapping from "Mapped at"', async () => {
    const r = report('device driver has pending DMA allocations while released from device [count=255]', ['dma_debug_device_change+0x10c/0x150', 'device_release_driver_internal+0x1b0/0x230', 'pci_unregister_driver+0x3c/0xb0', 'xfoo_driver_exit+0x10/0x7e0 [xfoo]'], ['debug_dma_map_page+0x60/0x130', 'xfoo_rx_fill+0x11a/0x3c0 [xfoo]', 'xfoo_probe+0xd2/0x1f0 [xfoo]']);
    const locs = await locate(r);
    assert.deepStrictEqual(locs.map((l) => [l.role, l.function]), [['mapped-at', 'xfoo_rx_fill']]);
  });

  it('uses "? " frames only when no reliable frame resolves, and finds nothing for generic frames', async () => {
    const r = report('device driver frees DMA memory with different size [device address=0x0] [map size=2048 bytes] [unmap size=256 bytes]', ['? xfoo_rx_clean+0x1c4/0x3d0 [xfoo]', 'net_rx_action+0x2f9/0x380']);
    assert.strictEqual((await locate(r))[0].function, 'xfoo_rx_clean');
    const g = report('device driver frees DMA memory with different size [device address=0x0] [map size=2048 bytes] [unmap size=256 bytes]', ['dma_unmap_page_attrs+0x6a/0x1c0', 'net_rx_action+0x2f9/0x380']);
    assert.deepStrictEqual(await locate(g), []);
  });

  it('folds size constants: literals, #defines, SZ_*, arithmetic', () => {
    const defs = new Map([['A', '(2 * SZ_1K)'], ['B', 'A + 16'], ['LOOP', 'LOOP']]);
    assert.strictEqual(foldConstant('A', defs), 2048);
    assert.strictEqual(foldConstant('B - 0x10', defs), 2048);
    assert.strictEqual(foldConstant('1 << 12', defs), 4096);
    assert.strictEqual(foldConstant('256UL', defs), 256);
    assert.strictEqual(foldConstant('len', defs), undefined);
    assert.strictEqual(foldConstant('LOOP', defs), undefined);
    assert.strictEqual(foldConstant('sizeof(x)', defs), undefined);
  });
});

function io(stdin = '', cwd = WS): CliIO & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    out(t: string) {
      o.stdout += t;
    },
    err(t: string) {
      o.stderr += t;
    },
    errIsTTY: false,
    readStdin: async () => stdin,
    cwd,
  };
  return o;
}

describe('dma-scope explain-log', () => {
  it('exits 1 with the JSON shape of design.md §5 and the locations in the workspace', async () => {
    const x = io();
    const code = await main(['explain-log', 'logs/unmap-size.dmesg', '--json', '--workspace', '.'], x);
    assert.strictEqual(code, 1, x.stderr);
    const j = JSON.parse(x.stdout);
    assert.strictEqual(j.version, 1);
    assert.strictEqual(j.reports.length, 1);
    const r = j.reports[0];
    for (const k of ['check', 'rule', 'driver', 'device', 'message', 'fields', 'frames', 'locations']) assert.ok(k in r, k);
    assert.deepStrictEqual([r.check, r.rule, r.driver, r.device], ['unmap-size', 'unmap-size-mismatch', 'xfoo', '0000:03:00.0']);
    assert.deepStrictEqual(r.fields, { deviceAddress: '0x00000000ffd8a000', mapSize: 2048, unmapSize: 256 });
    assert.deepStrictEqual(Object.keys(r.frames[0]).slice(0, 3), ['function', 'offset', 'length']);
    assert.ok(r.frames.some((f: { function: string; module: string }) => f.function === 'xfoo_rx_clean' && f.module === 'xfoo'));
    assert.deepStrictEqual(
      { file: r.locations[0].file, line: r.locations[0].line, function: r.locations[0].function },
      { file: `${XFOO}/xfoo_rx.c`, line: lineOf(src('xfoo_rx.c'), 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_HDR_LEN'), function: 'xfoo_rx_clean' },
    );
    assert.match(r.explanation, /same length/);
  });

  it('prints the explanation and file:line locations as text; reads standard input with -', async () => {
    const x = io(fixture('dmesg/logs/unmap-size.dmesg'));
    assert.strictEqual(await main(['explain-log', '-'], x), 1);
    const line = lineOf(src('xfoo_rx.c'), 'dma_unmap_single(ring->dev, rb->dma, XFOO_RX_HDR_LEN');
    assert.match(x.stdout, /^<stdin>:4: unmap-size: xfoo 0000:03:00\.0: device driver frees DMA memory with different size/);
    assert.ok(x.stdout.includes(`${XFOO}/xfoo_rx.c:${line}: xfoo_rx_clean: dma_unmap_single`), x.stdout);
    assert.match(x.stdout, /rule: unmap-size-mismatch \(dma-debug D11\)/);
    assert.match(x.stdout, /1 DMA-API report found\./);
  });

  it('exits 0 on a log without reports', async () => {
    const x = io('[    0.000000] Linux version 6.12.0\n[    0.412345] DMA-API: preallocated 65536 debug entries\n');
    assert.strictEqual(await main(['explain-log', '-', '--json'], x), 0);
    assert.deepStrictEqual(JSON.parse(x.stdout), { version: 1, reports: [] });
  });

  it('exits 2 with one line on input and usage errors', async () => {
    for (const argv of [['explain-log', 'no-such.log'], ['explain-log'], ['explain-log', 'a', 'b'], ['explain-log', '--frobnicate', 'x'], ['explain-log', 'logs'], ['explain-log', 'logs/unmap-size.dmesg', '--workspace', 'no-such-dir']]) {
      const x = io();
      assert.strictEqual(await main(argv, x), 2, argv.join(' '));
      assert.ok(x.stderr.length > 0 && !/\n\s+at /.test(x.stderr), x.stderr);
      assert.strictEqual(x.stdout, '');
    }
  });

  it('examples/logs/unmap-size.log lands on the unmap the example driver marks as unmap-size-mismatch', async () => {
    const x = io('', REPO_ROOT);
    assert.strictEqual(await main(['explain-log', 'examples/logs/unmap-size.log', '--json', '--workspace', 'examples/driver'], x), 1, x.stderr);
    const [r] = JSON.parse(x.stdout).reports;
    assert.strictEqual(r.check, 'unmap-size');
    // the driver marks its bug with a comment on the line before the call
    const dir = path.join(REPO_ROOT, 'examples', 'driver');
    const marked = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.c'))
      .map((f) => ({ f, lines: fs.readFileSync(path.join(dir, f), 'utf8').split('\n') }))
      .map(({ f, lines }) => ({ file: `examples/driver/${f}`, line: lines.findIndex((l) => l.includes('BUG: unmap-size-mismatch')) + 2 }))
      .filter((m) => m.line > 1);
    assert.strictEqual(marked.length, 1);
    assert.deepStrictEqual({ file: r.locations[0].file, line: r.locations[0].line, role: r.locations[0].role }, { ...marked[0], role: 'trigger' });
    assert.ok(r.locations.some((l: { role: string }) => l.role === 'mapped-at'));
  });
});
