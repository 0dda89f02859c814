/** Conditional compilation: dead `#if` arms, known configurations, platform configurations. */
import * as assert from 'assert';
import fc from 'fast-check';
import * as fs from 'fs';
import * as path from 'path';
import { testParser, FIXTURES } from '../helpers';
import { checkSource, type CheckOptions } from '../../src/analysis/checker';
import { blankDeadConditionals, configCondition, platformDefines } from '../../src/analysis/preproc/conditionals';
import { mentionsPlatformConfig } from '../../src/analysis/preproc/platform';

const DIR = path.join(FIXTURES, 'preproc');

/** the lines (1-based) whose text survives blanking, trimmed, for `body` */
function kept(text: string, opts = {}): string[] {
  const r = blankDeadConditionals(text, opts);
  assert.strictEqual(r.text.length, text.length);
  assert.deepStrictEqual(r.text.split('\n').length, text.split('\n').length);
  return r.text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

async function findings(file: string, opts: CheckOptions = {}): Promise<string[]> {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const r = checkSource(await testParser(), text, { file: `drivers/foo/${file}`, ...opts });
  assert.deepStrictEqual(r.errors, []);
  return r.findings.map((f) => `${f.rule} ${f.line}:${f.column}`).sort();
}

describe('preprocessor conditionals', () => {

  it('blanks arms under a macro the file #undefs, #if 0, and the directives of decided blocks', () => {
    const t = '#define A 2\n#undef B\n#ifdef B\nb();\n#elif A > 1\na();\n#else\nc();\n#endif\n#if 0\nz();\n#endif\n';
    assert.deepStrictEqual(kept(t), ['#define A 2', '#undef B', 'a();']);
  });

  it('an #undef later in the file does not reach back to an earlier test', () => {
    const t = '#define B\n#ifdef B\nb();\n#endif\n#undef B\n#ifndef B\nnb();\n#endif\n';
    assert.deepStrictEqual(kept(t), ['#define B', 'b();', '#undef B', 'nb();']);
  });

  it('leaves macros alone that may come from elsewhere: CONFIG_, reserved, lower case, MODULE/DEBUG, local headers', () => {
    for (const name of ['CONFIG_PM', '__BIG_ENDIAN', 'writeq', 'MODULE', 'DEBUG']) {
      const t = `#ifdef ${name}\nx();\n#else\ny();\n#endif\n`;
      assert.deepStrictEqual(kept(t), [`#ifdef ${name}`, 'x();', '#else', 'y();', '#endif'], name);
    }
    const withHeader = '#include "foo.h"\n#ifdef FOO_FAST\nx();\n#endif\n';
    assert.deepStrictEqual(kept(withHeader), ['#include "foo.h"', '#ifdef FOO_FAST', 'x();', '#endif']);
    const unit = 'MODULE_LICENSE("GPL");\n';
    assert.deepStrictEqual(kept('#ifdef FOO_FAST\nx();\n#endif\n' + unit), [unit.trim()]);
    // without a licence/init/driver declaration the .c may be #included by another file that defines it
    assert.deepStrictEqual(kept('#ifdef FOO_FAST\nx();\n#endif\n'), ['#ifdef FOO_FAST', 'x();', '#endif']);
    // a header gets its macros from the file that includes it
    assert.deepStrictEqual(kept('#ifdef FOO_FAST\nx();\n#endif\n', { file: 'drivers/foo/foo.h' }), ['#ifdef FOO_FAST', 'x();', '#endif']);
    // a value read from a macro the file does not define is a header constant, not 0
    assert.deepStrictEqual(kept('#if FOO_RING_ORDER > 4\nx();\n#endif\n'), ['#if FOO_RING_ORDER > 4', 'x();', '#endif']);
    // kernel-wide header macros and ARCH_/HAVE_ families are never assumed undefined
    assert.deepStrictEqual(kept('#ifdef NET_IP_ALIGN\nx();\n#endif\n#ifndef ARCH_HAS_FOO\ny();\n#endif\n'), ['#ifdef NET_IP_ALIGN', 'x();', '#endif', '#ifndef ARCH_HAS_FOO', 'y();', '#endif']);
    assert.deepStrictEqual(blankDeadConditionals('#ifdef FOO_FAST\nx();\n#endif\n' + unit).assumedUndefined, ['FOO_FAST']);
  });

  it('decides CONFIG_ tests exactly from a known configuration (IS_ENABLED, IS_MODULE, defined, values)', () => {
    const t = '#if IS_ENABLED(CONFIG_A)\na();\n#endif\n#if IS_MODULE(CONFIG_B)\nb();\n#endif\n#if CONFIG_N > 4 && !defined(CONFIG_C)\nn();\n#endif\n#ifdef CONFIG_D\nd();\n#endif\n';
    const env = { macros: { CONFIG_A_MODULE: '1', CONFIG_B: '1', CONFIG_N: '8' }, macrosComplete: true };
    assert.deepStrictEqual(kept(t, env), ['a();', 'n();']);
    // without macrosComplete an unlisted option stays open
    assert.deepStrictEqual(kept('#ifdef CONFIG_D\nd();\n#endif\n', { macros: { CONFIG_A: '1' } }), ['#ifdef CONFIG_D', 'd();', '#endif']);
    // null: explicitly undefined
    assert.deepStrictEqual(kept('#ifdef CONFIG_D\nd();\n#else\ne();\n#endif\n', { macros: { CONFIG_D: null } }), ['e();']);
  });

  it('keeps the undecided arms of a partly decided block as alternatives', () => {
    const t = '#undef B\n#if defined(CONFIG_X)\nx();\n#elif defined(B)\nb();\n#else\ne();\n#endif\n';
    assert.deepStrictEqual(kept(t), ['#undef B', '#if defined(CONFIG_X)', 'x();', '#elif defined(B)', '#else', 'e();', '#endif']);
  });

  it('never decides a platform configuration, even when the configuration is known', () => {
    const t = '#if defined(CONFIG_ARM) && !defined(CONFIG_ARM_DMA_USE_IOMMU)\na();\n#else\nb();\n#endif\n';
    assert.deepStrictEqual(kept(t, { macros: {}, macrosComplete: true }), t.trim().split('\n'));
    for (const c of ['CONFIG_X86_64', 'CONFIG_ARM64', 'CONFIG_SWIOTLB', 'CONFIG_DMA_NONCOHERENT_MMAP', 'CONFIG_INTEL_IOMMU', 'CONFIG_IOMMU_API']) {
      assert.ok(mentionsPlatformConfig(`#ifdef ${c}`), c);
    }
    assert.ok(!mentionsPlatformConfig('#ifdef CONFIG_PM'));
    assert.deepStrictEqual([...platformDefines('#ifdef CONFIG_X86\n#define LEN 64\n#else\n#define LEN 128\n#endif\n#define OTHER 1\n')],
      [['LEN', '#ifdef CONFIG_X86']]);
  });

  it('decides C conditions made of IS_ENABLED() of known options, never platform ones', () => {
    const env = { macros: { CONFIG_A: '1', CONFIG_B_MODULE: '1' }, macrosComplete: true };
    assert.strictEqual(configCondition('(IS_ENABLED(CONFIG_A) && !IS_BUILTIN(CONFIG_B))', env), 1);
    assert.strictEqual(configCondition('(IS_MODULE(CONFIG_C) || IS_REACHABLE(CONFIG_D))', env), 0);
    assert.strictEqual(configCondition('(IS_ENABLED(CONFIG_A) && x)', env), undefined);
    assert.strictEqual(configCondition('(IS_ENABLED(CONFIG_X86))', env), undefined);
    assert.strictEqual(configCondition('(IS_ENABLED(CONFIG_A))', {}), undefined);
  });

  it('never throws and keeps every offset on unbalanced or garbage directives', () => {
    for (const t of ['#endif\n#else\n', '#if (\nx\n', '#if 1 +\n#endif', '#ifdef\n#endif\n', '#if defined(\n#elif\n#endif', '#if 1 ? : 2\n#endif', '#\\\n if 0\nx\n#endif']) {
      const r = blankDeadConditionals(t);
      assert.strictEqual(r.text.length, t.length, JSON.stringify(t));
    }
  });

  it('keeps every offset and newline on random directive soup (property)', () => {
    const piece = fc.constantFrom('#if ', '#ifdef ', '#ifndef ', '#elif ', '#else', '#endif', '#define ', '#undef ', 'defined(', ')', '(', '&&', '||', '!',
      'A', 'B', 'CONFIG_X86', 'CONFIG_PM', '0', '1', ' == ', '\\\n', '\n', '\r\n', 'x();', '/* c */', '// c', 'IS_ENABLED(', 'MODULE_LICENSE("GPL");');
    fc.assert(fc.property(fc.array(piece, { maxLength: 60 }), fc.boolean(), (parts, complete) => {
      const t = parts.join('');
      const r = blankDeadConditionals(t, { macros: { A: '1', CONFIG_PM: null }, macrosComplete: complete });
      assert.strictEqual(r.text.length, t.length);
      for (let i = 0; i < t.length; i++) if (t[i] === '\n' || t[i] === '\r') assert.strictEqual(r.text[i], t[i]);
      // blanking is stable: a second pass blanks nothing more that was not blank
      const again = blankDeadConditionals(r.text, { macros: { A: '1', CONFIG_PM: null }, macrosComplete: complete });
      assert.strictEqual(again.text.length, t.length);
    }), { numRuns: 300 });
  });

  it('a check under a macro the file #undefs or never defines is not a check; undecided arms are alternatives', async () => {
    const text = fs.readFileSync(path.join(DIR, 'dead-check.bad.c'), 'utf8');
    const want = /expect\s+(.*?)\s*\*\//.exec(text)![1].split(/\s+/);
    const pairs: string[] = [];
    for (let i = 0; i + 1 < want.length; i += 2) pairs.push(`${want[i]} ${want[i + 1]}`);
    assert.deepStrictEqual(await findings('dead-check.bad.c'), pairs.sort());
    assert.deepStrictEqual(await findings('dead-check.good.c'), []);
  });

  it('decides branches exactly when the configuration is known', async () => {
    // unknown configuration: the check may be compiled, the #else arm is an alternative
    assert.deepStrictEqual(await findings('config-known.c'), ['unmap-dir-mismatch 42:40']);
    // nothing enabled: the check is dead, the #else arm is the code
    // (and `if (IS_ENABLED(CONFIG_FOO_STRICT_DMA))` in C is decided the same way: line 50)
    assert.deepStrictEqual(await findings('config-known.c', { macros: {}, macrosComplete: true }),
      ['map-error-unchecked 12:11', 'map-error-unchecked 50:11', 'unmap-dir-mismatch 42:40']);
    // both enabled: the check is compiled and the #else arm is dead
    assert.deepStrictEqual(await findings('config-known.c', { macros: { CONFIG_FOO_STRICT_DMA: '1', CONFIG_FOO_DIRECT: '1' } }), []);
  });
});
