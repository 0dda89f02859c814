/**
 * The standalone replay page: the lifecycle panel (dist/media/panel.js and
 * panel.css) inlined into one HTML file with the trace, for editors without
 * webviews and for bug reports. No network and no VS Code: a small host shim
 * stands in for `acquireVsCodeApi` and hands the panel its `load` message when
 * the panel says `ready`, exactly as the extension's panel host does. It works
 * from file:// and keeps the panel's CSP discipline: `default-src 'none'` and
 * every inline script and style allowed by its sha256 hash only.
 *
 * Used by `dma-scope replay --html` and by the language server's "Replay
 * lifecycle" command.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { HostMessage, PanelView } from '../model/panelProtocol';
import { MAX_TITLE_CHARS, MAX_TRACE_CHARS } from '../model/panelProtocol';
import type { PlatformId } from '../model/platformIds';

export interface ReplayPageInput {
  trace: string;
  title: string;
  platform: PlatformId;
  view?: PanelView;
  /** where the trace came from (shown in the page footer), e.g. `drivers/net/foo.c:412` */
  source?: string;
}

export interface PanelAssets {
  script: string;
  css: string;
}

function candidates(): string[] {
  // bundled: dist/cli.js → dist/media; compiled tests: out/src/node → <root>/dist/media
  return [path.join(__dirname, 'media'), ...['..', '../..', '../../..'].map((up) => path.join(__dirname, up, 'dist', 'media'))];
}

/** Reads the built panel bundle and stylesheet (next to the CLI bundle, or in dist/ of the repo). */
export function readPanelAssets(): PanelAssets {
  for (const dir of candidates()) {
    const js = path.join(dir, 'panel.js');
    const css = path.join(dir, 'panel', 'panel.css');
    if (fs.existsSync(js) && fs.existsSync(css)) return { script: fs.readFileSync(js, 'utf8'), css: fs.readFileSync(css, 'utf8') };
  }
  throw new Error('cannot find the panel bundle (media/panel.js) next to the program; rebuild with `npm run build`');
}

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** Text that cannot close the element it is inlined in, nor open an HTML comment in a script. */
function inlineSafe(s: string, tag: 'script' | 'style'): string {
  return s.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Defaults for the --vscode-* variables the panel's stylesheet reads (a
 * webview gets them from the VS Code theme): light and dark, following the
 * system's colour scheme.
 */
const THEME = `:root {
  --vscode-font-family: system-ui, -apple-system, "Segoe UI", sans-serif; --vscode-font-size: 13px;
  --vscode-editor-font-family: ui-monospace, "DejaVu Sans Mono", monospace;
  --vscode-foreground: #3b3b3b; --vscode-editor-background: #ffffff; --vscode-descriptionForeground: #717171;
  --vscode-focusBorder: #005fb8; --vscode-errorForeground: #c72e0f; --vscode-testing-iconPassed: #388a34;
  --vscode-editorWarning-foreground: #9a6700; --vscode-panel-border: #e5e5e5; --vscode-input-background: #ffffff;
  --vscode-input-foreground: #3b3b3b; --vscode-input-border: #cecece; --vscode-button-background: #005fb8;
  --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #0258a8; --vscode-button-secondaryBackground: #e5e5e5;
  --vscode-button-secondaryForeground: #3b3b3b; --vscode-list-activeSelectionBackground: #e8e8e8;
  --vscode-list-activeSelectionForeground: #000000; --vscode-list-hoverBackground: #f2f2f2; --vscode-textLink-foreground: #005fb8;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --vscode-foreground: #cccccc; --vscode-editor-background: #1f1f1f; --vscode-descriptionForeground: #9d9d9d;
    --vscode-focusBorder: #0078d4; --vscode-errorForeground: #f85149; --vscode-testing-iconPassed: #73c991;
    --vscode-editorWarning-foreground: #cca700; --vscode-panel-border: #2b2b2b; --vscode-input-background: #313131;
    --vscode-input-foreground: #cccccc; --vscode-input-border: #3c3c3c; --vscode-button-background: #0078d4;
    --vscode-button-foreground: #ffffff; --vscode-button-hoverBackground: #026ec1; --vscode-button-secondaryBackground: #313131;
    --vscode-button-secondaryForeground: #cccccc; --vscode-list-activeSelectionBackground: #04395e;
    --vscode-list-activeSelectionForeground: #ffffff; --vscode-list-hoverBackground: #2a2d2e; --vscode-textLink-foreground: #4daafc;
  }
}
#standalone-footer { margin-top: 2em; font-size: 0.9em; color: var(--vscode-descriptionForeground); }
#standalone-footer pre { white-space: pre-wrap; overflow-wrap: anywhere; font-family: var(--vscode-editor-font-family); }`;

/**
 * The host shim: `acquireVsCodeApi` for a page with no VS Code. State lives
 * in memory (file:// pages may not have storage); `ready` is answered with
 * the embedded load message; `reveal` (a step's source line) is shown in the
 * footer, since a static page cannot open an editor.
 */
function shim(load: HostMessage, source: string | undefined): string {
  // JSON inside a script: `<` escaped so no `</script>` or `<!--` can appear
  const data = JSON.stringify({ load, source: source ?? null }).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `(() => {
  'use strict';
  const data = ${data};
  let state;
  const where = document.getElementById('standalone-where');
  window.acquireVsCodeApi = () => ({
    postMessage(m) {
      if (!m || typeof m !== 'object') return;
      if (m.type === 'ready') window.postMessage(data.load, '*');
      else if (m.type === 'reveal' && where && Number.isInteger(m.line)) {
        where.textContent = 'Step source: ' + (typeof m.file === 'string' ? m.file : (data.source || '').replace(/:\\d+$/, '')) + ' line ' + m.line;
      }
    },
    getState: () => state,
    setState: (s) => { state = s; },
  });
})();`;
}

/** The whole page. Deterministic for a given input and assets (no date, no random nonce). */
export function replayPageHtml(input: ReplayPageInput, assets: PanelAssets = readPanelAssets()): string {
  if (input.trace.length > MAX_TRACE_CHARS) throw new Error(`the trace is larger than ${MAX_TRACE_CHARS} characters`);
  const title = input.title.slice(0, MAX_TITLE_CHARS);
  const load: HostMessage = { type: 'load', trace: input.trace, platform: input.platform, title, ...(input.view ? { view: input.view } : {}) };
  const panelJs = inlineSafe(assets.script.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n'), 'script');
  const shimJs = shim(load, input.source);
  const theme = inlineSafe(THEME, 'style');
  const css = inlineSafe(assets.css.replace(/\n\/\*# sourceMappingURL=\S+ \*\/\s*$/, '\n'), 'style');
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(theme)} ${sha256(css)}`,
    `script-src ${sha256(shimJs)} ${sha256(panelJs)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="dma-scope replay">
<title>DMA Lifecycle: ${escapeHtml(title)}</title>
<style>${theme}</style>
<style>${css}</style>
</head>
<body>
<div id="app"></div>
<footer id="standalone-footer">
<p>DMA Scope lifecycle replay${input.source ? ` of <code>${escapeHtml(input.source)}</code>` : ''}, on ${escapeHtml(input.platform)} (pick another platform above). <span id="standalone-where"></span></p>
<details><summary>The trace (.dmatrace)</summary><pre id="standalone-trace">${escapeHtml(input.trace)}</pre></details>
</footer>
<script>${shimJs}</script>
<script>${panelJs}</script>
</body>
</html>
`;
}
