/*
 * The replay view: tabs, play button, the timeline of steps (each with its source line), the hazard
 * list, and the current step with its hazards and the picture of every buffer (buffer.ts).
 */
import { rewriteTraceLines, sourceLabel } from '../../src/model/sim';
import type { Hazard, SimStep } from '../../src/model/sim/types';
import { DATA_HAZARDS } from '../../src/model/sim/types';
import { PLATFORMS } from '../../src/model/platforms';
import { functionOf, STITCH_ROLE_LABEL } from '../../src/model/sim/stitched';
import { renderBuffer } from './buffer';
import { byId, clear, el } from './dom';
import type { PanelState } from './state';

export function renderTabs(S: PanelState): void {
  for (const v of ['replay', 'matrix'] as const) {
    const tab = byId(`tab-${v}`);
    const on = S.view === v;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    byId(`view-${v}`).hidden = !on;
  }
}

export function renderPlay(S: PanelState): void {
  const b = byId('btn-play');
  const playing = S.isPlaying;
  b.textContent = playing ? '⏸ Pause' : '▶ Play';
  b.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  b.setAttribute('aria-pressed', String(playing));
}

export function sourceLine(s: SimStep): number | undefined {
  return s.source?.line;
}

export function renderTimeline(S: PanelState): void {
  const ol = byId('timeline');
  clear(ol);
  const res = S.current();
  const scrub = byId<HTMLInputElement>('scrubber');
  scrub.max = String(Math.max(0, (res?.steps.length ?? 1) - 1));
  if (!res) return;
  let lastFn = 0;
  for (const s of res.steps) {
    const li = el('li', { class: 'step', tabindex: '-1', 'data-index': String(s.index), role: 'button' });
    const src = sourceLine(s);
    if (src !== undefined) li.dataset.line = String(src);
    // a stitched trace: which function each step comes from, named where a new one starts
    const fn = S.stitched.length ? functionOf(S.stitched, s.source) : undefined;
    if (fn) {
      li.dataset.fn = String(fn.index);
      if (fn.index !== lastFn) {
        li.classList.add('fn-start');
        li.append(el('span', { class: 'step-fn' }, `${fn.index}. ${fn.name}()`));
      }
      lastFn = fn.index;
    }
    const haz = s.hazards.length > 0;
    if (haz) li.classList.add('has-hazard');
    if (haz && s.hazards.some((h) => DATA_HAZARDS.includes(h.kind))) li.classList.add('data-hazard');
    li.append(
      el('span', { class: 'step-no' }, String(s.index + 1)),
      el('code', { class: 'step-text' }, s.text),
      el('span', { class: 'step-src' }, src !== undefined ? `${fn && s.source?.file && S.stitched.some((f) => f.file !== fn.file) ? `${s.source.file.split('/').pop()}:` : 'L'}${src}` : ''),
    );
    if (haz) li.append(el('span', { class: 'step-badge', title: s.hazards.map((h) => h.kind).join(', ') }, `⚠ ${s.hazards.map((h) => h.kind).join(', ')}`));
    li.title = s.source ? `Show ${s.source.file ? sourceLabel(s.source) : `line ${src}`} in the editor` : 'No source line';
    if (s.op === 'handoff') {
      // the buffer is kept past the function's return (a ring, a structure, the device): not a leak
      li.classList.add('handoff');
      li.title += ' · handed off: the driver keeps the buffer after this point, so it is not a leak at the end of the trace';
    }
    li.addEventListener('click', () => {
      S.go(s.index);
      S.reveal(s);
    });
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        S.go(s.index);
        S.reveal(s);
        e.preventDefault();
        e.stopPropagation();
      }
    });
    ol.append(li);
  }
}

/**
 * The simulator's texts name trace lines ("line 7"); next to the C source that reads as a source
 * line. Rewrite each mention of a step's trace line as "step k, source line n".
 */
function inSourceTerms(text: string, steps: SimStep[]): string {
  return rewriteTraceLines(text, steps, (st) => {
    const src = sourceLine(st);
    return `step ${st.index + 1}${src !== undefined ? `, source line ${src}` : ''}`;
  });
}

function hazardElement(S: PanelState, h: Hazard, steps: SimStep[]): HTMLElement {
  const s = steps[h.step];
  const src = s ? sourceLine(s) : undefined;
  const data = DATA_HAZARDS.includes(h.kind);
  const box = el('article', { class: `hazard ${data ? 'data' : 'contract'}`, 'data-kind': h.kind, 'data-step': String(h.step) });
  if (src !== undefined) box.dataset.line = String(src);
  const where = `step ${h.step + 1}${src !== undefined ? `, source line ${src}` : ''}${s ? ` — ${s.text}` : ''}`;
  const jump = el('button', { type: 'button', class: 'hazard-jump' }, where);
  jump.addEventListener('click', () => {
    S.setView('replay');
    S.go(h.step);
    if (s) S.reveal(s);
  });
  box.append(
    el('h3', {}, el('span', { class: 'hazard-icon', 'aria-hidden': 'true' }, data ? '✗ ' : '⚠ '), el('span', { class: 'hazard-kind' }, h.kind)),
    el('p', { class: 'hazard-where' }, jump),
    el('p', { class: 'hazard-detail' }, inSourceTerms(h.detail, steps)),
    el('p', { class: 'hazard-why' }, inSourceTerms(h.why, steps)),
  );
  return box;
}

export function renderHazardList(S: PanelState): void {
  const box = byId('hazards');
  clear(box);
  const res = S.current();
  if (!res) return;
  if (!res.hazards.length) {
    box.append(el('p', { class: 'no-hazard' }, `✓ No hazard on ${PLATFORMS[S.platform]?.label ?? S.platform}.`));
    return;
  }
  for (const h of res.hazards) box.append(hazardElement(S, h, res.steps));
}

export function renderStep(S: PanelState): void {
  const res = S.current();
  const n = res?.steps.length ?? 0;
  byId<HTMLInputElement>('scrubber').value = String(S.step);
  byId('step-label').textContent = n ? `Step ${S.step + 1} of ${n}` : 'No steps';
  for (const li of Array.from(byId('timeline').children) as HTMLElement[]) {
    const cur = Number(li.dataset.index) === S.step;
    li.classList.toggle('current', cur);
    li.tabIndex = cur ? 0 : -1;
    if (cur) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
    if (cur && typeof li.scrollIntoView === 'function') li.scrollIntoView({ block: 'nearest' });
  }
  for (const h of Array.from(document.querySelectorAll<HTMLElement>('#hazards .hazard'))) h.classList.toggle('current', Number(h.dataset.step) === S.step);
  const curFn = res && n ? functionOf(S.stitched, res.steps[S.step]?.source)?.index : undefined;
  for (const li of Array.from(byId('stitched').children) as HTMLElement[]) {
    const on = Number(li.dataset.index) === curFn;
    li.classList.toggle('current', on);
    if (on) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  const stepHaz = byId('step-hazards');
  clear(stepHaz);
  const state = byId('state');
  clear(state);
  const cur = byId('current-op');
  clear(cur);
  if (!res || !n) return;
  const s = res.steps[S.step];
  const src = sourceLine(s);
  cur.append(el('span', { class: 'muted' }, `Step ${s.index + 1}${s.source ? ` · ${s.source.file ? sourceLabel(s.source) : `line ${src}`}` : ''}: `), el('code', {}, s.text));
  for (const h of s.hazards) stepHaz.append(hazardElement(S, h, res.steps));
  for (const b of s.state.buffers) state.append(renderBuffer(b, s));
  if (!s.state.buffers.length) state.append(el('p', { class: 'muted' }, 'No buffer yet.'));
}

/** The functions of a stitched trace, in replay order, each with its role, place and why it was picked. */
export function renderStitched(S: PanelState): void {
  const ol = byId('stitched');
  clear(ol);
  byId('stitched-box').hidden = !S.stitched.length;
  for (const f of S.stitched) {
    const li = el('li', { class: `stitched-fn role-${f.role}`, 'data-index': String(f.index), 'data-file': f.file, 'data-line': String(f.line), 'data-role': f.role });
    const where = el('button', { type: 'button', class: 'fn-where', title: `Show ${f.name}() in the editor` }, `${f.file}:${f.line}`);
    where.addEventListener('click', () => S.revealFunction(f));
    li.append(
      el('code', { class: 'fn-name' }, `${f.name}()`), ' ',
      el('span', { class: 'fn-role' }, STITCH_ROLE_LABEL[f.role]), ' ',
      where,
      el('p', { class: 'fn-why muted' }, f.why),
    );
    ol.append(li);
  }
}
