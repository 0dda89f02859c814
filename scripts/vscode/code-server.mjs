// Starts code-server (installed by ./install.mjs) on 127.0.0.1 at a free port, with auth off and
// its own user-data and extensions folders, the repository folder linked in as the extension.
// Shared by `npm start` and the end-to-end suite.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, lstatSync, mkdirSync, openSync, readFileSync, closeSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, SetupError, ensureCodeServer } from './install.mjs';

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** The folder name VS Code expects for an installed extension: <publisher>.<name>-<version>. */
export function extensionId() {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  return { id: `${pkg.publisher}.${pkg.name}`, folder: `${pkg.publisher}.${pkg.name}-${pkg.version}`, pkg };
}

/** Installs the extension by symlinking the repository folder (with its built dist/) into extDir. */
export function linkExtension(extDir) {
  const { folder } = extensionId();
  mkdirSync(extDir, { recursive: true });
  const link = join(extDir, folder);
  try {
    if (lstatSync(link)) rmSync(link, { recursive: true, force: true });
  } catch { /* not there */ }
  symlinkSync(ROOT, link, 'dir');
  // VS Code caches the scan in extensions.json; a stale entry from another version would win
  rmSync(join(extDir, 'extensions.json'), { force: true });
  return link;
}

const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
};

/**
 * Starts code-server and resolves once it answers /healthz.
 * @param {{runDir: string, port?: number, settings?: object, logFile?: string, quiet?: boolean}} opts
 */
export async function startCodeServer({ runDir, port, settings = {}, logFile }) {
  const { entry, node } = await ensureCodeServer();
  const dataDir = join(runDir, 'data');
  const extDir = join(runDir, 'extensions');
  mkdirSync(join(dataDir, 'User'), { recursive: true });
  writeFileSync(join(dataDir, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...settings }, null, 2));
  linkExtension(extDir);
  if (!existsSync(join(ROOT, 'dist', 'extension.js'))) throw new SetupError('dist/extension.js is missing: run `npm run build` first');
  port ??= await freePort();
  const logPath = logFile ?? join(runDir, 'code-server.log');
  const out = openSync(logPath, 'w');
  const args = [
    entry,
    '--config', join(runDir, 'config.yaml'),
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--user-data-dir', dataDir,
    '--extensions-dir', extDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  ];
  writeFileSync(join(runDir, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  // its own process group, so stop() also ends the extension host and other children
  const child = spawn(node.bin, args, {
    cwd: runDir,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, PATH: `${node.binDir}:${process.env.PATH}` },
  });
  closeSync(out);
  let exited = null;
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => { exited = signal ?? code; resolve(exited); }));
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (exited !== null) return;
    const signal = (sig) => { try { process.kill(-child.pid, sig); } catch { /* gone */ } };
    signal('SIGTERM');
    const timer = setTimeout(() => signal('SIGKILL'), 5000);
    await exitPromise;
    clearTimeout(timer);
    signal('SIGKILL'); // leftovers in the group (extension host, file watcher)
  };

  const deadline = Date.now() + 60000;
  for (;;) {
    if (exited !== null) {
      const tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-3).join(' / ');
      throw new SetupError(`code-server exited (${exited}) before it answered: ${tail}`);
    }
    try {
      const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await stop();
      throw new SetupError(`code-server did not answer on ${url} within 60 s (log: ${logPath})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    pid: child.pid,
    logPath,
    extDir,
    folderUrl: (folder) => `${url}/?folder=${encodeURIComponent(folder)}`,
    stop,
    exited: exitPromise,
  };
}
