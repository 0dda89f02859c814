/**
 * The layering of design.md §2, as a test: ESLint (eslint.config.mjs: import-x/no-restricted-paths,
 * no-restricted-imports, import-x/no-cycle) reports nothing on src/ and media/, and each rule does fire
 * on a forbidden import, so the check can fail.
 */
import * as assert from 'assert';
import { ESLint } from 'eslint';
import { REPO_ROOT } from '../helpers';

describe('architecture: the import arrows of design.md §2', function () {
  // ESLint resolves every import of the tree (a few seconds; more on a loaded machine)
  this.timeout(180000);
  const eslint = new ESLint({ cwd: REPO_ROOT });

  async function messagesFor(filePath: string, text: string): Promise<string[]> {
    const [r] = await eslint.lintText(text, { filePath });
    return r.messages.map((m) => `${m.ruleId}: ${m.message}`);
  }

  it('src/ and media/ break no layer rule and have no import cycle', async () => {
    const results = await eslint.lintFiles(['src', 'media']);
    assert.ok(results.length > 100, `ESLint linted only ${results.length} files`);
    const problems = results.flatMap((r) => r.messages.map((m) => `${r.filePath.slice(REPO_ROOT.length + 1)}:${m.line}: ${m.ruleId}: ${m.message}`));
    assert.deepStrictEqual(problems, []);
  });

  it('fails on a Node built-in, on src/extension and on a package other than web-tree-sitter in src/analysis', async () => {
    const m = await messagesFor('src/analysis/probe.ts', "import * as fs from 'fs';\nimport { Services } from '../extension/services';\nimport * as ts from 'typescript';\nexport const probe = [fs, Services, ts];\n");
    assert.ok(m.some((x) => x.startsWith('no-restricted-imports:') && x.includes("'fs'")), m.join('\n'));
    assert.ok(m.some((x) => x.startsWith('import-x/no-restricted-paths:') && x.includes('../extension/services')), m.join('\n'));
    assert.ok(m.some((x) => x.startsWith('no-restricted-imports:') && x.includes("'typescript'")), m.join('\n'));
    // what src/analysis may import
    assert.deepStrictEqual(await messagesFor('src/analysis/probe.ts', "import { Parser } from 'web-tree-sitter';\nimport { lookup } from '../model/catalogue';\nexport const probe = [Parser, lookup];\n"), []);
  });

  it('fails on src/model importing src/analysis or vscode, and on media importing src/analysis', async () => {
    const m = await messagesFor('src/model/probe.ts', "import { RULES } from '../analysis/checker';\nimport * as vscode from 'vscode';\nexport const probe = [RULES, vscode];\n");
    assert.ok(m.some((x) => x.startsWith('import-x/no-restricted-paths:') && x.includes('../analysis/checker')), m.join('\n'));
    assert.ok(m.some((x) => x.startsWith('no-restricted-imports:') && x.includes("'vscode'")), m.join('\n'));
    const w = await messagesFor('media/panel/probe.ts', "import { RULES } from '../../src/analysis/checker';\nexport const probe = RULES;\n");
    assert.ok(w.some((x) => x.startsWith('import-x/no-restricted-paths:')), w.join('\n'));
  });

  it('fails on `vscode` outside src/extension and on importing src/extension from the CLI', async () => {
    const m = await messagesFor('src/cli/probe.ts', "import * as vscode from 'vscode';\nimport { Services } from '../extension/services';\nexport const probe = [vscode, Services];\n");
    assert.ok(m.some((x) => x.startsWith('no-restricted-imports:') && x.includes("'vscode'")), m.join('\n'));
    assert.ok(m.some((x) => x.startsWith('import-x/no-restricted-paths:') && x.includes('../extension/services')), m.join('\n'));
    assert.deepStrictEqual(await messagesFor('src/extension/probe.ts', "import * as vscode from 'vscode';\nexport const probe = vscode;\n"), []);
  });

  it('fails on a rule importing another rule, and on the checker naming an individual rule', async () => {
    const m = await messagesFor('src/analysis/rules/map-leak.ts', "import { rule as other } from './dir-none';\nimport { replaceFix } from './shared/fixes';\nimport type { Rule } from './types';\nexport const probe = [other, replaceFix];\nexport type R = Rule;\n");
    assert.strictEqual(m.length, 1, m.join('\n'));
    assert.ok(m[0].startsWith('import-x/no-restricted-paths:') && m[0].includes('./dir-none'), m[0]);
    const c = await messagesFor('src/analysis/checker.ts', "import { rule } from './rules/bypass-api';\nimport { RULES } from './rules';\nexport const probe = [rule, RULES];\n");
    assert.strictEqual(c.length, 1, c.join('\n'));
    assert.ok(c[0].includes('./rules/bypass-api'), c[0]);
    // the registry is where rules are named
    assert.deepStrictEqual(await messagesFor('src/analysis/rules/index.ts', "import { rule } from './map-leak';\nexport const probe = rule;\n"), []);
  });

  it('fails on an import cycle (ast.ts importing facts.ts, which imports ast.ts)', async () => {
    const m = await messagesFor('src/analysis/ast.ts', "import { analyzeFunction } from './facts';\nexport const probe = analyzeFunction;\n");
    assert.ok(m.some((x) => x.startsWith('import-x/no-cycle:')), m.join('\n'));
  });
});
