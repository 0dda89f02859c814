// `npm run test:electron`: the API-level suite of test/web/suite in desktop VS Code, through the
// ecosystem's standard runner @vscode/test-electron (it downloads VS Code into .cache/vscode-test).
// Where VS Code cannot be downloaded (no network beyond the npm registry), it says so in one line
// and FAILS (exit 1): a suite that did not run has not passed. test:web runs the same suite in VS Code
// for the Web.
// VSCODE_EXECUTABLE=/path/to/code uses an installed VS Code instead of downloading one.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, CACHE, log } from '../../scripts/vscode/install.mjs';

const UPDATE_HOST = 'https://update.code.visualstudio.com/api/releases/stable';

async function reachable() {
  try {
    const r = await fetch(UPDATE_HOST, { signal: AbortSignal.timeout(8000) });
    return r.ok ? '' : `HTTP ${r.status}`;
  } catch (e) {
    return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(e);
  }
}

async function main() {
  const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE || undefined;
  if (!vscodeExecutablePath) {
    const why = await reachable();
    if (why) {
      log(`test:electron FAILED: it could not run, desktop VS Code cannot be downloaded here (update.code.visualstudio.com: ${why}); set VSCODE_EXECUTABLE to an installed VS Code, or run npm run test:web (the same suite in VS Code for the Web)`);
      return 1;
    }
  }
  const { runTests } = await import('@vscode/test-electron');
  for (const [cmd, args] of [['node', ['scripts/build.mjs']], ['npx', ['tsc', '-p', '.']]]) {
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) return 1;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'dma-scope-electron-'));
  const workspace = join(tmp, 'driver');
  cpSync(join(ROOT, 'examples', 'driver'), workspace, { recursive: true });
  try {
    await runTests({
      vscodeExecutablePath,
      cachePath: join(CACHE, 'vscode-test'),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: join(ROOT, 'out', 'test', 'web', 'index.node.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
    return 0;
  } catch (e) {
    log(`test:electron failed: ${e?.message ?? e}`);
    return 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exit(await main());
