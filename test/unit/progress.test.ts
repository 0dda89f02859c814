/** Progress of long scans: on a terminal only, quiet in CI and with --quiet. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { Progress, inCi } from '../../src/cli/progress';
import { FIXTURES } from '../helpers';

function io(cwd: string, tty: boolean, env: Record<string, string>): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', errIsTTY: tty, env, cwd, out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
  return o;
}

describe('check progress', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-progress-'));
    for (let i = 0; i < 3; i++) fs.copyFileSync(path.join(FIXTURES, 'rules', 'map-error-unchecked.good.c'), path.join(dir, `f${i}.c`));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('shows files done / total and a rate on a terminal', async () => {
    const o = io(dir, true, {});
    assert.strictEqual(await main(['check', '--jobs', '1', '.'], o), 0);
    assert.match(o.stderr, /\rchecked 3\/3 files \(\d+ files\/s\)\n$/);
  });

  it('is quiet in CI, with --quiet, and when stderr is not a terminal', async () => {
    for (const [tty, env, extra] of [[true, { CI: 'true' }, []], [true, {}, ['--quiet']], [false, {}, []]] as const) {
      const o = io(dir, tty, env);
      assert.strictEqual(await main(['check', '--jobs', '1', ...extra, '.'], o), 0);
      assert.strictEqual(o.stderr, '', JSON.stringify([tty, env, extra]));
    }
  });

  it('reads CI like CI services set it and throttles redraws', () => {
    assert.ok(inCi({ CI: 'true' }) && inCi({ CI: '1' }));
    assert.ok(!inCi({}) && !inCi({ CI: 'false' }) && !inCi({ CI: '0' }));
    let t = 0;
    let err = '';
    const sink = { out() {}, err(s: string) { err += s; }, errIsTTY: true, cwd: '.', readStdin: async () => '' };
    const p = new Progress(sink, 100, true, () => t);
    for (let i = 0; i < 99; i++) {
      t += 10;
      p.tick();
    }
    t += 10;
    p.tick();
    p.finish();
    // a redraw every 200 ms of 10 ms files, plus the last one
    assert.strictEqual(err.split('\r').length - 1, 5, 'at 200, 400, 600, 800 ms and the last file');
    assert.match(err, /checked 100\/100 files \(100 files\/s\)\n$/);
  });
});
