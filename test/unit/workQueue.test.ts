/** How `check --jobs N` hands files to its workers: every file once, one folder per worker while folders remain. */
import * as assert from 'assert';
import { FolderQueue } from '../../src/cli/workQueue';

describe('FolderQueue', () => {
  const files = ['a/1.c', 'a/2.c', 'a/3.c', 'b/1.c', 'b/2.c', 'c/1.c', 'c/2.c', 'c/3.c', 'c/4.c'];

  it('hands out every file exactly once, each worker staying in its folder until the folders run out', () => {
    const q = new FolderQueue(files);
    const w1 = { group: -1 };
    const w2 = { group: -1 };
    const got: [string, number][] = [];
    for (let i = q.take(w1), j = q.take(w2); i !== undefined || j !== undefined; i = q.take(w1), j = q.take(w2)) {
      if (i !== undefined) got.push(['w1', i]);
      if (j !== undefined) got.push(['w2', j]);
    }
    assert.deepStrictEqual(got.map(([, i]) => i).sort((x, y) => x - y), files.map((_, i) => i));
    const folders = (w: string): string[] => got.filter(([x]) => x === w).map(([, i]) => files[i].split('/')[0]);
    // w1 starts on a/, w2 on b/; w2 finishes b/ first and takes c/, then w1 (a/ done) takes c/'s last files from its end
    assert.deepStrictEqual(folders('w1'), ['a', 'a', 'a', 'c', 'c']);
    assert.deepStrictEqual(folders('w2'), ['b', 'b', 'c', 'c']);
    assert.deepStrictEqual(got.filter(([x]) => x === 'w1').map(([, i]) => i), [0, 1, 2, 8, 7]);
  });

  it('is empty for no files', () => {
    assert.strictEqual(new FolderQueue([]).take({ group: -1 }), undefined);
  });
});
