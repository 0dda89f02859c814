/*
 * The lifecycle panel's state and messaging, apart from the DOM: what is loaded, the replays
 * (simulated on first use), the matrix (computed after the first paint), the current step, the
 * view, play/pause, what is saved across reloads, and the messages to the host. Rendering is
 * asked for through PanelRenderer (render.ts in the page; a recorder in the unit tests).
 */
import { parseTrace, simulate } from '../../src/model/sim';
import type { SimResult, SimStep, Trace } from '../../src/model/sim/types';
import { PLATFORM_IDS, PlatformId, isPlatformId } from '../../src/model/platformIds';
import { MAX_TRACE_CHARS, PanelView, WebviewMessage, revealMessage } from '../../src/model/panelProtocol';
import { parseStitched, StitchedFunction } from '../../src/model/sim/stitched';

/** What survives a reload of the webview (vscode.setState). */
export interface PersistedState {
  trace: string;
  title: string;
  platform: PlatformId;
  step: number;
  view: PanelView;
}

export function isPersisted(s: unknown): s is PersistedState {
  if (typeof s !== 'object' || s === null) return false;
  const o = s as Record<string, unknown>;
  return typeof o.trace === 'string' && o.trace.length <= MAX_TRACE_CHARS && typeof o.title === 'string' && typeof o.platform === 'string' && isPlatformId(o.platform)
    && typeof o.step === 'number' && Number.isInteger(o.step) && (o.view === 'replay' || o.view === 'matrix');
}

/** The host side: messages to the extension and the saved state. */
export interface PanelHost {
  post(m: WebviewMessage): void;
  save(s: PersistedState): void;
}

/** What the state asks the page to redraw. */
export interface PanelRenderer {
  /** everything (a new trace, another platform) */
  all(): void;
  /** the current step, its hazards and state */
  step(): void;
  tabs(): void;
  play(): void;
  matrix(): void;
  /** a trace has been rendered (body[data-ready]) */
  loaded(): void;
  /** the matrix has been computed, or was dropped (body[data-matrix-ready]) */
  matrixReady(ready: boolean): void;
}

const NO_RENDER: PanelRenderer = { all() {}, step() {}, tabs() {}, play() {}, matrix() {}, loaded() {}, matrixReady() {} };

type Timer = ReturnType<typeof setTimeout>;

export class PanelState {
  trace = '';
  title = '';
  platform: PlatformId = 'arm64-noncoherent';
  step = 0;
  view: PanelView = 'replay';
  parsed: Trace | null = null;
  /** the functions a stitched trace was extracted from, in replay order (its header lists them) */
  stitched: StitchedFunction[] = [];
  /** replays with per-step snapshots, computed when a platform is first shown */
  replays = new Map<PlatformId, SimResult>();
  /** hazards only (no snapshots) on every platform, for the matrix; computed after the first paint */
  matrix: Record<PlatformId, SimResult> | null = null;
  error = '';
  /** set by the page once its renderer exists */
  render: PanelRenderer = NO_RENDER;
  private matrixTimer: Timer | null = null;
  private playing: Timer | null = null;

  constructor(private readonly host: PanelHost) {}

  get isPlaying(): boolean {
    return this.playing !== null;
  }

  stepCount(): number {
    return this.current()?.steps.length ?? 0;
  }

  persist(): void {
    this.host.save({ trace: this.trace, title: this.title, platform: this.platform, step: this.step, view: this.view });
  }

  load(trace: string, platform: PlatformId, title: string, view?: PanelView, step = 0): void {
    this.stopPlay();
    this.trace = trace;
    this.title = title;
    this.platform = platform;
    if (view) this.view = view;
    this.error = '';
    this.replays = new Map();
    this.matrix = null;
    if (this.matrixTimer !== null) clearTimeout(this.matrixTimer);
    this.matrixTimer = null;
    this.parsed = null;
    this.stitched = parseStitched(trace);
    this.render.matrixReady(false);
    const { trace: parsed, errors } = parseTrace(trace);
    if (errors.length) {
      const lines = trace.split('\n');
      this.error = errors.slice(0, 20).map((e) => {
        const src = (lines[e.line - 1] ?? '').trim();
        return `line ${e.line}: ${e.message}${src ? `\n    ${src.length > 200 ? `${src.slice(0, 199)}…` : src}` : ''}`;
      }).join('\n');
    } else {
      this.parsed = parsed;
    }
    this.step = Math.max(0, Math.min(step, this.stepCount() - 1));
    this.render.all();
    this.persist();
    this.render.loaded();
  }

  /** A saved state from before a reload, or nothing (then an empty page). */
  restore(saved: unknown): void {
    if (isPersisted(saved)) this.load(saved.trace, saved.platform, saved.title, saved.view, saved.step);
    else this.render.all();
  }

  /** The replay on the selected platform (simulated on first use). */
  current(): SimResult | undefined {
    if (!this.parsed || this.error) return undefined;
    let r = this.replays.get(this.platform);
    if (!r) {
      try {
        r = simulate(this.parsed, this.platform);
      } catch (e) {
        this.error = `the simulator failed: ${(e as Error)?.message ?? String(e)}`;
        return undefined;
      }
      this.replays.set(this.platform, r);
    }
    return r;
  }

  /** Every platform's hazards for the matrix; the replay is painted first, the matrix right after. */
  ensureMatrix(now: boolean): Record<PlatformId, SimResult> | null {
    if (this.matrix || !this.parsed || this.error) return this.matrix;
    if (!now) {
      if (this.matrixTimer === null) {
        this.matrixTimer = setTimeout(() => {
          this.matrixTimer = null;
          this.ensureMatrix(true);
          this.render.matrix();
        }, 30);
      }
      return null;
    }
    const all = {} as Record<PlatformId, SimResult>;
    try {
      for (const p of PLATFORM_IDS) all[p] = this.replays.get(p) ?? simulate(this.parsed, p, { snapshots: false });
    } catch (e) {
      this.error = `the simulator failed: ${(e as Error)?.message ?? String(e)}`;
      return null;
    }
    this.matrix = all;
    this.render.matrixReady(true);
    return all;
  }

  setPlatform(p: PlatformId, fromUser: boolean): void {
    if (p === this.platform && !fromUser) return;
    this.platform = p;
    this.step = Math.max(0, Math.min(this.step, this.stepCount() - 1));
    this.render.all();
    this.persist();
    if (fromUser) this.host.post({ type: 'platform', platform: p });
  }

  setView(v: PanelView): void {
    this.view = v;
    if (v === 'matrix' && !this.matrix) this.render.matrix();
    this.render.tabs();
    this.persist();
  }

  go(i: number): void {
    const n = this.stepCount();
    if (!n) return;
    const next = Math.max(0, Math.min(n - 1, i));
    if (next === this.step) return;
    this.step = next;
    this.render.step();
    this.persist();
  }

  togglePlay(): void {
    if (this.playing !== null) this.stopPlay();
    else this.startPlay();
  }

  startPlay(): void {
    if (!this.stepCount()) return;
    if (this.step >= this.stepCount() - 1) this.go(0);
    this.playing = setInterval(() => {
      if (this.step >= this.stepCount() - 1) this.stopPlay();
      else this.go(this.step + 1);
    }, 800);
    this.render.play();
  }

  stopPlay(): void {
    if (this.playing !== null) clearInterval(this.playing);
    this.playing = null;
    this.render.play();
  }

  /** Asks the host to show a step's source location (its `# src=`), when it has one. */
  reveal(s: SimStep): void {
    const m = revealMessage(s.source);
    if (m) this.host.post(m);
  }

  /** Asks the host to show where a stitched function starts. */
  revealFunction(f: StitchedFunction): void {
    const m = revealMessage({ file: f.file, line: f.line });
    if (m) this.host.post(m);
  }

  /** The host is ready for messages. */
  ready(): void {
    this.host.post({ type: 'ready' });
  }
}
