/** `dma-scope kbuild`: kbuild's checker command line, the generated configuration, gcc-style output on stderr. */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAutoconf, parseKbuildFlags } from '../../src/cli/kbuildFlags';
import { kbuildConfig } from '../../src/cli/commands/kbuild';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { FIXTURES, REPO_ROOT, fixture } from '../helpers';

const KB = path.join(FIXTURES, 'kbuild');
const OUT = path.join(KB, 'out');
const SRC = path.join(KB, 'src');

function io(cwd: string): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', errIsTTY: false, env: {}, cwd, out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
  return o;
}

/** The shape of kbuild's `$(CHECK) $(CHECKFLAGS) $(c_flags) file.c` for an O= build (run from the build folder). */
function kbuildArgv(file: string): string[] {
  return [
    '-D__linux__', '-Dlinux', '-D__STDC__', '-Wbitwise', '-Wno-return-void', '-D__x86_64__', '--arch=x86', '-mlittle-endian', '-m64',
    '-Wp,-MMD,drivers/net/.tdrv.o.d', '-nostdinc', `-I${SRC}/arch/x86/include`, '-I./arch/x86/include/generated', `-I${SRC}/include`, '-I./include',
    '-include', `${SRC}/include/linux/compiler-version.h`, '-include', `${SRC}/include/linux/kconfig.h`, '-D__KERNEL__',
    `-fmacro-prefix-map=${SRC}/=`, '-Werror', '-std=gnu11', '-fshort-wchar', '-mno-sse', '-mcmodel=kernel', '-mpreferred-stack-boundary=3',
    '-fpatchable-function-entry=16,16', '-O2', '-Wframe-larger-than=2048', '-Wimplicit-fallthrough=5', '-isystem', '/usr/lib/gcc/include',
    '-UCONFIG_SWIOTLB', '-DKBUILD_MODFILE="drivers/net/tdrv"', '-DKBUILD_BASENAME="tdrv"', '-D', 'KBUILD_MODNAME="tdrv"', '-D__KBUILD_MODNAME=kmod_tdrv',
    '-I', `${SRC}/drivers/net`, '-Idrivers/net', '--frobnicate', file,
  ];
}

describe('dma-scope kbuild', () => {
  it('parses the checker flags kbuild passes', () => {
    const f = parseKbuildFlags(kbuildArgv('x.c'));
    assert.deepStrictEqual(f.files, ['x.c']);
    assert.deepStrictEqual(f.includeDirs, [`${SRC}/arch/x86/include`, './arch/x86/include/generated', `${SRC}/include`, './include', `${SRC}/drivers/net`, 'drivers/net']);
    assert.deepStrictEqual(f.systemDirs, ['/usr/lib/gcc/include']);
    assert.deepStrictEqual(f.includes, [`${SRC}/include/linux/compiler-version.h`, `${SRC}/include/linux/kconfig.h`]);
    assert.strictEqual(f.nostdinc, true);
    assert.strictEqual(f.arch, 'x86');
    assert.strictEqual(f.bits, 64);
    assert.strictEqual(f.macros.__KERNEL__, '1');
    assert.strictEqual(f.macros.KBUILD_MODNAME, '"tdrv"');
    assert.strictEqual(f.macros.KBUILD_MODFILE, '"drivers/net/tdrv"');
    assert.strictEqual(f.macros.__KBUILD_MODNAME, 'kmod_tdrv');
    assert.strictEqual(f.macros.CONFIG_SWIOTLB, null);
    assert.deepStrictEqual(f.unknown, ['--frobnicate']);
  });

  it('takes -Wp,-D and -Wp,-U, glued and separate values, and last-one-wins', () => {
    const f = parseKbuildFlags(['-DA=1', '-UA', '-Wp,-DB=2,-MD,x.d', '-DC', '-D', 'C=3', '-o', 'out.o', '-MF', 'x.d', '-g', 'f.c']);
    assert.deepStrictEqual(f.macros, { A: null, B: '2', C: '3' });
    assert.deepStrictEqual(f.files, ['f.c']);
    assert.deepStrictEqual(f.unknown, []);
  });

  it('reads autoconf.h: numbers, strings with their quotes, #undef', () => {
    const m = parseAutoconf(fixture('kbuild/out/include/generated/autoconf.h'));
    assert.strictEqual(m.CONFIG_X86_64, '1');
    assert.strictEqual(m.CONFIG_NET_DRV_TEST_MODULE, '1');
    assert.strictEqual(m.CONFIG_DEFAULT_HOSTNAME, '"(none)"');
    assert.strictEqual(m.CONFIG_LOCALVERSION, '""');
    assert.strictEqual(m.CONFIG_PHYS_START, '0x1000000');
    assert.strictEqual(m.CONFIG_ARM, null);
    assert.strictEqual(Object.keys(m).length, 9);
  });

  it('finds autoconf.h through the -I folders relative to the build folder, after -D/-U', () => {
    const c = kbuildConfig(parseKbuildFlags(kbuildArgv('x.c')), OUT);
    assert.strictEqual(c.complete, true);
    assert.strictEqual(c.autoconf, path.join(OUT, 'include', 'generated', 'autoconf.h'));
    assert.strictEqual(c.macros.CONFIG_NR_CPUS, '64');
    assert.strictEqual(c.macros.CONFIG_SWIOTLB, '1', 'autoconf.h comes after the command line, as -include does');
    assert.strictEqual(c.macros.__KERNEL__, '1');
    const elsewhere = kbuildConfig(parseKbuildFlags(kbuildArgv('x.c')), SRC);
    assert.strictEqual(elsewhere.complete, false);
    assert.match(elsewhere.note!, /no generated\/autoconf\.h/);
    const noKconfig = kbuildConfig(parseKbuildFlags(['-I./include', 'x.c']), OUT);
    assert.deepStrictEqual([noKconfig.complete, noKconfig.note], [false, undefined]);
  });

  it('prints findings gcc-style on stderr and exits 0 so the build goes on', async () => {
    const file = path.join(SRC, 'drivers', 'net', 'tdrv.c');
    const o = io(OUT);
    assert.strictEqual(await main(['kbuild', ...kbuildArgv(file)], o), 0);
    assert.strictEqual(o.stdout, '');
    assert.strictEqual(o.stderr, `${file}:8:9: note: The handle returned by dma_map_single() is used without dma_mapping_error(); test it before giving it to the device. [map-error-unchecked]\n`);
  });

  it("runs the driver rules with the records of the driver's other files, its related location as a note", async () => {
    const o = io(path.join(FIXTURES, 'driver'));
    assert.strictEqual(await main(['kbuild', '--debug', '-D__KERNEL__', 'modnic/hw/modnic_ring.c'], o), 0);
    const lines = o.stderr.split('\n').filter((l) => !l.startsWith('dma-scope kbuild: 1 macros'));
    assert.match(lines[0], /^modnic\/hw\/modnic_ring\.c:8:46: error: dma_unmap_single\(\) unmaps modnic_ring\.dma with DMA_FROM_DEVICE, .* \[driver-dir-mismatch\]$/);
    assert.strictEqual(lines[1], 'modnic/modnic_main.c:8:14: note: mapped DMA_TO_DEVICE in modnic_ring_fill()');
    // the compiled tests keep nothing on disk: the other file is analysed at every run
    assert.strictEqual(lines[2], 'dma-scope kbuild: driver records of 1 other files (0 from the disk store, 1 analysed now)');
    // tool/ is a module of its own: nothing of the driver's reaches it
    const tool = io(path.join(FIXTURES, 'driver'));
    assert.strictEqual(await main(['kbuild', 'modnic/tool/modnic_tool.c'], tool), 0);
    assert.strictEqual(tool.stderr, '');
  });

  it("keeps the other files' records between kbuild's runs, and analyses a changed file again", function () {
    this.timeout(30000);
    const cli = path.join(REPO_ROOT, 'dist', 'cli.js');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-kbuildstore-'));
    try {
      fs.cpSync(path.join(FIXTURES, 'driver', 'modnic'), path.join(dir, 'modnic'), { recursive: true });
      const env = { ...process.env, DMA_SCOPE_CACHE_DIR: path.join(dir, 'cache') };
      const run = (): string => {
        const r = spawnSync(process.execPath, [cli, 'kbuild', '--debug', 'modnic/hw/modnic_ring.c'], { cwd: dir, env, encoding: 'utf8' });
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stderr, /^modnic\/hw\/modnic_ring\.c:8:46: error: .*\[driver-dir-mismatch\]$/m);
        return /driver records of .*/.exec(r.stderr)?.[0] ?? r.stderr;
      };
      assert.strictEqual(run(), 'driver records of 1 other files (0 from the disk store, 1 analysed now)');
      assert.strictEqual(run(), 'driver records of 1 other files (1 from the disk store, 0 analysed now)');
      fs.appendFileSync(path.join(dir, 'modnic', 'modnic_main.c'), '/* edited */\n');
      assert.strictEqual(run(), 'driver records of 1 other files (0 from the disk store, 1 analysed now)');
      // a changed header of the driver (a struct member may have moved) makes every record stale
      fs.appendFileSync(path.join(dir, 'modnic', 'modnic.h'), '/* edited */\n');
      assert.strictEqual(run(), 'driver records of 1 other files (0 from the disk store, 1 analysed now)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('with the build configuration, counts only the files the Makefile builds under it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-kbuildcfg-'));
    try {
      fs.cpSync(path.join(FIXTURES, 'driver', 'modnic'), path.join(dir, 'modnic'), { recursive: true });
      // built only with CONFIG_MODNIC_DEBUG (modnic-$(CONFIG_MODNIC_DEBUG) += hw/modnic_dump.o): it maps the
      // ring FROM_DEVICE, so when it counts, the teardown's FROM_DEVICE unmap agrees with one of the maps
      fs.writeFileSync(path.join(dir, 'modnic', 'hw', 'modnic_dump.c'), [
        '#include "../modnic.h"', '', 'int modnic_dump_ring(struct device *dev, struct modnic_ring *ring)', '{',
        '\tring->dma = dma_map_single(dev, ring->buf, ring->len, DMA_FROM_DEVICE);', '\tif (dma_mapping_error(dev, ring->dma))', '\t\treturn -ENOMEM;', '\treturn 0;', '}', '',
      ].join('\n'));
      fs.mkdirSync(path.join(dir, 'include', 'linux'), { recursive: true });
      fs.mkdirSync(path.join(dir, 'include', 'generated'));
      fs.writeFileSync(path.join(dir, 'include', 'linux', 'kconfig.h'), '#include <generated/autoconf.h>\n');
      const kbuild = async (autoconf: string | undefined): Promise<string> => {
        if (autoconf === undefined) fs.rmSync(path.join(dir, 'include', 'generated', 'autoconf.h'), { force: true });
        else fs.writeFileSync(path.join(dir, 'include', 'generated', 'autoconf.h'), autoconf);
        const o = io(dir);
        assert.strictEqual(await main(['kbuild', '-include', 'include/linux/kconfig.h', '-Iinclude', 'modnic/hw/modnic_ring.c'], o), 0);
        return o.stderr.split('\n').filter((l) => /\[driver-/.test(l)).map((l) => l.replace(/: error: .*\[/, ' [')).join('\n');
      };
      assert.strictEqual(await kbuild('#define CONFIG_MODNIC 1\n'), 'modnic/hw/modnic_ring.c:8:46 [driver-dir-mismatch]');
      assert.strictEqual(await kbuild('#define CONFIG_MODNIC 1\n#define CONFIG_MODNIC_DEBUG 1\n'), '');
      assert.strictEqual(await kbuild('#define CONFIG_MODNIC_MODULE 1\n#define CONFIG_MODNIC_DEBUG_MODULE 1\n'), '', 'an option set to m counts too');
      // without the configuration every file of the driver counts
      assert.strictEqual(await kbuild(undefined), '');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits non-zero with one line only for its own trouble', async () => {
    const o = io(OUT);
    assert.strictEqual(await main(['kbuild', '-DX', '-I.'], o), 2);
    assert.strictEqual(o.stderr.split('\n').filter(Boolean).length, 1);
    const missing = io(OUT);
    assert.strictEqual(await main(['kbuild', 'nope.c'], missing), 0, 'a file that cannot be read is a warning, the build goes on');
    assert.match(missing.stderr, /^nope\.c: warning: dma-scope: cannot read: no such file\n$/);
  });
});
