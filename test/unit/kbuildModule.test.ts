/** Which folder's driver index a file belongs to: the kbuild module its Makefile links it into (src/analysis/driverIndex/kbuildModule.ts). */
import * as assert from 'assert';
import * as path from 'path';
import { ModuleFolders, builtObjects, compositeSubfolderObjects, moduleDriverOf, moduleFolderOf, relativePath } from '../../src/analysis/driverIndex/kbuildModule';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { FIXTURES } from '../helpers';

describe('kbuild module folders', () => {
  it('reads the subfolder objects of composite objects, across continuation lines and all assignment forms', () => {
    const mk = [
      '# a comment naming en/fake.o',
      'obj-$(CONFIG_MLX) += mlx_core.o',
      'obj-y += tool/ other/single.o',
      'mlx_core-y := main.o cmd.o lib/gid.o \\',
      '\t\ten/rx.o # trailing comment en/nope.o',
      'mlx_core-$(CONFIG_MLX_EN) += en/tx.o en_main.o en/xsk/pool.o',
      'iwl-objs += pcie/drv.o',
      'iwl-objs = fw/img.o',
      'ccflags-y += -Isub/inc.o',
      'bad-y += ../up.o ./here/x.o',
    ].join('\n');
    assert.deepStrictEqual([...compositeSubfolderObjects(mk)].sort(), ['en/rx.o', 'en/tx.o', 'en/xsk/pool.o', 'fw/img.o', 'lib/gid.o', 'pcie/drv.o']);
    assert.strictEqual(compositeSubfolderObjects('x-y += a/b.o\n'.repeat(30000)).size, 0, 'an oversized Makefile is not read');
  });

  it('lists the objects a configuration builds: obj- and composite lists, conditional ones only when enabled', () => {
    const mk = 'obj-$(CONFIG_A) += a.o\nobj-$(CONFIG_OFF) += off.o\nobj-y += tool/ b.o\na-y := a1.o sub/a2.o\na-$(CONFIG_X) += sub/x.o\na-$(CONFIG_OFF) += sub/gone.o\nccflags-y += -Ifoo/bar.o\n';
    assert.deepStrictEqual([...builtObjects(mk, (c) => c === 'CONFIG_A' || c === 'CONFIG_X')].sort(), ['a.o', 'a1.o', 'b.o', 'sub/a2.o', 'sub/x.o']);
  });

  it('puts a linked subfolder file in the nearest ancestor that links it, anything else in its own folder', () => {
    const lists: Record<string, string[]> = { 'd/core': ['en/rx.o', 'en/xsk/pool.o'], '/abs/drv': ['hw/ring.o'], '': ['top/a.o'] };
    const objectsOf = (f: string): Set<string> => new Set(lists[f] ?? []);
    assert.strictEqual(moduleFolderOf('d/core/en/rx.c', objectsOf), 'd/core');
    assert.strictEqual(moduleFolderOf('d/core/en/xsk/pool.c', objectsOf), 'd/core');
    assert.strictEqual(moduleFolderOf('d/core/en/tx.c', objectsOf), 'd/core/en', 'not linked: its own folder');
    assert.strictEqual(moduleFolderOf('d/core/en/rx.h', objectsOf), 'd/core/en', 'a header is no object');
    assert.strictEqual(moduleFolderOf('d/core/main.c', objectsOf), 'd/core');
    assert.strictEqual(moduleFolderOf('/abs/drv/hw/ring.c', objectsOf), '/abs/drv');
    assert.strictEqual(moduleFolderOf('top/a.c', objectsOf), '', 'relative to the current folder');
    assert.strictEqual(moduleFolderOf('a.c', objectsOf), '');
    assert.strictEqual(moduleFolderOf('C:\\d\\core\\en\\rx.c', (f) => new Set(f === 'C:/d/core' ? ['en/rx.o'] : [])), 'C:/d/core');
  });

  it('reads each Makefile once, survives a reader that throws, and lists the linked sources', () => {
    const asked: string[] = [];
    const m = new ModuleFolders((f) => {
      asked.push(f);
      if (f === 'boom') throw new Error('EACCES');
      return f === 'drv' ? 'drv-y := a.o hw/b.o hw/c.o\n' : undefined;
    });
    assert.strictEqual(m.folderOf('drv/hw/b.c'), 'drv');
    assert.strictEqual(m.folderOf('drv/hw/c.c'), 'drv');
    assert.strictEqual(m.folderOf('boom/x/y.c'), 'boom/x');
    assert.deepStrictEqual(asked.filter((f) => f === 'drv'), ['drv']);
    assert.deepStrictEqual(m.subfolderSources('drv'), ['hw/b.c', 'hw/c.c']);
  });

  it('gives a document its driver through an asynchronous reader (the VS Code extension), each Makefile read once', async () => {
    const asked: string[] = [];
    const read = async (f: string): Promise<string | undefined> => {
      asked.push(f);
      if (f === '/w/drv') return 'drv-y := main.o rx/rx.o rx/gone.o\n';
      if (f === '/w') throw new Error('EACCES');
      return undefined;
    };
    assert.deepStrictEqual(await moduleDriverOf('/w/drv/rx/rx.c', read), { root: '/w/drv', self: 'rx/rx.c', linked: ['rx/gone.c', 'rx/rx.c'] });
    assert.deepStrictEqual(asked.sort(), ['/', '/w', '/w/drv']);
    assert.deepStrictEqual(await moduleDriverOf('/w/drv/main.c', read), { root: '/w/drv', self: 'main.c', linked: ['rx/gone.c', 'rx/rx.c'] });
    assert.deepStrictEqual(await moduleDriverOf('/w/other/x.c', read), { root: '/w/other', self: 'x.c', linked: [] });
    assert.deepStrictEqual(await moduleDriverOf('/x.c', read), { root: '/', self: 'x.c', linked: [] });
    assert.strictEqual(relativePath('/w/drv/rx', '/w/drv/main.c'), '../main.c');
    assert.strictEqual(relativePath('/w/drv', '/w/drv/rx/rx.c'), 'rx/rx.c');
    assert.strictEqual(relativePath('/w/drv', '/w/drv'), '.');
  });

  it('dma-scope check indexes a subfolder the Makefile links with its module, and keeps a subfolder module apart', async () => {
    const o = { stdout: '', stderr: '', errIsTTY: false, cwd: path.join(FIXTURES, 'driver'), out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
    assert.strictEqual(await main(['check', '--format', 'json', '--jobs', '1', '--debug', 'modnic'], o as CliIO), 1);
    const r = JSON.parse(o.stdout);
    const got = r.findings.map((f: { file: string; line: number; column: number; rule: string; related: { file?: string; line: number }[] }) => `${f.file}:${f.line}:${f.column} ${f.rule} → ${f.related.map((x) => `${x.file}:${x.line}`).join(',')}`);
    // hw/modnic_ring.c unmaps FROM_DEVICE what modnic_main.c maps TO_DEVICE; tool/ (obj-y += tool/) maps the
    // member FROM_DEVICE too, which would hide the mismatch if it were counted as part of the driver
    assert.deepStrictEqual(got, ['modnic/hw/modnic_ring.c:8:46 driver-dir-mismatch → modnic/modnic_main.c:8']);
    assert.match(o.stderr, /^driver index: 2 folders, 3 files with records \(1 in subfolders their module's Makefile links\)/m);
  });
});
