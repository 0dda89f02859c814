/** `dma-scope check`: exit codes, text/JSON/SARIF output, directory walking, per-file errors. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { RULES } from '../../src/analysis/checker';
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

describe('dma-scope check', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-check-'));
    fs.mkdirSync(path.join(dir, 'drv', 'sub'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'rules', 'map-error-unchecked.bad.c'), path.join(dir, 'drv', 'bad.c'));
    fs.copyFileSync(path.join(FIXTURES, 'rules', 'dir-none.bad.c'), path.join(dir, 'drv', 'sub', 'none.h'));
    fs.copyFileSync(path.join(FIXTURES, 'rules', 'map-error-unchecked.good.c'), path.join(dir, 'good.c'));
    fs.writeFileSync(path.join(dir, 'drv', 'notes.txt'), 'dma_map_single(x);');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints gcc-style lines and exits 1 when there are findings', async () => {
    const o = io(dir);
    const code = await main(['check', 'drv'], o);
    assert.strictEqual(code, 1);
    const lines = o.stdout.trim().split('\n');
    assert.ok(lines.includes(`${path.join('drv', 'bad.c')}:12:8: info: The handle returned by dma_map_single() is used without dma_mapping_error(); test it before giving it to the device. [map-error-unchecked]`), o.stdout);
    assert.ok(lines.some((l) => l.startsWith(`${path.join('drv', 'sub', 'none.h')}:8:42: error:`) && l.endsWith('[dir-none]')));
    assert.ok(!o.stdout.includes('notes.txt'));
  });

  it('exits 0 on a clean file', async () => {
    const o = io(dir);
    assert.strictEqual(await main(['check', 'good.c'], o), 0);
    assert.strictEqual(o.stdout, '');
  });

  it('writes the JSON shape of design.md §5', async () => {
    const o = io(dir);
    assert.strictEqual(await main(['check', '--format', 'json', 'drv', 'good.c'], o), 1);
    const j = JSON.parse(o.stdout);
    assert.strictEqual(j.version, 1);
    assert.strictEqual(j.files, 3);
    assert.deepStrictEqual(j.errors, []);
    const f = j.findings.find((x: { rule: string }) => x.rule === 'map-error-unchecked');
    assert.deepStrictEqual(Object.keys(f).sort(), ['column', 'endColumn', 'endLine', 'file', 'fingerprint', 'function', 'line', 'message', 'related', 'rule', 'severity'].sort());
    assert.strictEqual(f.function, 'rxq_refill');
    assert.match(f.fingerprint, /^[0-9a-f]{16}:1$/);
    assert.strictEqual(f.file, path.join('drv', 'bad.c'));
    assert.strictEqual(f.line, 12);
  });

  it('writes SARIF 2.1.0 with rules and their help', async () => {
    const o = io(dir);
    await main(['check', '--format', 'sarif', 'drv'], o);
    const s = JSON.parse(o.stdout);
    assert.strictEqual(s.version, '2.1.0');
    assert.strictEqual(s.runs.length, 1);
    const rules = s.runs[0].tool.driver.rules;
    assert.strictEqual(rules.length, RULES.length);
    // the rule page is embedded (no web home to link to unless --docs-url is given)
    assert.ok(rules.every((r: { help: { markdown: string }; helpUri?: string }) => r.help.markdown.startsWith('# ') && r.helpUri === undefined));
    const res = s.runs[0].results;
    assert.ok(res.length >= 2);
    for (const r of res) {
      assert.strictEqual(rules[r.ruleIndex].id, r.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(r.level));
      assert.ok(r.locations[0].physicalLocation.region.startLine >= 1);
    }
  });

  it('filters with --rules and runs with --jobs', async () => {
    const o = io(dir);
    assert.strictEqual(await main(['check', '--rules', 'dir-none', '--format', 'json', 'drv'], o), 1);
    assert.deepStrictEqual([...new Set(JSON.parse(o.stdout).findings.map((f: { rule: string }) => f.rule))], ['dir-none']);
    const p = io(dir);
    assert.strictEqual(await main(['check', '--jobs', '2', '--format', 'json', 'drv', 'good.c'], p), 1);
    assert.strictEqual(JSON.parse(p.stdout).files, 3);
  });

  it('exits 2 with one line for usage and input errors, still checking the rest', async () => {
    for (const argv of [['check'], ['check', '--format', 'xml', 'drv'], ['check', '--rules', 'no-such-rule', 'drv'], ['check', '--jobs', '0', 'drv'], ['check', '--bogus', 'drv']]) {
      const o = io(dir);
      assert.strictEqual(await main(argv, o), 2, argv.join(' '));
      assert.ok(!/\n\s+at /.test(o.stderr), 'no stack trace');
    }
    const o = io(dir);
    assert.strictEqual(await main(['check', '--format', 'json', 'missing.c', 'drv'], o), 2);
    const j = JSON.parse(o.stdout);
    assert.ok(j.errors.some((e: { file: string }) => e.file === 'missing.c'));
    assert.ok(j.findings.length >= 2);
  });
});
