/** The dmaScope.* settings parser shared by the extension and the language server. */
import * as assert from 'assert';
import { parseSettings, severitiesFromSettings, isExcluded, skipReason, DEFAULT_MAX_FILE_SIZE } from '../../src/analysis/settings';

describe('settings (dmaScope.*)', () => {
  it('reads rule severities from a rules object and from flat rules.<id> keys, ignoring bad values', () => {
    assert.deepStrictEqual(severitiesFromSettings({ rules: { 'map-error-unchecked': 'warning', 'dir-none': 'loud' } }), { 'map-error-unchecked': 'warning' });
    assert.deepStrictEqual(severitiesFromSettings({ 'rules.dir-none': 'off' }), { 'dir-none': 'off' });
    assert.deepStrictEqual(severitiesFromSettings(null), {});
    const get = (k: string) => (k === 'rules.double-unmap' ? 'info' : undefined);
    assert.deepStrictEqual(severitiesFromSettings({ rules: {} }, get), { 'double-unmap': 'info' });
  });
  it('fills defaults for missing or malformed values', () => {
    assert.deepStrictEqual(parseSettings(undefined), { severities: {}, exclude: [], maxFileSize: DEFAULT_MAX_FILE_SIZE });
    assert.deepStrictEqual(parseSettings({ exclude: ['a/**', 3], maxFileSize: -1, platform: 'cvm' }), { severities: {}, exclude: ['a/**'], maxFileSize: DEFAULT_MAX_FILE_SIZE, platform: 'cvm' });
  });
  it('matches exclude globs on relative or absolute paths', () => {
    assert.ok(isExcluded(['drivers/staging/**'], 'drivers/staging/x/y.c'));
    assert.ok(isExcluded(['*.h'], '/abs/dir/foo.h'));
    assert.ok(!isExcluded(['drivers/staging/**'], 'drivers/net/y.c'));
    assert.ok(!isExcluded([], 'anything.c'));
  });
  it('skips oversized and binary text', () => {
    assert.match(skipReason('x'.repeat(11), 10)!, /larger than dmaScope.maxFileSize/);
    assert.match(skipReason('a\u0000b', 10)!, /binary/);
    assert.strictEqual(skipReason('int x;', 10), undefined);
  });
});
