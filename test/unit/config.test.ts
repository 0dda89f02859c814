/** `.dma-scope.json`: parsing, validation, merging, excludes, the schema, and the CLI reading it. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ancestorDirs, configSchema, isExcluded, mergeConfigs, parseRepoConfig } from '../../src/analysis/config';
import { ConfigLoader } from '../../src/node/config';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/args';
import { RULES } from '../../src/analysis/checker';
import { FIXTURES, REPO_ROOT } from '../helpers';

function io(cwd: string): CliIO & { stdout: string; stderr: string } {
  const o = { stdout: '', stderr: '', errIsTTY: false, cwd, out(t: string) { o.stdout += t; }, err(t: string) { o.stderr += t; }, readStdin: async () => '' };
  return o;
}

describe('.dma-scope.json', () => {
  it('parses every key', () => {
    const r = parseRepoConfig(JSON.stringify({ rules: { 'map-leak': 'off', 'dir-none': 'info' }, exclude: ['gen/**'], maxFileSize: 100, platform: 'x86-iommu' }), '/r/.dma-scope.json');
    assert.deepStrictEqual(r.problems, []);
    assert.deepStrictEqual(r.config, { dir: '/r', rules: { 'map-leak': 'off', 'dir-none': 'info' }, exclude: ['gen/**'], maxFileSize: 100, platform: 'x86-iommu' });
  });

  it('names the file and key of each bad value and keeps the valid ones', () => {
    const r = parseRepoConfig(JSON.stringify({ rules: { 'map-leak': 'loud', 'no-such-rule': 'off', 'dir-none': 'off' }, maxFileSize: -1, platform: 'vax', exclud: [], exclude: ['ok', 3] }), 'a/.dma-scope.json');
    assert.strictEqual(r.fatal, false);
    assert.deepStrictEqual(r.problems.map((p) => `${p.file} ${p.key}`).sort(), [
      'a/.dma-scope.json exclud', 'a/.dma-scope.json exclude[1]', 'a/.dma-scope.json maxFileSize', 'a/.dma-scope.json platform',
      'a/.dma-scope.json rules.map-leak', 'a/.dma-scope.json rules.no-such-rule',
    ]);
    assert.deepStrictEqual(r.config.rules, { 'dir-none': 'off' });
    assert.deepStrictEqual(r.config.exclude, ['ok']);
    assert.strictEqual(r.config.maxFileSize, undefined);
    assert.match(r.problems.find((p) => p.key === 'rules.map-leak')!.message, /"off", "info", "warning", "error"/);
  });

  it('rejects text that is not a JSON object as a whole', () => {
    assert.strictEqual(parseRepoConfig('{ "rules": ', 'x/.dma-scope.json').fatal, true);
    assert.strictEqual(parseRepoConfig('[1]', 'x/.dma-scope.json').fatal, true);
    assert.match(parseRepoConfig('{,}', 'x/.dma-scope.json').problems[0].message, /^not valid JSON/);
  });

  it('merges outermost first: nearest wins per key, excludes accumulate', () => {
    const outer = parseRepoConfig('{"rules":{"map-leak":"off","dir-none":"info"},"maxFileSize":10,"exclude":["a/**"],"platform":"cvm"}', '/r/.dma-scope.json').config;
    const inner = parseRepoConfig('{"rules":{"dir-none":"error"},"exclude":["b.c"]}', '/r/drv/.dma-scope.json').config;
    const m = mergeConfigs([outer, inner]);
    assert.deepStrictEqual(m.rules, { 'map-leak': 'off', 'dir-none': 'error' });
    assert.strictEqual(m.maxFileSize, 10);
    assert.strictEqual(m.platform, 'cvm');
    assert.deepStrictEqual(m.exclude, [{ dir: '/r', glob: 'a/**' }, { dir: '/r/drv', glob: 'b.c' }]);
  });

  it('matches exclude globs relative to the config folder', () => {
    const c = mergeConfigs([parseRepoConfig('{"exclude":["gen/**","*_trace.c","/top.c","sub"]}', '/r/.dma-scope.json').config]);
    assert.ok(isExcluded(c, '/r/gen/x/y.c'));
    assert.ok(isExcluded(c, '/r/drv/foo_trace.c'));
    assert.ok(isExcluded(c, '/r/top.c'));
    assert.ok(!isExcluded(c, '/r/drv/top.c'), 'a leading / anchors the glob at the config folder');
    assert.ok(isExcluded(c, '/r/a/sub/z.c'), 'a folder name excludes what is below it');
    assert.ok(!isExcluded(c, '/r/drv/foo.c'));
    assert.ok(!isExcluded(c, '/other/gen/y.c'));
  });

  it('lists ancestor folders nearest first', () => {
    assert.deepStrictEqual(ancestorDirs('/a/b/c.c'), ['/a/b', '/a', '/']);
    assert.deepStrictEqual(ancestorDirs('a/c.c'), ['a']);
  });

  it('ships a schema generated from the rule registry', () => {
    const onDisk = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'dma-scope.schema.json'), 'utf8'));
    assert.deepStrictEqual(onDisk, JSON.parse(JSON.stringify(configSchema())), 'stale: run node scripts/sync-rule-settings.mjs');
    assert.strictEqual(Object.keys(onDisk.properties.rules.properties).length, RULES.length);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.deepStrictEqual(pkg.contributes.jsonValidation, [{ fileMatch: '.dma-scope.json', url: './schemas/dma-scope.schema.json' }]);
  });

  describe('in the CLI', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-config-'));
      fs.mkdirSync(path.join(dir, 'drv', 'gen'), { recursive: true });
      fs.copyFileSync(path.join(FIXTURES, 'rules', 'map-error-unchecked.bad.c'), path.join(dir, 'drv', 'bad.c'));
      fs.copyFileSync(path.join(FIXTURES, 'rules', 'dir-none.bad.c'), path.join(dir, 'drv', 'gen', 'none.c'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('applies severities and excludes from the nearest config merged with those above', async () => {
      fs.writeFileSync(path.join(dir, '.dma-scope.json'), JSON.stringify({ rules: { 'map-error-unchecked': 'info' }, exclude: ['gen'] }));
      let o = io(dir);
      assert.strictEqual(await main(['check', 'drv'], o), 1);
      assert.match(o.stdout, /bad\.c:12:8: info: .*\[map-error-unchecked\]/);
      assert.ok(!o.stdout.includes('none.c'), o.stdout);
      fs.writeFileSync(path.join(dir, 'drv', '.dma-scope.json'), JSON.stringify({ rules: { 'map-error-unchecked': 'off' } }));
      o = io(dir);
      assert.strictEqual(await main(['check', 'drv'], o), 0, o.stdout);
      assert.strictEqual(o.stdout, '');
    });

    it('reports a bad key with the file name and still checks', async () => {
      fs.writeFileSync(path.join(dir, 'drv', '.dma-scope.json'), JSON.stringify({ rules: { 'map-error-unchecked': 'loud' }, maxFileSize: 1 }));
      const o = io(dir);
      assert.strictEqual(await main(['check', path.join('drv', 'bad.c'), '--max-file-size', '0'], o), 1);
      assert.strictEqual(o.stderr, `dma-scope check: ${path.join('drv', '.dma-scope.json')}: rules.map-error-unchecked: must be one of "off", "info", "warning", "error", not "loud" (ignored)\n`);
      assert.match(o.stdout, /info: .*\[map-error-unchecked\]/, '--max-file-size on the command line wins over the config');
    });

    it('uses maxFileSize from the config', async () => {
      fs.writeFileSync(path.join(dir, '.dma-scope.json'), '{"maxFileSize": 10}');
      const o = io(dir);
      assert.strictEqual(await main(['check', path.join('drv', 'bad.c')], o), 0);
      assert.match(o.stderr, /over the 10-byte size limit/);
    });

    it('stops with exit 2 and one line on a config that is not JSON, before any output', async () => {
      fs.writeFileSync(path.join(dir, 'drv', '.dma-scope.json'), '{ "rules": ');
      const o = io(dir);
      assert.strictEqual(await main(['check', '--format', 'json', 'drv'], o), 2);
      assert.strictEqual(o.stdout, '');
      assert.strictEqual(o.stderr.split('\n').filter(Boolean).length, 1);
      assert.match(o.stderr, new RegExp(`^dma-scope check: ${path.join('drv', '.dma-scope.json').replace(/[.\\]/g, '\\$&')}: not valid JSON`));
    });

    it('gives simulate its default platform (after --platform and the trace\'s own platform line)', async () => {
      fs.writeFileSync(path.join(dir, '.dma-scope.json'), '{"platform": "x86-direct"}');
      const loader = new ConfigLoader(dir);
      assert.strictEqual(loader.forFile('drv/x.dmatrace').platform, 'x86-direct');
      assert.deepStrictEqual(loader.problems, []);
      fs.copyFileSync(path.join(REPO_ROOT, 'examples', 'traces', 'rx-without-sync.dmatrace'), path.join(dir, 'drv', 't.dmatrace'));
      let o = io(dir);
      await main(['simulate', path.join('drv', 't.dmatrace')], o);
      assert.match(o.stdout.split('\n')[0], / on x86-direct: /);
      o = io(dir);
      await main(['simulate', '--platform', 'all', path.join('drv', 't.dmatrace')], o);
      assert.match(o.stdout.split('\n')[0], /hazards per platform/);
    });
  });
});
