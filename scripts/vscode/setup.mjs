// Installs (once, into .cache/) what a test suite needs, before mocha starts, so that a first
// run's install never counts against a test's time limit.
// Usage: node scripts/vscode/setup.mjs [code-server] [web] [chromium] [neovim] [emacs]
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SetupError, ensureChromium, ensureCodeServer, ensureEmacs, ensureNeovim, ensureVSCodeWeb, log } from './install.mjs';

const want = new Set(process.argv.slice(2));
const t0 = Date.now();
try {
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new SetupError('dist/extension.js is missing: run `npm run build` first');
  if (want.has('chromium')) await ensureChromium();
  if (want.has('neovim')) await ensureNeovim();
  if (want.has('emacs')) await ensureEmacs();
  if (want.has('code-server')) await ensureCodeServer();
  if (want.has('web')) await ensureVSCodeWeb();
  const s = (Date.now() - t0) / 1000;
  if (s > 2) log(`setup done in ${s.toFixed(1)} s`);
} catch (e) {
  log(e instanceof SetupError ? e.message : `setup failed: ${e?.message ?? e}`);
  process.exit(1);
}
