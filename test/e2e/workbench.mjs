// The end-to-end harness: a fresh code-server with the built extension, a temporary copy of
// examples/driver as the workspace, and Debian's Chromium driven by playwright-core.
// Everything it starts is stopped in close(), which also runs on signals and on process exit.
import { cpSync, mkdirSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, ensureChromium } from '../../scripts/vscode/install.mjs';
import { startCodeServer } from '../../scripts/vscode/code-server.mjs';

export const SHOTS = join(ROOT, 'test-output', 'e2e');
// one numbering for the whole mocha run, whichever suite (and Workbench) takes the screenshot
let shotsCleared = false;
let shotCount = 0;

/** Polls fn until it returns a truthy value (returned) or the time runs out (throws with the last value). */
export async function poll(fn, { timeout = 20000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

export class Workbench {
  /** @type {import('playwright-core').Page} */ page;
  server;
  context;
  tmp;
  workspace;

  /** `extra`: further folders copied into the workspace before it opens, as { <subfolder>: <source folder> } */
  async open(extra = {}) {
    this.tmp = mkdtempSync(join(tmpdir(), 'dma-scope-e2e-'));
    this.workspace = join(this.tmp, 'driver');
    cpSync(join(ROOT, 'examples', 'driver'), this.workspace, { recursive: true });
    for (const [sub, from] of Object.entries(extra)) cpSync(from, join(this.workspace, sub), { recursive: true });
    if (!shotsCleared) {
      rmSync(SHOTS, { recursive: true, force: true }); // only this run's screenshots
      shotsCleared = true;
    }
    mkdirSync(SHOTS, { recursive: true });
    const onSignal = (sig) => {
      this.killNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    this.signalHandlers = { SIGINT: onSignal, SIGTERM: onSignal };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    this.exitHandler = () => this.killNow();
    process.once('exit', this.exitHandler);

    this.server = await startCodeServer({
      runDir: join(this.tmp, 'server'),
      settings: {
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'editor.hover.delay': 150,
        'editor.minimap.enabled': false,
        'editor.stickyScroll.enabled': false,
        'files.autoSave': 'off',
        'problems.autoReveal': false,
      },
    });
    const executablePath = await ensureChromium();
    this.context = await chromium.launchPersistentContext(join(this.tmp, 'chromium'), {
      executablePath,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    this.page = this.context.pages()[0] ?? (await this.context.newPage());
    this.pageErrors = [];
    this.page.on('pageerror', (e) => this.pageErrors.push(e.message));
    await this.page.goto(this.server.folderUrl(this.workspace));
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    // the explorer lists the files once the remote (server-side) connection is up
    await this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'dsnic_tx.c' }).waitFor({ timeout: 60000 });
  }

  /** Synchronous last resort: the server's whole process group. */
  killNow() {
    if (this.server?.pid) {
      try { process.kill(-this.server.pid, 'SIGKILL'); } catch { /* already gone */ }
    }
  }

  async close() {
    try {
      await this.context?.close();
    } catch { /* browser already gone */ }
    try {
      await this.server?.stop();
    } finally {
      for (const [sig, h] of Object.entries(this.signalHandlers ?? {})) process.removeListener(sig, h);
      if (this.exitHandler) process.removeListener('exit', this.exitHandler);
      // DMA_SCOPE_E2E_KEEP=1 keeps the run folder (code-server and extension host logs) for debugging
      if (this.tmp && !process.env.DMA_SCOPE_E2E_KEEP) rmSync(this.tmp, { recursive: true, force: true });
    }
  }

  async screenshot(name) {
    shotCount += 1;
    const file = join(SHOTS, `${String(shotCount).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file }).catch(() => {});
    return file;
  }

  serverLog() {
    try {
      return readFileSync(this.server.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Gives the workbench keyboard focus without clicking anything that matters. */
  async focus() {
    await this.page.keyboard.press('Escape');
    await this.page.locator('.monaco-workbench .part.statusbar').click({ position: { x: 5, y: 5 } }).catch(() => {});
  }

  quickInput() {
    return this.page.locator('.quick-input-widget input');
  }

  /** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor. */
  async openFile(name) {
    await this.focus();
    await this.page.keyboard.press('Control+P');
    await this.quickInput().waitFor({ state: 'visible' });
    await this.quickInput().fill(name);
    // wait until the list has been filtered and the match is the focused row
    await this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: name }).waitFor();
    await this.page.keyboard.press('Enter');
    await this.page.locator('.tabs-container .tab.active', { hasText: name }).waitFor();
    await this.editor().locator('.view-lines .view-line').first().waitFor();
  }

  editor() {
    return this.page.locator('.editor-instance .monaco-editor').first();
  }

  /** Moves the cursor with Go to Line (Ctrl+G); line and column are 1-based. */
  async goTo(line, column = 1) {
    // a click in the visible line-number gutter focuses the editor (a click on the tab can leave
    // its tooltip up, which makes the quick input inert)
    await this.editor().locator('.overflow-guard').click({ position: { x: 12, y: 8 } });
    await this.page.mouse.move(1, 1);
    await this.page.keyboard.press('Control+G');
    await this.quickInput().waitFor({ state: 'visible' });
    await this.quickInput().fill(`:${line}:${column}`);
    await this.page.keyboard.press('Enter');
    await this.quickInput().waitFor({ state: 'hidden' });
    await poll(async () => (await this.statusCursor()) === `Ln ${line}, Col ${column}`, { what: `cursor at ${line}:${column}` });
  }

  async statusCursor() {
    const t = await this.page.locator('.statusbar-item[id="status.editor.selection"]').innerText().catch(() => '');
    return t.trim();
  }

  /** All rendered editor lines, top to bottom, as text. */
  async visibleLines() {
    return this.editor().evaluate((ed) => {
      const rows = [...ed.querySelectorAll('.view-lines .view-line')];
      return rows
        .map((r) => ({ top: parseFloat(r.style.top), text: r.textContent.replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map((r) => r.text);
    });
  }

  /** Runs a command from the command palette (Ctrl+Shift+P) by its title. */
  async runCommand(title) {
    await this.focus();
    await this.page.keyboard.press('Control+Shift+P');
    await this.quickInput().waitFor({ state: 'visible' });
    await this.quickInput().fill(`>${title}`);
    await this.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).waitFor();
    await this.page.keyboard.press('Enter');
  }

  /** The commands the palette lists for a filter text. */
  async paletteRows(filter) {
    await this.focus();
    await this.page.keyboard.press('Control+Shift+P');
    await this.quickInput().waitFor({ state: 'visible' });
    await this.quickInput().fill(`>${filter}`);
    await this.page.locator('.quick-input-list .monaco-list-row').first().waitFor();
    return this.page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
  }

  /** The content document of the active webview panel (two nested iframes). */
  webview() {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }
}
