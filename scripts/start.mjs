// `npm start`: builds the extension and opens examples/driver/ in a real VS Code (code-server,
// served on 127.0.0.1 at a free port, auth off) with DMA Scope installed from this folder.
// The first run installs Node 24 and code-server into .cache/ (a few minutes, once).
// Options: --port <n>, --folder <dir>. Stops cleanly on Ctrl-C.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CACHE, ROOT, SetupError, ensureCodeServer, log } from './vscode/install.mjs';
import { startCodeServer } from './vscode/code-server.mjs';

async function main() {
  const t0 = Date.now();
  const { values } = parseArgs({
    options: { port: { type: 'string' }, folder: { type: 'string' } },
    strict: true,
  });
  const folder = resolve(values.folder ?? join(ROOT, 'examples', 'driver'));
  if (!existsSync(folder)) throw new SetupError(`folder not found: ${folder}`);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new SetupError(`--port must be a TCP port number, not "${values.port}"`);

  log('building the extension…');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new SetupError('the build failed (see above)');

  await ensureCodeServer();

  const runDir = join(CACHE, 'start');
  mkdirSync(runDir, { recursive: true });
  const server = await startCodeServer({ runDir, port });
  const url = server.folderUrl(folder);
  log(`code-server is up in ${((Date.now() - t0) / 1000).toFixed(1)} s (log: ${server.logPath.replace(ROOT + '/', '')})`);
  process.stdout.write(`\nDMA Scope in VS Code: ${url}\n\nOpen it in a browser; press Ctrl-C here to stop.\n`);

  let stopping = false;
  const shutdown = async (sig) => {
    if (stopping) return;
    stopping = true;
    log(`${sig}: stopping code-server…`);
    await server.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => shutdown('Ctrl-C'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));
  const code = await server.exited;
  if (!stopping) {
    log(`code-server exited on its own (${code}); see ${server.logPath}`);
    process.exit(1);
  }
}

main().catch((e) => {
  if (e instanceof SetupError || e?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    log(`npm start: ${e.message}`);
  } else {
    log(`npm start failed: ${e?.message ?? e}`);
  }
  process.exit(1);
});
