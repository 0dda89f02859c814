/** `dma-scope replay --html`: the standalone page's content, its CSP hashes, escaping, and exit codes. */
import * as assert from 'assert';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { replayPageHtml } from '../../src/node/replayPage';
import { FIXTURES } from '../helpers';

function io(cwd: string): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', errIsTTY: false, cwd, out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
  return o;
}

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

function inline(html: string, tag: 'script' | 'style'): string[] {
  return [...html.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]);
}

describe('dma-scope replay --html', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-replay-'));
    fs.copyFileSync(path.join(FIXTURES, 'lifecycle', 'rx_refill_no_sync.c'), path.join(dir, 'rx.c'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one page with the panel, the trace and a hash-only CSP covering every inline script and style', async () => {
    const o = io(dir);
    assert.strictEqual(await main(['replay', 'rx.c:34', '--platform', 'x86-swiotlb', '--html', 'out.html'], o), 0, o.stderr);
    assert.strictEqual(o.stdout, '');
    const html = fs.readFileSync(path.join(dir, 'out.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1].replace(/&#39;|&apos;/g, "'");
    assert.match(csp, /^default-src 'none'; /);
    assert.ok(!/unsafe-inline|unsafe-eval|https?:|\*/.test(csp), csp);
    const scripts = inline(html, 'script');
    const styles = inline(html, 'style');
    assert.strictEqual(scripts.length, 2);
    assert.strictEqual(styles.length, 2);
    assert.strictEqual(/script-src ([^;]+)/.exec(csp)![1], scripts.map(hash).join(' '));
    assert.strictEqual(/style-src ([^;]+)/.exec(csp)![1], styles.map(hash).join(' '));
    assert.ok(!/<(script|link|img|iframe)[^>]+(src|href)=/i.test(html), 'no external resource');
    assert.match(scripts[0], /"platform":"x86-swiotlb"/);
    assert.match(scripts[0], /dma_map_single buf DMA_FROM_DEVICE/);
    assert.match(scripts[1], /acquireVsCodeApi\(\)/, 'the panel bundle is inlined');
    assert.match(html, /<title>DMA Lifecycle: buf in foo_rx_refill_one\(\)<\/title>/);
  });

  it('cannot be broken out of by the title or the trace', () => {
    const evil = '</script><script>alert(1)</script><!--';
    const html = replayPageHtml({ trace: `# ${evil}\nbuffer b kmalloc 64\n`, title: evil, platform: 'cvm', source: `x${evil}.c:1` }, { script: 'void 0;', css: 'body{}' });
    assert.strictEqual(inline(html, 'script').length, 2);
    assert.strictEqual((html.match(/<script>/g) ?? []).length, 2);
    assert.ok(!html.includes('<script>alert(1)'));
    assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;alert(1)'));
  });

  it('exits 2 with one line for a missing --html, an unknown platform, a missing file or a line with no buffer', async () => {
    for (const [argv, re] of [
      [['replay', 'rx.c:34'], /--html <out.html> is required/],
      [['replay', 'rx.c:34', '--platform', 'vax', '--html', 'o.html'], /unknown platform 'vax'/],
      [['replay', 'nope.c:3', '--html', 'o.html'], /cannot read nope.c: no such file/],
      [['replay', 'rx.c', '--html', 'o.html'], /is not <file>:<line>/],
      [['replay', 'rx.c:1', '--html', 'o.html'], /rx.c:1: /],
    ] as [string[], RegExp][]) {
      const o = io(dir);
      assert.strictEqual(await main(argv, o), 2, argv.join(' '));
      assert.match(o.stderr, re);
    }
    assert.ok(!fs.existsSync(path.join(dir, 'o.html')));
  });

  it('a buffer followed through the driver: the page carries the stitched trace, its functions in order, and the title names them', async () => {
    const two = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-replay-two-'));
    try {
      for (const f of ['wren.h', 'wren_main.c', 'wren_rx.c']) fs.copyFileSync(path.join(FIXTURES, 'lifecycle', 'twofile', f), path.join(two, f));
      const o = io(two);
      assert.strictEqual(await main(['replay', 'wren_rx.c:22', '--html', 'rx.html'], o), 0, o.stderr);
      assert.match(o.stderr, /^dma-scope replay: stitched 3 functions: wren_alloc_rx_page\(\) \[map\] → wren_rx_poll\(\) \[cpu\] → wren_free_rx_ring\(\) \[release\]\n/);
      const html = fs.readFileSync(path.join(two, 'rx.html'), 'utf8');
      assert.match(html, /<title>DMA Lifecycle: page: wren_alloc_rx_page\(\) → wren_rx_poll\(\) → wren_free_rx_ring\(\)<\/title>/);
      const data = inline(html, 'script')[0];
      // the panel lists the functions from these header lines (src/model/sim/stitched.ts)
      const order = [...data.matchAll(/# stitched (\d)\/3: (\w+)\(\) (\S+):\d+-\d+ \[(\w+)\]/g)].map((m) => `${m[1]} ${m[2]} ${m[3]} ${m[4]}`);
      assert.deepStrictEqual(order, ['1 wren_alloc_rx_page wren_main.c map', '2 wren_rx_poll wren_rx.c cpu', '3 wren_free_rx_ring wren_main.c release']);
      assert.match(data, /dma_sync_single_for_cpu page DMA_FROM_DEVICE 0 1518 +# src=wren_rx.c:22/);
      assert.match(html, /<pre id="standalone-trace"># Lifecycle of `page` across 3 functions of the driver/);
      // --this-function: the poll alone, as before
      const one = io(two);
      assert.strictEqual(await main(['replay', 'wren_rx.c:22', '--this-function', '--html', 'one.html'], one), 0, one.stderr);
      assert.match(fs.readFileSync(path.join(two, 'one.html'), 'utf8'), /<title>DMA Lifecycle: \w+ in wren_rx_poll\(\)<\/title>/);
    } finally {
      fs.rmSync(two, { recursive: true, force: true });
    }
  });
});
