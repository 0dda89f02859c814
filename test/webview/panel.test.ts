/**
 * The lifecycle panel in headless Chromium: the built dist/media/panel.js and
 * panel.css, loaded by the same markup and CSP the extension uses
 * (panelHtml), with a stub acquireVsCodeApi that records posted messages and
 * keeps setState in sessionStorage (so a reload plays "hidden and shown again").
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import type { AddressInfo } from 'net';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { panelHtml } from '../../src/model/panelProtocol';
import { REPO_ROOT } from '../helpers';

const DIST_MEDIA = path.join(REPO_ROOT, 'dist', 'media');
const SHOTS = path.join(REPO_ROOT, 'test-output', 'webview');
const NONCE = 'dGVzdC1ub25jZS1wZXItbG9hZA';

const RX_TRACE = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'lifecycle', 'rx_refill_no_sync.expected.dmatrace'), 'utf8');
const XSS = '<img src=x onerror=alert(1)>';
const STITCHED_TRACE = fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'lifecycle', 'twofile', 'wren.expected.dmatrace'), 'utf8');

const STUB = `
(() => {
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(JSON.parse(JSON.stringify(m))),
    getState: () => { const s = sessionStorage.getItem('state'); return s ? JSON.parse(s) : undefined; },
    setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
  });
})();`;

/** VS Code puts its theme colours on <html> as --vscode-* custom properties; these are excerpts of Dark Modern and Light Modern. */
const THEMES: Record<string, Record<string, string>> = {
  dark: {
    '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d',
    '--vscode-focusBorder': '#0078d4', '--vscode-errorForeground': '#f85149', '--vscode-testing-iconPassed': '#73c991',
    '--vscode-editorWarning-foreground': '#cca700', '--vscode-panel-border': '#2b2b2b', '--vscode-input-background': '#313131',
    '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c', '--vscode-button-background': '#0078d4',
    '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#026ec1', '--vscode-button-secondaryBackground': '#313131',
    '--vscode-button-secondaryForeground': '#cccccc', '--vscode-list-activeSelectionBackground': '#04395e',
    '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-hoverBackground': '#2a2d2e', '--vscode-textLink-foreground': '#4daafc',
    '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace',
  },
  light: {
    '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#717171',
    '--vscode-focusBorder': '#005fb8', '--vscode-errorForeground': '#c72e0f', '--vscode-testing-iconPassed': '#388a34',
    '--vscode-editorWarning-foreground': '#9a6700', '--vscode-panel-border': '#e5e5e5', '--vscode-input-background': '#ffffff',
    '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-button-background': '#005fb8',
    '--vscode-button-foreground': '#ffffff', '--vscode-button-hoverBackground': '#0258a8', '--vscode-button-secondaryBackground': '#e5e5e5',
    '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-list-activeSelectionBackground': '#e8e8e8',
    '--vscode-list-activeSelectionForeground': '#000000', '--vscode-list-hoverBackground': '#f2f2f2', '--vscode-textLink-foreground': '#005fb8',
    '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace',
  },
  hc: {
    '--vscode-foreground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-descriptionForeground': '#ffffffb3',
    '--vscode-focusBorder': '#f38518', '--vscode-contrastBorder': '#6fc3df', '--vscode-contrastActiveBorder': '#f38518', '--vscode-errorForeground': '#f48771',
    '--vscode-testing-iconPassed': '#73c991', '--vscode-editorWarning-foreground': '#ffd370', '--vscode-panel-border': '#6fc3df',
    '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-input-border': '#6fc3df',
    '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#000000',
    '--vscode-button-secondaryForeground': '#ffffff', '--vscode-list-activeSelectionBackground': '#000000',
    '--vscode-list-activeSelectionForeground': '#ffffff', '--vscode-list-hoverBackground': '#000000', '--vscode-textLink-foreground': '#21a6ff',
    '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px', '--vscode-editor-font-family': 'monospace',
  },
};

describe('lifecycle panel (headless Chromium)', function () {
  this.timeout(60000);
  let server: http.Server;
  let origin = '';
  let context: BrowserContext;
  let page: Page;
  let userDataDir = '';
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    assert.ok(fs.existsSync(path.join(DIST_MEDIA, 'panel.js')), 'dist/media/panel.js is built (npm run build)');
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/panel.html') {
        const html = panelHtml({ cspSource: origin, nonce: NONCE, scriptUri: `${origin}/media/panel.js`, styleUri: `${origin}/media/panel/panel.css` })
          .replace('<script nonce=', `<script nonce="${NONCE}">${STUB}</script>\n<script nonce=`);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(html);
        return;
      }
      const rel = url.pathname.replace(/^\/media\//, '');
      const file = path.join(DIST_MEDIA, rel);
      if (!url.pathname.startsWith('/media/') || !file.startsWith(DIST_MEDIA) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': file.endsWith('.css') ? 'text/css' : 'text/javascript' });
      res.end(fs.readFileSync(file));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-webview-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  async function open(theme: 'dark' | 'light' | 'hc' = 'dark'): Promise<void> {
    await page.goto(`${origin}/panel.html`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await page.evaluate((vars) => {
      for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
      (window as unknown as { __csp: string[] }).__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => (window as unknown as { __csp: string[] }).__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    }, THEMES[theme]);
  }

  async function load(trace: string, platform = 'arm64-noncoherent', title = 'buf in foo_rx_refill_one()', view?: string): Promise<void> {
    await page.evaluate((m) => {
      document.body.removeAttribute('data-ready');
      window.postMessage(m, '*');
    }, { type: 'load', trace, platform, title, ...(view ? { view } : {}) });
    await page.waitForSelector('body[data-ready="1"]');
  }

  const posted = () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
  const stepLabel = () => page.locator('#step-label').textContent();

  it('renders the timeline, the buffer picture and the legend, and says ready', async () => {
    await open();
    assert.deepStrictEqual(await posted(), [{ type: 'ready' }]);
    await load(RX_TRACE);
    assert.strictEqual(await page.locator('#title').textContent(), 'buf in foo_rx_refill_one()');
    assert.strictEqual(await page.locator('#timeline .step').count(), 6);
    assert.strictEqual(await stepLabel(), 'Step 1 of 6');
    assert.match((await page.locator('#timeline .step').nth(1).textContent()) ?? '', /dma_map_single buf DMA_FROM_DEVICE.*L34/);
    assert.strictEqual(await page.locator('#state .buffer[data-buffer="buf"]').count(), 1);
    const rows = await page.locator('#state .buffer table.grid tbody th').allTextContents();
    assert.deepStrictEqual(rows, ['CPU cache', 'RAM', 'Bounce slot', 'Device view']);
    assert.ok((await page.locator('#legend li').count()) >= 6);
    assert.strictEqual(await page.locator('#platform').inputValue(), 'arm64-noncoherent');
    assert.deepStrictEqual(pageErrors, []);
  });

  it('steps forward and back with the buttons, the arrow keys and the scrubber', async () => {
    await page.locator('#btn-step').click();
    assert.strictEqual(await stepLabel(), 'Step 2 of 6');
    await page.locator('#btn-step').click();
    await page.locator('#btn-back').click();
    assert.strictEqual(await stepLabel(), 'Step 2 of 6');
    await page.locator('#state').click();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    assert.strictEqual(await stepLabel(), 'Step 4 of 6');
    await page.keyboard.press('ArrowLeft');
    assert.strictEqual(await stepLabel(), 'Step 3 of 6');
    await page.keyboard.press('End');
    assert.strictEqual(await stepLabel(), 'Step 6 of 6');
    await page.locator('#scrubber').fill('1');
    assert.strictEqual(await stepLabel(), 'Step 2 of 6');
    assert.strictEqual(await page.locator('#timeline .step.current').getAttribute('data-index'), '1');
  });

  it('after the map on arm64 the cache is clean and the device view holds the data', async () => {
    // step 4 (index 3) is the device write: RAM is newest, the prefetched cache line is stale
    await page.locator('#timeline .step').nth(3).click();
    const cache = await page.locator('#state tbody tr').nth(0).locator('td').first().textContent();
    const ram = await page.locator('#state tbody tr').nth(1).locator('td').first().getAttribute('class');
    assert.match(cache ?? '', /^S✗$/, 'clean line with the old bytes');
    assert.match(ram ?? '', /\bfresh\b/);
  });

  it('marks the stale read at source line 48 on arm64-noncoherent, with the why paragraph', async () => {
    const h = page.locator('#hazards .hazard[data-kind="STALE_CPU_READ"]');
    assert.strictEqual(await h.count(), 1);
    assert.strictEqual(await h.getAttribute('data-line'), '48');
    assert.strictEqual(await h.getAttribute('data-step'), '4');
    const why = (await h.locator('.hazard-why').textContent()) ?? '';
    assert.match(why, /arm64 non-coherent.*dma_sync_single_for_cpu/s);
    // trace lines in the simulator's text are shown as steps with their source lines
    assert.ok(!/\bline [5-9]\b/.test(why), why);
    assert.match(why, /step 4, source line 40/);
    await page.locator('#timeline .step[data-line="48"]').click();
    assert.strictEqual(await stepLabel(), 'Step 5 of 6');
    assert.ok(await page.locator('#timeline .step[data-line="48"]').evaluate((e) => e.classList.contains('has-hazard') && e.classList.contains('data-hazard')));
    assert.deepStrictEqual(await page.locator('#step-hazards .hazard').evaluateAll((es) => es.map((e) => e.getAttribute('data-kind')).sort()), ['OWNERSHIP_VIOLATION', 'STALE_CPU_READ']);
    assert.ok(await h.evaluate((e) => e.classList.contains('current')));
    // clicking a step asks the host to reveal its source line
    const msgs = (await posted()) as { type: string; line?: number }[];
    assert.deepStrictEqual(msgs[msgs.length - 1], { type: 'reveal', line: 48 });
  });

  it('switches platform: x86-direct has only the ownership violation, and the host is told', async () => {
    await page.locator('#platform').selectOption('x86-direct');
    assert.strictEqual(await page.locator('#hazards .hazard[data-kind="STALE_CPU_READ"]').count(), 0);
    assert.strictEqual(await page.locator('#hazards .hazard[data-kind="OWNERSHIP_VIOLATION"]').count(), 1);
    const msgs = (await posted()) as { type: string }[];
    assert.deepStrictEqual(msgs[msgs.length - 1], { type: 'platform', platform: 'x86-direct' });
    // no cache rows on a snooping platform: the CPU view replaces them
    assert.strictEqual(await page.locator('#state tbody th').first().textContent(), 'CPU view');
    // the host can switch too
    await page.evaluate(() => window.postMessage({ type: 'platform', platform: 'swiotlb-force' }, '*'));
    await page.waitForFunction(() => (document.getElementById('platform') as HTMLSelectElement).value === 'swiotlb-force');
    assert.strictEqual(await page.locator('#hazards .hazard[data-kind="STALE_CPU_READ"]').count(), 1);
  });

  it('shows the bounce slot under swiotlb=force', async () => {
    await page.locator('#timeline .step').nth(3).click();
    const row = page.locator('#state tbody tr', { hasText: 'Bounce slot' });
    assert.match((await row.locator('td').first().getAttribute('class')) ?? '', /\bfresh\b/, 'the device wrote into the slot');
    const ram = page.locator('#state tbody tr', { hasText: 'RAM' });
    assert.match((await ram.locator('td').first().getAttribute('class')) ?? '', /\bstale\b/, 'the original buffer is stale until b→o');
  });

  it('the matrix shows which platforms are affected', async () => {
    await page.locator('#tab-matrix').click();
    assert.ok(await page.locator('#view-matrix').isVisible());
    assert.ok(!(await page.locator('#view-replay').isVisible()));
    const outcome = async (p: string) => page.locator(`#matrix tr[data-platform="${p}"] td.outcome`).getAttribute('data-outcome');
    for (const p of ['x86-swiotlb', 'swiotlb-force', 'cvm', 'arm64-noncoherent', 'armv7-noncoherent', 'riscv-noncoherent', 'iommu-untrusted']) assert.strictEqual(await outcome(p), 'broken', p);
    for (const p of ['x86-direct', 'x86-iommu', 'arm64-coherent']) assert.strictEqual(await outcome(p), 'violation', p);
    assert.strictEqual(await page.locator('#matrix tr[data-platform="arm64-noncoherent"] td[data-kind="STALE_CPU_READ"]').textContent(), '✗ L48');
    const summary = (await page.locator('#matrix-summary').textContent()) ?? '';
    assert.match(summary, /Works by luck \(contract violation only\) on x86-64 direct/);
    assert.match(summary, /Broken on .*arm64/);
    // a row opens the replay on that platform
    await page.locator('#matrix tr[data-platform="cvm"]').click();
    assert.strictEqual(await page.locator('#platform').inputValue(), 'cvm');
    assert.ok(await page.locator('#view-replay').isVisible());
  });

  it('is keyboard operable: tabs with arrows, Space plays and pauses', async () => {
    await page.locator('#tab-replay').focus();
    await page.keyboard.press('ArrowRight');
    assert.strictEqual(await page.locator('#tab-matrix').getAttribute('aria-selected'), 'true');
    assert.strictEqual(await page.evaluate(() => document.activeElement?.id), 'tab-matrix');
    await page.keyboard.press('ArrowLeft');
    assert.strictEqual(await page.locator('#tab-replay').getAttribute('aria-selected'), 'true');
    await page.locator('#state').click();
    await page.keyboard.press('Home');
    await page.keyboard.press(' ');
    assert.strictEqual(await page.locator('#btn-play').getAttribute('aria-pressed'), 'true');
    await page.waitForFunction(() => document.getElementById('step-label')?.textContent !== 'Step 1 of 6', undefined, { timeout: 5000 });
    await page.keyboard.press(' ');
    assert.strictEqual(await page.locator('#btn-play').getAttribute('aria-pressed'), 'false');
    // every control is reachable with Tab
    const focusable = await page.evaluate(() => Array.from(document.querySelectorAll('button, select, input, [tabindex="0"]')).filter((e) => !(e as HTMLElement).closest('[hidden]')).length);
    assert.ok(focusable >= 9, `focusable controls: ${focusable}`);
  });

  it('keeps its state across a reload (hidden and shown again)', async () => {
    await page.locator('#platform').selectOption('riscv-noncoherent');
    await page.locator('#timeline .step').nth(2).click();
    await page.reload();
    await page.waitForSelector('body[data-ready="1"]');
    assert.strictEqual(await page.locator('#platform').inputValue(), 'riscv-noncoherent');
    assert.strictEqual(await stepLabel(), 'Step 3 of 6');
    assert.strictEqual(await page.locator('#title').textContent(), 'buf in foo_rx_refill_one()');
  });

  it('renders hostile names as text: no element injected, no dialog', async () => {
    await open();
    const hostile = `buffer ${XSS} kmalloc 64\ncpu_write ${XSS}\n`;
    await load(hostile, 'arm64-noncoherent', `${XSS} in probe()`);
    assert.strictEqual(await page.locator('img').count(), 0);
    assert.strictEqual(await page.locator('#title').textContent(), `${XSS} in probe()`);
    assert.ok(((await page.locator('#errors').textContent()) ?? '').includes(XSS), 'the parse error quotes the line as text');
    // a valid trace whose comments and names carry markup: rendered as text in the timeline
    await load(`# ${XSS}\nbuffer img kmalloc 64   # src=3 ${XSS}\ncpu_write img          # src=4\n`, 'x86-direct', '<b>bold</b>');
    assert.strictEqual(await page.locator('img, b').count(), 0);
    assert.strictEqual(await page.locator('#title').textContent(), '<b>bold</b>');
    await page.waitForTimeout(200);
    assert.deepStrictEqual(dialogs, []);
    assert.deepStrictEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
  });

  it('ignores malformed host messages', async () => {
    await load(RX_TRACE);
    for (const m of [null, 'load', { type: 'load', trace: 5, platform: 'x86-direct', title: '' }, { type: 'load', trace: 'cpu_read x', platform: 'pdp11', title: '' }, { type: 'platform', platform: '<script>' }, { type: 'view', view: 'evil' }, { type: 'eval', code: 'alert(1)' }]) {
      await page.evaluate((x) => window.postMessage(x, '*'), m);
    }
    await page.waitForTimeout(100);
    assert.strictEqual(await page.locator('#timeline .step').count(), 6);
    assert.strictEqual(await page.locator('#platform').inputValue(), 'arm64-noncoherent');
    assert.deepStrictEqual(pageErrors, []);
  });

  it('groups the cache lines of a large buffer into at most 64 cells, and fills the matrix after the replay', async () => {
    await load('buffer big page 16384   # src=10\ncpu_write big 0 64    # src=11\ndma_map_single big DMA_TO_DEVICE   # src=12\ndevice_read big   # src=13\n', 'arm64-noncoherent', 'big');
    const cells = await page.locator('#state .buffer tbody tr').first().locator('td').count();
    assert.ok(cells <= 64 && cells >= 32, `cells: ${cells}`);
    const title = (await page.locator('#state .buffer thead th').nth(1).getAttribute('title')) ?? '';
    const perCell = Number(/bytes 0–(\d+)/.exec(title)?.[1]) + 1;
    assert.ok(perCell >= 128 && perCell % 64 === 0, `several 64-byte lines per cell: ${title}`);
    // the simulator may show only a window of a large buffer; the panel says so
    const shownBytes = perCell * cells;
    if (shownBytes < 16384) assert.match((await page.locator('#state .window-note').textContent()) ?? '', /Showing the first \d+ of 16384 bytes/);
    await page.waitForSelector('body[data-matrix-ready="1"]', { timeout: 30000 });
    assert.strictEqual(await page.locator('#matrix tr[data-platform]').count(), 11);
    // mapped, used correctly and still mapped when the trace ends: works everywhere, the live mapping is noted
    const outcomes = await page.locator('#matrix td.outcome').evaluateAll((es) => es.map((e) => `${e.getAttribute('data-outcome')} ${e.textContent}`));
    assert.ok(outcomes.every((o) => o === 'ok ✓ works (still mapped at the end)'), outcomes.join('; '));
  });

  it('shows each step\'s source location, with its file when the trace names one, and reveals it there', async () => {
    await load('buffer b kmalloc 64   # src=40\ndma_map_single b DMA_FROM_DEVICE   # src=drivers/net/foo.c:44\ndma_mapping_error b\ncpu_read b   # src=48\n', 'x86-direct', 'b');
    const step2 = page.locator('#timeline .step').nth(1);
    assert.strictEqual(await step2.getAttribute('data-line'), '44');
    assert.strictEqual(await step2.locator('.step-src').textContent(), 'L44');
    assert.strictEqual(await step2.getAttribute('title'), 'Show drivers/net/foo.c:44 in the editor');
    assert.strictEqual(await page.locator('#timeline .step').nth(0).getAttribute('title'), 'Show line 40 in the editor');
    assert.strictEqual(await page.locator('#timeline .step').nth(2).getAttribute('title'), 'No source line');
    await step2.click();
    assert.match((await page.locator('#current-op').textContent()) ?? '', /^Step 2 · drivers\/net\/foo\.c:44: dma_map_single b DMA_FROM_DEVICE$/);
    let msgs = (await posted()) as unknown[];
    assert.deepStrictEqual(msgs[msgs.length - 1], { type: 'reveal', line: 44, file: 'drivers/net/foo.c' });
    // a step without src= shows no source and asks the host for nothing
    const before = msgs.length;
    await page.locator('#timeline .step').nth(2).click();
    assert.match((await page.locator('#current-op').textContent()) ?? '', /^Step 3: dma_mapping_error b$/);
    msgs = (await posted()) as unknown[];
    assert.strictEqual(msgs.length, before);
  });

  it('lists the functions of a stitched trace in replay order, follows the current step, and reveals a function', async () => {
    await open();
    await load(RX_TRACE);
    assert.strictEqual(await page.locator('#stitched-box').isHidden(), true, 'no list for a single-function trace');
    await load(STITCHED_TRACE, 'arm64-noncoherent', 'page across 3 functions');
    assert.strictEqual(await page.locator('#stitched-box').isVisible(), true);
    const items = page.locator('#stitched li.stitched-fn');
    assert.deepStrictEqual(await items.locator('.fn-name').allTextContents(), ['wren_alloc_rx_page()', 'wren_rx_poll()', 'wren_free_rx_ring()']);
    assert.deepStrictEqual(await items.evaluateAll((ls) => ls.map((l) => `${(l as HTMLElement).dataset.role} ${(l as HTMLElement).dataset.file}:${(l as HTMLElement).dataset.line}`)),
      ['map wren_main.c:6', 'cpu wren_rx.c:6', 'release wren_main.c:29']);
    assert.match((await items.nth(1).locator('.fn-why').textContent()) ?? '', /syncs e->mapping for the CPU/);
    // the stitched lines are not repeated among the extraction notes
    assert.ok(!(await page.locator('#notes li').allTextContents()).some((t) => t.startsWith('stitched ')));
    // each function's first step is labelled, and steps know their function
    assert.deepStrictEqual(await page.locator('#timeline .step.fn-start .step-fn').allTextContents(), ['1. wren_alloc_rx_page()', '2. wren_rx_poll()', '3. wren_free_rx_ring()']);
    assert.match((await page.locator('#timeline .step[data-fn="2"]').first().textContent()) ?? '', /dma_sync_single_for_cpu page.*wren_rx\.c:22/);
    await page.locator('#timeline .step[data-fn="2"]').first().click();
    assert.strictEqual(await page.locator('#stitched li.current').getAttribute('data-index'), '2');
    await page.keyboard.press('End');
    assert.strictEqual(await page.locator('#stitched li.current').getAttribute('data-index'), '3');
    assert.strictEqual(await page.locator('#hazards .no-hazard').count(), 1, 'the correct driver replays without hazard');
    await page.evaluate(() => { (window as unknown as { __posted: unknown[] }).__posted.length = 0; });
    await items.nth(2).locator('.fn-where').click();
    assert.deepStrictEqual(await posted(), [{ type: 'reveal', line: 29, file: 'wren_main.c' }]);
    await page.screenshot({ path: path.join(SHOTS, 'dark-stitched.png'), fullPage: true });
    assert.deepStrictEqual(pageErrors, []);
  });

  it('runs under the CSP: nonce scripts only, nothing inline or remote', async () => {
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.match(csp ?? '', /^default-src 'none'; style-src http:\/\/127\.0\.0\.1:\d+; font-src http:\/\/127\.0\.0\.1:\d+; img-src http:\/\/127\.0\.0\.1:\d+; script-src 'nonce-/);
    // an injected inline script does not run
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.append(s);
      return (window as unknown as { __injected?: number }).__injected === 1;
    });
    assert.strictEqual(ran, false);
  });

  for (const theme of ['dark', 'light', 'hc'] as const) {
    it(`screenshots in the ${theme} theme`, async () => {
      await open(theme);
      await load(RX_TRACE);
      await page.locator('#timeline .step[data-line="48"]').click();
      await page.screenshot({ path: path.join(SHOTS, `${theme}-replay.png`), fullPage: true });
      await page.locator('#tab-matrix').click();
      await page.screenshot({ path: path.join(SHOTS, `${theme}-matrix.png`), fullPage: true });
      assert.ok(fs.statSync(path.join(SHOTS, `${theme}-replay.png`)).size > 10000);
    });
  }

  it('screenshot of a narrow panel (opened beside the editor)', async () => {
    await page.setViewportSize({ width: 560, height: 900 });
    try {
      await open('dark');
      await load(RX_TRACE);
      await page.locator('#timeline .step[data-line="48"]').click();
      await page.screenshot({ path: path.join(SHOTS, 'dark-narrow-replay.png'), fullPage: true });
      // the step list and the picture stack instead of squeezing side by side
      const [tl, st] = await Promise.all([page.locator('.timeline-wrap').boundingBox(), page.locator('#state').boundingBox()]);
      assert.ok(tl && st && st.y >= tl.y + tl.height - 1, 'stacked');
      // nothing pushes the page wider than the panel: the line grid scrolls inside its box
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal page scroll');
    } finally {
      await page.setViewportSize({ width: 1200, height: 900 });
    }
  });
});
