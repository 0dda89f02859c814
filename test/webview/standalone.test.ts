/**
 * The standalone replay page (`dma-scope replay … --html`) in headless
 * Chromium, opened from file:// with no server and no VS Code: the panel
 * renders the embedded trace, the platform picker and the matrix work, the
 * page makes no request beyond itself, and its CSP (hashes only) blocks an
 * injected inline script. One screenshot goes to test-output/replay/.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { chromium, BrowserContext, Page } from 'playwright-core';
import { FIXTURES, REPO_ROOT } from '../helpers';

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
const SHOTS = path.join(REPO_ROOT, 'test-output', 'replay');

describe('standalone replay page (file://, headless Chromium)', function () {
  this.timeout(60000);
  let dir = '';
  let html = '';
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-replay-'));
    html = path.join(dir, 'replay.html');
    const r = cp.spawnSync(process.execPath, [CLI, 'replay', path.join(FIXTURES, 'lifecycle', 'rx_refill_no_sync.c') + ':34', '--html', html], { encoding: 'utf8' });
    assert.strictEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote .*replay\.html/);
    context = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1200, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (q) => requests.push(q.url()));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[]; __vscodeBefore: string };
      w.__csp = [];
      w.__vscodeBefore = typeof (window as unknown as { acquireVsCodeApi?: unknown }).acquireVsCodeApi;
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    await page.goto(`file://${html}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  });

  after(async () => {
    await context?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('renders the embedded lifecycle without VS Code', async () => {
    assert.strictEqual(await page.evaluate(() => (window as unknown as { __vscodeBefore: string }).__vscodeBefore), 'undefined', 'no VS Code API before the page ran');
    assert.strictEqual(await page.locator('#title').textContent(), 'buf in foo_rx_refill_one()');
    assert.strictEqual(await page.locator('#platform').inputValue(), 'arm64-noncoherent');
    assert.strictEqual(await page.locator('#timeline .step').count(), 6);
    assert.match((await page.locator('#timeline .step').nth(1).textContent()) ?? '', /dma_map_single buf DMA_FROM_DEVICE/);
    assert.strictEqual(await page.locator('#hazards .hazard[data-kind="STALE_CPU_READ"]').count(), 1);
    assert.match((await page.locator('#standalone-trace').textContent()) ?? '', /^dma_map_single buf DMA_FROM_DEVICE +# src=34$/m);
  });

  it('switches platform and shows the matrix of every platform', async () => {
    await page.locator('#platform').selectOption('x86-direct');
    assert.strictEqual(await page.locator('#hazards .hazard[data-kind="STALE_CPU_READ"]').count(), 0);
    await page.locator('#tab-matrix').click();
    await page.waitForSelector('body[data-matrix-ready="1"]');
    assert.strictEqual(await page.locator('#matrix tr[data-platform]').count(), 11);
    assert.strictEqual(await page.locator('#matrix tr[data-platform="arm64-noncoherent"] td.outcome').getAttribute('data-outcome'), 'broken');
    assert.strictEqual(await page.locator('#matrix tr[data-platform="x86-direct"] td.outcome').getAttribute('data-outcome'), 'violation');
    await page.locator('#tab-replay').click();
    await page.locator('#platform').selectOption('arm64-noncoherent');
    await page.locator('#timeline .step').nth(3).click();
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'standalone.png'), fullPage: true });
  });

  it('shows a step\'s source line in the footer (no editor to reveal it in)', async () => {
    await page.locator('#timeline .step[data-line="34"]').click();
    assert.match((await page.locator('#standalone-where').textContent()) ?? '', /line 34/);
  });

  it('loads nothing but itself, and its CSP blocks an injected inline script', async () => {
    assert.deepStrictEqual([...new Set(requests)], [`file://${html}`]);
    assert.deepStrictEqual(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), []);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.body.append(s);
    });
    assert.strictEqual(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected), undefined);
    assert.ok((await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).some((v) => v.startsWith('script-src')));
    assert.deepStrictEqual(pageErrors, []);
    assert.deepStrictEqual(dialogs, []);
  });
});
