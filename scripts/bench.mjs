// Prints DMA Scope's performance figures against the budgets of design.md §6.
// Never a timed test: it measures and prints, the exit code is 0 unless the bench itself fails.
//
//   npm run bench -- [<kernel tree>] [--quick] [--coccinelle]
//
// With a kernel tree (e.g. the Debian linux-source-6.12 one), the whole-tree check runs over every
// file that names the DMA API; without one, over a synthetic corpus written to a temp folder.
// --coccinelle (with a kernel tree and `spatch` on PATH): side by side on drivers/net/ethernet, spatch
// running one unchecked-dma_map_single rule (scripts/bench/unchecked-map.cocci) with 2 jobs vs `dma-scope check --jobs 2`.
// Needs `npm run build` and `tsc -p .` (npm run bench does both).
import { spawn, spawnSync } from 'child_process';
import { createRequire } from 'module';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { measureActivation } from './bench-activation.mjs';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out');
const dist = path.join(root, 'dist');

// ---------------------------------------------------------------- child modes
// `bench.mjs --child-check <jobs> <repeat> <cwd> <listfile>`: runs `dma-scope check` in this process
// `repeat` times and reports wall time, CPU time and memory after each run as one JSON line.
if (process.argv[2] === '--child-check') {
  const [jobs, repeat, cwd, list] = process.argv.slice(3);
  const files = fs.readFileSync(list, 'utf8').split('\n').filter(Boolean);
  const { main } = require(path.join(dist, 'cli.js'));
  const runs = [];
  for (let i = 0; i < Number(repeat); i++) {
    let findings = 0;
    let errors = 0;
    let buf = '';
    const io = { out: (t) => (buf += t), err: () => {}, errIsTTY: false, cwd, readStdin: async () => '' };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const code = await main(['check', '--format', 'json', ...(jobs === 'default' ? [] : ['--jobs', jobs]), ...files], io);
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    try {
      const r = JSON.parse(buf);
      findings = r.findings.length;
      errors = r.errors.length;
    } catch {
      errors = -1;
    }
    buf = '';
    globalThis.gc?.();
    const mem = process.memoryUsage();
    runs.push({ code, wall, cpu: (cpu.user + cpu.system) / 1000, findings, errors, rss: mem.rss, heap: mem.heapUsed + mem.external, maxRss: process.resourceUsage().maxRSS * 1024 });
  }
  process.stdout.write(JSON.stringify(runs) + '\n');
  process.exit(0);
}

// `bench.mjs --child-session <repeat> <cwd> <listfile>`: checks the files `repeat` times in this process, each
// run with a new AnalysisSession (as the CLI creates one per run) disposed at its end; times the parse and the
// analysis of every file apart and reports one JSON line with each run's figures.
if (process.argv[2] === '--child-session') {
  const [repeat, cwd, list] = process.argv.slice(3);
  const files = fs.readFileSync(list, 'utf8').split('\n').filter(Boolean);
  const { AnalysisSession } = require(path.join(out, 'src/analysis/session.js'));
  const { mayHaveFindings } = require(path.join(out, 'src/analysis/checker.js'));
  const { readWasm } = require(path.join(out, 'src/node/wasm.js'));
  const runs = [];
  for (let i = 0; i < Number(repeat); i++) {
    const session = await AnalysisSession.create(readWasm());
    let parseMs = 0;
    let analysisMs = 0;
    let parseCpu = 0;
    let analysisCpu = 0;
    const cpuMsNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let findings = 0;
    let parsed = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const f of files) {
      const text = fs.readFileSync(path.join(cwd, f), 'utf8');
      if (!mayHaveFindings(text)) continue;
      const a = performance.now();
      const ca = cpuMsNow();
      let tree;
      try {
        tree = session.parser.parse(text);
      } catch {
        parseMs += performance.now() - a;
        parseCpu += cpuMsNow() - ca;
        continue;
      }
      const b = performance.now();
      const cb = cpuMsNow();
      parseMs += b - a;
      parseCpu += cb - ca;
      parsed++;
      try {
        findings += session.checkTree(tree, text, { file: f }).findings.length;
      } finally {
        tree.delete();
      }
      analysisMs += performance.now() - b;
      analysisCpu += cpuMsNow() - cb;
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cache = session.memory().bytes.total;
    session.dispose();
    globalThis.gc?.();
    const mem = process.memoryUsage();
    runs.push({ wall, cpu: (cpu.user + cpu.system) / 1000, parseMs, analysisMs, parseCpu, analysisCpu, parsed, findings, cache, rss: mem.rss, heap: mem.heapUsed + mem.external, maxRss: process.resourceUsage().maxRSS * 1024 });
  }
  process.stdout.write(JSON.stringify(runs) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------- helpers
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withCoccinelle = args.includes('--coccinelle');
const treeArg = args.find((a) => !a.startsWith('--'));
const MB = 1024 * 1024;
const fmtMs = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const fmtMB = (b) => `${(b / MB).toFixed(1)} MB`;
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};
const verdicts = [];
const spawnSyncQuiet = (cmd, a) => spawnSync(cmd, a, { stdio: 'ignore' }).status;
/** Runs a command in `cwd`, collecting its stdout and the CPU time it used. */
function runQuiet(cmd, a, cwd) {
  return new Promise((resolve) => {
    const before = childCpuMs();
    const c = spawn(cmd, a, { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    let outText = '';
    c.stdout.on('data', (d) => (outText += d));
    c.on('close', (code) => resolve({ code, out: outText, cpuMs: childCpuMs() - before }));
  });
}
/** CPU time (ms) of this process's waited-for children, from /proc/self/stat (cutime + cstime). */
function childCpuMs() {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return NaN;
  }
}
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function budget(name, value, limit, unit, note = '') {
  const ok = value <= limit;
  verdicts.push({ name, ok, text: `${ok ? 'holds' : 'MISSED'}  ${name}: ${unit(value)} (budget ${unit(limit)})${note ? ` ${note}` : ''}` });
}
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (const need of [path.join(dist, 'cli.js'), path.join(dist, 'extension.js'), path.join(out, 'src/analysis/checker.js')]) {
  if (!fs.existsSync(need)) {
    console.error(`${path.relative(root, need)} is missing: run \`npm run build && npx tsc -p .\` (npm run bench does both)`);
    process.exit(2);
  }
}
const { AnalysisSession } = require(path.join(out, 'src/analysis/session.js'));
const { RULES } = require(path.join(out, 'src/analysis/checker.js'));
const RULE_COUNT = RULES.filter((r) => r.enabledByDefault !== false).length;
const { readWasm } = require(path.join(out, 'src/node/wasm.js'));
const { hoverAt } = require(path.join(out, 'src/analysis/hover.js'));
const { mentionsDmaApi } = require(path.join(out, 'src/analysis/relevance.js'));
const { bufferMayMentionDma } = require(path.join(out, 'src/node/checkFiles.js'));
const { allEntries } = require(path.join(out, 'src/model/catalogue/index.js'));

// ---------------------------------------------------------------- corpus
function walkTree(dir) {
  const outFiles = [];
  const stack = [''];
  while (stack.length) {
    const rel = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && /\.[ch]$/.test(e.name)) outFiles.push(p);
    }
  }
  return outFiles.sort();
}

/** Kernel-style synthetic driver code: DMA functions between plain ones. */
function syntheticFile(seed, targetBytes) {
  const r = rng(seed);
  const parts = [`// SPDX-License-Identifier: GPL-2.0\n/* synthetic driver ${seed} for the DMA Scope bench */\n#include <linux/dma-mapping.h>\n#include <linux/pci.h>\n\nstruct syn${seed}_ring {\n\tstruct device *dev;\n\tvoid *buf[64];\n\tdma_addr_t addr[64];\n\tunsigned int len[64];\n};\n\n`];
  let size = parts[0].length;
  for (let i = 0; size < targetBytes; i++) {
    let f;
    // like a real driver: most functions do not touch the DMA API
    const k = r() < 0.15 ? Math.floor(r() * 3) : 3;
    if (k === 0) {
      f = `static int syn${seed}_map_${i}(struct syn${seed}_ring *ring, int idx, size_t len)\n{\n\tdma_addr_t h;\n\n\th = dma_map_single(ring->dev, ring->buf[idx], len, DMA_TO_DEVICE);\n\tif (dma_mapping_error(ring->dev, h))\n\t\treturn -ENOMEM;\n\tring->addr[idx] = h;\n\tring->len[idx] = len;\n\treturn 0;\n}\n\n`;
    } else if (k === 1) {
      f = `static void syn${seed}_rx_${i}(struct syn${seed}_ring *ring, int idx)\n{\n\tdma_sync_single_for_cpu(ring->dev, ring->addr[idx], ring->len[idx], DMA_FROM_DEVICE);\n\tif (ring->len[idx] > 64)\n\t\tmemcpy(ring->buf[idx], ring->buf[idx] + 64, 64);\n\tdma_sync_single_for_device(ring->dev, ring->addr[idx], ring->len[idx], DMA_FROM_DEVICE);\n}\n\n`;
    } else if (k === 2) {
      f = `static int syn${seed}_leak_${i}(struct device *dev, void *p, size_t n)\n{\n\tdma_addr_t a = dma_map_single(dev, p, n, DMA_BIDIRECTIONAL);\n\n\tif (!a)\n\t\treturn -EIO;\n\tif (n > 4096)\n\t\treturn -EINVAL;\n\tdma_unmap_single(dev, a, n, DMA_TO_DEVICE);\n\treturn 0;\n}\n\n`;
    } else {
      const n = 5 + Math.floor(r() * 20);
      let body = '';
      for (let j = 0; j < n; j++) body += `\tif (v & ${1 << (j % 16)})\n\t\tv = (v << 1) ^ ${Math.floor(r() * 1e6)};\n\telse\n\t\tv += ${j};\n`;
      f = `static u32 syn${seed}_hash_${i}(u32 v)\n{\n${body}\treturn v;\n}\n\n`;
    }
    parts.push(f);
    size += f.length;
  }
  return parts.join('');
}

function syntheticCorpus() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-bench-'));
  const r = rng(7);
  fs.mkdirSync(path.join(dir, 'drivers/syn'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'drivers/scsi/lpfc'), { recursive: true });
  for (let i = 0; i < 400; i++) {
    const size = 4000 + Math.floor(r() * r() * 120000);
    fs.writeFileSync(path.join(dir, `drivers/syn/syn${i}.c`), syntheticFile(i, size));
  }
  // files that never mention the DMA API (the prefilter skips them)
  for (let i = 0; i < 400; i++) fs.writeFileSync(path.join(dir, `drivers/syn/plain${i}.c`), `/* plain ${i} */\nstatic int plain${i}(int x)\n{\n\treturn x * ${i};\n}\n`);
  fs.writeFileSync(path.join(dir, 'drivers/scsi/lpfc/lpfc_sli.c'), syntheticFile(9999, 700 * 1024));
  fs.writeFileSync(path.join(dir, 'drivers/syn/big200k.c'), syntheticFile(8888, 200 * 1024));
  return dir;
}

// ---------------------------------------------------------------- main
const started = Date.now();
let tree = treeArg ? path.resolve(treeArg) : null;
if (tree && !fs.statSync(tree, { throwIfNoEntry: false })?.isDirectory()) {
  console.error(`bench: ${treeArg} is not a directory`);
  process.exit(2);
}
const synthetic = !tree;
if (synthetic) tree = syntheticCorpus();

console.log(`DMA Scope bench — ${new Date().toISOString()}`);
console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`corpus: ${synthetic ? `synthetic (${tree})` : tree}`);
console.log('');

// 1. file selection: byte-level prefilter, then the catalogue-name test
let t0 = performance.now();
const all = walkTree(tree);
let allBytes = 0;
let bytePass = 0;
let namePass = 0;
const DMA_ROLES = new Set(['map', 'unmap', 'sync-for-cpu', 'sync-for-device', 'alloc', 'free', 'pool-alloc', 'pool-free', 'mapping-error']);
const callable = allEntries().filter((e) => DMA_ROLES.has(e.role)).flatMap((e) => [e.name, ...(e.aliases ?? [])]);
const USES_RE = new RegExp(`\\b(?:${[...new Set(callable)].filter((n) => /^\w+$/.test(n)).join('|')})\\s*\\(`);
const selected = [];
let selectedBytes = 0;
for (const f of all) {
  let buf;
  try {
    buf = fs.readFileSync(path.join(tree, f));
  } catch {
    continue;
  }
  allBytes += buf.length;
  if (!bufferMayMentionDma(buf)) continue;
  bytePass++;
  const text = buf.toString('latin1');
  if (!mentionsDmaApi(text)) continue;
  namePass++;
  // "uses the DMA API": calls a map/unmap/sync/alloc/free/mapping-error entry of the catalogue
  if (!USES_RE.test(text)) continue;
  selected.push(f);
  selectedBytes += buf.length;
}
const selectMs = performance.now() - t0;
console.log('== Corpus');
console.log(`  C files in tree:             ${all.length} (${fmtMB(allBytes)})`);
console.log(`  pass the byte prefilter:     ${bytePass}`);
console.log(`  name a DMA-API entry:        ${namePass} (the CLI parses these, the rest is skipped unparsed)`);
console.log(`  call map/sync/alloc/free:    ${selected.length} (${fmtMB(selectedBytes)})  [selection took ${(selectMs / 1000).toFixed(1)} s]`);
const list = path.join(os.tmpdir(), `dma-scope-bench-files-${process.pid}.txt`);
fs.writeFileSync(list, selected.join('\n'));

// the CLI's disk caches (V8 code, header facts: README) in a folder of the bench's own: empty for the first
// CLI run (cold), kept for a second (warm)
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-bench-cache-'));
process.on('exit', () => fs.rmSync(cacheDir, { recursive: true, force: true }));

function child(args, cache = cacheDir) {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DMA_SCOPE_CACHE_DIR: cache } });
    let buf = '';
    c.stdout.on('data', (d) => (buf += d));
    c.on('error', reject);
    c.on('close', () => {
      try {
        resolve(JSON.parse(buf.trim().split('\n').pop()));
      } catch (e) {
        reject(new Error(`bench child failed: ${buf.slice(0, 500)}`));
      }
    });
  });
}
const childCheck = (jobs, repeat, cwd = tree, fileList = list, cache = cacheDir) => child(['--child-check', String(jobs), String(repeat), cwd, fileList], cache);

// 2. whole-tree check: one thread with the parse and the analysis timed apart (two runs in one process),
//    then the CLI with its default worker threads
console.log('');
console.log('== Whole-tree check over the selected files');
const defaultJobs = Math.max(1, Math.min(8, (os.availableParallelism?.() ?? os.cpus().length)));
const serial = await child(['--child-session', '2', tree, list]);
const parallel = await childCheck('default', 1);
// the same run again in a new process: the header facts the first one kept on disk are read, not parsed again
const warmRun = await childCheck('default', 1);
const [s1, s2] = serial;
console.log(`  1 thread, session API:  ${selected.length} files ${fmtMB(selectedBytes)}  wall ${(s1.wall / 1000).toFixed(1)} s  CPU ${(s1.cpu / 1000).toFixed(1)} s  peak RSS ${fmtMB(s1.maxRss)}  findings ${s1.findings}`);
console.log(`    parse ${(s1.parseMs / 1000).toFixed(1)} s wall / ${(s1.parseCpu / 1000).toFixed(1)} s CPU, analysis ${(s1.analysisMs / 1000).toFixed(1)} s wall / ${(s1.analysisCpu / 1000).toFixed(1)} s CPU: analysis / parse = ${(s1.analysisMs / s1.parseMs).toFixed(2)} wall, ${(s1.analysisCpu / s1.parseCpu).toFixed(2)} CPU (${s1.parsed} files parsed; session caches held ${fmtMB(s1.cache)} at the end)`);
console.log(`  default (--jobs ${defaultJobs}) CLI:  wall ${(parallel[0].wall / 1000).toFixed(1)} s  ${(selectedBytes / MB / (parallel[0].wall / 1000)).toFixed(2)} MB/s  CPU ${(parallel[0].cpu / 1000).toFixed(1)} s  peak RSS ${fmtMB(parallel[0].maxRss)}  findings ${parallel[0].findings}  errors ${parallel[0].errors}`);
console.log(`    again in a new process, header facts kept on disk by the first run:  wall ${(warmRun[0].wall / 1000).toFixed(1)} s  CPU ${(warmRun[0].cpu / 1000).toFixed(1)} s  findings ${warmRun[0].findings}`);
console.log(`  memory: RSS after one run ${fmtMB(s1.rss)}, after a second run in the same process ${fmtMB(s2.rss)} (${(((s2.rss - s1.rss) / s1.rss) * 100).toFixed(1)}%); JS heap + external ${fmtMB(s1.heap)} → ${fmtMB(s2.heap)}; second run wall ${(s2.wall / 1000).toFixed(1)} s, analysis / parse ${(s2.analysisCpu / s2.parseCpu).toFixed(2)} (CPU)`);
const cores = Math.min(2, os.cpus().length);
budget('analysis time / parse time (1 thread, CPU)', s1.analysisCpu / s1.parseCpu, 1.5, (v) => `${v.toFixed(2)}×`);
budget(`whole-tree check (default jobs) wall`, parallel[0].wall / 1000, 15, (v) => `${v.toFixed(1)} s`, `(load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs)`);
budget(`whole-tree check CPU time / ${cores} cores (what an idle ${cores}-core machine needs)`, parallel[0].cpu / cores / 1000, 15, (v) => `${v.toFixed(1)} s`);
budget('whole-tree check peak RSS', Math.max(parallel[0].maxRss, s1.maxRss) / MB, 1024, (v) => `${v.toFixed(0)} MB`);
// a leak shows as growth; a smaller RSS after the second run (pages returned to the OS) is flat enough
budget('RSS growth from a second run in one process', ((s2.rss - s1.rss) / s1.rss) * 100, 10, (v) => `${v.toFixed(1)} %`);

// 3. side by side with Coccinelle on drivers/net/ethernet (one unchecked-map rule vs every rule)
if (withCoccinelle) {
  console.log('');
  const sub = 'drivers/net/ethernet';
  const spatchOk = spawnSyncQuiet('spatch', ['--version']) === 0;
  if (synthetic || !fs.existsSync(path.join(tree, sub)) || !spatchOk) {
    console.log(`== Coccinelle: skipped (${!spatchOk ? 'spatch is not installed' : `no ${sub} in the corpus`})`);
  } else {
    console.log(`== Side by side on ${sub}: spatch (one rule, scripts/bench/unchecked-map.cocci, -j 2) vs dma-scope check --jobs 2 (${RULE_COUNT} rules)`);
    const cocci = path.join(root, 'scripts/bench/unchecked-map.cocci');
    const c0 = performance.now();
    const sp = await runQuiet('spatch', ['--sp-file', cocci, '--dir', sub, '-j', '2', '--very-quiet', '--no-includes'], tree);
    const spWall = performance.now() - c0;
    const subList = path.join(os.tmpdir(), `dma-scope-bench-sub-${process.pid}.txt`);
    fs.writeFileSync(subList, sub);
    // cold: nothing kept on disk from the runs above (spatch keeps nothing either)
    const coldDir = fs.mkdtempSync(path.join(cacheDir, 'cold-'));
    const ours = (await childCheck(2, 1, tree, subList, coldDir))[0];
    fs.rmSync(subList, { force: true });
    const spHits = sp.out.split('\n').filter((l) => /not checked/.test(l)).length;
    console.log(`  spatch:     wall ${(spWall / 1000).toFixed(1)} s, CPU ${(sp.cpuMs / 1000).toFixed(1)} s (exit ${sp.code}), ${spHits} unchecked dma_map_single() reported`);
    console.log(`  dma-scope:  wall ${(ours.wall / 1000).toFixed(1)} s, CPU ${(ours.cpu / 1000).toFixed(1)} s, ${ours.findings} findings`);
    console.log(`  dma-scope is ${(spWall / ours.wall).toFixed(1)}× faster (wall), ${(sp.cpuMs / ours.cpu).toFixed(1)}× (CPU)`);
    budget('faster than spatch on drivers/net/ethernet (wall)', 10 / (spWall / ours.wall), 1, (v) => `${(10 / v).toFixed(1)}×`, '(budget ≥ 10×)');
  }
}

// 4. editor loop on the largest DMA-using file
console.log('');
const lpfc = 'drivers/scsi/lpfc/lpfc_sli.c';
const bigFile = fs.existsSync(path.join(tree, lpfc)) ? lpfc : [...selected].sort((a, b) => fs.statSync(path.join(tree, b)).size - fs.statSync(path.join(tree, a)).size)[0];
const bigText = fs.readFileSync(path.join(tree, bigFile), 'utf8');
console.log(`== Editor loop on ${bigFile} (${(bigText.length / 1024).toFixed(0)} KB)`);
// warm the JIT on another file first, as an editor session would have
const warm = selected.find((f) => f !== bigFile && fs.statSync(path.join(tree, f)).size > 30000) ?? selected[0];
const session = await AnalysisSession.create(readWasm());
if (warm) session.check(fs.readFileSync(path.join(tree, warm), 'utf8'), { file: warm });
session.clearCaches();
t0 = performance.now();
let tr = session.updateDocument('big', bigText);
const openParse = performance.now() - t0;
let res = session.checkTree(tr, bigText, { file: bigFile });
const firstFull = performance.now() - t0;
console.log(`  first full analysis: ${fmtMs(firstFull)} (parse ${fmtMs(openParse)}), ${res.findings.length} findings, ${session.stats.analysed} functions analysed, ${session.stats.skipped} skipped by the prefilter`);
// function bodies, for the edit positions
const bodies = [];
{
  const c = tr.rootNode.descendantsOfType('function_definition');
  for (const fn of c) {
    const b = fn.childForFieldName('body');
    if (b && b.endIndex - b.startIndex > 4) bodies.push([b.startIndex + 1, b.endIndex - 1]);
  }
}
const r = rng(42);
// typing inside a body: letters, digits, '_' and spaces are inserted, and such characters deleted
// (punctuation would leave the tree broken for the rest of the run, which is not what typing does)
const CHARS = 'abcdefghijklmnopqrstuvwxyz_0123456789 ';
const typable = (c) => /[\w ]/.test(c);
let text = bigText;
const editMs = [];
const editCpu = [];
const reparseMs = [];
let analysed = 0;
for (let i = 0; i < 200; i++) {
  const [s, e] = bodies[Math.floor(r() * bodies.length)];
  // bodies move as the text grows/shrinks; recompute the offset inside the current body bounds
  const at = s + Math.floor(r() * (e - s));
  const del = r() < 0.3 && at < text.length && typable(text[at]);
  const change = del ? { start: at, oldEnd: at + 1, text: '' } : { start: at, oldEnd: at, text: CHARS[Math.floor(r() * CHARS.length)] };
  const c1 = cpuNow();
  const t1 = performance.now();
  tr = session.applyChanges('big', [change]);
  const t2 = performance.now();
  text = session.document('big').text;
  res = session.checkTree(tr, text, { file: bigFile });
  const t3 = performance.now();
  editCpu.push(cpuNow() - c1);
  analysed += session.stats.analysed;
  reparseMs.push(t2 - t1);
  editMs.push(t3 - t1);
  // shift body ranges after the edit so positions stay inside function bodies
  const d = del ? -1 : 1;
  for (const b of bodies) {
    if (b[0] > at) b[0] += d;
    if (b[1] >= at) b[1] += d;
  }
}
console.log(`  200 single-character edits inside function bodies (incremental reparse + checkTree with the per-function cache):`);
console.log(`    total p50 ${fmtMs(pct(editMs, 50))}, p95 ${fmtMs(pct(editMs, 95))}, max ${fmtMs(Math.max(...editMs))}; reparse alone p50 ${fmtMs(pct(reparseMs, 50))}, p95 ${fmtMs(pct(reparseMs, 95))}; ${(analysed / 200).toFixed(1)} functions re-analysed per edit`);
console.log(`    CPU time per edit (what an idle machine needs): p50 ${fmtMs(pct(editCpu, 50))}, p95 ${fmtMs(pct(editCpu, 95))}, max ${fmtMs(Math.max(...editCpu))}`);
budget('incremental diagnostics p95 (700 KB file), wall', pct(editMs, 95), 30, fmtMs);
budget('incremental diagnostics p95 (700 KB file), CPU', pct(editCpu, 95), 30, fmtMs);
session.closeDocument('big');

// first diagnostics on a ~200 KB file (cold check cache)
const near200 = synthetic
  ? 'drivers/syn/big200k.c'
  : [...selected].sort((a, b) => Math.abs(fs.statSync(path.join(tree, a)).size - 200 * 1024) - Math.abs(fs.statSync(path.join(tree, b)).size - 200 * 1024))[0];
const t200 = fs.readFileSync(path.join(tree, near200), 'utf8');
const firstMs = [];
const firstCpu = [];
for (let i = 0; i < 5; i++) {
  session.clearCaches();
  const a = performance.now();
  const ca = cpuNow();
  const tt = session.updateDocument('f', t200);
  session.checkTree(tt, t200, { file: near200 });
  firstMs.push(performance.now() - a);
  firstCpu.push(cpuNow() - ca);
  session.closeDocument('f');
}
console.log(`  first diagnostics on ${near200} (${(t200.length / 1024).toFixed(0)} KB, parse + check, cold cache, 5 runs): median ${fmtMs(pct(firstMs, 50))}, max ${fmtMs(Math.max(...firstMs))}`);
console.log(`    CPU: median ${fmtMs(pct(firstCpu, 50))}, max ${fmtMs(Math.max(...firstCpu))}`);
budget('first diagnostics on a 200 KB file (median of 5), wall', pct(firstMs, 50), 150, fmtMs);
budget('first diagnostics on a 200 KB file (median of 5), CPU', pct(firstCpu, 50), 150, fmtMs);

// 5. hover latency over 1,000 random DMA identifiers of the big file
{
  const names = new Set(allEntries().flatMap((e) => [e.name, ...(e.aliases ?? [])]));
  const ht = bigText;
  const htree = session.parser.parse(ht);
  const spots = [];
  const re = /\b[A-Za-z_]\w*\b/g;
  for (let m = re.exec(ht); m; m = re.exec(ht)) if (names.has(m[0])) spots.push(m.index + Math.floor(m[0].length / 2));
  const hr = rng(1);
  const hoverMs = [];
  let shown = 0;
  for (let i = 0; i < 1000 && spots.length; i++) {
    const off = spots[Math.floor(hr() * spots.length)];
    const a = performance.now();
    const h = hoverAt(htree, ht, off);
    hoverMs.push(performance.now() - a);
    if (h) shown++;
  }
  htree.delete();
  console.log('');
  console.log(`== Hover: 1,000 random positions on the ${spots.length} DMA-API identifiers of ${bigFile}`);
  if (hoverMs.length) {
    console.log(`  p50 ${fmtMs(pct(hoverMs, 50))}, p95 ${fmtMs(pct(hoverMs, 95))}, max ${fmtMs(Math.max(...hoverMs))}; ${shown} hovers shown`);
    budget('hover p95', pct(hoverMs, 95), 10, fmtMs);
  }
}

// 6. activation with a fake `vscode`
{
  const act = await measureActivation();
  console.log('');
  console.log('== Extension activation (dist/extension.js with a minimal fake `vscode` module)');
  console.log(`  require ${fmtMs(act.requireMs)}, activate() ${fmtMs(act.activateMs)}, total ${fmtMs(act.totalMs)}; ${act.disposables} disposables registered${act.error ? `; activate threw: ${act.error.message}` : ''}`);
  console.log(`  wasm files read at activation: ${act.wasmReads} (nothing may be parsed before a C file is opened)`);
  budget('activation (require + activate)', act.totalMs, 100, fmtMs, act.wasmReads ? '— but the parser was loaded!' : '(no parsing)');
  if (act.wasmReads || act.error) verdicts.push({ name: 'no parse at activation', ok: false, text: `MISSED  activation ${act.error ? 'threw' : 'loaded the parser'}` });
}

// 7. the .vsix
console.log('');
console.log('== Packaged .vsix (npm run package)');
if (quick) {
  console.log('  skipped (--quick)');
} else {
  await new Promise((res) => {
    const c = spawn('npm', ['run', '--silent', 'package'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    c.stdout.on('data', (d) => (log += d));
    c.stderr.on('data', (d) => (log += d));
    c.on('close', (code) => {
      const vsix = path.join(root, 'dma-scope.vsix');
      if (code === 0 && fs.existsSync(vsix)) {
        const size = fs.statSync(vsix).size;
        const m = /Packaged: .*\((\d+) files?, ([\d.]+ ?\w+)\)/.exec(log);
        console.log(`  dma-scope.vsix: ${fmtMB(size)}${m ? ` (${m[1]} files, ${m[2]} uncompressed by vsce's count)` : ''}`);
        budget('.vsix size', size / MB, 3, (v) => `${v.toFixed(2)} MB`);
      } else {
        console.log(`  npm run package failed (exit ${code}):\n${log.split('\n').slice(-8).join('\n')}`);
        verdicts.push({ name: 'vsix', ok: false, text: 'MISSED  .vsix could not be built' });
      }
      res();
    });
  });
}

console.log('');
console.log('== Budgets (design.md §6)');
for (const v of verdicts) console.log(`  ${v.text}`);
console.log('');
console.log(`load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs — wall times on a shared machine are inflated by other load; CPU times are not.`);
console.log(`bench took ${((Date.now() - started) / 1000).toFixed(0)} s`);
session.dispose();
fs.rmSync(list, { force: true });
if (synthetic) fs.rmSync(tree, { recursive: true, force: true });
