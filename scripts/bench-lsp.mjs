// Language-server budgets (design.md §6), printed, never asserted:
//   1. server start → first diagnostics on a ~200 KB driver file (spawn to publishDiagnostics)
//   2. hover latency (client round trip) p50/p95 over DMA identifiers and handles of that file
//   3. server RSS while opening and closing N real driver files, twice, in one session
// Usage: npm run build && node scripts/bench-lsp.mjs <kernel tree> [--file <rel.c>] [--files N] [--under <dir>] [--skip-rss]
//        [--server <program.js>] [--server-flags "<node flags>"] (compare another server program or V8 flags)
//        [--rounds N] [--only-rss] [--live-heap] [--heap-snapshots <dir>]
// After each round the server's own split (request dmaScope/memory) is printed too: V8 heap used vs
// committed, the parser's wasm memory, the caches' bytes, the driver indexes' records.
// The client side is vscode-languageserver-protocol, like the tests.
import { spawn, execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, existsSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver-protocol/node');
const { TextDocument } = require('vscode-languageserver-textdocument');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const BOOLEAN_FLAGS = new Set(['--skip-rss', '--only-rss', '--live-heap']);
const tree = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && !BOOLEAN_FLAGS.has(args[i - 1])));
if (!tree || !existsSync(tree)) {
  console.error('usage: node scripts/bench-lsp.mjs <kernel tree> [--file <rel.c>] [--files N] [--under <dir>] [--skip-rss | --only-rss] [--rounds N] [--server <program.js>] [--server-flags "<node flags>"] [--live-heap] [--heap-snapshots <dir>]');
  process.exit(2);
}
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: npm run build');
  process.exit(2);
}
const bigRel = opt('--file', 'drivers/net/ethernet/intel/igc/igc_main.c');
const nFiles = Number(opt('--files', '150'));
// V8 flags for the server process, e.g. --server-flags=--liftoff-only
const serverFlags = (opt('--server-flags', '') || '').split(' ').filter(Boolean);
// another server program to compare (spawned as `node <flags> <program> lsp --stdio`)
const serverProgram = resolve(opt('--server', cli));
// --skip-rss: only the start and hover figures
const skipRss = args.includes('--skip-rss');
// --only-rss: only the RSS part (3)
const onlyRss = args.includes('--only-rss');
const under = opt('--under', 'drivers/net/ethernet');

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
/** the live child processes of a process (the server may run itself again with V8 flags: src/node/wasm.ts) */
const childPids = (pid) => {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  } catch {
    return [];
  }
};
/**
 * CPU time (user + system, all threads) the process and its live children have used, in ms: on a shared
 * machine, the figure to trust
 */
const cpuMs = (pid) => {
  let ms = 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    ms = ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0; // gone
  }
  return ms + childPids(pid).reduce((n, c) => n + cpuMs(c), 0);
};
/** resident memory of the process and its live children */
const rssMiB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return (m ? Number(m[1]) / 1024 : NaN) + childPids(pid).reduce((n, c) => n + rssMiB(c), 0);
};

// the server's disk caches (V8 code of the bundle, header facts; README): a folder of the bench's own, empty
// for the first (cold) start, kept for the next (warm) ones
const cacheDir = mkdtempSync(join(tmpdir(), 'dma-scope-bench-lsp-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));

function startServer() {
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...serverFlags, serverProgram, 'lsp', '--stdio'], { stdio: 'pipe', env: { ...process.env, DMA_SCOPE_CACHE_DIR: cacheDir } });
  proc.stderr.on('data', (d) => process.stderr.write(`[server] ${d}`));
  const conn = createProtocolConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const waiters = new Map();
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    const w = waiters.get(`${p.uri}#${p.version}`);
    if (w) {
      waiters.delete(`${p.uri}#${p.version}`);
      w(p);
    }
  });
  conn.onNotification('window/logMessage', () => undefined);
  conn.onRequest('workspace/configuration', (p) => p.items.map(() => ({})));
  conn.listen();
  // a server that never publishes (e.g. its parser failed to load) ends the bench instead of hanging it
  const diagnostics = (uri, version) =>
    new Promise((r, reject) => {
      const t = setTimeout(() => reject(new Error(`no diagnostics for ${uri} version ${version} within 60 s`)), 60000);
      waiters.set(`${uri}#${version}`, (p) => (clearTimeout(t), r(p)));
    });
  return { t0, proc, conn, diagnostics };
}

async function initialize(s, rootPath) {
  await s.conn.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(rootPath).href, capabilities: { workspace: { configuration: true } } });
  await s.conn.sendNotification('initialized', {});
}

async function stop(s) {
  await s.conn.sendRequest('shutdown');
  await s.conn.sendNotification('exit');
  const code = await new Promise((r) => (s.proc.exitCode !== null ? r(s.proc.exitCode) : s.proc.on('exit', r)));
  s.conn.dispose();
  return code;
}

const big = resolve(tree, bigRel);
const bigText = readFileSync(big, 'utf8');
const bigUri = pathToFileURL(big).href;
console.log(`language server budgets${serverFlags.length ? ` (server: node ${serverFlags.join(' ')})` : ''} — ${bigRel} (${Math.round(bigText.length / 1024)} KB)`);

// 1. start → first diagnostics: one cold start (empty disk caches), then 3 warm ones (median)
const starts = [];
const startCpu = [];
let diagCount = 0;
for (let i = 0; i < (onlyRss ? 0 : 4); i++) {
  const s = startServer();
  await initialize(s, tree);
  const got = s.diagnostics(bigUri, 1);
  await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri: bigUri, languageId: 'c', version: 1, text: bigText } });
  const p = await got;
  starts.push(performance.now() - s.t0);
  startCpu.push(cpuMs(s.proc.pid));
  diagCount = p.diagnostics.length;
  if (i < 3) await stop(s);
  else {
    // 2. hover on every DMA-API identifier and every identifier with "dma" in it (handles), in this warm server
    const doc = TextDocument.create(bigUri, 'c', 1, bigText);
    const offsets = [];
    for (const m of bigText.matchAll(/\b\w*dma\w*\b/gi)) offsets.push(m.index + 1);
    const sample = offsets.filter((_, k) => k % Math.max(1, Math.floor(offsets.length / 400)) === 0);
    const times = [];
    let answered = 0;
    const hc0 = cpuMs(s.proc.pid);
    for (const off of sample) {
      const h0 = performance.now();
      const h = await s.conn.sendRequest('textDocument/hover', { textDocument: { uri: bigUri }, position: doc.positionAt(off) });
      times.push(performance.now() - h0);
      if (h) answered++;
    }
    const warm = starts.slice(1);
    const warmCpu = startCpu.slice(1);
    console.log(`start → first diagnostics (${diagCount} findings), warm disk caches: wall ${warm.map((x) => x.toFixed(0)).join(', ')} ms (median ${pct(warm, 50).toFixed(0)} ms); server CPU ${warmCpu.map((x) => x.toFixed(0)).join(', ')} ms (median ${pct(warmCpu, 50).toFixed(0)} ms); budget 300 ms`);
    console.log(`  cold (first start, empty disk caches): wall ${starts[0].toFixed(0)} ms, server CPU ${startCpu[0].toFixed(0)} ms`);
    console.log(`hover round trip over ${times.length} positions (${answered} with a hover): p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, max ${Math.max(...times).toFixed(1)} ms; server CPU ${((cpuMs(s.proc.pid) - hc0) / times.length).toFixed(2)} ms per hover on average (budget p95 10 ms)`);
    // an edit: one keystroke in the middle of the file, to the next publication (debounce included)
    const mid = doc.positionAt(bigText.indexOf('\n', Math.floor(bigText.length / 2)) + 1);
    const e0 = performance.now();
    const got2 = s.diagnostics(bigUri, 2);
    await s.conn.sendNotification('textDocument/didChange', { textDocument: { uri: bigUri, version: 2 }, contentChanges: [{ range: { start: mid, end: mid }, text: ' ' }] });
    await got2;
    console.log(`keystroke → diagnostics (200 ms debounce included): ${(performance.now() - e0).toFixed(0)} ms`);
    console.log(`shutdown + exit: exit code ${await stop(s)}`);
  }
}

// 1b. where the server's start goes: main-thread CPU of each step, each in a fresh process (node's own
// start, loading the bundle, then with the out/ build of `tsc -p .`: the wasm with Liftoff only as the
// server compiles it, the first parse, the headers the driver includes, the rules). Background
// threads (GC, JIT) come on top; the server CPU figure above counts them.
const mainCpu = (code, extra = []) => {
  const r = execFileSync(process.execPath, [...extra, '-e', `${code};const u=process.cpuUsage();process.stdout.write(String((u.user+u.system)/1000))`], { encoding: 'utf8', env: { ...process.env, DMA_SCOPE_CACHE_DIR: cacheDir } });
  return Number(r);
};
const best = (f, n = 3) => Math.min(...Array.from({ length: n }, f));
const sessionJs = join(root, 'out', 'src', 'analysis', 'session.js');
if (!onlyRss) {
  const boot = best(() => mainCpu('0'));
  const bundle = best(() => mainCpu(`require(${JSON.stringify(cli)})`)) - boot;
  let steps = '';
  if (existsSync(sessionJs) && !onlyRss) {
    const phases = `
      const fs = require('fs');
      const thread = () => Number(fs.readFileSync('/proc/self/task/' + process.pid + '/schedstat', 'utf8').split(' ')[0]) / 1e6;
      const out = ${JSON.stringify(join(root, 'out', 'src'))};
      require(out + '/node/wasm.js').preferQuickWasmStartup();
      const { readWasm } = require(out + '/node/wasm.js');
      const { AnalysisSession } = require(out + '/analysis/session.js');
      const { nodeHeaderHost } = require(out + '/node/headerHost.js');
      const file = ${JSON.stringify(big)};
      const text = fs.readFileSync(file, 'utf8');
      (async () => {
        const r = {};
        let t = thread();
        const lap = (k) => { const n = thread(); r[k] = n - t; t = n; };
        const s = await AnalysisSession.create(readWasm(), { headerHost: nodeHeaderHost() });
        lap('wasm');
        const tree = s.updateDocument('bench', text, 1);
        lap('parse');
        s.headersFor(text, { headerPath: file });
        lap('headers');
        s.checkTree(tree, text, { headerPath: file });
        lap('rules');
        process.stdout.write(JSON.stringify(r));
      })();`;
    const runs = Array.from({ length: 3 }, () => JSON.parse(execFileSync(process.execPath, ['-e', phases], { encoding: 'utf8' })));
    const med = (k) => pct(runs.map((x) => x[k]), 50).toFixed(0);
    steps = `; wasm (Liftoff) ${med('wasm')}, first parse ${med('parse')}, headers ${med('headers')}, rules ${med('rules')} ms`;
  }
  console.log(`where the start goes (main-thread CPU): node itself ${boot.toFixed(0)} ms, loading dist/cli.js ${bundle.toFixed(0)} ms${steps}`);
}

// 2b. the same hovers computed in process (AnalysisAdapter, compiled by `tsc -p .` into out/): the
// server's own time per hover, without JSON-RPC and without the scheduling noise of a loaded machine
const adapterJs = join(root, 'out', 'src', 'server', 'analysis.js');
if (existsSync(adapterJs) && !onlyRss) {
  const { AnalysisAdapter } = require(adapterJs);
  const { readWasm } = require(join(root, 'out', 'src', 'node', 'wasm.js'));
  const a = new AnalysisAdapter(async () => readWasm());
  a.open('bench', bigText, 1);
  await a.diagnostics('bench', { severities: {} });
  const offs = [...bigText.matchAll(/\b\w*dma\w*\b/gi)].map((m) => m.index + 1);
  const sample = offs.filter((_, k) => k % Math.max(1, Math.floor(offs.length / 400)) === 0);
  const ts = [];
  for (const o of sample) {
    const t = performance.now();
    await a.hover('bench', o);
    ts.push(performance.now() - t);
  }
  console.log(`hover computed in process over ${ts.length} positions: p50 ${pct(ts, 50).toFixed(2)} ms, p95 ${pct(ts, 95).toFixed(2)} ms, max ${Math.max(...ts).toFixed(1)} ms`);
  a.dispose();
}

// 3. RSS over opening and closing N driver files twice
if (skipRss) process.exit(0);
const list = execFileSync('grep', ['-rlE', '--include=*.c', 'dma_map_(single|page|sg)|dma_alloc_coherent', under], { cwd: tree, encoding: 'utf8', maxBuffer: 64 << 20 })
  .split('\n').filter(Boolean).sort().filter((f) => statSync(join(tree, f)).size <= 2 * 1024 * 1024).slice(0, nFiles);
/** the server's own memory split (dmaScope/memory), or undefined when the server does not answer it */
// --heap-snapshots <dir>: the server writes a V8 heap snapshot there after each round (after the RSS figure)
const snapshotDir = opt('--heap-snapshots', undefined);
const memorySplit = (srv, gc = false) => srv.conn.sendRequest('dmaScope/memory', { gc }).catch(() => undefined);
// --live-heap: after each round's RSS, also the heap after a full collection
// (the collection changes the following rounds: a diagnosis, not the budget's figure)
const liveHeap = args.includes('--live-heap');
const mib = (b) => (b === undefined ? '?' : (b / 1048576).toFixed(0));
const splitLine = (m) => {
  if (!m) return '(no dmaScope/memory)';
  const p = m.process ?? {};
  const se = m.session;
  const known = (p.heapCommitted ?? 0) + (se?.wasmHeapBytes ?? 0) + (p.arrayBuffers ?? 0);
  return `RSS ${mib(p.rss)}: V8 heap ${mib(p.heapUsed)} used / ${mib(p.heapCommitted)} committed, wasm ${mib(se?.wasmHeapBytes)}, array buffers ${mib(p.arrayBuffers)} (external ${mib(p.external)}), rest of RSS ${mib(p.rss - known)} MiB; ${p.idleTrims !== undefined ? `${p.idleTrims} idle trims (${p.idleTrimMs} ms in all; heap after the last ${mib(p.liveAfterLastTrim)} MiB); ` : ''}`
    + `caches ${mib(se?.bytes.total)} MiB (results ${mib(se?.bytes.results)}, summaries ${mib((se?.bytes.functionSummaries ?? 0) + (se?.bytes.helperSummaries ?? 0))}, headers ${mib(se?.bytes.headers)}), `
    + `driver indexes ${se?.driverIndexes.folders ?? 0} folders ${se?.driverIndexes.files ?? 0} files ${se?.driverIndexes.records ?? 0} records ~${mib(se?.driverIndexes.bytes)} MiB (${m.server.indexingPending} still building), ${se?.documents ?? 0} trees`;
};
const s = startServer();
await initialize(s, tree);
const base = rssMiB(s.proc.pid);
const rounds = [];
let findings = 0;
// --rounds N (default 2): more rounds show whether growth after round 2 is a plateau (bounded caches, the
// background driver indexes of the folders opened in round 1 finishing) or a leak
const roundsArg = Number(process.argv[process.argv.indexOf('--rounds') + 1]);
const nRounds = process.argv.includes('--rounds') && roundsArg >= 2 ? roundsArg : 2;
for (let round = 1; round <= nRounds; round++) {
  const r0 = performance.now();
  let peak = 0;
  const c0 = cpuMs(s.proc.pid);
  for (const f of list) {
    const uri = pathToFileURL(join(tree, f)).href;
    const text = readFileSync(join(tree, f), 'utf8');
    const got = s.diagnostics(uri, round);
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'c', version: round, text } });
    const p = await got;
    if (round === 1) findings += p.diagnostics.length;
    await s.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
    peak = Math.max(peak, rssMiB(s.proc.pid));
  }
  await new Promise((r) => setTimeout(r, 500));
  rounds.push({ rss: rssMiB(s.proc.pid), peak, secs: (performance.now() - r0) / 1000, cpu: (cpuMs(s.proc.pid) - c0) / 1000, mem: await memorySplit(s) });
  if (liveHeap) rounds.at(-1).live = await memorySplit(s, true);
  if (snapshotDir) await s.conn.sendRequest('dmaScope/memory', { heapSnapshotDir: resolve(snapshotDir) });
}
console.log(`RSS over ${list.length} files of ${under} (${findings} findings), opened and closed ${nRounds} times in one session:`);
console.log(`  after initialize ${base.toFixed(0)} MiB; after round 1 ${rounds[0].rss.toFixed(0)} MiB (peak ${rounds[0].peak.toFixed(0)}, ${rounds[0].secs.toFixed(1)} s wall, ${rounds[0].cpu.toFixed(1)} s CPU); after round 2 ${rounds[1].rss.toFixed(0)} MiB (peak ${rounds[1].peak.toFixed(0)}, ${rounds[1].secs.toFixed(1)} s wall, ${rounds[1].cpu.toFixed(1)} s CPU)`);
console.log(`  round 2 vs round 1: ${(((rounds[1].rss - rounds[0].rss) / rounds[0].rss) * 100).toFixed(1)}% (budget ≤ 15%, and < 1 GB)`);
for (let i = 2; i < rounds.length; i++) console.log(`  after round ${i + 1} ${rounds[i].rss.toFixed(0)} MiB (peak ${rounds[i].peak.toFixed(0)}): ${(((rounds[i].rss - rounds[i - 1].rss) / rounds[i - 1].rss) * 100).toFixed(1)}% vs round ${i}`);
rounds.forEach((r, i) => console.log(`  split after round ${i + 1}: ${splitLine(r.mem)}\n    V8 spaces committed (MiB): ${Object.entries(r.mem?.process ?? {}).filter(([k]) => k.startsWith('committed:')).map(([k, v]) => `${k.slice(10).replace('_space', '')} ${mib(v)}`).join(', ')}${r.live ? `\n    after a full GC: V8 heap ${mib(r.live.process?.heapUsed)} used / ${mib(r.live.process?.heapCommitted)} committed, RSS ${mib(r.live.process?.rss)} MiB` : ''}`));
// then quiet, until the folders' driver indexes (built while the server is idle) are complete: what a long
// session holds once they are (--settle-secs N, default 120; 0 skips)
const settleSecs = Number(opt('--settle-secs', '120'));
if (settleSecs > 0) {
  const t0 = performance.now();
  let m = await memorySplit(s);
  while (m && m.server.indexingPending > 0 && performance.now() - t0 < settleSecs * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    m = await memorySplit(s);
  }
  await new Promise((r) => setTimeout(r, 1000));
  m = await memorySplit(s);
  const state = !m ? ' (the server does not say when its driver indexes are complete)' : m.server.indexingPending ? ` (${m.server.indexingPending} driver indexes still building)` : ', the driver indexes complete';
  console.log(`  after ${((performance.now() - t0) / 1000).toFixed(0)} s idle${state}: RSS ${rssMiB(s.proc.pid).toFixed(0)} MiB (${((rssMiB(s.proc.pid) / rounds[0].rss - 1) * 100).toFixed(1)}% vs round 1); ${splitLine(m)}`);
}
console.log(`shutdown + exit: exit code ${await stop(s)}`);
