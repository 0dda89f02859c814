/**
 * The driver folder search of a stitched lifecycle (src/server/driverFolder.ts): the one the VS Code
 * extension runs over its workspace file system, and the CLI and the language server over the disk
 * (src/node/driverFolder.ts). Its bounds, its order, the `only` set the driver index hands in, the
 * headers each file includes (read once), and bad input.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DriverFolder, FolderIO, lifecycleTitle, MAX_DRIVER_CHARS, MAX_DRIVER_FILES, normalizeRelative } from '../../src/server/driverFolder';
import { MAX_SOURCE_BYTES, nodeDriverFolder, nodeFolderIO } from '../../src/node/driverFolder';
import { FIXTURES } from '../helpers';

/** A folder in memory; every read is counted. A value of null is a file that cannot be read. */
function memoryIO(files: Record<string, string | null>, opts: { listFails?: boolean } = {}): FolderIO & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    files: async () => {
      if (opts.listFails) throw new Error('EACCES');
      return Object.keys(files).filter((n) => !n.includes('/'));
    },
    read: async (name) => {
      reads.push(name);
      const t = files[name];
      if (t === null) throw new Error('EIO');
      return t;
    },
  };
}

describe('driver folder search (stitched lifecycles)', () => {
  it('gives the other .c files in name order with the local headers each includes, each header read once', async () => {
    const io = memoryIO({
      'b_rx.c': '#include "drv.h"\n#include <linux/dma-mapping.h>\nint rx;\n',
      'a_main.c': '#include "drv.h"\n#include "./sub/../regs.h"\nint main_;\n',
      'self.c': 'int self;\n',
      'drv.h': '#define RING 64\n',
      'regs.h': '#define REG 1\n',
      'notes.txt': 'not C',
      'drv.o': '\0',
    });
    const folder = new DriverFolder(io);
    const r = await folder.sources('self.c');
    assert.deepStrictEqual(r.files.map((f) => [f.name, f.headers]), [
      ['a_main.c', ['#define RING 64\n', '#define REG 1\n']],
      ['b_rx.c', ['#define RING 64\n']],
    ]);
    assert.strictEqual(r.skipped, 0);
    // the document's own file, the headers and other files are not read as sources; drv.h is read once
    assert.deepStrictEqual(io.reads.sort(), ['a_main.c', 'b_rx.c', 'drv.h', 'regs.h']);
    assert.deepStrictEqual(await folder.headersOf('#include "drv.h"\n#include "missing.h"\n'), ['#define RING 64\n']);
    assert.strictEqual(io.reads.filter((n) => n === 'drv.h').length, 1);
  });

  it('with the driver index\'s `only`: reads just those files', async () => {
    const io = memoryIO({ 'a.c': 'int a;', 'b.c': 'int b;', 'c.c': 'int c;', 'self.c': '' });
    const r = await new DriverFolder(io).sources('self.c', new Set(['c.c', 'self.c']));
    assert.deepStrictEqual(r.files.map((f) => f.name), ['c.c']);
    assert.deepStrictEqual(io.reads, ['c.c']);
    assert.deepStrictEqual((await new DriverFolder(io).sources('self.c', new Set())).files, []);
  });

  it('stops at the bounds: files past the count or the total size are counted as skipped', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < MAX_DRIVER_FILES + 3; i++) many[`f${String(i).padStart(3, '0')}.c`] = `int v${i};\n`;
    const r = await new DriverFolder(memoryIO(many)).sources('none.c');
    assert.strictEqual(r.files.length, MAX_DRIVER_FILES);
    assert.strictEqual(r.skipped, 3);
    assert.strictEqual(r.files[0].name, 'f000.c');
    // by size: 10 + 10 fit in 25 characters, the third does not, a small fourth still does
    const sized = await new DriverFolder(memoryIO({ 'a.c': 'x'.repeat(10), 'b.c': 'y'.repeat(10), 'c.c': 'z'.repeat(10), 'd.c': 'w' }), { maxFiles: 10, maxChars: 25 }).sources('self.c');
    assert.deepStrictEqual(sized.files.map((f) => f.name), ['a.c', 'b.c', 'd.c']);
    assert.strictEqual(sized.skipped, 1);
    assert.strictEqual(MAX_DRIVER_CHARS, 8 * 1024 * 1024);
  });

  it('bad input: an unreadable file is skipped, an unreadable folder gives nothing, never a throw', async () => {
    const r = await new DriverFolder(memoryIO({ 'a.c': null, 'b.c': 'int b;', 'bad.c': '#include "gone.h"\n\0\xff garbage {{{' , 'gone.h': null })).sources('self.c');
    assert.deepStrictEqual(r.files.map((f) => [f.name, f.headers.length]), [['b.c', 0], ['bad.c', 0]]);
    assert.strictEqual(r.skipped, 1);
    assert.deepStrictEqual(await new DriverFolder(memoryIO({ 'a.c': 'x' }, { listFails: true })).sources('self.c'), { files: [], skipped: 0 });
  });

  it('normalizes include paths relative to the folder', () => {
    assert.strictEqual(normalizeRelative('./a/../b.h'), 'b.h');
    assert.strictEqual(normalizeRelative('../inc//c.h'), '../inc/c.h');
    assert.strictEqual(normalizeRelative('a/./b/../../../x.h'), '../x.h');
  });

  it('the title names the functions a stitched trace went through, else the one function', () => {
    assert.strictEqual(lifecycleTitle({ name: 'page', functionName: 'rx_poll', stitched: [{ name: 'alloc' }, { name: 'rx_poll' }] }), 'page: alloc() → rx_poll()');
    assert.strictEqual(lifecycleTitle({ name: 'skb_data', functionName: 'xmit' }), 'skb_data in xmit()');
  });

  describe('on the disk (the CLI and the language server)', () => {
    let dir: string;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-driverfolder-'));
      for (const f of ['wren.h', 'wren_main.c', 'wren_rx.c']) fs.copyFileSync(path.join(FIXTURES, 'lifecycle', 'twofile', f), path.join(dir, f));
      fs.mkdirSync(path.join(dir, 'sub.c')); // a folder named like a source is not one
      fs.writeFileSync(path.join(dir, 'huge.c'), Buffer.alloc(MAX_SOURCE_BYTES + 1, 0x20));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads the fixture driver: the other file with its header, an open editor\'s text first, a too large file skipped', async () => {
      const r = await nodeDriverFolder(path.join(dir, 'wren_main.c')).folder.sources('wren_main.c');
      assert.deepStrictEqual(r.files.map((f) => f.name), ['wren_rx.c']);
      assert.strictEqual(r.skipped, 1); // huge.c
      assert.strictEqual(r.files[0].text, fs.readFileSync(path.join(FIXTURES, 'lifecycle', 'twofile', 'wren_rx.c'), 'utf8'));
      assert.deepStrictEqual(r.files[0].headers, [fs.readFileSync(path.join(dir, 'wren.h'), 'utf8')]);
      const edited = '#include "wren.h"\nint edited;\n';
      const open = await nodeDriverFolder(path.join(dir, 'wren_main.c'), (f) => (f === path.join(dir, 'wren_rx.c') ? edited : undefined)).folder.sources('wren_main.c');
      assert.strictEqual(open.files[0].text, edited);
    });

    it('a driver is its folder with the subfolder files its Makefile links, seen from either side', async () => {
      const mod = path.join(FIXTURES, 'driver', 'modnic');
      const fromSub = nodeDriverFolder(path.join(mod, 'hw', 'modnic_ring.c'));
      assert.strictEqual(fromSub.root, mod);
      assert.strictEqual(fromSub.self, 'hw/modnic_ring.c');
      const a = await fromSub.folder.sources(fromSub.self);
      // tool/ is a module of its own; hw/modnic_dump.c is linked but does not exist
      assert.deepStrictEqual(a.files.map((f) => f.name), ['modnic_main.c']);
      assert.deepStrictEqual(a.files[0].headers, [fs.readFileSync(path.join(mod, 'modnic.h'), 'utf8')]);
      // the subfolder file's own `#include "../modnic.h"` resolves next to it
      assert.deepStrictEqual(await fromSub.folder.headersOf(fs.readFileSync(path.join(mod, 'hw', 'modnic_ring.c'), 'utf8'), fromSub.self), [fs.readFileSync(path.join(mod, 'modnic.h'), 'utf8')]);
      const fromTop = nodeDriverFolder(path.join(mod, 'modnic_main.c'));
      const b = await fromTop.folder.sources(fromTop.self);
      assert.deepStrictEqual(b.files.map((f) => f.name), ['hw/modnic_ring.c']);
      assert.deepStrictEqual(b.files[0].headers, [fs.readFileSync(path.join(mod, 'modnic.h'), 'utf8')]);
      const tool = nodeDriverFolder(path.join(mod, 'tool', 'modnic_tool.c'));
      assert.strictEqual(tool.root, path.join(mod, 'tool'));
    });

    it('an unreadable folder is an error its caller catches (no files)', async () => {
      await assert.rejects(nodeFolderIO(path.join(dir, 'nope')).files());
      assert.deepStrictEqual(await nodeDriverFolder(path.join(dir, 'nope', 'x.c')).folder.sources('x.c'), { files: [], skipped: 0 });
    });
  });
});
