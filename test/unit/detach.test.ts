/** What the session's long-lived stores keep must not hold the texts it was cut from (src/analysis/detach.ts). */
import * as assert from 'assert';
import * as v8 from 'v8';
import * as vm from 'vm';
import { detachString, detachStrings } from '../../src/analysis/detach';
import { BoundedCache } from '../../src/analysis/boundedCache';
import { DriverIndex } from '../../src/analysis/driverIndex';
import type { FileRecords } from '../../src/analysis/driverIndex/records';

/** the heap after a full collection (the flag set at run time, as mocha does not start node with it) */
function liveHeap(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** `n` texts of 1 MB each, made at run time (not literals), and a 40-character slice of each */
function slicesOfBigTexts(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const text = `/* file ${i} ${Math.random()} */\n` + 'static int f(void) { return 0; }\n'.repeat(32 * 1024);
    out.push(text.slice(3, 43)); // "file <i> <random>…": a different slice of each text
  }
  return out;
}

describe('detach', () => {
  it('keeps every value equal: strings, arrays, plain objects, Maps, Sets; frozen objects and class instances untouched', () => {
    const frozen = Object.freeze({ name: 'a_frozen_constant_name' });
    class Box { constructor(public s: string) {} }
    const box = new Box('a string inside a class instance');
    const v = { a: 'short', b: 'a longer string than thirteen', list: ['x', 'another long string here', 3, null], m: new Map([['a key longer than 13', { deep: 'value longer than 13 chars' }]]), s: new Set(['a set member longer than 13']), frozen, box, n: 7, u: undefined };
    const copy = JSON.parse(JSON.stringify({ ...v, m: [...v.m], s: [...v.s] }));
    const out = detachStrings(v);
    assert.strictEqual(out, v, 'detached in place');
    assert.deepStrictEqual(JSON.parse(JSON.stringify({ ...out, m: [...out.m], s: [...out.s] })), copy);
    assert.strictEqual(out.frozen, frozen);
    assert.strictEqual(out.box, box);
    assert.ok('u' in out);
    assert.strictEqual(detachString('a string of some length'), 'a string of some length');
  });

  // the stores are filled in functions of their own: a test's own frame may keep its locals (the slices) alive
  const fillCache = (cache: BoundedCache<{ name: string; names: Map<string, string> }>): void => {
    for (const s of slicesOfBigTexts(40)) {
      // set, then a refresh by get() with a slice of another big text as the key
      cache.set(s, { name: s, names: new Map([[s, s]]) }, 200);
      const another = s + '\n' + 'static int g(void) { return 1; }\n'.repeat(32 * 1024);
      assert.ok(cache.get(another.slice(0, s.length)));
    }
  };
  const fillIndex = (index: DriverIndex): void => {
    slicesOfBigTexts(40).forEach((s, i) => {
      const r: FileRecords = {
        file: `drv/f${i}.c`, functions: [s], suppressions: [],
        members: [{ key: `ring.${s}`, member: s, container: 'ring', role: 'map', call: 'dma_map_single', streaming: true, handle: s, function: s, at: { start: 0, end: 1 } }],
        helpers: [], calls: [],
      };
      assert.ok(index.setFile(r));
    });
  };

  it('a BoundedCache does not keep the texts its keys and values were sliced from', () => {
    const before = liveHeap();
    const cache = new BoundedCache<{ name: string; names: Map<string, string> }>(64 * 1024 * 1024);
    fillCache(cache);
    const held = liveHeap() - before;
    assert.strictEqual(cache.size, 40);
    // 80 texts of 1 MB: held, they would be > 40 MB; the entries themselves are a few KB
    assert.ok(held < 8 * 1024 * 1024, `the cache holds ${(held / 1048576).toFixed(1)} MiB`);
  });

  it('a DriverIndex does not keep the texts its records were cut from', () => {
    const before = liveHeap();
    const index = new DriverIndex('drv');
    fillIndex(index);
    const held = liveHeap() - before;
    assert.strictEqual(index.fileCount, 40);
    assert.ok(held < 8 * 1024 * 1024, `the index holds ${(held / 1048576).toFixed(1)} MiB`);
  });
});
