// Runs `dma-scope check` over a kernel tree and prints findings per rule and timing.
// Usage: npm run corpus -- <kernel tree> [--jobs N] [--out findings.json] [subdir ...]
import { spawn } from 'child_process';
import { existsSync, writeFileSync } from 'fs';
import { join, dirname } from 'path';
import { fileURLToPath } from 'url';
import { cpus } from 'os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let jobs = Math.max(1, Math.min(2, cpus().length));
let out = null;
const paths = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--jobs') jobs = Number(args[++i]);
  else if (args[i] === '--out') out = args[++i];
  else paths.push(args[i]);
}
if (!paths.length) {
  console.error('usage: npm run corpus -- <kernel tree> [subdir ...] [--jobs N] [--out findings.json]');
  process.exit(2);
}
const tree = paths[0];
const targets = paths.length > 1 ? paths.slice(1) : ['.'];
const cli = join(root, 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('dist/cli.js is missing: run `npm run build` first');
  process.exit(2);
}
const t0 = Date.now();
const child = spawn(process.execPath, [cli, 'check', '--format', 'json', '--jobs', String(jobs), ...targets], { cwd: tree, stdio: ['ignore', 'pipe', 'inherit'] });
let buf = '';
child.stdout.on('data', (d) => (buf += d));
child.on('close', () => {
  const ms = Date.now() - t0;
  let res;
  try {
    res = JSON.parse(buf);
  } catch {
    console.error('could not parse the checker output');
    process.exit(2);
  }
  const per = new Map();
  for (const f of res.findings) per.set(f.rule, (per.get(f.rule) ?? 0) + 1);
  console.log(`files: ${res.files}, findings: ${res.findings.length}, errors: ${res.errors.length}, time: ${(ms / 1000).toFixed(1)} s (jobs ${jobs})`);
  for (const [rule, n] of [...per.entries()].sort((a, b) => b[1] - a[1])) console.log(`  ${rule.padEnd(24)} ${n}`);
  if (out) {
    writeFileSync(out, JSON.stringify(res, null, 1));
    console.log(`findings written to ${out}`);
  }
});
