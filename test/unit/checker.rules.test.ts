/** Every registered rule: a bad fixture that fires at exact positions, a good fixture that stays silent, a doc page. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { testSession, FIXTURES, REPO_ROOT } from '../helpers';
import type { AnalysisSession } from '../../src/analysis/session';
import { RULES } from '../../src/analysis/checker';
import { AnalysisSession as Session } from '../../src/analysis/session';
import { nodeRuntime } from '../../src/node/wasm';
import { nodeHeaderHost } from '../../src/node/headerHost';
import { DRIVER_FIXTURES, runFolder } from '../driverFixtures';

/** One session for all fixtures, as the CLI uses one for a whole run (its caches see every fixture). */
let session: Promise<AnalysisSession> | undefined;
const fixtureSession = (): Promise<AnalysisSession> => (session ??= testSession());

const RULE_DIR = path.join(FIXTURES, 'rules');

/** `/* expect <rule> L:C <rule> L:C *\/` on the first line of a bad fixture. */
function expectations(text: string): string[] {
  const first = text.split('\n')[0];
  const m = /expect\s+(.*?)\s*\*\//.exec(first);
  assert.ok(m, 'bad fixture needs an expect header');
  const toks = m![1].split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i + 1 < toks.length; i += 2) out.push(`${toks[i]} ${toks[i + 1]}`);
  return out.sort();
}

describe('checker rules: fixtures', () => {
  for (const rule of RULES) {
    describe(rule.id, () => {
      // a driver-level rule's fixtures are multi-file drivers (test/fixtures/driver/<name>/, clean twins `<name>-clean`)
      if (rule.checkDriver && !rule.checkFunction && !rule.checkFile) {
        const folders = fs.readdirSync(DRIVER_FIXTURES).sort();
        let driverSession: Promise<Session> | undefined;
        const withHeaders = (): Promise<Session> => (driverSession ??= nodeRuntime().then((r) => Session.create(r, { headerHost: nodeHeaderHost() })));
        after(async () => driverSession && (await driverSession).dispose());
        it('fires at the exact line and column in the driver fixtures', async () => {
          let expectedCount = 0;
          for (const name of folders.filter((f) => !f.endsWith('-clean'))) {
            const run = await runFolder(await withHeaders(), name);
            for (const [f, want] of run.want) {
              const mine = want.filter((w) => w.startsWith(rule.id + ' '));
              expectedCount += mine.length;
              assert.deepStrictEqual((run.found.get(f) ?? []).filter((w) => w.startsWith(rule.id + ' ')), mine, `${name}/${f}`);
            }
            for (const d of run.driver.findings) assert.ok(d.message.length > 20 && d.end > d.start && d.related.length > 0);
          }
          assert.ok(expectedCount > 0, `no driver fixture expects ${rule.id}`);
        });
        it('stays silent on the clean twins', async () => {
          for (const name of folders.filter((f) => f.endsWith('-clean'))) {
            const run = await runFolder(await withHeaders(), name);
            for (const [f, found] of run.found) assert.deepStrictEqual(found.filter((w) => w.startsWith(rule.id + ' ')), [], `${name}/${f}`);
          }
        });
      } else {
      it('fires at the exact line and column on the bad fixture', async () => {
        const file = path.join(RULE_DIR, `${rule.id}.bad.c`);
        const text = fs.readFileSync(file, 'utf8');
        const opts = rule.enabledByDefault === false ? { rules: [rule.id] } : {};
        const r = (await fixtureSession()).check(text, { file: `drivers/foo/${rule.id}.c`, ...opts });
        assert.deepStrictEqual(r.errors, []);
        const got = r.findings.filter((f) => f.rule === rule.id).map((f) => `${f.rule} ${f.line}:${f.column}`).sort();
        assert.deepStrictEqual(got, expectations(text));
        for (const f of r.findings) assert.ok(f.message.length > 20 && f.end > f.start);
      });
      it('stays silent on the good fixture', async () => {
        const text = fs.readFileSync(path.join(RULE_DIR, `${rule.id}.good.c`), 'utf8');
        const severities = rule.enabledByDefault === false ? { [rule.id]: rule.severity } : undefined;
        const r = (await fixtureSession()).check(text, { file: `drivers/foo/${rule.id}.good.c`, severities });
        assert.deepStrictEqual(r.errors, []);
        assert.deepStrictEqual(r.findings.map((f) => `${f.rule} ${f.line}:${f.column}`), []);
      });
      }
      it('has a documentation page with what, why, examples and platforms', () => {
        const doc = path.join(REPO_ROOT, 'docs', 'rules', `${rule.id}.md`);
        assert.ok(fs.existsSync(doc), `missing ${doc}`);
        const md = fs.readFileSync(doc, 'utf8');
        assert.ok(md.startsWith(`# ${rule.id}`), 'page starts with the rule id');
        for (const h of ['## What', '## Why', '## Bad', '## Good', '## Platforms']) assert.ok(md.includes(h), `${rule.id}.md lacks ${h}`);
        assert.ok(/```c[\s\S]+```[\s\S]+```c[\s\S]+```/.test(md), 'has a bad and a good C example');
      });
    });
  }
});

describe('checker rules: tricky but correct kernel patterns stay silent', () => {
  const dir = path.join(FIXTURES, 'tricky');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.c'))) {
    it(f, async () => {
      const r = (await fixtureSession()).check(fs.readFileSync(path.join(dir, f), 'utf8'), { file: `drivers/net/foo/${f}` });
      assert.deepStrictEqual(r.errors, []);
      assert.deepStrictEqual(r.findings.map((x) => `${x.rule} ${x.line}:${x.column} ${x.message}`), []);
    });
  }
});

describe('checker rules: wave-2 findings point at what they are about', () => {
  // findings whose only location is the call itself (a constant argument, an unchecked return, a string literal
  // that is its own origin, a dma_need_sync() asked about address 0): how many each bad fixture has
  const WITH_RELATED = [
    'cpu-access-device-owned',
    'missing-sync-for-cpu',
    'missing-sync-for-device',
    'sync-after-unmap',
    'use-after-unmap',
    'alloc-null-unchecked',
    'mask-unchecked',
    'mask-64-fallback-dead',
    'pool-params',
    'pool-zalloc',
    'map-kmap',
    'map-resource-ram',
    'coherent-into-streaming',
    'free-coherent-atomic',
    'alloc-sleep-atomic',
    'cpu-writes-from-buffer',
    'dma-addr-truncation',
    'map-image',
    'nokmap-deref',
    'pool-destroy-busy',
    'bypass-api',
    'need-sync-cached',
    'skip-cpu-sync-misuse',
    'refill-without-sync',
    'partial-unwind',
    'cacheline-share',
  ];
  const ON_THEIR_OWN: Record<string, number> = { 'mask-unchecked': 2, 'pool-params': 3, 'dma-addr-truncation': 1, 'map-image': 1, 'need-sync-cached': 1 };
  for (const rule of RULES.filter((r) => WITH_RELATED.includes(r.id))) {
    it(`${rule.id}: every other finding carries a related location and a link-worthy message`, async () => {
      const text = fs.readFileSync(path.join(RULE_DIR, `${rule.id}.bad.c`), 'utf8');
      const r = (await fixtureSession()).check(text, { file: `drivers/foo/${rule.id}.c`, rules: [rule.id] });
      assert.ok(r.findings.length > 0);
      const alone = r.findings.filter((f) => !f.related.length);
      assert.strictEqual(alone.length, ON_THEIR_OWN[rule.id] ?? 0, alone.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n'));
      for (const f of r.findings) {
        for (const rel of f.related) assert.ok(rel.message.length > 5 && rel.line >= 1, `${rule.id}: related location without text`);
        // a message says what is wrong and what to do: a sentence with an imperative or a replacement
        assert.ok(/\b(use|call|map|sync|drop|unmap|give|declare|check|copy|allocate|ask|fill|test|free|move|mark|pass|keep|put|set|convert|take|pad)\b/i.test(f.message), `${rule.id}: no fix in "${f.message}"`);
      }
    });
  }
});
