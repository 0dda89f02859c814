/** The lifecycle panel's state and messaging (media/panel/state.ts), without a DOM. */
import * as assert from 'assert';
import { PanelRenderer, PanelState, PersistedState, isPersisted } from '../../media/panel/state';
import type { WebviewMessage } from '../../src/model/panelProtocol';
import { parseWebviewMessage } from '../../src/model/panelProtocol';

const TRACE = [
  '# path: the main path',
  'buffer b kmalloc 64                   # src=40',
  'dma_map_single b DMA_FROM_DEVICE      # src=drivers/net/foo.c:44',
  'dma_mapping_error b',
  'device_write b                        # src=47',
  'cpu_read b                            # src=48',
  'dma_unmap_single b DMA_FROM_DEVICE    # src=50',
  '',
].join('\n');

function setup(): { S: PanelState; posted: WebviewMessage[]; saved: PersistedState[]; drawn: string[] } {
  const posted: WebviewMessage[] = [];
  const saved: PersistedState[] = [];
  const drawn: string[] = [];
  const S = new PanelState({ post: (m) => posted.push(m), save: (s) => saved.push(s) });
  const rec = (what: string) => () => void drawn.push(what);
  const r: PanelRenderer = { all: rec('all'), step: rec('step'), tabs: rec('tabs'), play: rec('play'), matrix: rec('matrix'), loaded: rec('loaded'), matrixReady: (ready) => void drawn.push(`matrixReady:${ready}`) };
  S.render = r;
  return { S, posted, saved, drawn };
}

describe('panel state (media/panel/state.ts)', () => {
  it('load parses and replays on the selected platform, draws, saves, then reports loaded', () => {
    const { S, saved, drawn } = setup();
    S.load(TRACE, 'arm64-noncoherent', 'b in rx()');
    assert.strictEqual(S.error, '');
    assert.strictEqual(S.stepCount(), 6);
    assert.deepStrictEqual(drawn, ['play', 'matrixReady:false', 'all', 'loaded']);
    assert.deepStrictEqual(saved.at(-1), { trace: TRACE, title: 'b in rx()', platform: 'arm64-noncoherent', step: 0, view: 'replay' });
    assert.ok(S.current()!.hazards.some((h) => h.kind === 'STALE_CPU_READ'));
  });

  it('a step\'s reveal posts its source location (file when the trace names one); a step without src= posts nothing', () => {
    const { S, posted } = setup();
    S.load(TRACE, 'x86-direct', 't');
    const steps = S.current()!.steps;
    for (const s of steps) S.reveal(s);
    assert.deepStrictEqual(posted, [
      { type: 'reveal', line: 40 },
      { type: 'reveal', line: 44, file: 'drivers/net/foo.c' },
      { type: 'reveal', line: 47 },
      { type: 'reveal', line: 48 },
      { type: 'reveal', line: 50 },
    ]);
    // every message is one the host accepts as is
    for (const m of posted) assert.deepStrictEqual(parseWebviewMessage(m), m);
  });

  it('stepping clamps to the trace, redraws only the step and saves it', () => {
    const { S, saved, drawn } = setup();
    S.load(TRACE, 'x86-direct', 't');
    drawn.length = 0;
    S.go(99);
    assert.strictEqual(S.step, 5);
    S.go(-3);
    assert.strictEqual(S.step, 0);
    S.go(0); // no change: nothing drawn
    assert.deepStrictEqual(drawn, ['step', 'step']);
    assert.strictEqual(saved.at(-1)!.step, 0);
  });

  it('a platform picked by the user is told to the host; one set by the host is not echoed', () => {
    const { S, posted } = setup();
    S.load(TRACE, 'x86-direct', 't');
    S.go(4);
    S.setPlatform('cvm', true);
    S.setPlatform('arm64-coherent', false);
    S.setPlatform('arm64-coherent', false);
    assert.deepStrictEqual(posted, [{ type: 'platform', platform: 'cvm' }]);
    assert.strictEqual(S.platform, 'arm64-coherent');
    assert.strictEqual(S.step, 4, 'the step is kept across platforms');
    assert.deepStrictEqual([...S.replays.keys()], ['x86-direct', 'cvm', 'arm64-coherent']);
  });

  it('the matrix is computed once, on every platform, and reported ready', () => {
    const { S, drawn } = setup();
    S.load(TRACE, 'x86-direct', 't');
    const m = S.ensureMatrix(true)!;
    assert.strictEqual(Object.keys(m).length, 11);
    assert.strictEqual(m['x86-direct'], S.replays.get('x86-direct'), 'the replay already computed is reused');
    assert.strictEqual(S.ensureMatrix(true), m);
    assert.deepStrictEqual(drawn.filter((d) => d.startsWith('matrixReady')), ['matrixReady:false', 'matrixReady:true']);
    S.setView('matrix');
    assert.deepStrictEqual(drawn.slice(-1), ['tabs'], 'a computed matrix is not recomputed when its tab is shown');
  });

  it('a trace with errors shows them with the offending lines and replays nothing', () => {
    const { S } = setup();
    S.load('buffer b kmalloc 64\ncpu_reed b\n', 'x86-direct', 't');
    assert.match(S.error, /^line 2: unknown step 'cpu_reed'[^\n]*\n {4}cpu_reed b$/);
    assert.strictEqual(S.current(), undefined);
    assert.strictEqual(S.stepCount(), 0);
    assert.strictEqual(S.ensureMatrix(true), null);
  });

  it('restores only a well-formed saved state; play stops at the last step', () => {
    const { S, drawn } = setup();
    S.restore({ trace: TRACE, title: 't', platform: 'pdp11', step: 0, view: 'replay' });
    assert.deepStrictEqual(drawn, ['all']);
    assert.strictEqual(S.trace, '');
    assert.ok(!isPersisted({ trace: 'x', title: 't', platform: 'cvm', step: 1.5, view: 'replay' }));
    S.restore({ trace: TRACE, title: 't', platform: 'cvm', step: 3, view: 'matrix' });
    assert.strictEqual(S.platform, 'cvm');
    assert.strictEqual(S.step, 3);
    assert.strictEqual(S.view, 'matrix');
    S.go(5);
    S.togglePlay(); // at the end: starts over from the first step
    assert.ok(S.isPlaying);
    assert.strictEqual(S.step, 0);
    S.togglePlay();
    assert.ok(!S.isPlaying);
  });
});
