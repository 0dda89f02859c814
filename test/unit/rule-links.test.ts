/**
 * Issue 19 §3: every rule link resolves. A rule id linked from the catalogue (hover, `explain`) is a shipped
 * rule with a page; links open the page bundled with the extension (VS Code), the installed page or one base
 * URL (CLI), or embed it (SARIF); nothing links to a web host the project does not own.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { allEntries, CATALOGUE_RULE_IDS } from '../../src/model/catalogue';
import { RULE_IDS } from '../../src/analysis/checker';
import { ruleSettingsContribution } from '../../src/analysis/ruleSettings';
import { OPEN_RULE_COMMAND } from '../../src/model/links';
import { ruleDocs, rulesDocDir } from '../../src/node/ruleDocs';
import { main } from '../../src/cli/main';
import { CliIO } from '../../src/cli/args';

const ROOT = path.resolve(__dirname, '../../..');
const PAGES = path.join(ROOT, 'docs/rules');

function io(stdin = ''): CliIO & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    errIsTTY: false,
    cwd: ROOT,
    out(t: string) { o.stdout += t; },
    err(t: string) { o.stderr += t; },
    readStdin: async () => stdin,
  };
  return o;
}

/** Every file a user reads or the extension shows, that could carry a link. */
function userFacingFiles(): string[] {
  const out = ['README.md', 'package.json', 'examples/driver/README.md'];
  for (const f of fs.readdirSync(PAGES)) out.push(`docs/rules/${f}`);
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|md)$/.test(e.name)) out.push(p);
    }
  };
  for (const d of ['src', 'media', 'docs']) walk(d);
  return [...new Set(out)].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

describe('rule links (issue 19 §3)', () => {
  it('every rule id linked from a catalogue entry is a shipped rule with a page', () => {
    const linked = new Set(allEntries().flatMap((e) => e.rules));
    assert.ok(linked.size > 30);
    for (const id of linked) {
      assert.ok(RULE_IDS.includes(id), `catalogue links '${id}', which is not a rule`);
      assert.ok(fs.existsSync(path.join(PAGES, `${id}.md`)), `catalogue links '${id}', which has no docs/rules page`);
    }
    // the allow-list of catalogue links is exactly the rule registry, so a new rule is linkable and a removed one is not
    assert.deepStrictEqual([...CATALOGUE_RULE_IDS].sort(), [...RULE_IDS].sort());
  });

  it('every rule has a page, and the CLI finds the installed pages', () => {
    const dir = rulesDocDir();
    assert.ok(dir && fs.existsSync(dir), 'docs/rules not found from the compiled CLI');
    for (const id of RULE_IDS) assert.ok(fs.existsSync(path.join(dir!, `${id}.md`)), `${id} has no page`);
    const docs = ruleDocs(undefined, {});
    assert.strictEqual(docs.location('map-leak'), path.join(dir!, 'map-leak.md'));
    assert.strictEqual(docs.url('map-leak'), undefined);
    assert.match(docs.text('map-leak')!, /^# /);
    assert.strictEqual(ruleDocs(undefined, { DMA_SCOPE_DOCS_URL: 'https://docs.example/r/' }).location('map-leak'), 'https://docs.example/r/map-leak.md');
    assert.strictEqual(ruleDocs('https://a.example/x', { DMA_SCOPE_DOCS_URL: 'https://b.example/' }).url('dir-none'), 'https://a.example/x/dir-none.md');
  });

  it('relative links in the docs resolve to shipped files, and pages turn rules on with --enable', () => {
    const pages = [...fs.readdirSync(PAGES).map((f) => path.join(PAGES, f)), path.join(ROOT, 'docs/how-dma-works.md')];
    for (const page of pages) {
      const text = fs.readFileSync(page, 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].replace(/#.*$/, '');
        if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const abs = path.resolve(path.dirname(page), target);
        assert.ok(abs.startsWith(path.join(ROOT, 'docs')), `${path.relative(ROOT, page)} links outside docs/: ${m[1]}`);
        assert.ok(fs.existsSync(abs), `${path.relative(ROOT, page)} links to a missing ${m[1]}`);
      }
      // --rules runs only the rules listed: a page must not offer it as the way to turn a rule on
      for (const m of text.matchAll(/--rules [a-z0-9-]+`/g)) {
        assert.match(text.slice(m.index! + m[0].length, m.index! + m[0].length + 20), /^ runs only/, `${path.relative(ROOT, page)}: ${m[0]}`);
      }
    }
  });

  it('no user-facing text links to the host the project does not own', () => {
    for (const f of userFacingFiles()) {
      const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
      assert.ok(!/github\.com\/dma-scope/.test(text), `${f} links to github.com/dma-scope`);
    }
  });

  it('rule settings link the bundled page through the open-rule command', () => {
    for (const [key, v] of Object.entries(ruleSettingsContribution())) {
      const id = key.replace('dmaScope.rules.', '');
      assert.ok((v as { markdownDescription: string }).markdownDescription.includes(`(command:${OPEN_RULE_COMMAND}?${encodeURIComponent(JSON.stringify([id]))})`), key);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    assert.ok(pkg.contributes.commands.some((c: { command: string }) => c.command === OPEN_RULE_COMMAND), 'the command is contributed (activates the extension)');
    const ignore = fs.readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, /^!docs\/rules\/\*\*$/m, 'the .vsix ships docs/rules');
    // rule pages link to the shared background page, so it ships too
    assert.match(ignore, /^!docs\/how-dma-works\.md$/m, 'the .vsix ships docs/how-dma-works.md');
  });

  it('the .vsix ships every bundle the build writes (but the test bundle)', () => {
    const allow = fs
      .readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => new RegExp(`^${l.slice(1).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}$`));
    const built: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const rel = `${dir}/${e.name}`;
        if (e.isDirectory()) walk(rel);
        else if (/\.(js|wasm)$/.test(e.name)) built.push(rel);
      }
    };
    walk('dist');
    assert.ok(built.includes('dist/web/server.js') && built.includes('dist/cli-main.js'), built.join(' '));
    const left = built.filter((f) => !f.startsWith('dist/test/') && !allow.some((re) => re.test(f)));
    assert.deepStrictEqual(left, [], 'bundles the .vsix would leave out');
  });

  it('explain prints installed page paths, or the configured base URL', async () => {
    const o = io();
    assert.strictEqual(await main(['explain', 'dma_map_single'], o), 0);
    const dir = rulesDocDir()!;
    assert.ok(o.stdout.includes(path.join(dir, 'map-error-unchecked.md')), o.stdout);
    const j = io();
    assert.strictEqual(await main(['explain', 'dma_map_single', '--json', '--docs-url', 'https://docs.example/rules'], j), 0);
    const rules = JSON.parse(j.stdout).rules as { id: string; url: string }[];
    assert.ok(rules.length > 3);
    for (const r of rules) assert.strictEqual(r.url, `https://docs.example/rules/${r.id}.md`);
  });

  it('SARIF embeds each rule page as help text and markdown', async () => {
    const o = io();
    await main(['check', '--format', 'sarif', '--jobs', '1', 'test/fixtures/rules/map-leak.bad.c'], o);
    const driver = JSON.parse(o.stdout).runs[0].tool.driver;
    assert.strictEqual(driver.rules.length, RULE_IDS.length);
    for (const r of driver.rules) {
      const page = fs.readFileSync(path.join(PAGES, `${r.id}.md`), 'utf8');
      assert.strictEqual(r.help.markdown, page, r.id);
      assert.strictEqual(r.help.text, page, r.id);
      assert.strictEqual(r.helpUri, undefined);
    }
    assert.ok(!JSON.stringify(driver).includes('github.com'));
    const u = io();
    await main(['check', '--format', 'sarif', '--jobs', '1', '--docs-url', 'https://docs.example/rules/', 'test/fixtures/rules/map-leak.bad.c'], u);
    assert.strictEqual(JSON.parse(u.stdout).runs[0].tool.driver.rules[0].helpUri, `https://docs.example/rules/${RULE_IDS[0]}.md`);
  });
});
