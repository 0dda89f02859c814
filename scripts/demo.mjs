// The README's main job: check the bundled example driver, then replay one buffer
// lifecycle on every platform. Findings and hazards are the point here, so their
// exit code 1 is expected; anything else (2: usage/input error, a crash) fails the demo.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
// the steps live in demo-steps.json so a unit test can check the demo shows what examples/driver/README.md lists
const steps = JSON.parse(readFileSync(join(root, 'scripts', 'demo-steps.json'), 'utf8'));
let failed = false;
for (const [title, args] of steps) {
  process.stdout.write(`\n=== ${title}\n\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0 && r.status !== 1) {
    process.stderr.write(`demo: 'dma-scope ${args.join(' ')}' failed (exit ${r.status ?? r.signal})\n`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
