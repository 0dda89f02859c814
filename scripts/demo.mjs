// The README's main job: check the bundled example driver, then replay one buffer
// lifecycle on every platform. Findings and hazards are the point here, so their
// exit code 1 is expected; anything else (2: usage/input error, a crash) fails the demo.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const steps = [
  ['Checking the example driver: dma-scope check examples/driver', ['check', 'examples/driver']],
  ['Explaining one API: dma-scope explain dma_map_sg', ['explain', 'dma_map_sg']],
  ['Replaying an RX buffer on every platform: dma-scope simulate examples/traces/rx-without-sync.dmatrace --platform all', ['simulate', 'examples/traces/rx-without-sync.dmatrace', '--platform', 'all']],
  ['A dma-debug report from a test machine, mapped to the source: dma-scope explain-log examples/logs/unmap-size.log --workspace examples/driver', ['explain-log', 'examples/logs/unmap-size.log', '--workspace', 'examples/driver']],
];
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
