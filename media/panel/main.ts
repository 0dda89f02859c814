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
import { parseHostMessage, WebviewMessage } from '../../src/model/panelProtocol';
import { createRenderer } from './render';
import { buildSkeleton } from './skeleton';
import { PanelState, PersistedState } from './state';

interface VsCodeApi {
  postMessage(m: WebviewMessage): void;
  getState(): unknown;
  setState(s: PersistedState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

function boot(): void {
  const vscode = acquireVsCodeApi();
  const S = new PanelState({ post: (m) => vscode.postMessage(m), save: (s) => vscode.setState(s) });
  S.render = createRenderer(S);
  buildSkeleton(S);
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = parseHostMessage(ev.data);
    if (!m) return;
    if (m.type === 'load') S.load(m.trace, m.platform, m.title, m.view);
    else if (m.type === 'platform') S.setPlatform(m.platform, false);
    else if (m.type === 'view') S.setView(m.view);
  });
  S.restore(vscode.getState());
  S.ready();
}

boot();
