// Extension activation time: requires dist/extension.js with a minimal fake `vscode` module and
// calls activate(). Also reports whether the parser's wasm was read (nothing may be parsed at activation).
// Used by bench.mjs; runnable alone: node scripts/bench-activation.mjs
import { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

const require = createRequire(import.meta.url);
const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

export async function measureActivation() {
  const Module = require('module');
  const calls = { readFile: 0 };
  const disposable = { dispose() {} };
  const fake = (name) =>
    new Proxy(function () {}, {
      get(_t, k) {
        if (k === Symbol.toPrimitive) return () => name;
        if (k === Symbol.iterator) return function* () {};
        if (k === 'then') return undefined;
        if (k === 'dispose') return () => {};
        return fake(`${name}.${String(k)}`);
      },
      apply() {
        return fake(`${name}()`);
      },
      set() {
        return true;
      },
      defineProperty() {
        return true;
      },
      construct() {
        return fake(`new ${name}`);
      },
    });
  // a plain object (esbuild's interop copies own keys) with every name the extension uses
  const vscode = {};
  const NAMES = ['CodeAction', 'CodeActionKind', 'CodeLens', 'ConfigurationTarget', 'Diagnostic', 'DiagnosticRelatedInformation', 'DiagnosticSeverity', 'Disposable', 'EventEmitter', 'Hover', 'Location', 'MarkdownString', 'Position', 'Range', 'Selection', 'StatusBarAlignment', 'TextEditorRevealType', 'ThemeColor', 'ThemeIcon', 'TreeItem', 'TreeItemCollapsibleState', 'Uri', 'ViewColumn', 'WorkspaceEdit', 'commands', 'env', 'languages', 'extensions', 'tasks', 'debug', 'l10n'];
  for (const n of NAMES) vscode[n] = fake(n);
  vscode.workspace = new Proxy(
    {
      getConfiguration: () => ({ get: (_k, d) => d, has: () => false, inspect: () => undefined, update: async () => {} }),
      textDocuments: [],
      workspaceFolders: undefined,
      isTrusted: true,
      fs: { readFile: async () => { calls.readFile++; return new Uint8Array(); }, stat: async () => ({}) },
    },
    { get: (t, k) => (k in t ? t[k] : fake(`workspace.${String(k)}`)) },
  );
  vscode.window = new Proxy({ visibleTextEditors: [], activeTextEditor: undefined }, { get: (t, k) => (k in t ? t[k] : fake(`window.${String(k)}`)) });
  const origLoad = Module._load;
  Module._load = function (req, ...rest) {
    if (req === 'vscode') return vscode;
    return origLoad.call(this, req, ...rest);
  };
  const context = { subscriptions: [], extensionUri: fake('extensionUri'), extensionPath: root, globalState: { get: () => undefined, update: async () => {} }, workspaceState: { get: () => undefined, update: async () => {} }, asAbsolutePath: (p) => path.join(root, p) };
  const a = performance.now();
  const ext = require(path.join(dist, 'extension.js'));
  const b = performance.now();
  let activateError = null;
  try {
    ext.activate(context);
  } catch (e) {
    activateError = e;
  }
  const c = performance.now();
  await new Promise((res) => setTimeout(res, 50));
  Module._load = origLoad;
  return { requireMs: b - a, activateMs: c - b, totalMs: c - a, disposables: context.subscriptions.length, wasmReads: calls.readFile, error: activateError };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureActivation();
  console.log(`require ${r.requireMs.toFixed(1)} ms, activate() ${r.activateMs.toFixed(1)} ms, total ${r.totalMs.toFixed(1)} ms; ${r.disposables} disposables; wasm reads ${r.wasmReads}${r.error ? `; activate threw: ${r.error.stack}` : ''}`);
}
