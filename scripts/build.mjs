// Bundles the extension (Node and browser), the CLI and the webview app with esbuild,
// and copies the tree-sitter wasm files into dist/ so they ship inside the bundle.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, existsSync, readdirSync, statSync } from 'fs';
import { dirname, join } from 'path';
import { fileURLToPath } from 'url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify') || process.env.DMA_SCOPE_MINIFY === '1';
mkdirSync(join(dist, 'web'), { recursive: true });
mkdirSync(join(dist, 'media'), { recursive: true });

copyFileSync(join(root, 'node_modules/web-tree-sitter/tree-sitter.wasm'), join(dist, 'tree-sitter.wasm'));
copyFileSync(join(root, 'node_modules/tree-sitter-c/tree-sitter-c.wasm'), join(dist, 'tree-sitter-c.wasm'));

// Node built-ins that web-tree-sitter references only on its Node code path.
const nodeOnly = ['fs', 'fs/promises', 'path', 'module', 'url', 'os', 'crypto', 'worker_threads', 'child_process', 'v8', 'vm'];

const common = { bundle: true, sourcemap: true, minify, keepNames: minify, logLevel: 'warning', target: 'es2022' };
// web-tree-sitter reads import.meta.url on its Node path; a CJS bundle must supply it
// DMA_SCOPE_BUNDLED: the code runs from a bundle whose bytes identify the analysis build (src/node/headerStore.ts)
const nodeMeta = { define: { 'import.meta.url': '__dmaScopeImportMetaUrl', 'process.env.DMA_SCOPE_BUNDLED': '"1"' }, banner: { js: "var __dmaScopeImportMetaUrl = require('url').pathToFileURL(__filename).href;" } };
const targets = [
  { ...common, entryPoints: [join(root, 'src/extension/extension.ts')], outfile: join(dist, 'extension.js'), platform: 'node', format: 'cjs', external: ['vscode'], ...nodeMeta },
  { ...common, entryPoints: [join(root, 'src/extension/extension.web.ts')], outfile: join(dist, 'web/extension.js'), platform: 'browser', format: 'cjs', external: ['vscode', ...nodeOnly], define: { 'process.env.DMA_SCOPE_WEB': '"1"' } },
  // the language server in a web worker (started by the web extension through vscode-languageclient/browser)
  { ...common, entryPoints: [join(root, 'src/server/browser.ts')], outfile: join(dist, 'web/server.js'), platform: 'browser', format: 'iife', external: nodeOnly, define: { 'process.env.DMA_SCOPE_WEB': '"1"' } },
  // the `dma-scope` program: a small launcher (src/cli/bin.ts) that loads the CLI bundle through a V8 code
  // cache (src/node/codeCache.ts). Code run from a cache loses Node 20's dynamic-import hook, so the
  // bundle has no import(): web-tree-sitter's CommonJS build (require() on its Node path), and our own
  // import() calls compiled to require().
  { ...common, entryPoints: [join(root, 'src/cli/bin.ts')], outfile: join(dist, 'cli.js'), platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(dist, 'cli-main.js'), platform: 'node', format: 'cjs', supported: { 'dynamic-import': false }, alias: { 'web-tree-sitter': join(root, 'node_modules/web-tree-sitter/tree-sitter.cjs') }, ...nodeMeta },
];
const optional = [
  { entry: 'src/cli/worker.ts', out: 'worker.js', platform: 'node', format: 'cjs' },
  { entry: 'media/panel/main.ts', out: 'media/panel.js', platform: 'browser', format: 'iife' },
];
for (const o of optional) {
  if (existsSync(join(root, o.entry))) targets.push({ ...common, ...(o.platform === 'node' ? nodeMeta : {}), entryPoints: [join(root, o.entry)], outfile: join(dist, o.out), platform: o.platform, format: o.format });
}
// static media (CSS, icons) copied as-is
const mediaDir = join(root, 'media');
if (existsSync(mediaDir)) {
  for (const f of readdirSync(mediaDir, { recursive: true })) {
    const p = join(mediaDir, f);
    if (statSync(p).isFile() && /\.(css|svg|png|woff2?)$/.test(p)) {
      mkdirSync(dirname(join(dist, 'media', f)), { recursive: true });
      copyFileSync(p, join(dist, 'media', f));
    }
  }
}

if (watch) {
  for (const t of targets) (await esbuild.context(t)).watch();
  console.log('watching…');
} else {
  const t0 = Date.now();
  await Promise.all(targets.map((t) => esbuild.build(t)));
  console.log(`built ${targets.length} bundles into dist/ in ${Date.now() - t0} ms`);
}
