/*
 * The panel's fixed markup (header, tabs, replay controls, timeline, state, hazard list, matrix,
 * legend) and its input wiring: clicks and keys become PanelState actions.
 */
import { PLATFORMS } from '../../src/model/platforms';
import { PLATFORM_IDS, isPlatformId } from '../../src/model/platformIds';
import { byId, clear, el } from './dom';
import type { PanelState } from './state';

export function buildSkeleton(S: PanelState): void {
  const root = byId('app') ?? document.body.appendChild(el('div', { id: 'app' }));
  clear(root);
  const select = el('select', { id: 'platform', 'aria-label': 'Platform' });
  for (const id of PLATFORM_IDS) {
    const p = PLATFORMS[id];
    const o = el('option', { value: id }, `${p?.label ?? id}`);
    if (p?.description) o.title = p.description;
    select.append(o);
  }
  const header = el('header', { class: 'top' },
    el('h1', { id: 'title' }, 'DMA Scope'),
    el('label', { class: 'platform-picker', for: 'platform' }, 'Platform '),
    select,
    el('p', { id: 'platform-desc', class: 'muted' }),
    el('section', { id: 'stitched-box', 'aria-labelledby': 'stitched-h' },
      el('h2', { id: 'stitched-h' }, 'Functions stitched, in replay order'),
      el('ol', { id: 'stitched' })),
    el('details', { id: 'notes-box' },
      el('summary', { id: 'notes-summary', class: 'muted' }, 'How this lifecycle was extracted'),
      el('ul', { id: 'notes', class: 'muted' })),
  );
  const tabs = el('div', { role: 'tablist', 'aria-label': 'Views', class: 'tabs' },
    el('button', { id: 'tab-replay', role: 'tab', 'aria-controls': 'view-replay', type: 'button' }, 'Replay'),
    el('button', { id: 'tab-matrix', role: 'tab', 'aria-controls': 'view-matrix', type: 'button' }, 'Platform matrix'),
  );
  const controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Replay controls' },
    el('button', { id: 'btn-first', type: 'button', title: 'First step (Home)', 'aria-label': 'First step' }, '|◀'),
    el('button', { id: 'btn-back', type: 'button', title: 'Step back (←)', 'aria-label': 'Step back' }, '◀'),
    el('button', { id: 'btn-play', type: 'button', title: 'Play / pause (Space)', 'aria-label': 'Play' }, '▶ Play'),
    el('button', { id: 'btn-step', type: 'button', title: 'Step forward (→)', 'aria-label': 'Step forward' }, '▶'),
    el('button', { id: 'btn-last', type: 'button', title: 'Last step (End)', 'aria-label': 'Last step' }, '▶|'),
    el('input', { id: 'scrubber', type: 'range', min: '0', max: '0', value: '0', 'aria-label': 'Step' }),
    el('span', { id: 'step-label', 'aria-live': 'polite' }),
  );
  const replay = el('section', { id: 'view-replay', role: 'tabpanel', 'aria-labelledby': 'tab-replay' },
    controls,
    el('div', { class: 'replay-grid' },
      el('nav', { class: 'timeline-wrap', 'aria-label': 'Timeline' }, el('ol', { id: 'timeline' })),
      el('div', { class: 'state-wrap' },
        el('div', { id: 'current-op', class: 'current-op' }),
        el('div', { id: 'step-hazards', 'aria-live': 'polite' }),
        el('div', { id: 'state' }),
        legend(),
      ),
    ),
    el('section', { class: 'hazard-list', 'aria-labelledby': 'hazards-h' }, el('h2', { id: 'hazards-h' }, 'Hazards on this platform'), el('div', { id: 'hazards' })),
  );
  const matrix = el('section', { id: 'view-matrix', role: 'tabpanel', 'aria-labelledby': 'tab-matrix' },
    el('p', { id: 'matrix-summary' }),
    el('div', { id: 'matrix' }),
  );
  root.append(header, el('div', { id: 'errors', role: 'alert' }), tabs, replay, matrix);

  select.addEventListener('change', () => {
    if (isPlatformId(select.value)) S.setPlatform(select.value, true);
  });
  byId('tab-replay').addEventListener('click', () => S.setView('replay'));
  byId('tab-matrix').addEventListener('click', () => S.setView('matrix'));
  tabs.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const next = S.view === 'replay' ? 'matrix' : 'replay';
      S.setView(next);
      byId(`tab-${next}`).focus();
      e.preventDefault();
      e.stopPropagation();
    }
  });
  byId('btn-first').addEventListener('click', () => S.go(0));
  byId('btn-back').addEventListener('click', () => S.go(S.step - 1));
  byId('btn-step').addEventListener('click', () => S.go(S.step + 1));
  byId('btn-last').addEventListener('click', () => S.go(S.stepCount() - 1));
  byId('btn-play').addEventListener('click', () => S.togglePlay());
  const scrub = byId<HTMLInputElement>('scrubber');
  scrub.addEventListener('input', () => S.go(Number(scrub.value)));
  document.addEventListener('keydown', (e: KeyboardEvent) => onKey(S, e));
}

function legend(): HTMLElement {
  const item = (cls: string, sym: string, text: string) => el('li', {}, el('span', { class: `cell ${cls}`, 'aria-hidden': 'true' }, sym), ' ', text);
  return el('section', { id: 'legend', 'aria-label': 'Legend' },
    el('h2', {}, 'Legend'),
    el('ul', {},
      item('fresh', '✓', 'holds the newest version of every byte'),
      item('stale', '✗', 'holds an older version (stale)'),
      item('mixed', '◐', 'some bytes newest, some stale'),
      item('empty', '·', 'nothing here (invalid line, no slot)'),
      item('line-D fresh', 'D', 'cache line dirty (newer than RAM)'),
      item('line-S fresh', 'S', 'cache line clean (same as RAM when loaded)'),
      item('line-I empty', 'I', 'cache line invalid'),
    ),
  );
}

export function onKey(S: PanelState, e: KeyboardEvent): void {
  const t = e.target as HTMLElement | null;
  const tag = t?.tagName ?? '';
  if (tag === 'SELECT' || tag === 'TEXTAREA' || (tag === 'INPUT' && (t as HTMLInputElement).type !== 'range')) return;
  if (S.view !== 'replay') return;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
    if (tag === 'INPUT') return; // the scrubber moves itself and fires input
    S.go(S.step + 1);
    e.preventDefault();
  } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
    if (tag === 'INPUT') return;
    S.go(S.step - 1);
    e.preventDefault();
  } else if (e.key === 'Home') {
    S.go(0);
    e.preventDefault();
  } else if (e.key === 'End') {
    S.go(S.stepCount() - 1);
    e.preventDefault();
  } else if (e.key === ' ' || e.key === 'Spacebar') {
    // a focused button handles its own Space (click); elsewhere Space is play/pause
    if (tag === 'BUTTON' || t?.classList.contains('step')) return;
    S.togglePlay();
    e.preventDefault();
  }
}
