/** Bad input never crashes the workflow parsers: configs, kbuild command lines, autoconf headers, patches, baselines. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import { parseRepoConfig, isExcluded, mergeConfigs } from '../../src/analysis/config';
import { parseAutoconf, parseKbuildFlags } from '../../src/cli/kbuildFlags';
import { InputError, patchChanges } from '../../src/cli/diff';
import { loadBaseline } from '../../src/cli/baseline';

describe('workflow parsers on arbitrary input', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-bad-'));
    fs.writeFileSync(path.join(dir, 'a.c'), 'int a;\nint b;\n');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('.dma-scope.json: any JSON value or text gives a config and problems, never an exception', () => {
    fc.assert(fc.property(fc.oneof(fc.json(), fc.string()), fc.array(fc.string(), { maxLength: 3 }), (text, files) => {
      const r = parseRepoConfig(text, '/r/.dma-scope.json');
      assert.ok(Array.isArray(r.problems));
      assert.ok(r.fatal ? r.problems.length === 1 : true);
      for (const f of files) isExcluded(mergeConfigs([r.config]), `/r/${f}`);
    }), { numRuns: 300 });
  });

  it('kbuild flags and autoconf: any arguments and any text', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.constantFrom('-D', '-U', '-I', '-include', '-isystem', '-Wp,', '-o', '--arch=', '-m64')), { maxLength: 20 }), fc.string(), (argv, text) => {
      const f = parseKbuildFlags(argv);
      assert.ok(f.files.every((x) => typeof x === 'string'));
      parseAutoconf(text);
    }), { numRuns: 300 });
  });

  it('patches: anything that is not a diff that applies is an InputError, nothing else', () => {
    const hunkish = fc.array(fc.oneof(fc.string(), fc.constantFrom('--- a/a.c', '+++ b/a.c', '@@ -1,2 +1,2 @@', '@@ -1 +1 @@', ' int a;', '-int b;', '+int c;', 'diff --git a/a.c b/a.c', '-- ', '\\ No newline at end of file')), { maxLength: 12 }).map((l) => l.join('\n'));
    fc.assert(fc.property(hunkish, (text) => {
      try {
        const r = patchChanges(dir, text, 'p');
        assert.ok(r.every((c) => c.lines.size > 0));
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
      }
    }), { numRuns: 300 });
  });

  it('baselines: any JSON is a Baseline or an InputError', () => {
    fc.assert(fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
      fs.writeFileSync(path.join(dir, 'b.json'), text);
      try {
        loadBaseline(dir, 'b.json');
      } catch (e) {
        assert.ok(e instanceof InputError, String(e));
      }
    }), { numRuns: 200 });
  });
});
