/* Everything the state asks the page to redraw (PanelRenderer), and the header: title, platform, errors, notes. */
import { PLATFORMS } from '../../src/model/platforms';
import { byId, clear, el } from './dom';
import { renderMatrix } from './matrix';
import { renderHazardList, renderPlay, renderStep, renderStitched, renderTabs, renderTimeline } from './replay';
import type { PanelRenderer, PanelState } from './state';

export function renderAll(S: PanelState): void {
  S.current(); // simulate first, so a simulator failure shows in #errors below
  byId('title').textContent = S.title || 'DMA Scope lifecycle';
  byId<HTMLSelectElement>('platform').value = S.platform;
  const p = PLATFORMS[S.platform];
  byId('platform-desc').textContent = p ? p.description : '';
  const errors = byId('errors');
  errors.textContent = S.error ? `This trace cannot be replayed:\n${S.error}` : '';
  errors.hidden = !S.error;
  const notes = byId('notes');
  clear(notes);
  // the trace's leading comments: where it came from, which path was followed, what was assumed
  // (a stitched trace lists its functions first; they have their own list below the title)
  const header = S.trace.split('\n').slice(0, S.stitched.length ? 60 : 12);
  for (const line of header) {
    const t = line.trim();
    if (!t.startsWith('#')) break;
    const text = t.replace(/^#+\s*/, '');
    if (text && !/^stitched \d+\/\d+: /.test(text)) notes.append(el('li', {}, text.length > 300 ? `${text.slice(0, 299)}…` : text));
  }
  renderStitched(S);
  byId('notes-box').hidden = !notes.childElementCount;
  // the summary line says what was assumed, so it is worth opening
  const path = Array.from(notes.children).map((li) => li.textContent ?? '').find((t) => t.startsWith('path:'));
  byId('notes-summary').textContent = `How this lifecycle was extracted${path ? ` — ${path.length > 90 ? `${path.slice(0, 89)}…` : path}` : ''}`;
  renderTabs(S);
  renderTimeline(S);
  renderHazardList(S);
  renderMatrix(S);
  renderStep(S);
}

export function createRenderer(S: PanelState): PanelRenderer {
  return {
    all: () => renderAll(S),
    step: () => renderStep(S),
    tabs: () => renderTabs(S),
    play: () => renderPlay(S),
    matrix: () => renderMatrix(S),
    loaded: () => {
      document.body.dataset.ready = '1';
    },
    matrixReady: (ready) => {
      if (ready) document.body.dataset.matrixReady = '1';
      else delete document.body.dataset.matrixReady;
    },
  };
}
