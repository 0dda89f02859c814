// Mutation fuzzer over real kernel files: deletes, duplicates and swaps random byte ranges (and
// splices random bytes/tokens) of DMA-using C files, then runs the checker, hover, lifecycle
// extraction and function facts on each mutant. Any exception, broken invariant or input over
// budget is reported and saved to fuzz-out/ (a reproducer .c plus a .txt saying what happened).
//
//   npm run fuzz -- <kernel tree or folder of C files> [--minutes N] [--seed S] [--under drivers]
//
// Budgets per input are CPU time (the machine may be shared): check ≤ 2,000 ms (the parse limit),
// hover ≤ 50 ms, lifecycle extraction ≤ 500 ms.
import { createRequire } from 'module';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'out');
const args = process.argv.slice(2);
let minutes = 10;
let seed = Date.now() >>> 0;
let under = 'drivers';
const paths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--minutes') minutes = Number(args[++i]);
  else if (args[i] === '--seed') seed = Number(args[++i]);
  else if (args[i] === '--under') under = args[++i];
  else if (args[i].startsWith('--')) {
    console.error(`fuzz: unknown option ${args[i]}`);
    process.exit(2);
  } else paths.push(args[i]);
}
if (paths.length !== 1 || !Number.isFinite(minutes) || minutes <= 0) {
  console.error('usage: npm run fuzz -- <kernel tree or folder of C files> [--minutes N] [--seed S] [--under drivers]');
  process.exit(2);
}
if (!fs.existsSync(path.join(out, 'src/analysis/checker.js'))) {
  console.error('out/ is missing: run `npx tsc -p .` first (npm run fuzz does it)');
  process.exit(2);
}
const { readWasm } = require(path.join(out, 'src/node/wasm.js'));
const { AnalysisSession } = require(path.join(out, 'src/analysis/session.js'));
const { hoverAt } = require(path.join(out, 'src/analysis/hover.js'));
const { extractLifecycle, LifecycleError } = require(path.join(out, 'src/analysis/lifecycle/index.js'));
const { mentionsDmaApi } = require(path.join(out, 'src/analysis/relevance.js'));

const BUDGET = { check: 2000, hover: 50, lifecycle: 500 };

function rng(s) {
  let x = s >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) >>> 0;
    let t = x;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(seed);
const pick = (xs) => xs[Math.floor(r() * xs.length)];

// corpus: DMA-using C files below <tree>/<under> (or the folder itself)
const base = path.resolve(paths[0]);
const start = fs.existsSync(path.join(base, under)) ? path.join(base, under) : base;
const files = [];
{
  const stack = [start];
  while (stack.length) {
    const d = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && /\.c$/.test(e.name)) files.push(p);
    }
  }
}
const corpus = [];
for (const f of files) {
  const t = fs.readFileSync(f, 'latin1');
  if (t.length < 400 * 1024 && mentionsDmaApi(t)) corpus.push(f);
}
if (!corpus.length) {
  console.error(`fuzz: no DMA-using C file under ${start}`);
  process.exit(2);
}

const TOKENS = ['{', '}', '(', ')', ';', '#if 0\n', '#endif\n', '/*', '*/', '"', "'", '\\\n', 'dma_map_single(', 'dma_unmap_single(', 'dma_mapping_error(', 'goto out;', 'return -ENOMEM;', 'for_each_sg(', 'DMA_NONE', '\0', '\uFFFD', '\u00e9'];

function mutate(text) {
  let s = text;
  const n = 1 + Math.floor(r() * 6);
  const ops = [];
  for (let k = 0; k < n; k++) {
    const len = s.length;
    const a = Math.floor(r() * len);
    const span = Math.floor(r() * Math.min(4000, len * 0.2)) + 1;
    const b = Math.min(len, a + span);
    const op = pick(['delete', 'duplicate', 'swap', 'splice-bytes', 'splice-token']);
    ops.push(`${op}@${a}+${b - a}`);
    if (op === 'delete') s = s.slice(0, a) + s.slice(b);
    else if (op === 'duplicate') s = s.slice(0, b) + s.slice(a, b) + s.slice(b);
    else if (op === 'swap') {
      const c = Math.floor(r() * len);
      const d = Math.min(len, c + span);
      if (d <= a || c >= b) {
        const [x, y] = a < c ? [[a, b], [c, d]] : [[c, d], [a, b]];
        s = s.slice(0, x[0]) + s.slice(y[0], y[1]) + s.slice(x[1], y[0]) + s.slice(x[0], x[1]) + s.slice(y[1]);
      }
    } else if (op === 'splice-bytes') {
      const bytes = Buffer.alloc(1 + Math.floor(r() * 64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(r() * 256);
      s = s.slice(0, a) + bytes.toString('utf8') + s.slice(a);
    } else {
      let t = '';
      for (let i = 0, m = 1 + Math.floor(r() * 8); i < m; i++) t += pick(TOKENS);
      s = s.slice(0, a) + t + s.slice(a);
    }
  }
  return { text: s, ops };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const outDir = path.join(root, 'fuzz-out');
let saved = 0;
function save(kind, file, mutant, detail) {
  fs.mkdirSync(outDir, { recursive: true });
  const name = `${kind}-${seed}-${saved++}`;
  fs.writeFileSync(path.join(outDir, `${name}.c`), mutant.text);
  fs.writeFileSync(path.join(outDir, `${name}.txt`), `source: ${file}\nmutations: ${mutant.ops.join(' ')}\nseed: ${seed}\n${detail}\n`);
  return path.join('fuzz-out', `${name}.c`);
}

const session = await AnalysisSession.create(readWasm());
const parser = session.parser;
const deadline = Date.now() + minutes * 60_000;
let tried = 0;
let crashes = 0;
let over = 0;
let timeouts = 0;
let totalBytes = 0;
const times = [];
let slowest = { ms: 0, cpu: 0, file: '', size: 0 };
console.log(`fuzz: ${corpus.length} DMA-using files under ${start}; seed ${seed}; ${minutes} min; budgets (CPU ms) ${JSON.stringify(BUDGET)}`);
let lastReport = Date.now();
while (Date.now() < deadline) {
  const file = pick(corpus);
  const mutant = mutate(fs.readFileSync(file, 'utf8'));
  const text = mutant.text;
  const rel = path.relative(base, file);
  tried++;
  totalBytes += text.length;
  if (tried % 50 === 0) session.clearCaches();
  try {
    const w0 = performance.now();
    const c0 = cpuMs();
    const res = session.check(text, { file: rel });
    const checkCpu = cpuMs() - c0;
    const checkWall = performance.now() - w0;
    if (res.errors.some((e) => /longer than/.test(e.message))) timeouts++;
    for (const f of res.findings) {
      if (!(f.start >= 0 && f.start <= f.end && f.end <= text.length)) throw new Error(`finding ${f.rule} outside the text (${f.start}..${f.end} of ${text.length})`);
    }
    const internal = res.errors.filter((e) => /failed/.test(e.message) && !/too deeply nested or too large|longer than/.test(e.message));
    if (internal.length) throw new Error(`checker reported internal errors: ${internal.map((e) => e.message).join('; ')}`);
    let hoverMax = 0;
    let lifeMax = 0;
    let tree = null;
    try {
      tree = parser.parse(text);
    } catch {
      tree = null;
    }
    if (tree) {
      try {
        session.checkTree(tree, text, { file: rel });
        session.functionFacts(tree, text, rel);
        for (let k = 0; k < 5; k++) {
          // hover on a DMA identifier when there is one, else anywhere
          const m = text.indexOf('dma_', Math.floor(r() * text.length));
          const off = m >= 0 ? m + 2 : Math.floor(r() * text.length);
          let t = cpuMs();
          const h = hoverAt(tree, text, off);
          hoverMax = Math.max(hoverMax, cpuMs() - t);
          if (h && !(h.start <= off && off <= h.end && h.end <= text.length)) throw new Error(`hover range ${h.start}..${h.end} does not cover ${off}`);
          t = cpuMs();
          try {
            extractLifecycle({ text, tree, offset: off, file: rel });
          } catch (e) {
            if (!(e instanceof LifecycleError)) throw e;
          }
          lifeMax = Math.max(lifeMax, cpuMs() - t);
        }
      } finally {
        tree.delete();
      }
    }
    const wall = performance.now() - w0;
    times.push(wall);
    if (checkCpu > slowest.cpu) slowest = { ms: checkWall, cpu: checkCpu, file: rel, size: text.length };
    const why = [];
    if (checkCpu > BUDGET.check) why.push(`check ${checkCpu.toFixed(0)} ms CPU`);
    if (hoverMax > BUDGET.hover) why.push(`hover ${hoverMax.toFixed(0)} ms CPU`);
    if (lifeMax > BUDGET.lifecycle) why.push(`lifecycle ${lifeMax.toFixed(0)} ms CPU`);
    if (why.length) {
      over++;
      const p = save('slow', rel, mutant, `over budget: ${why.join(', ')}`);
      console.log(`OVER BUDGET ${rel} (${why.join(', ')}) → ${p}`);
    }
  } catch (e) {
    crashes++;
    const p = save('crash', rel, mutant, `${e?.stack ?? e}`);
    console.log(`CRASH ${rel}: ${e?.message ?? e} → ${p}`);
  }
  if (Date.now() - lastReport > 60_000) {
    lastReport = Date.now();
    console.log(`  … ${tried} inputs, ${crashes} crashes, ${over} over budget`);
  }
}
parser.delete();
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))] ?? 0;
console.log('');
console.log(`inputs tried: ${tried} (${(totalBytes / 1024 / 1024).toFixed(1)} MB of mutated C) in ${minutes} min, seed ${seed}`);
console.log(`crashes: ${crashes}; over budget: ${over}; parses abandoned at the time limit (bounded, not a failure): ${timeouts}`);
console.log(`per input (check + 5 hovers + 5 lifecycle extractions, wall): p50 ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms`);
console.log(`slowest check: ${slowest.cpu.toFixed(0)} ms CPU (${slowest.ms.toFixed(0)} ms wall) on a ${(slowest.size / 1024).toFixed(0)} KB mutant of ${slowest.file}`);
if (saved) console.log(`reproducers: ${outDir}`);
process.exit(crashes || over ? 1 : 0);
