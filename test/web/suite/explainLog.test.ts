/**
 * Explain DMA-API Log through the VS Code API (web extension host of test:web, or desktop VS Code):
 * a dma-debug report passed to the command opens the example driver's offending unmap.
 * The workspace is a temporary copy of examples/driver.
 */
import * as vscode from 'vscode';
import { ok, strictEqual, until } from './assert';

// A report as dma-debug prints it (no log prefixes), about dsnic_read_mac of the example driver.
const LOG = [
  '------------[ cut here ]------------',
  'DMA-API: dsnic 0000:00:04.0: device driver frees DMA memory with different size [device address=0x00000000fff7d000] [map size=256 bytes] [unmap size=6 bytes]',
  'WARNING: CPU: 0 PID: 187 at kernel/dma/debug.c:1024 check_unmap+0x6a5/0x8a0',
  'Call Trace:',
  ' <TASK>',
  ' debug_dma_unmap_page+0x86/0xa0',
  ' dsnic_read_mac+0xd4/0x150 [dsnic]',
  ' dsnic_probe+0x1f3/0x3e0 [dsnic]',
  ' </TASK>',
  '---[ end trace 0000000000000000 ]---',
  'DMA-API: Mapped at:',
  ' debug_dma_map_page+0x60/0x130',
  ' dsnic_read_mac+0x5e/0x150 [dsnic]',
].join('\n');

suite('Explain DMA-API Log (VS Code API)', () => {
  test('a report passed to the command opens the marked unmap of the driver', async () => {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    ok(root, 'no workspace folder is open');
    const main = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'dsnic_main.c'));
    const marker = main.getText().split('\n').findIndex((l) => l.includes('BUG: unmap-size-mismatch'));
    ok(marker >= 0, 'no BUG: unmap-size-mismatch marker in dsnic_main.c');
    const count = await vscode.commands.executeCommand<number>('dmaScope.explainLog', LOG);
    strictEqual(count, 1);
    const editor = await until(() => {
      const ed = vscode.window.activeTextEditor;
      return ed && ed.document.uri.path.endsWith('/dsnic_main.c') && ed.selection.active.line === marker + 1 && ed;
    }, 'dsnic_main.c open at the marked unmap', 30000);
    ok(editor.document.lineAt(marker + 1).text.includes('dma_unmap_single('), 'the cursor is not on the unmap');
    await vscode.commands.executeCommand('dmaScope.explainLog.clear');
  });

  test('text without a report finds nothing', async () => {
    strictEqual(await vscode.commands.executeCommand<number>('dmaScope.explainLog', 'usb 1-1: new high-speed USB device number 2\n'), 0);
  });
});
