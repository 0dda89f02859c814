// Writes one `dmaScope.rules.<id>` setting per registered rule into package.json
// (run after adding a rule: `npx tsc -p . && node scripts/sync-rule-settings.mjs`).
// and the rule list of the .dma-scope.json schema into schemas/dma-scope.schema.json.
// test/unit/rule-settings.test.ts and test/unit/config.test.ts fail when either is out of date.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { ruleSettingsContribution } = require(join(root, 'out/src/analysis/ruleSettings.js'));
const pkgPath = join(root, 'package.json');
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
const props = pkg.contributes.configuration.properties;
for (const k of Object.keys(props)) if (k.startsWith('dmaScope.rules.') || k === 'dmaScope.rules') delete props[k];
Object.assign(props, ruleSettingsContribution());
writeFileSync(pkgPath, JSON.stringify(pkg, null, 2) + '\n');
console.log(`wrote ${Object.keys(ruleSettingsContribution()).length} rule settings into package.json`);
const { configSchema } = require(join(root, 'out/src/analysis/config.js'));
mkdirSync(join(root, 'schemas'), { recursive: true });
writeFileSync(join(root, 'schemas/dma-scope.schema.json'), JSON.stringify(configSchema(), null, 2) + '\n');
console.log('wrote schemas/dma-scope.schema.json');
