/** Which documents the extension checks: dmaScope.exclude globs and dmaScope.maxFileSize (the server's src/analysis/settings.ts; the size limit in src/extension/fileFilter.ts). */
import * as assert from 'assert';
import { withinSizeLimit } from '../../src/extension/fileFilter';
import { globToRegExp } from '../../src/analysis/config';
import { isExcluded as excludedBy } from '../../src/analysis/settings';

/** dmaScope.exclude as the language server applies it: the workspace-relative path and the URI's path. */
const isExcluded = (rel: string, uriPath: string, globs: string[]): boolean => excludedBy(globs, rel, uriPath);

describe('extension: dmaScope.exclude', () => {
  it('`*` stays inside one path segment, `**` crosses them, `?` is one character', () => {
    assert.ok(globToRegExp('*.c').test('foo.c'));
    assert.ok(globToRegExp('*.c').test('drivers/net/foo.c'), 'a glob without a slash matches the file name in any folder');
    assert.ok(!globToRegExp('drivers/*.c').test('drivers/net/foo.c'));
    assert.ok(globToRegExp('drivers/**/*.c').test('drivers/net/eth/foo.c'));
    assert.ok(globToRegExp('drivers/**').test('drivers/net/foo.c'));
    assert.ok(globToRegExp('foo?.c').test('foo1.c'));
    assert.ok(!globToRegExp('foo?.c').test('foo12.c'));
    assert.ok(!globToRegExp('foo?.c').test('foo/.c'));
  });

  it('matches at a path-segment boundary, and treats regex characters literally', () => {
    assert.ok(!globToRegExp('oo.c').test('foo.c'));
    assert.ok(!globToRegExp('a.c').test('abc'));
    assert.ok(globToRegExp('gen+(x).c').test('out/gen+(x).c'));
  });

  it('tries the workspace-relative path (backslashes normalised) and the URI path', () => {
    assert.strictEqual(isExcluded('drivers\\staging\\foo.c', '/ws/drivers/staging/foo.c', ['drivers/staging/**']), true);
    assert.strictEqual(isExcluded('foo.c', '/home/me/generated/foo.c', ['**/generated/**']), true);
    assert.strictEqual(isExcluded('drivers/net/foo.c', '/ws/drivers/net/foo.c', ['drivers/staging/**', '*.h']), false);
    assert.strictEqual(isExcluded('drivers/net/foo.h', '/ws/drivers/net/foo.h', ['drivers/staging/**', '*.h']), true);
    assert.strictEqual(isExcluded('drivers/net/foo.c', '/ws/drivers/net/foo.c', []), false);
  });
});

describe('extension: dmaScope.maxFileSize', () => {
  it('analyses a document up to the limit and not beyond', () => {
    assert.strictEqual(withinSizeLimit(2 * 1024 * 1024, 2 * 1024 * 1024), true);
    assert.strictEqual(withinSizeLimit(2 * 1024 * 1024 + 1, 2 * 1024 * 1024), false);
    assert.strictEqual(withinSizeLimit(0, 0), true);
    assert.strictEqual(withinSizeLimit(1, 0), false);
  });
});
