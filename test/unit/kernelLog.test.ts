import * as assert from 'assert';
import { CHECKS, DmaDebugCheck, baseFunctionName, classifyMessage, isGenericFrame, parseFields, parseKernelLog, stripLogPrefix, EXPLANATIONS, explainReport } from '../../src/analysis/dmaDebugLog';
import { fixture } from '../helpers';

const BASE = fixture('dmesg/logs/unmap-size.dmesg');

/** Builds one x86 WARN block as dma-debug prints it, one log line per array entry (no prefixes). */
function warnBlock(opts: { driver?: string; device?: string; message: string; frames: string[]; mapped?: string[]; fn?: string; line?: number }): string[] {
  const lines = ['------------[ cut here ]------------'];
  lines.push(`DMA-API: ${opts.driver ?? 'xfoo'} ${opts.device ?? '0000:03:00.0'}: ${opts.message}`);
  lines.push(`WARNING: CPU: 1 PID: 412 at kernel/dma/debug.c:${opts.line ?? 1024} ${opts.fn ?? 'check_unmap'}+0x6a5/0x8a0`);
  lines.push('Modules linked in: xfoo(O) nf_tables');
  lines.push('CPU: 1 UID: 0 PID: 412 Comm: ip Tainted: G           O       6.12.0 #1');
  lines.push('Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.3-debian-1.16.3-2 04/01/2014');
  lines.push(`RIP: 0010:${opts.fn ?? 'check_unmap'}+0x6a5/0x8a0`);
  lines.push('RSP: 0018:ffffb2a540198d50 EFLAGS: 00010286');
  lines.push('RAX: 0000000000000000 RBX: ffff9d3a02d6c0c8 RCX: 0000000000000027');
  lines.push('Call Trace:');
  lines.push(' <TASK>');
  lines.push(' ? __warn+0x89/0x130');
  lines.push(` ? ${opts.fn ?? 'check_unmap'}+0x6a5/0x8a0`);
  lines.push(' ? report_bug+0x16e/0x1a0');
  for (const f of opts.frames) lines.push(` ${f}`);
  lines.push(' </TASK>');
  lines.push('---[ end trace 0000000000000000 ]---');
  if (opts.mapped) {
    lines.push('DMA-API: Mapped at:');
    for (const f of opts.mapped) lines.push(` ${f}`);
  }
  return lines;
}

/** Adds `[ ts]` prefixes, as dmesg prints them. */
function stamp(lines: string[], start = 100): string {
  return lines.map((l, i) => `[${(start + i * 0.000013).toFixed(6).padStart(12)}] ${l}`).join('\n');
}

interface ClassCase {
  check: DmaDebugCheck;
  message: string;
  fields: Record<string, string | number>;
  entry: boolean;
  fn?: string;
}

// The message texts exactly as kernel/dma/debug.c of 6.12 formats them (%p hashed, %pa after a literal 0x).
const CLASSES: ClassCase[] = [
  { check: 'map-stack', message: 'device driver maps memory from stack [addr=00000000c3a5e1f2]', fields: { addr: '00000000c3a5e1f2' }, entry: false, fn: 'debug_dma_map_page' },
  { check: 'map-stack', message: 'device driver maps memory from stack [probable addr=000000007d1b2c3e]', fields: { probableAddr: '000000007d1b2c3e' }, entry: false, fn: 'debug_dma_map_page' },
  { check: 'map-text-rodata', message: 'device driver maps memory from kernel text or rodata [addr=000000003f1c2b7e] [len=64]', fields: { addr: '000000003f1c2b7e', len: 64 }, entry: false, fn: 'debug_dma_map_page' },
  { check: 'map-invalid-area', message: 'device driver maps memory from invalid area [addr=00000000e1d2c3b4] [len=4096]', fields: { len: 4096 }, entry: false, fn: 'debug_dma_map_single' },
  { check: 'map-vmalloc', message: 'device driver maps memory from vmalloc area [addr=00000000e1d2c3b4] [len=4096]', fields: { len: 4096 }, entry: false, fn: 'debug_dma_map_single' },
  { check: 'overlap', message: "cacheline tracking EEXIST, overlapping mappings aren't supported", fields: {}, entry: true, fn: 'add_dma_entry' },
  { check: 'sg-segment-length', message: 'mapping sg segment longer than device claims to support [len=131072] [max=65536]', fields: { len: 131072, max: 65536 }, entry: false, fn: 'debug_dma_map_sg' },
  {
    check: 'sg-segment-boundary',
    message: 'mapping sg segment across boundary [start=0x00000000fff0f000] [end=0x00000000fff10fff] [boundary=0x000000000000ffff]',
    fields: { start: '0x00000000fff0f000', end: '0x00000000fff10fff', boundary: '0x000000000000ffff' },
    entry: false,
    fn: 'debug_dma_map_sg',
  },
  { check: 'free-invalid', message: 'device driver tries to free an invalid DMA memory address', fields: {}, entry: false },
  { check: 'free-not-allocated', message: 'device driver tries to free DMA memory it has not allocated [device address=0x00000000fffe0000] [size=2048 bytes]', fields: { deviceAddress: '0x00000000fffe0000', size: 2048 }, entry: false },
  { check: 'unmap-size', message: 'device driver frees DMA memory with different size [device address=0x00000000ffd8a000] [map size=2048 bytes] [unmap size=256 bytes]', fields: { mapSize: 2048, unmapSize: 256 }, entry: true },
  {
    check: 'unmap-wrong-function',
    message: 'device driver frees DMA memory with wrong function [device address=0x00000000ffd8a000] [size=1500 bytes] [mapped as scatter-gather] [unmapped as single]',
    fields: { size: 1500, mappedAs: 'scatter-gather', unmappedAs: 'single' },
    entry: true,
  },
  {
    check: 'free-cpu-address',
    // no trailing newline in 6.12, and %pa after "0x" doubles the prefix
    message: 'device driver frees DMA memory with different CPU address [device address=0x00000000fee00000] [size=4096 bytes] [cpu alloc address=0x0x0000000101a2c000] [cpu free address=0x0x0000000101a2d000]',
    fields: { size: 4096, cpuAllocAddress: '0x0000000101a2c000', cpuFreeAddress: '0x0000000101a2d000' },
    entry: true,
  },
  { check: 'sg-nents', message: 'device driver frees DMA sg list with different entry count [map count=4] [unmap count=1]', fields: { mapCount: 4, unmapCount: 1 }, entry: true },
  {
    check: 'unmap-dir',
    message: 'device driver frees DMA memory with different direction [device address=0x00000000ffd8a000] [size=1514 bytes] [mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]',
    fields: { size: 1514, mappedWith: 'DMA_TO_DEVICE', unmappedWith: 'DMA_FROM_DEVICE' },
    entry: true,
  },
  {
    check: 'map-error-not-checked',
    // 6.12: no space between "error" and the first field
    message: 'device driver failed to check map error[device address=0x00000000ffd8a000] [size=1514 bytes] [mapped as single]',
    fields: { deviceAddress: '0x00000000ffd8a000', size: 1514, mappedAs: 'single' },
    entry: true,
  },
  { check: 'sync-not-allocated', message: 'device driver tries to sync DMA memory it has not allocated [device address=0x00000000ffd8a000] [size=256 bytes]', fields: { size: 256 }, entry: false, fn: 'check_sync' },
  {
    check: 'sync-range',
    message: 'device driver syncs DMA memory outside allocated range [device address=0x00000000ffd8a000] [allocation size=2048 bytes] [sync offset+size=4096]',
    fields: { allocationSize: 2048, syncEnd: 4096 },
    entry: true,
    fn: 'check_sync',
  },
  {
    check: 'sync-dir',
    message: 'device driver syncs DMA memory with different direction [device address=0x00000000ffd8a000] [size=2048 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]',
    fields: { size: 2048, mappedWith: 'DMA_FROM_DEVICE', syncedWith: 'DMA_TO_DEVICE' },
    entry: true,
    fn: 'check_sync',
  },
  {
    check: 'sync-ro-for-cpu',
    message: 'device driver syncs device read-only DMA memory for cpu [device address=0x00000000ffd8a000] [size=1514 bytes] [mapped with DMA_TO_DEVICE] [synced with DMA_FROM_DEVICE]',
    fields: { mappedWith: 'DMA_TO_DEVICE', syncedWith: 'DMA_FROM_DEVICE' },
    entry: true,
    fn: 'check_sync',
  },
  {
    check: 'sync-wo-for-device',
    message: 'device driver syncs device write-only DMA memory to device [device address=0x00000000ffd8a000] [size=2048 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]',
    fields: { mappedWith: 'DMA_FROM_DEVICE', syncedWith: 'DMA_TO_DEVICE' },
    entry: true,
    fn: 'check_sync',
  },
  { check: 'sync-sg-nents', message: 'device driver syncs DMA sg list with different entry count [map count=4] [sync count=2]', fields: { mapCount: 4, syncCount: 2 }, entry: true, fn: 'check_sync' },
];

describe('kernel log parser: dma-debug reports', () => {
  it('reads a full x86 report: check, rule, driver, device, fields, WARN header, frames and Mapped at', () => {
    const [r, ...rest] = parseKernelLog(BASE);
    assert.strictEqual(rest.length, 0);
    assert.strictEqual(r.check, 'unmap-size');
    assert.strictEqual(r.rule, 'unmap-size-mismatch');
    assert.strictEqual(r.driver, 'xfoo');
    assert.strictEqual(r.device, '0000:03:00.0');
    assert.deepStrictEqual(r.fields, { deviceAddress: '0x00000000ffd8a000', mapSize: 2048, unmapSize: 256 });
    assert.deepStrictEqual(r.warning, { cpu: 3, pid: 0, file: 'kernel/dma/debug.c', fileLine: 1024, function: 'check_unmap' });
    assert.deepStrictEqual(r.modules, ['xfoo', 'nf_tables', 'nfnetlink', 'snd_hda_intel', 'snd_hda_codec', 'i915', 'drm_buddy', 'e1000e']);
    assert.strictEqual(r.comm, 'swapper/3');
    assert.strictEqual(r.kernel, '6.12.0-dmadebug');
    assert.strictEqual(r.startLine, 4, 'the report starts at the cut-here line');
    assert.strictEqual(r.truncated, false);
    const clean = r.frames.find((f) => f.function === 'xfoo_rx_clean')!;
    assert.deepStrictEqual({ ...clean, line: 0 }, { function: 'xfoo_rx_clean', offset: '0x1c4', length: '0x3d0', module: 'xfoo', unreliable: false, line: 0 });
    assert.strictEqual(r.frames.filter((f) => f.unreliable).length, 8);
    // the unrelated "sd 0:0:0:0" line inside the trace does not end it
    assert.ok(r.frames.some((f) => f.function === 'common_startup_64'));
    assert.deepStrictEqual(r.mappedAt.map((f) => f.function), ['debug_dma_map_page', 'dma_map_page_attrs', 'xfoo_rx_fill', 'xfoo_rx_clean', 'xfoo_poll']);
    assert.strictEqual(r.mappedAt[2].module, 'xfoo');
    assert.strictEqual(r.endLine, 65);
  });

  const VARIANTS: Array<[string, (l: string) => string]> = [
    ['no timestamps', (l) => l.replace(/^\[[^\]]*\] /, '')],
    ['<4> log-level prefixes', (l) => `<4>${l}`],
    ['<4> with no timestamps', (l) => `<4>${l.replace(/^\[[^\]]*\] /, '')}`],
    ['journalctl -k', (l) => `Nov 24 13:56:27 testbox kernel: ${l.replace(/^\[[^\]]*\] /, '')}`],
    ['journalctl -o short-iso', (l) => `2026-11-24T13:56:27+0000 testbox kernel: ${l.replace(/^\[[^\]]*\] /, '')}`],
    ['dmesg -T', (l) => l.replace(/^\[[^\]]*\]/, '[Tue Nov 24 13:56:27 2026]')],
    ['dmesg -x', (l) => `kern  :warn  : ${l}`],
    ['journalctl -o short-monotonic', (l) => l.replace(/^(\[[^\]]*\]) /, '$1 testbox kernel: ')],
    ['dmesg --time-format iso', (l) => `2026-11-24T13:56:27,503064+00:00 ${l.replace(/^\[[^\]]*\] /, '')}`],
    ['printk caller ids', (l) => l.replace(/^(\[[^\]]*\]) /, '$1[    T412] ')],
    ['serial console: CRLF and colour codes', (l) => `\x1b[33m${l}\x1b[0m\r`],
  ];
  for (const [name, map] of VARIANTS) {
    it(`reads the same report from ${name}`, () => {
      const text = BASE.split('\n').map((l) => (l ? map(l) : l)).join('\n');
      const rs = parseKernelLog(text);
      assert.strictEqual(rs.length, 1);
      const [r] = rs;
      assert.strictEqual(r.check, 'unmap-size');
      assert.strictEqual(r.driver, 'xfoo');
      assert.strictEqual(r.device, '0000:03:00.0');
      assert.strictEqual(r.fields.unmapSize, 256);
      assert.strictEqual(r.frames.length, 23);
      assert.strictEqual(r.frames.find((f) => f.function === 'xfoo_rx_clean')?.module, 'xfoo');
      assert.strictEqual(r.mappedAt.length, 5);
      assert.strictEqual(r.truncated, false);
    });
  }

  it('strips prefixes but keeps the frame indentation', () => {
    assert.strictEqual(stripLogPrefix('<4>[   17.503191]  ? __warn+0x89/0x130'), ' ? __warn+0x89/0x130');
    assert.strictEqual(stripLogPrefix('Nov  4 09:01:02 host kernel: DMA-API: x'), 'DMA-API: x');
    assert.strictEqual(stripLogPrefix('plain line'), 'plain line');
  });

  for (const c of CLASSES) {
    it(`classifies "${c.message.slice(0, 60)}…" as ${c.check}`, () => {
      const lines = [
        'usb 1-1: new high-speed USB device number 2 using xhci_hcd',
        ...warnBlock({ message: c.message, fn: c.fn, frames: ['debug_dma_unmap_page+0x86/0xa0', 'xfoo_rx_clean+0x1c4/0x3d0 [xfoo]', 'xfoo_poll+0x81/0x2b0 [xfoo]'], mapped: c.entry ? ['debug_dma_map_page+0x60/0x130', 'xfoo_rx_fill+0x11a/0x3c0 [xfoo]'] : undefined }),
        'EXT4-fs (sda1): mounted filesystem with ordered data mode',
      ];
      for (const text of [stamp(lines), lines.join('\n')]) {
        const rs = parseKernelLog(text);
        assert.strictEqual(rs.length, 1, text);
        const r = rs[0];
        assert.strictEqual(r.check, c.check);
        assert.strictEqual(r.rule, CHECKS[c.check].rule);
        assert.strictEqual(r.driver, 'xfoo');
        assert.strictEqual(r.device, '0000:03:00.0');
        for (const [k, v] of Object.entries(c.fields)) assert.strictEqual(r.fields[k], v, `field ${k}`);
        assert.deepStrictEqual(r.frames.filter((f) => !f.unreliable).map((f) => f.function), ['debug_dma_unmap_page', 'xfoo_rx_clean', 'xfoo_poll']);
        assert.strictEqual(r.mappedAt.length, c.entry ? 2 : 0);
        assert.strictEqual(r.truncated, false);
        assert.ok(explainReport(r).length > 80);
      }
    });
  }

  it('reads the two-line leak report at driver unbind', () => {
    const lines = warnBlock({
      message: 'device driver has pending DMA allocations while released from device [count=255]',
      fn: 'dma_debug_device_change',
      frames: ['dma_debug_device_change+0x10c/0x150', 'notifier_call_chain+0x5c/0xd0', 'device_release_driver_internal+0x1b0/0x230', 'driver_detach+0x46/0x90', 'pci_unregister_driver+0x3c/0xb0', 'xfoo_driver_exit+0x10/0x7e0 [xfoo]'],
      mapped: ['debug_dma_map_page+0x60/0x130', 'dma_map_page_attrs+0x75/0x2b0', 'xfoo_rx_fill+0x11a/0x3c0 [xfoo]', 'xfoo_probe+0xd2/0x1f0 [xfoo]'],
    });
    lines.splice(2, 0, 'One of leaked entries details: [device address=0x00000000fffa0000] [size=2048 bytes] [mapped with DMA_FROM_DEVICE] [mapped as single]');
    for (const text of [stamp(lines), lines.join('\n')]) {
      const [r] = parseKernelLog(text);
      assert.strictEqual(r.check, 'leak-at-unbind');
      assert.strictEqual(r.rule, 'map-leak');
      assert.deepStrictEqual(r.fields, { count: 255, deviceAddress: '0x00000000fffa0000', size: 2048, mappedWith: 'DMA_FROM_DEVICE', mappedAs: 'single' });
      assert.match(r.message, /One of leaked entries details/);
      assert.strictEqual(r.mappedAt.length, 4);
      assert.strictEqual(r.truncated, false);
    }
  });

  it('reads the WARN_ONCE overlap limit, the vmalloc refusal of dma_map_single and the self-disable lines', () => {
    const text = stamp([
      '------------[ cut here ]------------',
      'DMA-API: exceeded 7 overlapping mappings of cacheline 0x0000000001a2b3c0',
      'WARNING: CPU: 0 PID: 88 at kernel/dma/debug.c:463 add_dma_entry+0x1f4/0x2a0',
      'Call Trace:',
      ' add_dma_entry+0x1f4/0x2a0',
      ' debug_dma_map_page+0xf0/0x130',
      ' xfoo_rx_fill+0x11a/0x3c0 [xfoo]',
      '---[ end trace 0000000000000000 ]---',
      'random: crng init done',
      '------------[ cut here ]------------',
      'xfoo 0000:03:00.0: rejecting DMA map of vmalloc memory',
      'WARNING: CPU: 2 PID: 913 at include/linux/dma-mapping.h:381 xfoo_xmit+0x2d4/0x3a0 [xfoo]',
      'Call Trace:',
      ' xfoo_xmit+0x2d4/0x3a0 [xfoo]',
      ' dev_hard_start_xmit+0x9b/0x200',
      '---[ end trace 0000000000000000 ]---',
      'DMA-API: debugging out of memory - disabling',
      'DMA-API: cacheline tracking ENOMEM, dma-debug disabled',
    ]);
    const rs = parseKernelLog(text);
    assert.deepStrictEqual(rs.map((r) => r.check), ['overlap-limit', 'map-vmalloc', 'debug-disabled', 'debug-disabled']);
    assert.deepStrictEqual(rs[0].fields, { limit: 7, cacheline: '0x0000000001a2b3c0' });
    assert.strictEqual(rs[0].rule, 'map-leak');
    assert.deepStrictEqual([rs[1].driver, rs[1].device, rs[1].rule], ['xfoo', '0000:03:00.0', 'map-vmalloc']);
    assert.strictEqual(rs[1].warning?.file, 'include/linux/dma-mapping.h');
    assert.deepStrictEqual(rs[1].frames.map((f) => f.function), ['xfoo_xmit', 'dev_hard_start_xmit']);
    assert.strictEqual(rs[2].frames.length, 0);
  });

  it('keeps an unknown DMA-API message as check unknown with its fields and frames', () => {
    const lines = warnBlock({ message: 'device driver does something new [device address=0x0000000000001000] [widgets=3]', frames: ['xfoo_rx_clean+0x1c4/0x3d0 [xfoo]'] });
    const [r] = parseKernelLog(lines.join('\n'));
    assert.strictEqual(r.check, 'unknown');
    assert.strictEqual(r.rule, null);
    assert.deepStrictEqual(r.fields, { deviceAddress: '0x0000000000001000', widgets: 3 });
    assert.strictEqual(r.frames.at(-1)?.function, 'xfoo_rx_clean');
    assert.strictEqual(explainReport(r), EXPLANATIONS.unknown);
  });

  it('ignores dma-debug information lines and logs without reports', () => {
    const text = stamp([
      'DMA-API: preallocated 65536 debug entries',
      'DMA-API: debugging enabled by kernel config',
      'DMA-API: dma_debug_entry pool grown to 131072 (200%)',
      'xfoo 0000:03:00.0: enabling device (0000 -> 0002)',
      '------------[ cut here ]------------',
      'WARNING: CPU: 0 PID: 1 at drivers/gpu/drm/drm_edid.c:123 drm_edid_block_valid+0x1c/0x200',
      'Call Trace:',
      ' drm_edid_block_valid+0x1c/0x200',
      '---[ end trace 0000000000000000 ]---',
    ]);
    assert.deepStrictEqual(parseKernelLog(text), []);
    assert.deepStrictEqual(parseKernelLog(''), []);
  });

  it('keeps several reports apart and does not give one report\'s "Mapped at" to another', () => {
    const a = warnBlock({ message: CLASSES.find((c) => c.check === 'free-not-allocated')!.message, frames: ['xfoo_tx_complete+0x44/0x90 [xfoo]'] });
    const b = warnBlock({ message: CLASSES.find((c) => c.check === 'unmap-dir')!.message, frames: ['xfoo_tx_complete+0x60/0x90 [xfoo]'], mapped: ['xfoo_xmit+0x2d4/0x3a0 [xfoo]'] });
    const rs = parseKernelLog(stamp([...a, 'eth1: link up', ...b, 'eth1: link down']));
    assert.deepStrictEqual(rs.map((r) => r.check), ['free-not-allocated', 'unmap-dir']);
    assert.deepStrictEqual(rs[0].mappedAt, []);
    assert.deepStrictEqual(rs[1].mappedAt.map((f) => f.function), ['xfoo_xmit']);
    assert.ok(rs.every((r) => !r.truncated));
    assert.ok(rs[0].endLine < rs[1].startLine);
  });

  it('reads arm64 reports: "Call trace:", pc/lr/x registers, frames with build ids', () => {
    const text = stamp([
      '------------[ cut here ]------------',
      'DMA-API: xfoo ff100000.ethernet: device driver syncs device write-only DMA memory to device [device address=0x00000000f7e01000] [size=2048 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_TO_DEVICE]',
      'WARNING: CPU: 1 PID: 0 at kernel/dma/debug.c:1150 check_sync+0x4a8/0x6f0',
      'Modules linked in: xfoo(O)',
      'CPU: 1 UID: 0 PID: 0 Comm: swapper/1 Tainted: G           O       6.12.0-arm64 #1',
      'Hardware name: Pine64 RockPro64 v2.1 (DT)',
      'pstate: 60000005 (nZCv daif -PAN -UAO -TCO -DIT -SSBS BTYPE=--)',
      'pc : check_sync+0x4a8/0x6f0',
      'lr : check_sync+0x4a8/0x6f0',
      'sp : ffff80008000bd30',
      'x29: ffff80008000bd30 x28: 0000000000000000 x27: ffff000001a3c0c0',
      'x2 : 0000000000000000 x1 : 0000000000000000 x0 : ffff000003d3e000',
      'Call trace:',
      ' check_sync+0x4a8/0x6f0',
      ' debug_dma_sync_single_for_device+0x88/0xb0',
      ' dma_sync_single_for_device+0x6c/0x120',
      ' xfoo_rx_clean+0x1e0/0x3a0 [xfoo 5c2b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c]',
      ' xfoo_poll+0x50/0x140 [xfoo 5c2b1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c]',
      ' __napi_poll+0x40/0x218',
      '---[ end trace 0000000000000000 ]---',
      'DMA-API: Mapped at:',
      ' debug_dma_map_page+0x74/0x1b0',
      ' xfoo_rx_fill+0x98/0x160 [xfoo]',
    ]);
    const [r] = parseKernelLog(text);
    assert.strictEqual(r.check, 'sync-wo-for-device');
    assert.strictEqual(r.device, 'ff100000.ethernet');
    assert.deepStrictEqual(r.frames.map((f) => f.module ?? ''), ['', '', '', 'xfoo', 'xfoo', '']);
    assert.strictEqual(r.kernel, '6.12.0-arm64');
    assert.deepStrictEqual(r.mappedAt.map((f) => f.function), ['debug_dma_map_page', 'xfoo_rx_fill']);
    assert.strictEqual(r.truncated, false);
  });

  it('reads old-style frames with raw addresses', () => {
    const lines = warnBlock({ message: CLASSES[10].message, frames: ['[<ffffffffc0a1b2c4>] xfoo_rx_clean+0x1c4/0x3d0 [xfoo]', '[<ffffffff81a2b3c4>] ? net_rx_action+0x2f9/0x380'] });
    const [r] = parseKernelLog(lines.join('\n'));
    const f = r.frames.filter((x) => x.function === 'xfoo_rx_clean' || x.function === 'net_rx_action');
    assert.deepStrictEqual(f.map((x) => [x.function, x.module ?? null, x.unreliable]), [['xfoo_rx_clean', 'xfoo', false], ['net_rx_action', null, true]]);
  });

  it('reads a WARNING line without file:line and skips unresolved raw addresses in the trace', () => {
    const lines = warnBlock({ message: CLASSES[9].message, frames: ['0xffffffffc0a1b2c4', '? 0xffffffffc0a1b2f0', 'xfoo_rx_clean+0x1c4/0x3d0 [xfoo]'] });
    lines[2] = 'WARNING: CPU: 1 PID: 412 at check_unmap+0x6a5/0x8a0';
    const [r] = parseKernelLog(lines.join('\n'));
    assert.deepStrictEqual(r.warning, { cpu: 1, pid: 412, file: undefined, fileLine: undefined, function: 'check_unmap' });
    assert.strictEqual(r.frames.at(-1)?.function, 'xfoo_rx_clean');
    assert.strictEqual(r.truncated, false);
  });

  it('reads 5.x arm32 reports: WARNING before the message, "Backtrace:" with verbose frames and register lines', () => {
    const text = stamp([
      '------------[ cut here ]------------',
      'WARNING: CPU: 0 PID: 0 at kernel/dma/debug.c:973 check_unmap+0x1f8/0x9c4',
      'DMA-API: xfoo 1e660000.ethernet: device driver frees DMA memory with different size [device address=0x0000000085a0c000] [map size=1536 bytes] [unmap size=60 bytes]',
      'CPU: 0 PID: 0 Comm: swapper/0 Not tainted 5.11.0-dirty #2',
      'Hardware name: Generic DT based system',
      'Backtrace: ',
      '[<80868a10>] (dump_backtrace) from [<80868c64>] (show_stack+0x20/0x24)',
      ' r7:00000009 r6:60000193 r5:00000000 r4:80c8fbb4',
      '[<80868c44>] (show_stack) from [<80874518>] (dump_stack+0xc8/0xe4)',
      '[<80874450>] (dump_stack) from [<801223c0>] (__warn+0xe4/0x150)',
      '[<8019f304>] (check_unmap) from [<8019fd6c>] (debug_dma_unmap_page+0xa4/0xb4)',
      ' r10:81e46540 r9:00000040 r8:00000000',
      '[<8019fcc8>] (debug_dma_unmap_page) from [<7f0a2d54>] (xfoo_rx_clean+0x2a0/0x470 [xfoo])',
      '[<7f0a2ab4>] (xfoo_rx_clean [xfoo]) from [<7f0a3020>] (xfoo_poll+0x48/0x1a0 [xfoo])',
      '---[ end trace 5a6b8c1d2e3f4a5b ]---',
      'DMA-API: Mapped at:',
      ' xfoo_rx_fill+0x98/0x160 [xfoo]',
    ]);
    const [r, ...rest] = parseKernelLog(text);
    assert.strictEqual(rest.length, 0);
    assert.strictEqual(r.check, 'unmap-size');
    assert.strictEqual(r.warning?.fileLine, 973);
    assert.strictEqual(r.startLine, 1);
    assert.deepStrictEqual(r.fields, { deviceAddress: '0x0000000085a0c000', mapSize: 1536, unmapSize: 60 });
    assert.deepStrictEqual(r.frames.map((f) => f.function), ['show_stack', 'dump_stack', '__warn', 'debug_dma_unmap_page', 'xfoo_rx_clean', 'xfoo_poll']);
    assert.strictEqual(r.frames[4].module, 'xfoo');
    assert.strictEqual(r.mappedAt.length, 1);
    assert.strictEqual(r.truncated, false);
  });

  it('reads 4.x reports: "<driver> <device>: DMA-API:", WARNING first, arm32 frames with no header, "PC is at"', () => {
    const text = stamp([
      '------------[ cut here ]------------',
      'WARNING: CPU: 0 PID: 162 at lib/dma-debug.c:1166 check_for_stack+0xc4/0x100()',
      'xfoo 3f980000.usb: DMA-API: device driver maps memory from stack [addr=b6217c54]',
      'Modules linked in: xfoo(O+)',
      'CPU: 0 PID: 162 Comm: systemd-udevd Tainted: G           O    4.0.5-v7+ #6',
      'Hardware name: BCM2709',
      'PC is at check_for_stack+0xc4/0x100',
      'LR is at check_for_stack+0xc4/0x100',
      '[<80016618>] (unwind_backtrace) from [<80012c1c>] (show_stack+0x20/0x24)',
      '[<8033a67c>] (check_for_stack) from [<8033add8>] (debug_dma_map_page+0xd8/0xf8)',
      '[<8033add8>] (debug_dma_map_page) from [<7f001478>] (xfoo_read_status+0x4c/0xa0 [xfoo])',
      '[<7f001478>] (xfoo_read_status [xfoo]) from [<7f0017b4>] (xfoo_probe+0x150/0x1f0 [xfoo])',
      '---[ end trace 8d1c3a2b4e5f6a7b ]---',
    ]);
    const [r, ...rest] = parseKernelLog(text);
    assert.strictEqual(rest.length, 0);
    assert.deepStrictEqual([r.check, r.driver, r.device, r.fields.addr], ['map-stack', 'xfoo', '3f980000.usb', 'b6217c54']);
    assert.strictEqual(r.warning?.file, 'lib/dma-debug.c');
    assert.deepStrictEqual(r.frames.map((f) => f.function), ['show_stack', 'debug_dma_map_page', 'xfoo_read_status', 'xfoo_probe']);
    assert.strictEqual(r.truncated, false);
  });

  it('reads 6.x arm32 " callee from caller+off" frames and powerpc frames', () => {
    const arm = warnBlock({ message: CLASSES[9].message, frames: [] });
    arm.splice(arm.indexOf('Call Trace:'), 1, 'Call trace: ', ' check_unmap from debug_dma_unmap_page+0x8c/0x9c', ' debug_dma_unmap_page from xfoo_tx_complete+0x5c/0xa8 [xfoo]');
    const [a] = parseKernelLog(arm.join('\n'));
    assert.deepStrictEqual(a.frames.filter((f) => !f.unreliable).map((f) => [f.function, f.module ?? null]), [['debug_dma_unmap_page', null], ['xfoo_tx_complete', 'xfoo']]);
    const ppc = warnBlock({ message: CLASSES[9].message, frames: [] });
    ppc.splice(ppc.indexOf(' <TASK>'), 4, '[c000000004bf3a10] [c00000000022c8f4] check_unmap+0x7a4/0xb00 (unreliable)', '[c000000004bf3ab0] [c00000000022d1c8] debug_dma_unmap_page+0x98/0xc0', '[c000000004bf3b40] [c008000001a21f3c] xfoo_tx_complete+0x5c/0xa8 [xfoo]');
    const [p] = parseKernelLog(ppc.join('\n'));
    assert.deepStrictEqual(p.frames.map((f) => [f.function, f.unreliable]), [['check_unmap', true], ['debug_dma_unmap_page', false], ['xfoo_tx_complete', false]]);
  });

  it('reads the pre-4.x headline order "<driver> <device>: DMA-API: …"', () => {
    const [r] = parseKernelLog('[  41.0001] xfoo 0000:03:00.0: DMA-API: device driver tries to free DMA memory it has not allocated [device address=0x00000000443d7040] [size=2048 bytes]');
    assert.deepStrictEqual([r.check, r.driver, r.device, r.fields.size], ['free-not-allocated', 'xfoo', '0000:03:00.0', 2048]);
    // a check of older kernels (debug_dma_assert_idle, removed in 5.x) is kept as unknown
    const [u] = parseKernelLog('[  60.0171] xfoo soc:gpu: DMA-API: cpu touching an active dma mapped cacheline [cln=0x0000000000194b80]');
    assert.deepStrictEqual([u.check, u.driver, u.fields.cln], ['unknown', 'xfoo', '0x0000000000194b80']);
  });

  describe('truncated captures', () => {
    const full = BASE.split('\n');
    it('a log that ends inside the Call Trace keeps the frames read so far', () => {
      const cut = full.slice(0, full.findIndex((l) => l.includes('xfoo_poll+0x81')) + 1).join('\n');
      const [r] = parseKernelLog(cut);
      assert.strictEqual(r.check, 'unmap-size');
      assert.strictEqual(r.truncated, true);
      assert.strictEqual(r.frames.at(-1)?.function, 'xfoo_poll');
      assert.deepStrictEqual(r.mappedAt, []);
    });
    it('a log that ends before "Mapped at:" is marked truncated', () => {
      const cut = full.slice(0, full.findIndex((l) => l.includes('end trace')) + 1).join('\n');
      const [r] = parseKernelLog(cut);
      assert.strictEqual(r.truncated, true);
      assert.strictEqual(r.frames.length, 23);
    });
    it('a message line cut mid-sentence is still classified', () => {
      const [r] = parseKernelLog('[   17.503067] DMA-API: xfoo 0000:03:00.0: device driver frees DMA memory with different si');
      assert.strictEqual(r.check, 'unmap-size');
      assert.strictEqual(r.truncated, true);
      assert.deepStrictEqual(classifyMessage('device driver frees DMA'), { check: 'unknown', partial: false }, 'an ambiguous stem stays unknown');
    });
    it('a capture that starts after the message keeps the WARN and its frames', () => {
      const cut = full.slice(full.findIndex((l) => l.includes('WARNING: CPU'))).join('\n');
      const [r] = parseKernelLog(cut);
      assert.strictEqual(r.check, 'unknown');
      assert.strictEqual(r.truncated, true);
      assert.strictEqual(r.fields.warnedIn, 'check_unmap');
      assert.ok(r.frames.some((f) => f.function === 'xfoo_rx_clean'));
      assert.strictEqual(r.mappedAt.length, 5);
    });
  });

  it('field parsing: 0x0x, camel-cased unknown keys, words', () => {
    assert.deepStrictEqual(parseFields('[cpu alloc address=0x0x00000001] [Some Key=12 bytes] [mapped as coherent]'), { cpuAllocAddress: '0x00000001', someKey: 12, mappedAs: 'coherent' });
  });

  it('frame helpers: generic frames and compiler suffixes', () => {
    assert.ok(isGenericFrame('debug_dma_unmap_page') && isGenericFrame('dma_unmap_page_attrs') && isGenericFrame('__warn') && isGenericFrame('asm_exc_invalid_op'));
    assert.ok(!isGenericFrame('xfoo_rx_clean') && !isGenericFrame('e1000_clean_rx_irq'));
    assert.strictEqual(baseFunctionName('xfoo_rx_clean.isra.0'), 'xfoo_rx_clean');
    assert.strictEqual(baseFunctionName('xfoo_poll.cold'), 'xfoo_poll');
  });

  it('every check has an explanation and a title', () => {
    for (const k of Object.keys(CHECKS) as DmaDebugCheck[]) {
      assert.ok(EXPLANATIONS[k].length > 100, k);
      assert.ok(CHECKS[k].title.length > 5, k);
    }
  });
});
