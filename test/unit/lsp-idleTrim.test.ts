/** The language server's idle-time heap trim (src/server/idleTrim.ts) and the Node trim it calls (src/node/memory.ts). */
import * as assert from 'assert';
import { IdleTrim } from '../../src/server/idleTrim';
import { nodeProcessMemory, trimIdleHeap } from '../../src/node/memory';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('language server: idle-time heap trim', () => {
  it('trims once after a quiet period; every poke restarts the wait', async () => {
    let trims = 0;
    const t = new IdleTrim(() => trims++, () => false, 40);
    t.poke();
    await sleep(25);
    t.poke(); // more work: the wait starts again
    await sleep(25);
    assert.strictEqual(trims, 0, 'not while work keeps coming');
    await sleep(40);
    assert.strictEqual(trims, 1);
    await sleep(60);
    assert.strictEqual(trims, 1, 'once per quiet period');
    t.dispose();
  });

  it('waits while a check is pending or running, and never trims after dispose', async () => {
    let trims = 0;
    let busy = true;
    const t = new IdleTrim(() => trims++, () => busy, 20);
    t.poke();
    await sleep(70);
    assert.strictEqual(trims, 0, 'busy: not yet');
    busy = false;
    await sleep(40);
    assert.strictEqual(trims, 1);
    t.poke();
    t.dispose();
    await sleep(40);
    assert.strictEqual(trims, 1);
  });

  it('Node: collects when the heap has grown by 32 MiB over what was live after the last trim, not before', () => {
    trimIdleHeap(); // the baseline: whatever the suite left
    const base = nodeProcessMemory();
    assert.strictEqual(trimIdleHeap(), false, 'no growth: no collection');
    // 64 arrays of 128 Ki small integers, 1 MiB each (not strings: a repeated string is a rope of shared halves)
    let held: number[][] | undefined = [];
    for (let i = 0; i < 64; i++) held.push(new Array<number>(128 * 1024).fill(i));
    assert.strictEqual(trimIdleHeap(), true, 'grown by 64 MiB');
    const after = nodeProcessMemory();
    assert.strictEqual(after.idleTrims, base.idleTrims + 1);
    assert.ok(after.liveAfterLastTrim >= base.liveAfterLastTrim + 60 * 1024 * 1024, 'what is still held counts as live');
    assert.strictEqual(held.length, 64);
    held = undefined;
    assert.strictEqual(trimIdleHeap(), false, 'nothing allocated since: no collection');
  });
});
