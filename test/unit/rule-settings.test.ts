import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { RULES } from '../../src/analysis/rules';
import { ruleSettingsContribution } from '../../src/analysis/ruleSettings';
import { REPO_ROOT } from '../helpers';

describe('rule settings in package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
  const props = pkg.contributes.configuration.properties as Record<string, unknown>;

  it('has one dmaScope.rules.<id> setting per registered rule, as generated', () => {
    const expected = ruleSettingsContribution();
    assert.strictEqual(Object.keys(expected).length, RULES.length);
    for (const [k, v] of Object.entries(expected)) {
      assert.deepStrictEqual(props[k], v, `${k} is missing or stale: run node scripts/sync-rule-settings.mjs`);
    }
    const extra = Object.keys(props).filter((k) => k.startsWith('dmaScope.rules.') && !(k in expected));
    assert.deepStrictEqual(extra, [], 'settings for rules that no longer exist');
  });

  it('does not also declare a dmaScope.rules object that overlaps the per-rule keys', () => {
    assert.ok(!('dmaScope.rules' in props));
  });
});
