/** Patch review: `check --diff <rev>` and `check --patch <file|->` on a temporary git repository. */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { changedLines, keepChanged } from '../../src/cli/diff';

function io(cwd: string, stdin = ''): CliIO & { stdout: string; stderr: string } {
  // stdout: the finding lines (the text format's closing "Rule pages:" list is left out)
  let raw = '';
  const o = { get stdout() { return raw.split('\nRule pages:\n')[0]; }, stderr: '', errIsTTY: false, cwd, out(t: string) { raw += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => stdin };
  return o;
}

const RX = `#include <linux/dma-mapping.h>

static int rx_fill(struct rxq *q, void *buf)
{
	dma_addr_t dma;

	dma = dma_map_single(q->dev, buf, q->len, DMA_FROM_DEVICE);
	if (dma_mapping_error(q->dev, dma))
		return -ENOMEM;
	q->desc[0].addr = cpu_to_le64(dma);
	return 0;
}

static int tx_fill(struct txq *q, void *buf)
{
	dma_addr_t dma;

	dma = dma_map_single(q->dev, buf, q->len, DMA_TO_DEVICE);
	q->desc[0].addr = cpu_to_le64(dma);
	return 0;
}
`;

const STATUS = `#include <linux/dma-mapping.h>

static int status_poll(struct ring *r)
{
	r->st_dma = dma_map_single(r->dev, r->status, 64, DMA_FROM_DEVICE);
	if (dma_mapping_error(r->dev, r->st_dma))
		return -ENOMEM;
	ring_kick(r);
	dma_unmap_single(r->dev, r->st_dma, 64, DMA_FROM_DEVICE);
	return 0;
}
`;

describe('dma-scope check --diff / --patch', () => {
  let dir: string;
  const g = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' });
  before(function () {
    try {
      execFileSync('git', ['--version']);
    } catch {
      this.skip();
    }
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-diff-'));
    fs.mkdirSync(path.join(dir, 'drv'));
    fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), RX);
    fs.writeFileSync(path.join(dir, 'drv', 'status.c'), STATUS);
    fs.writeFileSync(path.join(dir, 'README'), 'text\n');
    g('init', '-q');
    g('add', '.');
    g('commit', '-qm', 'base');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a clean working tree has nothing to report, though the files have old findings', async () => {
    const whole = io(dir);
    assert.strictEqual(await main(['check', 'drv'], whole), 1, 'tx_fill has a finding of its own');
    const o = io(dir);
    assert.strictEqual(await main(['check', '--diff', 'HEAD'], o), 0, o.stdout + o.stderr);
    assert.strictEqual(o.stdout, '');
    assert.strictEqual(o.stderr, 'dma-scope check: the changes since HEAD touch no C line to check\n');
  });

  it('reports the finding a deletion creates, not the old one', async () => {
    fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), RX.replace('\tif (dma_mapping_error(q->dev, dma))\n\t\treturn -ENOMEM;\n', ''));
    const o = io(dir);
    assert.strictEqual(await main(['check', '--diff', 'HEAD'], o), 1, o.stderr);
    assert.deepStrictEqual(o.stdout.trim().split('\n').map((l) => l.replace(/: info: .*\[/, ' [')), [`${path.join('drv', 'rx.c')}:7:8 [map-error-unchecked]`]);
  });

  it('keeps a finding on an unchanged line whose related map is on a changed line', async () => {
    fs.writeFileSync(path.join(dir, 'drv', 'status.c'), STATUS.replace('64, DMA_FROM_DEVICE);\n\tif', '64, DMA_TO_DEVICE);\n\tif'));
    const o = io(dir);
    assert.strictEqual(await main(['check', '--format', 'json', '--diff', 'HEAD', 'drv'], o), 1, o.stderr);
    const j = JSON.parse(o.stdout);
    assert.deepStrictEqual(j.findings.map((f: { rule: string; line: number }) => `${f.rule}@${f.line}`), ['unmap-dir-mismatch@9']);
    assert.strictEqual(j.findings[0].related[0].line, 5);
  });

  it('restricts to the paths given, and counts untracked C files as wholly changed', async () => {
    fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), RX.replace('\tif (dma_mapping_error(q->dev, dma))\n\t\treturn -ENOMEM;\n', ''));
    fs.mkdirSync(path.join(dir, 'other'));
    fs.writeFileSync(path.join(dir, 'other', 'new.c'), RX);
    let o = io(dir);
    assert.strictEqual(await main(['check', '--diff', 'HEAD', 'other'], o), 1);
    assert.ok(o.stdout.split('\n').every((l) => !l || l.startsWith(path.join('other', 'new.c'))), o.stdout);
    assert.match(o.stdout, /new\.c:18:/);
    o = io(path.join(dir, 'drv'));
    assert.strictEqual(await main(['check', '--diff', 'HEAD', '.'], o), 1);
    assert.match(o.stdout, /^rx\.c:7:8: /);
  });

  it('exits 2 with one line for an unknown revision, a folder outside git, a missing path', async () => {
    let o = io(dir);
    assert.strictEqual(await main(['check', '--diff', 'no-such-rev'], o), 2);
    assert.strictEqual(o.stderr, "dma-scope check: unknown revision 'no-such-rev'\n");
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-nogit-'));
    try {
      o = io(outside);
      assert.strictEqual(await main(['check', '--diff', 'HEAD'], o), 2);
      assert.match(o.stderr, /^dma-scope check: .* is not inside a git repository .*\n$/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
    o = io(dir);
    assert.strictEqual(await main(['check', '--diff', 'HEAD', 'nope'], o), 2);
    assert.strictEqual(o.stderr, 'dma-scope check: nope: no such file or directory\n');
  });

  describe('--patch', () => {
    let mail: string;
    beforeEach(() => {
      // a format-patch mail of the dropped mapping check, then the tree back at the base
      fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), RX.replace('\tif (dma_mapping_error(q->dev, dma))\n\t\treturn -ENOMEM;\n', ''));
      g('commit', '-qam', 'drv: rx: drop a check\n\nA body line.');
      mail = g('format-patch', '-1', '--stdout');
      g('reset', '-q', '--hard', 'HEAD~1');
    });

    it('applies a format-patch mail in memory and reports the findings it adds', async () => {
      fs.writeFileSync(path.join(dir, 'x.patch'), mail);
      const o = io(dir);
      assert.strictEqual(await main(['check', '--patch', 'x.patch'], o), 1, o.stderr);
      assert.deepStrictEqual(o.stdout.trim().split('\n').map((l) => l.replace(/: info: .*\[/, ' [')), [`${path.join('drv', 'rx.c')}:7:8 [map-error-unchecked]`]);
      assert.strictEqual(fs.readFileSync(path.join(dir, 'drv', 'rx.c'), 'utf8'), RX, 'the tree is not written');
    });

    it('accepts a mail already applied to the tree (git am)', async () => {
      fs.writeFileSync(path.join(dir, 'x.patch'), mail);
      g('am', '-q', 'x.patch');
      const o = io(dir);
      assert.strictEqual(await main(['check', '--patch', 'x.patch'], o), 1, o.stderr);
      assert.match(o.stdout, /^drv\/rx\.c:7:8: .*\[map-error-unchecked\]\n$/);
    });

    it('reads a plain diff from stdin, applied already to the tree', async () => {
      fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), RX.replace('\tif (dma_mapping_error(q->dev, dma))\n\t\treturn -ENOMEM;\n', ''));
      const diff = g('diff');
      const o = io(dir, diff);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 1, o.stderr);
      assert.match(o.stdout, /rx\.c:7:8: .*\[map-error-unchecked\]\n$/);
    });

    it('takes a series touching one file twice, applied or not', async () => {
      fs.writeFileSync(path.join(dir, 'x.patch'), mail);
      g('am', '-q', 'x.patch');
      fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), fs.readFileSync(path.join(dir, 'drv', 'rx.c'), 'utf8').replace('DMA_TO_DEVICE);\n', 'DMA_TO_DEVICE);\n\tq->count++;\n'));
      g('commit', '-qam', 'drv: rx: count');
      const series = g('format-patch', '-2', '--stdout');
      assert.strictEqual((series.match(/^From [0-9a-f]{40} /gm) ?? []).length, 2);
      let o = io(dir, series);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 1, o.stderr);
      assert.match(o.stdout, /^drv\/rx\.c:7:8: .*\[map-error-unchecked\]\n$/, 'already applied');
      g('reset', '-q', '--hard', 'HEAD~2');
      o = io(dir, series);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 1, o.stderr);
      assert.match(o.stdout, /^drv\/rx\.c:7:8: .*\[map-error-unchecked\]\n$/, 'applied in memory');
    });

    it('follows a rename with changes, applied or not, under the new name', async () => {
      g('mv', 'drv/rx.c', 'drv/rx_ring.c');
      fs.writeFileSync(path.join(dir, 'drv', 'rx_ring.c'), RX.replace('\tif (dma_mapping_error(q->dev, dma))\n\t\treturn -ENOMEM;\n', ''));
      g('add', '-A');
      const diff = g('diff', '--cached', '-M');
      assert.match(diff, /rename from drv\/rx\.c/);
      let o = io(dir, diff);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 1, o.stderr);
      assert.match(o.stdout, /^drv\/rx_ring\.c:7:8: .*\[map-error-unchecked\]\n$/, 'already applied');
      g('reset', '-q', '--hard');
      o = io(dir, diff);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 1, o.stderr);
      assert.match(o.stdout, /^drv\/rx_ring\.c:7:8: .*\[map-error-unchecked\]\n$/, 'applied in memory');
      assert.ok(!fs.existsSync(path.join(dir, 'drv', 'rx_ring.c')));
    });

    it('exits 2 with one line for a patch that does not apply, names a missing file, or is garbage', async () => {
      fs.writeFileSync(path.join(dir, 'drv', 'rx.c'), RX.replace(/dma_map_single/g, 'dma_map_page'));
      let o = io(dir, mail);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 2);
      assert.match(o.stderr, /^dma-scope check: <stdin>: the patch does not apply to drv\/rx\.c .*\n$/);
      fs.rmSync(path.join(dir, 'drv', 'rx.c'));
      o = io(dir, mail);
      assert.strictEqual(await main(['check', '--patch', '-'], o), 2);
      assert.match(o.stderr, /^dma-scope check: <stdin>: drv\/rx\.c does not exist in .*\n$/);
      o = io(dir, 'just some text\nwith no hunks\n');
      assert.strictEqual(await main(['check', '--patch', '-'], o), 2);
      assert.match(o.stderr, /^dma-scope check: <stdin> holds no unified diff .*\n$/);
      o = io(dir);
      assert.strictEqual(await main(['check', '--patch', 'missing.patch'], o), 2);
      assert.strictEqual(o.stderr, 'dma-scope check: cannot read missing.patch: no such file\n');
    });
  });

  it('changedLines marks added lines and both sides of a deletion', () => {
    assert.deepStrictEqual([...changedLines([{ oldStart: 2, oldLines: 1, newStart: 2, newLines: 2, lines: ['-a', '+b', '+c'] }])].sort(), [1, 2, 3]);
    assert.deepStrictEqual([...changedLines([{ oldStart: 5, oldLines: 2, newStart: 5, newLines: 0, lines: ['-a', '-b'] }])].sort(), [4, 5]);
    const f = { line: 9, endLine: 9, related: [{ line: 3 }] };
    assert.deepStrictEqual(keepChanged([f], new Set([3])), [f]);
    assert.deepStrictEqual(keepChanged([f], new Set([4, 8, 10])), []);
  });
});
