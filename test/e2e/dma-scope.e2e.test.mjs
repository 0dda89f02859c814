// What a user sees, in a real VS Code: code-server's workbench in Debian Chromium, the built
// extension installed, a temporary copy of examples/driver open. Screenshots of every step go to
// test-output/e2e/. Run with `npm run test:e2e` (installs what it needs into .cache/ first).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Workbench, poll } from './workbench.mjs';

/** 1-based line and column of the first occurrence of `text` in a workspace file. */
function find(wb, file, text, token = text) {
  const lines = readFileSync(join(wb.workspace, file), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} not found in ${file}`);
  return { line: i + 1, column: lines[i].indexOf(token) + 1 };
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s');

describe('DMA Scope in a real VS Code (code-server + Chromium)', function () {
  const wb = new Workbench();

  before(async function () {
    this.timeout(240000); // fresh server + browser + workbench; the install ran before mocha
    // besides examples/driver: a two-file driver whose bug only its folder's driver index sees
    await wb.open({ xnic: join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'driver', 'xnic') });
    await wb.screenshot('workbench');
  });

  after(async function () {
    this.timeout(30000);
    await wb.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      await wb.screenshot(`FAILED-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 40)}`);
      const errors = wb.serverLog().split('\n').filter((l) => /error|exthost/i.test(l) && !/open-vsx|gallery/.test(l)).slice(-5);
      if (errors.length) console.error('    code-server log:', errors.join('\n      '));
    }
  });

  it('lists the DMA Scope commands in the command palette', async function () {
    await wb.openFile('dsnic_tx.c');
    const rows = await poll(async () => {
      const r = await wb.paletteRows('DMA Scope:');
      return r.some((t) => t.includes('Replay Buffer Lifecycle')) && r.some((t) => t.includes('Show Platform Matrix')) && r;
    }, { what: 'DMA Scope commands in the palette' });
    await wb.screenshot('command-palette');
    await wb.page.keyboard.press('Escape');
    assert.ok(rows.some((t) => t.includes('DMA Scope: Replay Buffer Lifecycle')), rows.join(' | '));
  });

  it('hovering dma_map_single shows its signature and error convention', async function () {
    await wb.openFile('dsnic_tx.c');
    const at = find(wb, 'dsnic_tx.c', 'dma = dma_map_single(priv->dev, msg', 'dma_map_single');
    await wb.goTo(at.line, at.column);
    const token = wb.editor()
      .locator('.view-line', { hasText: new RegExp(escape('dma_map_single(priv->dev, msg')) })
      .locator('span span', { hasText: /^dma_map_single$/ });
    const text = await poll(async () => {
      await wb.page.mouse.move(5, 5);
      await token.hover();
      const hover = wb.page.locator('.monaco-hover:visible', { hasText: 'dma_map_single_attrs' }).first();
      await hover.waitFor({ timeout: 3000 });
      return hover.innerText();
    }, { timeout: 60000, interval: 0, what: 'the DMA Scope hover' });
    await wb.screenshot('hover');
    assert.match(text, /#define dma_map_single\(d, a, s, r\) dma_map_single_attrs\(d, a, s, r, 0\)/);
    assert.match(text, /dma_mapping_error/);
    // on a call, the hover also resolves this call's own arguments
    assert.match(text, /DMA_TO_DEVICE/);
    await wb.page.keyboard.press('Escape');
  });

  it('shows the rule ids of the driver bugs in the Problems panel', async function () {
    for (const f of ['dsnic_main.c', 'dsnic_rx.c', 'dsnic_tx.c']) await wb.openFile(f);
    await wb.focus();
    await wb.page.keyboard.press('Control+Shift+M');
    const panel = wb.page.locator('.markers-panel');
    await panel.waitFor();
    const expected = ['map-error-unchecked', 'unmap-sg-nents', 'unmap-size-mismatch', 'missing-sync-for-cpu', 'skip-sync-heuristic', 'coherent-gfp-zero', 'legacy-pci-dma'];
    // the list is virtualised: filter it by each rule id rather than scrolling
    const filter = wb.page.locator('.markers-panel-container .viewpane-filter input, .panel .viewpane-filter input').first();
    const seen = {};
    for (const id of expected) {
      await filter.fill(id);
      seen[id] = await poll(async () => {
        const rows = await panel.locator('.monaco-list-row', { hasText: id }).allInnerTexts();
        return rows.length > 0 && rows;
      }, { timeout: 30000, what: `a Problems row for ${id}` });
      if (id === 'map-error-unchecked') await wb.screenshot('problems-map-error-unchecked');
    }
    await filter.fill('');
    await wb.screenshot('problems');
    // the unchecked map in dsnic_send_ctrl is reported; the tx-map loop (checked at its head) is not
    const bad = find(wb, 'dsnic_tx.c', 'dma = dma_map_single(priv->dev, msg');
    const good = find(wb, 'dsnic_tx.c', 'dma = dma_map_single(priv->dev, skb->data');
    const mapRows = seen['map-error-unchecked'].join('\n');
    assert.match(mapRows, new RegExp(`\\[Ln ${bad.line}, Col \\d+\\]`), mapRows);
    assert.doesNotMatch(mapRows, new RegExp(`\\[Ln ${good.line}, Col \\d+\\]`), mapRows);
    for (const id of expected) assert.ok(seen[id].some((r) => /dma-scope|DMA Scope/i.test(r)), `${id}: ${seen[id]}`);
  });

  it('shows a driver finding of another file in the Problems panel (the folder\'s driver index)', async function () {
    // xnic/: mapped to the device in xnic_main.c, unmapped the other way in xnic_rx.c
    await wb.openFile('xnic_rx.c');
    await wb.focus();
    await wb.page.keyboard.press('Control+Shift+M');
    const panel = wb.page.locator('.markers-panel');
    await panel.waitFor();
    const filter = wb.page.locator('.markers-panel-container .viewpane-filter input, .panel .viewpane-filter input').first();
    await filter.fill('driver-dir-mismatch');
    const at = find(wb, 'xnic/xnic_rx.c', 'dma_unmap_single', 'DMA_FROM_DEVICE');
    // the marker's row and, under it, the row of its related location (the list shows what the filter leaves)
    const rows = await poll(async () => {
      const r = await panel.locator('.monaco-list-row').allInnerTexts();
      return r.some((t) => t.includes('driver-dir-mismatch')) && r.some((t) => t.includes('xnic_main.c')) && r;
    }, { timeout: 45000, what: 'a Problems row for driver-dir-mismatch with its related location' });
    await wb.screenshot('problems-driver-dir-mismatch');
    await filter.fill('');
    assert.match(rows.join('\n'), new RegExp(`\\[Ln ${at.line}, Col ${at.column}\\]`), rows.join('\n'));
    // the related location: the map in the other file
    const map = find(wb, 'xnic/xnic_main.c', 'dma_map_single');
    assert.match(rows.join('\n'), new RegExp(`xnic_main\\.c\\s*\\[Ln ${map.line}, Col ${map.column}\\]\\s*:\\s*mapped DMA_TO_DEVICE`), rows.join('\n'));
  });

  it('applies the dma_mapping_error quick fix from the light-bulb menu', async function () {
    await wb.openFile('dsnic_tx.c');
    const at = find(wb, 'dsnic_tx.c', 'dma = dma_map_single(priv->dev, msg', 'dma_map_single');
    await wb.goTo(at.line, at.column + 2);
    const menu = wb.page.locator('.action-widget:not(.action-list-submenu-panel)');
    const fix = menu.locator('.monaco-list-row', { hasText: /dma_mapping_error/ }).first();
    await poll(async () => {
      await wb.page.keyboard.press('Control+.');
      await fix.waitFor({ timeout: 3000 });
      return true;
    }, { timeout: 45000, interval: 0, what: 'the dma_mapping_error quick fix in the Ctrl+. menu' });
    await wb.screenshot('quick-fix-menu');
    const title = await fix.innerText();
    await fix.click();
    await fix.waitFor({ state: 'hidden' });
    const lines = await poll(async () => {
      const v = await wb.visibleLines();
      const i = v.findIndex((l) => l.includes('dma_map_single(priv->dev, msg'));
      return i >= 0 && v.slice(i + 1, i + 4).some((l) => /dma_mapping_error\(priv->dev, dma\)/.test(l)) && v.slice(i, i + 4);
    }, { what: 'the inserted dma_mapping_error check' });
    await wb.screenshot('quick-fix-applied');
    // save, and read the changed file from the temporary workspace
    await wb.page.keyboard.press('Control+S');
    const onDisk = await poll(() => {
      const t = readFileSync(join(wb.workspace, 'dsnic_tx.c'), 'utf8').split('\n');
      const i = t.findIndex((l) => l.includes('dma_map_single(priv->dev, msg'));
      return /if \(dma_mapping_error\(priv->dev, dma\)\)/.test(t.slice(i + 1, i + 3).join('\n')) && t.slice(i, i + 4);
    }, { what: 'the saved fix on disk' });
    assert.match(onDisk.join('\n'), /dma_mapping_error\(priv->dev, dma\)/, `menu entry "${title}"; editor: ${lines.join(' / ')}`);
  });

  it('replays a buffer lifecycle in the DMA Scope panel (webview)', async function () {
    await wb.openFile('dsnic_rx.c');
    const at = find(wb, 'dsnic_rx.c', 'dma = dma_map_single(priv->dev, skb->data, DSNIC_RX_BUF_LEN', 'dma_map_single');
    await wb.goTo(at.line, at.column);
    await wb.runCommand('DMA Scope: Replay Buffer Lifecycle');
    const view = wb.webview();
    // the panel names the buffer and its function, and lists the steps extracted from the source
    await view.locator('#title', { hasText: 'dsnic_rx_refill' }).waitFor({ timeout: 45000 });
    const text = await poll(async () => {
      const t = await view.locator('body').innerText({ timeout: 2000 });
      return /dma_map_single\s+\S+\s+DMA_FROM_DEVICE/.test(t) && t;
    }, { timeout: 30000, what: 'the map step in the panel webview' });
    await wb.screenshot('replay-panel');
    assert.match(text, /dma_mapping_error/);
    assert.match(text, /Step 1 of \d+/);
  });

  it('the language server\'s "Replay lifecycle" lens opens the panel on that call', async function () {
    await wb.openFile('dsnic_tx.c');
    const at = find(wb, 'dsnic_tx.c', 'dma = dma_map_single(priv->dev, msg', 'dma_map_single');
    await wb.goTo(at.line, at.column);
    // the editor of the active group (an earlier test opened the panel beside the first group);
    // the lens sits on the line above the call; several calls have one, so pick the one right above it
    const editor = wb.page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
    const lens = await poll(async () => {
      const boxes = await editor.locator('.codelens-decoration a', { hasText: 'Replay lifecycle' }).all();
      const lines = await editor.locator('.view-line', { hasText: 'dma = dma_map_single(priv->dev, msg' }).boundingBox({ timeout: 2000 }).catch(() => null);
      if (!lines || !boxes.length) return false;
      let best = null;
      for (const b of boxes) {
        const r = await b.boundingBox();
        if (r && r.y < lines.y && (!best || r.y > best.r.y)) best = { b, r };
      }
      return best && best.b;
    }, { timeout: 45000, what: 'the Replay lifecycle lens above the unchecked map' });
    await lens.click();
    const view = wb.webview();
    await view.locator('#title', { hasText: 'dsnic_send_ctrl' }).waitFor({ timeout: 45000 });
    const text = await view.locator('body').innerText({ timeout: 5000 });
    assert.match(text, /dma_map_single\s+\S+\s+DMA_TO_DEVICE/);
    await wb.screenshot('replay-from-lens');
  });
});
