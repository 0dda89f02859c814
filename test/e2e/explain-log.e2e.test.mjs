// "Explain DMA-API Log" in a real VS Code (code-server + Chromium): a dma-debug report about the
// example driver, selected in an editor, leads to the offending unmap with the explanation beside it.
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Workbench, poll } from './workbench.mjs';
import { ROOT } from '../../scripts/vscode/install.mjs';

/** Visual column (tabs expanded to the workspace's tab size 4, as the status bar counts) of `token` on a line. */
function visualColumn(line, token) {
  let col = 0;
  for (const ch of line.slice(0, line.indexOf(token))) col = ch === '\t' ? col + 4 - (col % 4) : col + 1;
  return col + 1;
}

/**
 * Where the example driver's size-mismatched unmap is (the line after its `BUG: unmap-size-mismatch`
 * marker) and the map call it pairs with (the nearest dma_map_single above it), in whichever file.
 */
function unmapSizeBug(wb) {
  for (const file of ['dsnic_main.c', 'dsnic_rx.c', 'dsnic_tx.c']) {
    const lines = readFileSync(join(wb.workspace, file), 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('BUG: unmap-size-mismatch'));
    if (i < 0) continue;
    const u = i + 1;
    let m = u;
    while (m >= 0 && !lines[m].includes('dma_map_single(')) m--;
    assert.ok(m >= 0, 'no dma_map_single above the marked unmap');
    return {
      file,
      unmap: { line: u + 1, column: visualColumn(lines[u], 'dma_unmap_single') },
      map: { line: m + 1, column: visualColumn(lines[m], 'dma_map_single') },
    };
  }
  throw new Error('no BUG: unmap-size-mismatch marker in examples/driver');
}

describe('Explain DMA-API Log in a real VS Code', function () {
  const wb = new Workbench();

  before(async function () {
    this.timeout(240000);
    await wb.open();
    copyFileSync(join(ROOT, 'examples', 'logs', 'unmap-size.log'), join(wb.workspace, 'unmap-size.log'));
  });

  after(async function () {
    this.timeout(30000);
    await wb.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb.screenshot(`FAILED-explain-log-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 40)}`);
  });

  it('a selected "frees DMA memory with different size" report opens the offending unmap with the explanation beside it', async function () {
    this.timeout(120000);
    await wb.openFile('unmap-size.log');
    await wb.editor().locator('.view-lines').click();
    await wb.page.keyboard.press('Control+A');
    await poll(async () => /\(\d+ selected\)/.test(await wb.statusCursor()), { what: 'the whole log selected' });
    // the palette, without Workbench.runCommand's Escape (which would drop the selection)
    await wb.page.keyboard.press('Control+Shift+P');
    await wb.quickInput().waitFor({ state: 'visible' });
    await wb.quickInput().fill('>DMA Scope: Explain DMA-API Log');
    await wb.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Explain DMA-API Log' }).waitFor();
    await wb.page.keyboard.press('Enter');

    // the single report opens its trigger location: the marked unmap
    const bug = unmapSizeBug(wb);
    const at = bug.unmap;
    await wb.page.locator('.tabs-container .tab.active', { hasText: bug.file }).waitFor({ timeout: 60000 });
    await poll(async () => (await wb.statusCursor()) === `Ln ${at.line}, Col ${at.column}`, { what: `cursor at ${at.line}:${at.column}`, timeout: 30000 });

    // the explanation is rendered after the line
    const after = await poll(
      () =>
        wb.editor().evaluate((ed) => {
          for (const el of ed.querySelectorAll('.view-line span, .view-overlays div')) {
            const c = getComputedStyle(el, '::after').content;
            if (c && c.includes('dma-debug')) return c;
          }
          return '';
        }),
      { what: 'the dma-debug decoration', timeout: 30000 },
    );
    assert.match(after, /dma-debug: unmap size differs from the map size/);

    // hovering the line shows the explanation and the static diagnostics there
    const lineEl = wb.editor().locator('.view-line', { hasText: /dma_unmap_single\(/ }).first();
    const hoverText = await poll(async () => {
      await wb.page.mouse.move(5, 5);
      await lineEl.locator('span span', { hasText: /^dma_unmap_single$/ }).first().hover();
      const hover = wb.page.locator('.monaco-hover:visible', { hasText: 'dma-debug' }).first();
      await hover.waitFor({ timeout: 3000 });
      return hover.innerText();
    }, { timeout: 45000, interval: 0, what: 'the explanation hover' });
    assert.match(hoverText, /must be identical to the mapping/);
    assert.match(hoverText, /unmap-size-mismatch/);
    await wb.screenshot('explain-log-unmap');
    await wb.page.keyboard.press('Escape');

    // the report tree lists the report, its explanation and both locations
    const view = wb.page.locator('.pane', { hasText: 'DMA-API Log Reports' });
    await view.locator('.monaco-list-row', { hasText: 'unmap-size' }).first().waitFor({ timeout: 30000 });
    const rows = await view.locator('.monaco-list-row').allInnerTexts();
    assert.ok(rows.some((r) => r.includes('dsnic 0000:00:04.0')), rows.join(' | '));
    assert.ok(rows.some((r) => r.includes('dma_unmap_single') && r.includes(`${bug.file}:${at.line}`)), rows.join(' | '));
    assert.ok(rows.some((r) => r.includes('dma_map_single') && r.includes(`${bug.file}:${bug.map.line}`) && r.includes('mapped here')), rows.join(' | '));

    // clicking the "mapped here" row opens the map call, marked as such
    const map = bug.map;
    await view.locator('.monaco-list-row', { hasText: 'mapped here' }).first().click();
    await poll(async () => (await wb.statusCursor()) === `Ln ${map.line}, Col ${map.column}`, { what: `cursor at the map call ${map.line}:${map.column}`, timeout: 30000 });
    await poll(
      () =>
        wb.editor().evaluate((ed) => {
          for (const el of ed.querySelectorAll('.view-line span, .view-overlays div')) {
            if (getComputedStyle(el, '::after').content.includes('dma-debug (mapped here)')) return true;
          }
          return false;
        }),
      { what: 'the mapped-here decoration', timeout: 30000 },
    );
    await wb.screenshot('explain-log-mapped-at');
  });

  it('with nothing selected, the log in the active editor is explained', async function () {
    this.timeout(120000);
    await wb.runCommand('DMA Scope: Clear DMA-API Log Reports');
    await wb.openFile('unmap-size.log');
    await wb.runCommand('DMA Scope: Explain DMA-API Log');
    const bug = unmapSizeBug(wb);
    const at = bug.unmap;
    await wb.page.locator('.tabs-container .tab.active', { hasText: bug.file }).waitFor({ timeout: 60000 });
    await poll(async () => (await wb.statusCursor()) === `Ln ${at.line}, Col ${at.column}`, { what: `cursor at ${at.line}:${at.column}`, timeout: 30000 });
  });
});
