/**
 * Messages between the extension host and the lifecycle panel (webview).
 * Pure: used by the host (src/extension/panel.ts) and by the webview
 * (media/panel/main.ts). Every message crossing the boundary is validated
 * here before it is used; anything else is dropped.
 */
import { isPlatformId, PlatformId } from './platformIds';
import type { SourceRef } from './sim/types';

export type PanelView = 'replay' | 'matrix';

/** Host → webview */
export type HostMessage =
  | { type: 'load'; trace: string; platform: PlatformId; title: string; view?: PanelView }
  | { type: 'platform'; platform: PlatformId }
  | { type: 'view'; view: PanelView };

/** Webview → host */
export type WebviewMessage =
  | { type: 'ready' }
  | { type: 'reveal'; line: number; file?: string }
  | { type: 'platform'; platform: PlatformId };

/** Bounds on what the host accepts and the panel renders. */
export const MAX_TRACE_CHARS = 1_000_000;
export const MAX_TITLE_CHARS = 300;
export const MAX_PATH_CHARS = 4096;

function isObj(m: unknown): m is Record<string, unknown> {
  return typeof m === 'object' && m !== null && !Array.isArray(m);
}

function isView(v: unknown): v is PanelView {
  return v === 'replay' || v === 'matrix';
}

/**
 * The message that asks the host to show a step's source location (its `# src=` comment), or
 * undefined when the step has none or the location could not cross the boundary.
 */
export function revealMessage(source: SourceRef | undefined): WebviewMessage | undefined {
  if (!source) return undefined;
  return parseWebviewMessage(source.file ? { type: 'reveal', line: source.line, file: source.file } : { type: 'reveal', line: source.line });
}

/** Validates a message from the webview. Returns undefined for anything malformed. */
export function parseWebviewMessage(m: unknown): WebviewMessage | undefined {
  if (!isObj(m)) return undefined;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'reveal': {
      const line = m.line;
      if (typeof line !== 'number' || !Number.isInteger(line) || line < 1 || line > 10_000_000) return undefined;
      if (m.file !== undefined && (typeof m.file !== 'string' || m.file.length === 0 || m.file.length > MAX_PATH_CHARS || /[\0\n\r]/.test(m.file))) return undefined;
      return m.file === undefined ? { type: 'reveal', line } : { type: 'reveal', line, file: m.file };
    }
    case 'platform':
      return typeof m.platform === 'string' && isPlatformId(m.platform) ? { type: 'platform', platform: m.platform } : undefined;
    default:
      return undefined;
  }
}

/** Validates a message from the host (the webview trusts nothing either). */
export function parseHostMessage(m: unknown): HostMessage | undefined {
  if (!isObj(m)) return undefined;
  switch (m.type) {
    case 'load':
      if (typeof m.trace !== 'string' || m.trace.length > MAX_TRACE_CHARS) return undefined;
      if (typeof m.platform !== 'string' || !isPlatformId(m.platform)) return undefined;
      if (typeof m.title !== 'string') return undefined;
      if (m.view !== undefined && !isView(m.view)) return undefined;
      return { type: 'load', trace: m.trace, platform: m.platform, title: m.title.slice(0, MAX_TITLE_CHARS), ...(m.view ? { view: m.view } : {}) };
    case 'platform':
      return typeof m.platform === 'string' && isPlatformId(m.platform) ? { type: 'platform', platform: m.platform } : undefined;
    case 'view':
      return isView(m.view) ? { type: 'view', view: m.view } : undefined;
    default:
      return undefined;
  }
}

/** The panel page. Shared by the host and the webview tests, so both load the same markup. */
export function panelHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string }): string {
  const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const csp = [
    "default-src 'none'",
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>DMA Lifecycle</title>
</head>
<body>
<div id="app"></div>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
