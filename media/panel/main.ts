/*
 * DMA Scope lifecycle panel (webview app, bundled to dist/media/panel.js).
 *
 * FOR THE E2E SUITE — stable hooks you can query inside the webview iframe:
 *   #title            the lifecycle's title (buffer and function)
 *   #platform         <select> of platform ids (value = PlatformId)
 *   #tab-replay, #tab-matrix   the two tabs (role=tab, aria-selected)
 *   #timeline .step   one per trace step; data-index, data-line (source line); .current = shown step;
 *                     .has-hazard when a hazard happens there
 *                     .handoff on a `handoff` step (the driver keeps the buffer past the trace)
 *   #step-label       "Step i of n"
 *   #hazards .hazard  every hazard of the selected platform: data-kind, data-step, data-line (source
 *                     line); .hazard-kind, .hazard-where, .hazard-detail, .hazard-why (the paragraph)
 *   #step-hazards .hazard   the hazards of the current step only
 *   #matrix table     rows tr[data-platform]; td.outcome[data-outcome=ok|violation|broken];
 *                     td[data-kind] cells; #matrix-summary (one sentence)
 *   #errors           trace parse errors (text)
 *   #notes li         the trace's header comments (where it was extracted from, the path followed),
 *                     inside <details id="notes-box"> (closed by default)
 *   body[data-ready="1"] once a trace has been rendered (the selected platform's replay);
 *   body[data-matrix-ready="1"] once the matrix has been computed (a moment later, or at once
 *                     when the matrix tab is shown).
 * The command: with the cursor on a dma_map_single, `dmaScope.replayLifecycle` opens this panel
 * (view type dmaScope.lifecycle, title "DMA: <buffer> in <function>()") on the platform of the
 * dmaScope.platform setting (default arm64-noncoherent); `dmaScope.showMatrix` opens it on the matrix.
 *
 * The host sends {type:'load', trace, platform, title} and the panel runs the
 * simulator itself. Everything from the host or the trace is written with
 * textContent / DOM APIs, never as HTML.
 */
import { parseTrace, simulate } from '../../src/model/sim';
import type { Hazard, HazardKind, SimResult, SimStep, BufferState, ByteRow, MappingView, IommuEntryView, Trace } from '../../src/model/sim/types';
import { HAZARD_KINDS, DATA_HAZARDS } from '../../src/model/sim/types';
import { PLATFORMS } from '../../src/model/platforms';
import { PLATFORM_IDS, PlatformId, isPlatformId } from '../../src/model/platformIds';
import { parseHostMessage, PanelView, WebviewMessage, MAX_TRACE_CHARS } from '../../src/model/panelProtocol';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PersistedState {
  trace: string;
  title: string;
  platform: PlatformId;
  step: number;
  view: PanelView;
}

const vscode: VsCodeApi = acquireVsCodeApi();

const model = {
  trace: '',
  title: '',
  platform: 'arm64-noncoherent' as PlatformId,
  step: 0,
  view: 'replay' as PanelView,
  parsed: null as Trace | null,
  /** replays with per-step snapshots, computed when a platform is first shown */
  replays: new Map<PlatformId, SimResult>(),
  /** hazards only (no snapshots) on every platform, for the matrix; computed after the first paint */
  matrix: null as Record<PlatformId, SimResult> | null,
  matrixTimer: null as number | null,
  error: '' as string,
  playing: null as number | null,
};

// ---------------------------------------------------------------------------
// DOM helpers (text only: no innerHTML anywhere)

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return e;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function clear(n: Element): void {
  while (n.firstChild) n.removeChild(n.firstChild);
}

function hex(n: number): string {
  return n < 0 ? '~0 (DMA_MAPPING_ERROR)' : `0x${n.toString(16)}`;
}

// ---------------------------------------------------------------------------
// Skeleton

function buildSkeleton(): void {
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
    if (isPlatformId(select.value)) setPlatform(select.value, true);
  });
  byId('tab-replay').addEventListener('click', () => setView('replay'));
  byId('tab-matrix').addEventListener('click', () => setView('matrix'));
  tabs.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const next = model.view === 'replay' ? 'matrix' : 'replay';
      setView(next);
      byId(`tab-${next}`).focus();
      e.preventDefault();
      e.stopPropagation();
    }
  });
  byId('btn-first').addEventListener('click', () => go(0));
  byId('btn-back').addEventListener('click', () => go(model.step - 1));
  byId('btn-step').addEventListener('click', () => go(model.step + 1));
  byId('btn-last').addEventListener('click', () => go(stepCount() - 1));
  byId('btn-play').addEventListener('click', () => togglePlay());
  const scrub = byId<HTMLInputElement>('scrubber');
  scrub.addEventListener('input', () => go(Number(scrub.value)));
  document.addEventListener('keydown', onKey);
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

// ---------------------------------------------------------------------------
// State changes

function stepCount(): number {
  return current()?.steps.length ?? 0;
}

function persist(): void {
  const s: PersistedState = { trace: model.trace, title: model.title, platform: model.platform, step: model.step, view: model.view };
  vscode.setState(s);
}

function load(trace: string, platform: PlatformId, title: string, view?: PanelView, step = 0): void {
  stopPlay();
  model.trace = trace;
  model.title = title;
  model.platform = platform;
  if (view) model.view = view;
  model.error = '';
  model.replays = new Map();
  model.matrix = null;
  if (model.matrixTimer !== null) window.clearTimeout(model.matrixTimer);
  model.matrixTimer = null;
  model.parsed = null;
  delete document.body.dataset.matrixReady;
  const { trace: parsed, errors } = parseTrace(trace);
  if (errors.length) {
    const lines = trace.split('\n');
    model.error = errors.slice(0, 20).map((e) => {
      const src = (lines[e.line - 1] ?? '').trim();
      return `line ${e.line}: ${e.message}${src ? `\n    ${src.length > 200 ? `${src.slice(0, 199)}…` : src}` : ''}`;
    }).join('\n');
  } else {
    model.parsed = parsed;
  }
  model.step = Math.max(0, Math.min(step, stepCount() - 1));
  renderAll();
  persist();
  document.body.dataset.ready = '1';
}


/** The replay on the selected platform (simulated on first use). */
function current(): SimResult | undefined {
  if (!model.parsed || model.error) return undefined;
  let r = model.replays.get(model.platform);
  if (!r) {
    try {
      r = simulate(model.parsed, model.platform);
    } catch (e) {
      model.error = `the simulator failed: ${(e as Error)?.message ?? String(e)}`;
      return undefined;
    }
    model.replays.set(model.platform, r);
  }
  return r;
}

/** Every platform's hazards for the matrix; the replay is painted first, the matrix right after. */
function ensureMatrix(now: boolean): Record<PlatformId, SimResult> | null {
  if (model.matrix || !model.parsed || model.error) return model.matrix;
  if (!now) {
    if (model.matrixTimer === null) {
      model.matrixTimer = window.setTimeout(() => {
        model.matrixTimer = null;
        ensureMatrix(true);
        renderMatrix();
      }, 30);
    }
    return null;
  }
  const all = {} as Record<PlatformId, SimResult>;
  try {
    for (const p of PLATFORM_IDS) all[p] = model.replays.get(p) ?? simulate(model.parsed, p, { snapshots: false });
  } catch (e) {
    model.error = `the simulator failed: ${(e as Error)?.message ?? String(e)}`;
    return null;
  }
  model.matrix = all;
  document.body.dataset.matrixReady = '1';
  return all;
}

function setPlatform(p: PlatformId, fromUser: boolean): void {
  if (p === model.platform && !fromUser) return;
  model.platform = p;
  model.step = Math.max(0, Math.min(model.step, stepCount() - 1));
  renderAll();
  persist();
  if (fromUser) vscode.postMessage({ type: 'platform', platform: p });
}

function setView(v: PanelView): void {
  model.view = v;
  if (v === 'matrix' && !model.matrix) renderMatrix();
  renderTabs();
  persist();
}

function go(i: number): void {
  const n = stepCount();
  if (!n) return;
  const next = Math.max(0, Math.min(n - 1, i));
  if (next === model.step) return;
  model.step = next;
  renderStep();
  persist();
}

function togglePlay(): void {
  if (model.playing !== null) stopPlay();
  else startPlay();
}

function startPlay(): void {
  if (!stepCount()) return;
  if (model.step >= stepCount() - 1) go(0);
  model.playing = window.setInterval(() => {
    if (model.step >= stepCount() - 1) stopPlay();
    else go(model.step + 1);
  }, 800);
  renderPlay();
}

function stopPlay(): void {
  if (model.playing !== null) window.clearInterval(model.playing);
  model.playing = null;
  renderPlay();
}

function onKey(e: KeyboardEvent): void {
  const t = e.target as HTMLElement | null;
  const tag = t?.tagName ?? '';
  if (tag === 'SELECT' || tag === 'TEXTAREA' || (tag === 'INPUT' && (t as HTMLInputElement).type !== 'range')) return;
  if (model.view !== 'replay') return;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') {
    if (tag === 'INPUT') return; // the scrubber moves itself and fires input
    go(model.step + 1);
    e.preventDefault();
  } else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') {
    if (tag === 'INPUT') return;
    go(model.step - 1);
    e.preventDefault();
  } else if (e.key === 'Home') {
    go(0);
    e.preventDefault();
  } else if (e.key === 'End') {
    go(stepCount() - 1);
    e.preventDefault();
  } else if (e.key === ' ' || e.key === 'Spacebar') {
    // a focused button handles its own Space (click); elsewhere Space is play/pause
    if (tag === 'BUTTON' || t?.classList.contains('step')) return;
    togglePlay();
    e.preventDefault();
  }
}

// ---------------------------------------------------------------------------
// Rendering

function renderAll(): void {
  current(); // simulate first, so a simulator failure shows in #errors below
  byId('title').textContent = model.title || 'DMA Scope lifecycle';
  byId<HTMLSelectElement>('platform').value = model.platform;
  const p = PLATFORMS[model.platform];
  byId('platform-desc').textContent = p ? `${p.section} ${p.description}` : '';
  const errors = byId('errors');
  errors.textContent = model.error ? `This trace cannot be replayed:\n${model.error}` : '';
  errors.hidden = !model.error;
  const notes = byId('notes');
  clear(notes);
  // the trace's leading comments: where it came from, which path was followed, what was assumed
  for (const line of model.trace.split('\n').slice(0, 12)) {
    const t = line.trim();
    if (!t.startsWith('#')) break;
    const text = t.replace(/^#+\s*/, '');
    if (text) notes.append(el('li', {}, text.length > 300 ? `${text.slice(0, 299)}…` : text));
  }
  byId('notes-box').hidden = !notes.childElementCount;
  // the summary line says what was assumed, so it is worth opening
  const path = Array.from(notes.children).map((li) => li.textContent ?? '').find((t) => t.startsWith('path:'));
  byId('notes-summary').textContent = `How this lifecycle was extracted${path ? ` — ${path.length > 90 ? `${path.slice(0, 89)}…` : path}` : ''}`;
  renderTabs();
  renderTimeline();
  renderHazardList();
  renderMatrix();
  renderStep();
}

function renderTabs(): void {
  for (const v of ['replay', 'matrix'] as const) {
    const tab = byId(`tab-${v}`);
    const on = model.view === v;
    tab.setAttribute('aria-selected', String(on));
    tab.tabIndex = on ? 0 : -1;
    byId(`view-${v}`).hidden = !on;
  }
}

function renderPlay(): void {
  const b = byId('btn-play');
  const playing = model.playing !== null;
  b.textContent = playing ? '⏸ Pause' : '▶ Play';
  b.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  b.setAttribute('aria-pressed', String(playing));
}

function sourceLine(s: SimStep): number | undefined {
  return s.source?.line;
}

function renderTimeline(): void {
  const ol = byId('timeline');
  clear(ol);
  const res = current();
  const scrub = byId<HTMLInputElement>('scrubber');
  scrub.max = String(Math.max(0, (res?.steps.length ?? 1) - 1));
  if (!res) return;
  for (const s of res.steps) {
    const li = el('li', { class: 'step', tabindex: '-1', 'data-index': String(s.index), role: 'button' });
    const src = sourceLine(s);
    if (src !== undefined) li.dataset.line = String(src);
    const haz = s.hazards.length > 0;
    if (haz) li.classList.add('has-hazard');
    if (haz && s.hazards.some((h) => DATA_HAZARDS.includes(h.kind))) li.classList.add('data-hazard');
    li.append(
      el('span', { class: 'step-no' }, String(s.index + 1)),
      el('code', { class: 'step-text' }, s.text),
      el('span', { class: 'step-src' }, src !== undefined ? `L${src}` : ''),
    );
    if (haz) li.append(el('span', { class: 'step-badge', title: s.hazards.map((h) => h.kind).join(', ') }, `⚠ ${s.hazards.map((h) => h.kind).join(', ')}`));
    li.title = src !== undefined ? `Show line ${src} in the editor` : 'No source line';
    if (s.op === 'handoff') {
      // the buffer is kept past the function's return (a ring, a structure, the device): not a leak
      li.classList.add('handoff');
      li.title += ' · handed off: the driver keeps the buffer after this point, so it is not a leak at the end of the trace';
    }
    li.addEventListener('click', () => {
      go(s.index);
      reveal(s);
    });
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        go(s.index);
        reveal(s);
        e.preventDefault();
        e.stopPropagation();
      }
    });
    ol.append(li);
  }
}

function reveal(s: SimStep): void {
  const line = sourceLine(s);
  if (line === undefined) return;
  const file = s.source?.file;
  vscode.postMessage(file ? { type: 'reveal', line, file } : { type: 'reveal', line });
}

/**
 * The simulator's texts name trace lines ("line 7"); next to the C source that reads as a source
 * line. Rewrite each mention of a step's trace line as "step k, source line n".
 */
function inSourceTerms(text: string, steps: SimStep[]): string {
  const byTraceLine = new Map<number, SimStep>();
  for (const st of steps) if (!byTraceLine.has(st.line)) byTraceLine.set(st.line, st);
  return text.replace(/\bline (\d+)\b/g, (m, n: string) => {
    const st = byTraceLine.get(Number(n));
    if (!st) return m;
    const src = sourceLine(st);
    return `step ${st.index + 1}${src !== undefined ? `, source line ${src}` : ''}`;
  });
}

function hazardElement(h: Hazard, steps: SimStep[]): HTMLElement {
  const s = steps[h.step];
  const src = s ? sourceLine(s) : undefined;
  const data = DATA_HAZARDS.includes(h.kind);
  const box = el('article', { class: `hazard ${data ? 'data' : 'contract'}`, 'data-kind': h.kind, 'data-step': String(h.step) });
  if (src !== undefined) box.dataset.line = String(src);
  const where = `step ${h.step + 1}${src !== undefined ? `, source line ${src}` : ''}${s ? ` — ${s.text}` : ''}`;
  const jump = el('button', { type: 'button', class: 'hazard-jump' }, where);
  jump.addEventListener('click', () => {
    setView('replay');
    go(h.step);
    if (s) reveal(s);
  });
  box.append(
    el('h3', {}, el('span', { class: 'hazard-icon', 'aria-hidden': 'true' }, data ? '✗ ' : '⚠ '), el('span', { class: 'hazard-kind' }, h.kind)),
    el('p', { class: 'hazard-where' }, jump),
    el('p', { class: 'hazard-detail' }, inSourceTerms(h.detail, steps)),
    el('p', { class: 'hazard-why' }, inSourceTerms(h.why, steps)),
  );
  return box;
}

function renderHazardList(): void {
  const box = byId('hazards');
  clear(box);
  const res = current();
  if (!res) return;
  if (!res.hazards.length) {
    box.append(el('p', { class: 'no-hazard' }, `✓ No hazard on ${PLATFORMS[model.platform]?.label ?? model.platform}.`));
    return;
  }
  for (const h of res.hazards) box.append(hazardElement(h, res.steps));
}

function renderStep(): void {
  const res = current();
  const n = res?.steps.length ?? 0;
  byId<HTMLInputElement>('scrubber').value = String(model.step);
  byId('step-label').textContent = n ? `Step ${model.step + 1} of ${n}` : 'No steps';
  for (const li of Array.from(byId('timeline').children) as HTMLElement[]) {
    const cur = Number(li.dataset.index) === model.step;
    li.classList.toggle('current', cur);
    li.tabIndex = cur ? 0 : -1;
    if (cur) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
    if (cur && typeof li.scrollIntoView === 'function') li.scrollIntoView({ block: 'nearest' });
  }
  for (const h of Array.from(document.querySelectorAll<HTMLElement>('#hazards .hazard'))) h.classList.toggle('current', Number(h.dataset.step) === model.step);
  const stepHaz = byId('step-hazards');
  clear(stepHaz);
  const state = byId('state');
  clear(state);
  const cur = byId('current-op');
  clear(cur);
  if (!res || !n) return;
  const s = res.steps[model.step];
  const src = sourceLine(s);
  cur.append(el('span', { class: 'muted' }, `Step ${s.index + 1}${src !== undefined ? ` · line ${src}` : ''}: `), el('code', {}, s.text));
  for (const h of s.hazards) stepHaz.append(hazardElement(h, res.steps));
  for (const b of s.state.buffers) state.append(renderBuffer(b, s));
  if (!s.state.buffers.length) state.append(el('p', { class: 'muted' }, 'No buffer yet.'));
}

// ---------------------------------------------------------------------------
// The picture of one buffer

type Fresh = 'fresh' | 'stale' | 'mixed' | 'empty';

/** Freshness of bytes [from, to) of a row, counting only bytes that belong to an object. */
function freshness(row: ByteRow | undefined, from: number, to: number, counted: (i: number) => boolean): { cls: Fresh; fresh: number; total: number } {
  if (!row) return { cls: 'empty', fresh: 0, total: 0 };
  let f = 0;
  let t = 0;
  for (let i = Math.max(0, from); i < Math.min(to, row.fresh.length); i++) {
    if (!counted(i)) continue;
    t++;
    if (row.fresh[i]) f++;
  }
  return { cls: t === 0 ? 'empty' : f === t ? 'fresh' : f === 0 ? 'stale' : 'mixed', fresh: f, total: t };
}

const SYM: Record<Fresh, string> = { fresh: '✓', stale: '✗', mixed: '◐', empty: '·' };
const MAX_CELLS = 64;

function renderBuffer(b: BufferState, step: SimStep): HTMLElement {
  const box = el('section', { class: 'buffer', 'data-buffer': b.name });
  const maps = b.mappings.map((id) => step.state.mappings.find((m) => m.id === id)).filter((m): m is MappingView => !!m);
  const live = maps.filter((m) => m.state !== 'RELEASED');
  const m = live[live.length - 1] ?? maps[maps.length - 1];
  box.append(el('h2', {}, el('code', {}, b.name), ` — ${b.kind}, ${b.size} bytes at ${hex(b.pa)}${b.status === 'freed' ? ' (freed)' : ''}`));
  const facts: string[] = [`CPU access: ${b.cpuAccess}`];
  if (m) facts.push(`mapping #${m.id}: ${m.dir}, ${m.path}, ${m.state}${m.errChecked ? '' : ', error not checked'}${m.handedOff ? ', handed off' : ''}, dma ${hex(m.dma)}`);
  box.append(el('p', { class: 'muted facts' }, facts.join(' · ')));
  const shown = b.start + b.length - b.pa;
  if (shown < b.size) box.append(el('p', { class: 'muted window-note' }, `Showing the first ${Math.max(0, shown)} of ${b.size} bytes (the simulator's view window).`));

  const lines = Math.max(1, Math.ceil(b.length / b.lineSize));
  const perCell = Math.max(1, Math.ceil(lines / MAX_CELLS));
  const cells = Math.ceil(lines / perCell);
  const cellBytes = perCell * b.lineSize;
  const inObject = (i: number) => b.objects.some((o) => i >= o.offset && i < o.offset + o.size);
  const bufOff = b.pa - b.start;

  const grid = el('table', { class: 'grid' });
  const head = el('tr', {}, el('th', { scope: 'col' }, ''));
  for (let c = 0; c < cells; c++) {
    const from = c * cellBytes;
    const names = b.objects.filter((o) => o.offset < from + cellBytes && o.offset + o.size > from).map((o) => o.name);
    head.append(el('th', { scope: 'col', class: 'col', title: `bytes ${from}–${from + cellBytes - 1} of the window: ${names.join(', ') || 'padding'}` }, perCell === 1 ? `L${c}` : `${c * perCell}…`));
  }
  grid.append(el('thead', {}, head));
  const body = el('tbody', {});
  const addRow = (label: string, title: string, cell: (c: number, from: number, to: number) => { cls: string; sym: string; tip: string }) => {
    const tr = el('tr', {}, el('th', { scope: 'row', title }, label));
    for (let c = 0; c < cells; c++) {
      const r = cell(c, c * cellBytes, (c + 1) * cellBytes);
      tr.append(el('td', { class: `cell ${r.cls}`, title: r.tip }, r.sym));
    }
    body.append(tr);
  };
  const freshCell = (row: ByteRow | undefined, off: number, what: string) => (_c: number, from: number, to: number) => {
    const f = freshness(row, from - off, to - off, (i) => inObject(i + off));
    return { cls: f.cls, sym: SYM[f.cls], tip: f.total ? `${what}: ${f.fresh} of ${f.total} bytes hold the newest version` : `${what}: nothing here` };
  };

  if (b.cache) {
    addRow('CPU cache', 'The CPU cache lines covering the buffer (I invalid, S clean, D dirty)', (c, from, to) => {
      const ls = b.cache!.slice(c * perCell, (c + 1) * perCell);
      const st = ls.some((l) => l.state === 'D') ? 'D' : ls.some((l) => l.state === 'S') ? 'S' : 'I';
      if (st === 'I') return { cls: 'empty line-I', sym: 'I', tip: 'invalid: a load goes to RAM' };
      let fresh = 0;
      let total = 0;
      ls.forEach((l, k) => {
        if (l.state === 'I') return;
        for (let i = 0; i < b.lineSize; i++) {
          const w = (c * perCell + k) * b.lineSize + i;
          if (w >= to || w < from || !inObject(w)) continue;
          total++;
          if (l.bytes.fresh[i]) fresh++;
        }
      });
      const cls: Fresh = total === 0 ? 'empty' : fresh === total ? 'fresh' : fresh === 0 ? 'stale' : 'mixed';
      return { cls: `${cls} line-${st}`, sym: `${st}${SYM[cls]}`, tip: `${st === 'D' ? 'dirty' : 'clean'} line: ${fresh} of ${total} bytes hold the newest version` };
    });
  } else {
    addRow('CPU view', `What a CPU load returns (${b.cpuAccess === 'uncached' ? 'uncached mapping' : 'the cache is kept coherent by snooping'})`, freshCell(b.cpuView, 0, 'CPU load'));
  }
  addRow('RAM', 'Main memory', freshCell(b.ram, 0, 'RAM'));
  if (m?.bounce) addRow('Bounce slot', `swiotlb slot at ${hex(m.bounce.addr)} (${m.bounce.size} bytes)`, freshCell(m.bounce.bytes, bufOff, 'bounce slot'));
  else addRow('Bounce slot', 'No swiotlb bounce slot for this buffer now', () => ({ cls: 'empty', sym: '·', tip: 'not bounced' }));
  if (m?.device && m.state !== 'RELEASED' && m.state !== 'FAILED') addRow('Device view', 'What a device read through the DMA address returns now', freshCell(m.device, bufOff, 'device read'));
  else addRow('Device view', 'The device has no live mapping of this buffer', () => ({ cls: 'empty', sym: '·', tip: 'no live mapping' }));
  grid.append(body);
  box.append(el('div', { class: 'grid-wrap' }, grid));

  const entries = step.state.iommu.filter((e) => maps.some((mm) => mm.id === e.mapping));
  box.append(el('p', { class: 'iommu' }, el('strong', {}, 'IOMMU: '), entries.length ? entries.map(iommuText).join('; ') : 'no entry (direct mapping or not mapped)'));
  return box;
}

function iommuText(e: IommuEntryView): string {
  return `IOVA ${hex(e.iova)} → ${hex(e.pa)} ${e.perm} ${e.status === 'mapped' ? 'mapped' : `stale IOTLB entry (flush pending${e.expiresIn !== undefined ? `, ${e.expiresIn} steps left` : ''})`}`;
}

// ---------------------------------------------------------------------------
// Matrix

/** A mapping still live when an extracted function returns is usually kept for the device on purpose. */
function endOfTraceLeak(h: Hazard): boolean {
  return h.kind === 'LEAK' && /end of the trace/.test(h.detail);
}

function outcome(r: SimResult): 'ok' | 'violation' | 'broken' {
  if (r.hazards.some((h) => DATA_HAZARDS.includes(h.kind) || h.kind === 'IOMMU_FAULT' || h.kind === 'USE_AFTER_UNMAP' || h.kind === 'USE_AFTER_FREE' || h.kind === 'MAP_ERROR_USED' || h.kind === 'INFO_LEAK')) return 'broken';
  return r.hazards.some((h) => !endOfTraceLeak(h)) ? 'violation' : 'ok';
}

function renderMatrix(): void {
  const box = byId('matrix');
  clear(box);
  const summary = byId('matrix-summary');
  summary.textContent = '';
  const results = ensureMatrix(model.view === 'matrix');
  if (!results) {
    if (model.parsed && !model.error) summary.textContent = 'Replaying on every platform…';
    return;
  }
  const kinds = HAZARD_KINDS.filter((k) => PLATFORM_IDS.some((p) => results[p]?.hazards.some((h) => h.kind === k)));
  const table = el('table', { class: 'matrix' });
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Platform'), el('th', { scope: 'col' }, 'Outcome'));
  for (const k of kinds) head.append(el('th', { scope: 'col', 'data-kind': k }, k));
  table.append(el('thead', {}, head));
  const body = el('tbody', {});
  const groups: Record<'ok' | 'violation' | 'broken', string[]> = { ok: [], violation: [], broken: [] };
  for (const p of PLATFORM_IDS) {
    const r = results[p];
    if (!r) continue;
    const o = outcome(r);
    groups[o].push(PLATFORMS[p]?.label ?? p);
    const tr = el('tr', { 'data-platform': p, tabindex: '0', class: p === model.platform ? 'selected' : '' });
    tr.append(el('th', { scope: 'row', title: PLATFORMS[p]?.description ?? '' }, PLATFORMS[p]?.label ?? p));
    const label = o === 'ok' ? (r.hazards.length ? '✓ works (still mapped at the end)' : '✓ works') : o === 'violation' ? '⚠ works by luck (contract violation)' : '✗ broken';
    tr.append(el('td', { class: `outcome ${o}`, 'data-outcome': o }, label));
    for (const k of kinds) {
      const hs = r.hazards.filter((h) => h.kind === k);
      const lines = [...new Set(hs.map((h) => sourceLine(r.steps[h.step]) ?? NaN).filter((x) => !Number.isNaN(x)))];
      const td = el('td', { 'data-kind': k, class: hs.length ? (DATA_HAZARDS.includes(k) ? 'hit data' : 'hit') : 'none' }, hs.length ? `${DATA_HAZARDS.includes(k) ? '✗' : '⚠'} ${lines.length ? lines.map((l) => `L${l}`).join(' ') : hs.length}` : '—');
      if (hs.length) td.title = hs.map((h) => h.detail).join('\n');
      tr.append(td);
    }
    const pick = () => {
      setPlatform(p, true);
      setView('replay');
    };
    tr.addEventListener('click', pick);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        pick();
        e.preventDefault();
      }
    });
    body.append(tr);
  }
  table.append(body);
  box.append(table);
  const parts: string[] = [];
  if (groups.ok.length) parts.push(`Works on ${groups.ok.join(', ')}.`);
  if (groups.violation.length) parts.push(`Works by luck (contract violation only) on ${groups.violation.join(', ')}.`);
  if (groups.broken.length) parts.push(`Broken on ${groups.broken.join(', ')}.`);
  summary.textContent = parts.join(' ');
}

// ---------------------------------------------------------------------------
// Boot

function isPersisted(s: unknown): s is PersistedState {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return typeof o.trace === 'string' && o.trace.length <= MAX_TRACE_CHARS && typeof o.title === 'string' && typeof o.platform === 'string' && isPlatformId(o.platform)
    && typeof o.step === 'number' && Number.isInteger(o.step) && (o.view === 'replay' || o.view === 'matrix');
}

function boot(): void {
  buildSkeleton();
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = parseHostMessage(ev.data);
    if (!m) return;
    if (m.type === 'load') load(m.trace, m.platform, m.title, m.view);
    else if (m.type === 'platform') setPlatform(m.platform, false);
    else if (m.type === 'view') setView(m.view);
  });
  const saved = vscode.getState();
  if (isPersisted(saved)) load(saved.trace, saved.platform, saved.title, saved.view, saved.step);
  else renderAll();
  vscode.postMessage({ type: 'ready' });
}

boot();
