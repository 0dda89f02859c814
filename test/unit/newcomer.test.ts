/**
 * Issue 19 (a newcomer's first hour), §4–§8: references a user can follow, honest errors on nonsense
 * input, rule selection and help that do what they say, wording, and a clean `npm ci`.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import { CliIO } from '../../src/cli/args';
import { COMMANDS } from '../../src/cli/commands';
import { CHECK_OPTIONS } from '../../src/cli/commands/check';
import { RULES, checkSource } from '../../src/analysis/checker';
import { mappedWith } from '../../src/analysis/rules/shared/fixes';
import { notTextReason } from '../../src/node/checkFiles';
import { PLATFORM_IDS } from '../../src/model/platformIds';
import { testParser, FIXTURES, REPO_ROOT } from '../helpers';

type TestIO = CliIO & { stdout: string; stderr: string };
function io(cwd: string, stdin = ''): TestIO {
  const o: TestIO = {
    stdout: '',
    stderr: '',
    errIsTTY: false,
    cwd,
    out(t: string) { o.stdout += t; },
    err(t: string) { o.stderr += t; },
    readStdin: async () => stdin,
  };
  return o;
}

const DRIVER = `#include <linux/dma-mapping.h>
static int foo_tx(struct device *dev, void *buf, size_t len)
{
\tdma_addr_t h = dma_map_single(dev, buf, len, DMA_NONE);
\treturn 0;
}
`;

describe('issue 19 §4: no user-facing text cites the internal dma-model.md', () => {
  /** What users read: the README, docs/, examples/, package.json, and the strings the code prints. */
  function userFacing(): { file: string; text: string }[] {
    const out: { file: string; text: string }[] = [];
    const add = (rel: string): void => {
      const p = path.join(REPO_ROOT, rel);
      let text = fs.readFileSync(p, 'utf8');
      // in source, comments are for developers; string literals and template text are what users see
      if (/\.ts$/.test(rel)) text = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      out.push({ file: rel, text });
    };
    const walk = (dir: string, re: RegExp): void => {
      for (const e of fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel, re);
        else if (re.test(e.name)) add(rel);
      }
    };
    add('README.md');
    add('package.json');
    walk('docs', /\.md$/);
    walk('examples', /\.(md|c|h|dmatrace|log)$/);
    walk('src', /\.ts$/);
    walk('media', /\.ts$/);
    return out;
  }

  it('no README, rule page, example, setting or printed string names dma-model.md', () => {
    const files = userFacing();
    assert.ok(files.length > 80);
    for (const f of files) assert.ok(!/dma-model\.md/.test(f.text), `${f.file} cites dma-model.md`);
  });

  it('the user-facing domain page exists and cites the kernel documentation', () => {
    const page = fs.readFileSync(path.join(REPO_ROOT, 'docs/how-dma-works.md'), 'utf8');
    assert.match(page, /Documentation\/core-api\/dma-api-howto\.rst/);
    for (const id of PLATFORM_IDS) assert.ok(page.includes(`\`${id}\``), `platform ${id} is described`);
    assert.match(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'), /\(docs\/how-dma-works\.md\)/);
  });

  it('simulate names the platform, not an internal section', async () => {
    const o = io(REPO_ROOT);
    await main(['simulate', 'examples/traces/rx-without-sync.dmatrace', '--platform', 'arm64-noncoherent'], o);
    assert.match(o.stdout, /on arm64-noncoherent: /);
    assert.doesNotMatch(o.stdout, /§|dma-model/);
  });
});

describe('issue 19 §5: nonsense input is reported, never a silent success', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-newcomer-'));
    fs.writeFileSync(path.join(dir, 'drv.c'), DRIVER);
    // an ELF-like binary that happens to name the DMA API, under a .c name
    fs.writeFileSync(path.join(dir, 'binary.c'), Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), Buffer.from('dma_map_single\0DMA_NONE\0')]));
    // random bytes without a single NUL (so the NUL test alone would miss them)
    let seed = 7;
    const rnd = Buffer.alloc(600);
    for (let i = 0; i < rnd.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      rnd[i] = 1 + (seed >> 8) % 255;
    }
    fs.writeFileSync(path.join(dir, 'random.c'), rnd);
    fs.writeFileSync(path.join(dir, 'fix.patch'), `--- a/drv.c\n+++ b/drv.c\n@@ -4 +4 @@\n-\tdma_addr_t h = dma_map_single(dev, buf, len, DMA_NONE);\n+\tdma_addr_t h = dma_map_single(dev, buf, len, DMA_TO_DEVICE);\n`);
    fs.writeFileSync(path.join(dir, 'blob.dmatrace'), Buffer.from([0x23, 0x20, 0, 0xff, 0xfe, 10, 0x6d, 0x61, 0x70, 0, 1, 2]));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('tells text from binary data', () => {
    assert.strictEqual(notTextReason(Buffer.from(DRIVER)), undefined);
    assert.strictEqual(notTextReason(Buffer.from('/* Copyright J\xf6rg */\nint x;\n', 'latin1')), undefined, 'a Latin-1 comment is still text');
    assert.strictEqual(notTextReason(fs.readFileSync(path.join(dir, 'binary.c'))), 'binary data');
    assert.strictEqual(notTextReason(fs.readFileSync(path.join(dir, 'random.c'))), 'binary data');
  });

  for (const [name, file, why] of [
    ['a binary file named .c', 'binary.c', /skipped: not C source \(binary data\)/],
    ['random bytes', 'random.c', /skipped: not C source \(binary data\)/],
    ['a .patch', 'fix.patch', /skipped: not C source \(a \.patch file; only \*\.c and \*\.h files are checked\)/],
  ] as const) {
    it(`check on ${name}: one "skipped: not C source" entry, exit 2`, async () => {
      const j = io(dir);
      assert.strictEqual(await main(['check', '--format', 'json', '--jobs', '1', file], j), 2);
      const out = JSON.parse(j.stdout);
      assert.strictEqual(out.errors.length, 1);
      assert.strictEqual(out.errors[0].file, file);
      assert.match(out.errors[0].message, why);
      assert.strictEqual(out.files, 0);
      const t = io(dir);
      assert.strictEqual(await main(['check', file], t), 2);
      assert.strictEqual(t.stdout, '');
      assert.strictEqual(t.stderr.split('\n').filter(Boolean).length, 1);
      assert.match(t.stderr, new RegExp(`^dma-scope check: ${file.replace('.', '\\.')}: skipped: not C source`));
    });
  }

  it('check on C source next to nonsense: the findings count, the nonsense is listed', async () => {
    const j = io(dir);
    assert.strictEqual(await main(['check', '--format', 'json', '--jobs', '1', 'drv.c', 'fix.patch', 'random.c'], j), 1);
    const out = JSON.parse(j.stdout);
    assert.strictEqual(out.files, 1);
    assert.ok(out.findings.some((f: { rule: string }) => f.rule === 'dir-none'));
    assert.deepStrictEqual(out.errors.map((e: { file: string }) => e.file), ['fix.patch', 'random.c']);
  });

  it('check - reads one file from standard input, named by --stdin-filename', async () => {
    const o = io(dir, DRIVER);
    assert.strictEqual(await main(['check', '-', '--stdin-filename', 'drivers/foo/foo_tx.c'], o), 1);
    assert.match(o.stdout, /^drivers\/foo\/foo_tx\.c:4:\d+: error: .*\[dir-none\]$/m);
    const anon = io(dir, DRIVER);
    assert.strictEqual(await main(['check', '--format', 'json', '-'], anon), 1);
    assert.strictEqual(JSON.parse(anon.stdout).findings[0].file, '<stdin>');
    const bin = io(dir, '\0\x01\x02 dma_map_single');
    assert.strictEqual(await main(['check', '-'], bin), 2);
    assert.match(bin.stderr, /^dma-scope check: <stdin>: skipped: not C source \(binary data\)\n$/);
    const twice = io(dir, DRIVER);
    assert.strictEqual(await main(['check', '-', '-'], twice), 2);
    assert.match(twice.stderr, /^dma-scope check: standard input \(-\) can be given only once/);
  });

  it('simulate refuses binary input in one line, from a file or standard input', async () => {
    const f = io(dir);
    assert.strictEqual(await main(['simulate', 'blob.dmatrace'], f), 2);
    assert.strictEqual(f.stderr, 'dma-scope simulate: cannot read blob.dmatrace: not a trace (binary data)\n');
    assert.strictEqual(f.stdout, '');
    const s = io(dir, fs.readFileSync(path.join(dir, 'blob.dmatrace'), 'latin1'));
    assert.strictEqual(await main(['simulate', '-'], s), 2);
    assert.strictEqual(s.stderr, 'dma-scope simulate: cannot read standard input: not a trace (binary data)\n');
  });

  it('every error line of every command starts with "dma-scope <command>:"', async () => {
    fs.writeFileSync(path.join(dir, 'bad.dmatrace'), 'map buf 64 FROM_DEVICE\nfrobnicate\n');
    const cases: string[][] = [
      ['check', 'missing.c', 'fix.patch'],
      ['check', '--frobnicate', 'drv.c'],
      ['simulate', 'bad.dmatrace'],
      ['simulate', 'missing.dmatrace'],
      ['explain', 'not_a_dma_thing'],
      ['lifecycle', 'missing.c:3'],
      ['explain-log', 'missing.log'],
      ['rules', 'extra'],
    ];
    for (const argv of cases) {
      const o = io(dir);
      assert.strictEqual(await main(argv, o), 2, argv.join(' '));
      const lines = o.stderr.split('\n').filter(Boolean).filter((l) => !l.startsWith('Usage: '));
      assert.ok(lines.length >= 1, argv.join(' '));
      for (const l of lines) assert.ok(l.startsWith(`dma-scope ${argv[0]}: `), `${argv.join(' ')}: '${l}'`);
    }
  });
});

describe('issue 19 §6: rule selection, the rules list and --help', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-select-'));
    fs.writeFileSync(path.join(dir, 'drv.c'), `#include <linux/dma-map-ops.h>\n${DRIVER}`);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rulesOf = (o: TestIO): string[] => [...new Set<string>(JSON.parse(o.stdout).findings.map((f: { rule: string }) => f.rule))].sort();

  it('--enable turns an off-by-default rule on, keeping the default set', async () => {
    const d = io(dir);
    await main(['check', '--format', 'json', 'drv.c'], d);
    assert.ok(!rulesOf(d).includes('internal-header'), 'internal-header is off by default');
    assert.ok(rulesOf(d).includes('dir-none'));
    const e = io(dir);
    await main(['check', '--format', 'json', '--enable', 'internal-header', 'drv.c'], e);
    assert.deepStrictEqual(rulesOf(e), [...rulesOf(d), 'internal-header'].sort());
  });

  it('--disable turns a rule off; --rules runs only the rules listed', async () => {
    const d = io(dir);
    await main(['check', '--format', 'json', '--disable', 'dir-none', 'drv.c'], d);
    assert.ok(!rulesOf(d).includes('dir-none'));
    const r = io(dir);
    await main(['check', '--format', 'json', '--rules', 'internal-header', 'drv.c'], r);
    assert.deepStrictEqual(rulesOf(r), ['internal-header']);
    const both = io(dir);
    await main(['check', '--format', 'json', '--rules', 'dir-none,internal-header', '--disable', 'dir-none', 'drv.c'], both);
    assert.deepStrictEqual(rulesOf(both), ['internal-header']);
    const bad = io(dir);
    assert.strictEqual(await main(['check', '--enable', 'no-such-rule', 'drv.c'], bad), 2);
    assert.match(bad.stderr, /^dma-scope check: --enable: unknown rule no-such-rule/);
  });

  it('rules lists every rule with its default severity and title, as text and JSON', async () => {
    const t = io(dir);
    assert.strictEqual(await main(['rules'], t), 0);
    for (const r of RULES) {
      const sev = r.enabledByDefault === false ? 'off' : r.severity;
      assert.match(t.stdout, new RegExp(`^${r.id}\\s+${sev}\\s+${r.title.slice(0, 20).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'), r.id);
    }
    const j = io(dir);
    assert.strictEqual(await main(['rules', '--json'], j), 0);
    const list = JSON.parse(j.stdout) as { id: string; severity: string; enabledByDefault: boolean; title: string; doc: string }[];
    assert.deepStrictEqual(list.map((r) => r.id), RULES.map((r) => r.id));
    const ih = list.find((r) => r.id === 'internal-header')!;
    assert.strictEqual(ih.severity, 'off');
    assert.strictEqual(ih.enabledByDefault, false);
    assert.strictEqual(list.find((r) => r.id === 'map-error-unchecked')!.severity, 'info');
    for (const r of list) assert.ok(r.title.length > 10 && r.doc.endsWith(`/docs/rules/${r.id}.md`), r.id);
  });

  it('check --help prints every option, the exit codes and an example', async () => {
    const o = io(dir);
    assert.strictEqual(await main(['check', '--help'], o), 0);
    for (const opt of CHECK_OPTIONS) assert.ok(o.stdout.includes(opt.name), opt.name);
    for (const opt of ['--enable', '--disable', '--rules', '--format', '--jobs', '--stdin-filename', '--docs-url']) assert.ok(o.stdout.includes(opt), opt);
    assert.match(o.stdout, /Exit codes:\n\s+0 .*\n\s+1 .*\n\s+2 /);
    assert.match(o.stdout, /Examples?:\n\s+dma-scope check /);
  });

  it('every command has a --help with its options and exit codes', async () => {
    for (const c of COMMANDS) {
      const o = io(dir);
      assert.strictEqual(await main([c.name, '--help'], o), 0, c.name);
      assert.match(o.stdout, new RegExp(`^Usage: dma-scope ${c.name} `), c.name);
      assert.match(o.stdout, /Options:\n/, c.name);
      assert.match(o.stdout, /Exit codes:/, c.name);
      for (const opt of c.options ?? []) assert.ok(o.stdout.includes(opt.name), `${c.name} ${opt.name}`);
    }
  });

  it('the README documents --enable (not --rules) for turning a rule on', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    assert.match(readme, /check --enable <id>/);
    assert.doesNotMatch(readme, /--rules <id>` turn/);
  });

  it('the demo shows every rule the example driver README lists', async () => {
    const listed = [...fs.readFileSync(path.join(REPO_ROOT, 'examples/driver/README.md'), 'utf8').matchAll(/^\| `([a-z0-9-]+)`(?: \(and `([a-z0-9-]+)`)?/gm)]
      .flatMap((m) => [m[1], m[2]].filter(Boolean));
    assert.ok(listed.includes('internal-header') && listed.length >= 8, listed.join(' '));
    const steps = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'scripts/demo-steps.json'), 'utf8')) as [string, string[]][];
    const check = steps.find(([, argv]) => argv[0] === 'check')!;
    const o = io(REPO_ROOT);
    assert.strictEqual(await main([...check[1], '--format', 'json', '--jobs', '1'], o), 1);
    const shown = new Set(JSON.parse(o.stdout).findings.map((f: { rule: string }) => f.rule));
    for (const id of listed) assert.ok(shown.has(id), `the demo does not show ${id}`);
  });
});

describe('issue 19 §7: wording and facts', () => {
  it('a related location never says "with nents nents"', async () => {
    assert.strictEqual(mappedWith('nents', 'nents'), 'mapped here with `nents`');
    assert.strictEqual(mappedWith('size', 'RX_LEN'), 'mapped here with size `RX_LEN`');
    const text = fs.readFileSync(path.join(FIXTURES, 'rules/unmap-sg-nents.bad.c'), 'utf8');
    const r = checkSource(await testParser(), text, { file: 'drivers/foo/unmap-sg-nents.c' });
    const f = r.findings.find((x) => x.rule === 'unmap-sg-nents')!;
    assert.strictEqual(f.related[0].message, 'mapped here with `nents`');
  });

  it('package.json counts the platforms', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    assert.strictEqual(PLATFORM_IDS.length, 11);
    assert.match(pkg.description, /eleven DMA platforms/);
    assert.strictEqual(pkg.contributes.configuration.properties['dmaScope.platform'].enum.length, PLATFORM_IDS.length);
  });

  it('the README quick start shows checking your own driver and installing the .vsix', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const quick = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## In the editor'));
    assert.match(quick, /check <your driver folder>/);
    assert.match(quick, /code --install-extension dma-scope\.vsix/);
  });
});

describe('issue 19 §8: a clean npm ci', () => {
  it('every dependency with an install script is settled in allowScripts', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8'));
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([, p]) => p.hasInstallScript)
      .map(([k]) => k.replace(/^.*node_modules\//, ''));
    assert.ok(withScripts.includes('esbuild'), withScripts.join(' '));
    for (const name of withScripts) assert.ok(name in pkg.allowScripts, `${name} has an install script not covered by allowScripts`);
    // the build needs esbuild's binary check; tree-sitter-c's native build is not used (we load its wasm)
    assert.strictEqual(pkg.allowScripts.esbuild, true);
    assert.strictEqual(pkg.allowScripts['tree-sitter-c'], false);
  });
});
