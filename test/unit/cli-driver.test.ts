/** `dma-scope check` with the driver pass: one index per folder from the files' records, findings in text, JSON and SARIF with related locations in other files. */
import * as assert from 'assert';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { FIXTURES } from '../helpers';

function io(cwd: string): CliIO & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    errIsTTY: false,
    cwd,
    out(t: string) { o.stdout += t; },
    err(t: string) { o.stderr += t; },
    readStdin: async () => '',
  };
  return o;
}

const CWD = path.join(FIXTURES, 'driver');

describe('dma-scope check: driver pass', function () {
  this.timeout(30000);

  it('reports the driver findings in JSON with the related location in the other file', async () => {
    const o = io(CWD);
    assert.strictEqual(await main(['check', '--format', 'json', '--jobs', '1', 'ringnic'], o), 1);
    const r = JSON.parse(o.stdout);
    const got = r.findings.map((f: { file: string; line: number; column: number; rule: string }) => `${f.file}:${f.line}:${f.column} ${f.rule}`).sort();
    assert.deepStrictEqual(got, [
      'ringnic/ringnic_dma.c:23:2 driver-unmap-family',
      'ringnic/ringnic_main.c:112:3 driver-dir-mismatch',
      'ringnic/ringnic_main.c:129:3 driver-helper-map-leak',
      'ringnic/ringnic_main.c:20:2 driver-unmap-family',
      'ringnic/ringnic_main.c:54:67 driver-dir-mismatch',
      'ringnic/ringnic_main.c:86:49 driver-dir-mismatch',
    ]);
    const fam = r.findings.find((f: { file: string }) => f.file === 'ringnic/ringnic_dma.c');
    assert.strictEqual(fam.function, 'ringnic_unmap_req');
    assert.match(fam.fingerprint, /^[0-9a-f]{16}:1$/);
    assert.deepStrictEqual(fam.related.map((x: { file: string; line: number }) => `${x.file}:${x.line}`), ['ringnic/ringnic_main.c:96']);
    const leak = r.findings.find((f: { rule: string }) => f.rule === 'driver-helper-map-leak');
    assert.strictEqual(leak.severity, 'info');
    assert.deepStrictEqual(leak.related.map((x: { file: string; line: number }) => `${x.file}:${x.line}`), ['ringnic/ringnic_main.c:124', 'ringnic/ringnic_dma.c:10']);
  });

  it('gives the same findings with worker threads, and none on the clean twin', async () => {
    const a = io(CWD);
    await main(['check', '--format', 'json', '--jobs', '2', 'ringnic'], a);
    assert.strictEqual(JSON.parse(a.stdout).findings.length, 6);
    const b = io(CWD);
    assert.strictEqual(await main(['check', '--format', 'json', '--jobs', '2', 'ringnic-clean'], b), 0);
    assert.deepStrictEqual(JSON.parse(b.stdout).findings, []);
  });

  it('carries related locations in other files in SARIF, honours --disable, and prints index figures under --debug', async () => {
    const o = io(CWD);
    await main(['check', '--format', 'sarif', '--jobs', '1', '--debug', '--disable', 'driver-dir-mismatch', 'ringnic'], o);
    const results = JSON.parse(o.stdout).runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; relatedLocations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
    assert.deepStrictEqual(results.map((x) => x.ruleId).sort(), ['driver-helper-map-leak', 'driver-unmap-family', 'driver-unmap-family']);
    const fam = results.find((x) => x.locations[0].physicalLocation.artifactLocation.uri === 'ringnic/ringnic_dma.c')!;
    assert.deepStrictEqual(fam.relatedLocations.map((x) => x.physicalLocation.artifactLocation.uri), ['ringnic/ringnic_main.c']);
    assert.match(o.stderr, /^driver index: 1 folders, 2 files with records, \d+ member records \(0 partial\) under \d+ keys, 2 helpers, 4 helper calls resolved/m);
  });
});
