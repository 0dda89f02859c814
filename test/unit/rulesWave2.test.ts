/**
 * Wave-2 rules: each rule has test/fixtures/rules/<id>.bad.c, where every
 * finding is announced by a comment `expect: <text>` on the line above it
 * (the finding must start at that text, exact line and column, and nothing
 * else may be reported), and <id>.good.c, on which the rule must stay silent.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { checkSource, clearCheckCache } from '../../src/analysis/checker';
import { WAVE2_RULES } from '../../src/analysis/rules/wave2';
import { testParser, FIXTURES, REPO_ROOT } from '../helpers';

interface Expect { line: number; column: number; text: string }

function expectations(text: string): Expect[] {
  const lines = text.split('\n');
  const out: Expect[] = [];
  lines.forEach((l, i) => {
    const m = /expect: (.+?) \*\//.exec(l);
    if (!m) return;
    const target = lines[i + 1] ?? '';
    const col = target.indexOf(m[1]);
    if (col < 0) throw new Error(`expect text '${m[1]}' not on line ${i + 2}`);
    out.push({ line: i + 2, column: col + 1, text: m[1] });
  });
  return out;
}

describe('wave-2 rules', () => {
  for (const rule of WAVE2_RULES) {
    describe(rule.id, () => {
      const bad = path.join(FIXTURES, 'rules', `${rule.id}.bad.c`);
      const good = path.join(FIXTURES, 'rules', `${rule.id}.good.c`);
      it('has a doc page with the sections every rule page carries', () => {
        const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'rules', `${rule.id}.md`), 'utf8');
        for (const h of ['## What', '## Why', '## Bad', '## Good', '## Platforms']) assert.ok(doc.includes(h), `${rule.id}.md lacks ${h}`);
      });
      it('fires at the exact line and column on the bad fixture, and nowhere else', async () => {
        const p = await testParser();
        const text = fs.readFileSync(bad, 'utf8');
        const exp = expectations(text);
        assert.ok(exp.length > 0, 'the bad fixture announces no findings');
        clearCheckCache();
        const res = checkSource(p, text, { rules: [rule.id], file: bad });
        assert.deepStrictEqual(res.errors, []);
        const got = res.findings.map((f) => `${f.line}:${f.column}`);
        assert.deepStrictEqual(got, exp.map((e) => `${e.line}:${e.column}`), res.findings.map((f) => `${f.line}:${f.column} ${f.message}`).join('\n'));
        for (const f of res.findings) assert.strictEqual(f.rule, rule.id);
      });
      it('is silent on the good fixture', async () => {
        const p = await testParser();
        const text = fs.readFileSync(good, 'utf8');
        clearCheckCache();
        const res = checkSource(p, text, { rules: [rule.id], file: good });
        assert.deepStrictEqual(res.errors, []);
        assert.deepStrictEqual(res.findings.map((f) => `${f.line}:${f.column} ${f.message}`), []);
      });
    });
  }
});
