// The layering of design.md §2, enforced (npm test runs it: test/unit/architecture.test.ts).
// Only architecture rules are on: which part may import which, no import cycles, `vscode` only in
// src/extension, no Node built-ins in the portable parts. `npx eslint .` (or `npm run lint:arch`)
// prints the same messages.
import tsParser from '@typescript-eslint/parser';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2',
  'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'tls', 'tty', 'url', 'util', 'v8',
  'vm', 'worker_threads', 'zlib',
];
const noNode = NODE_BUILTINS.map((name) => ({ name, message: 'Node-only module: src/model, src/analysis and media run in the browser too (design.md §2).' }));
const noVscode = { name: 'vscode', message: '`vscode` is imported only in src/extension (design.md §2).' };

export default [
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.cache/**', 'test-output/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['src/**/*.ts', 'media/**/*.ts'],
    languageOptions: { parser: tsParser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { 'import-x': importX },
    settings: {
      // import-x parses each imported module to follow cycles: TypeScript files need the TypeScript parser
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './src/model', from: './src', except: ['./model'], message: 'src/model imports nothing outside src/model.' },
          { target: './src/analysis', from: ['./src/extension', './src/cli', './src/node', './media'], message: 'src/analysis imports only src/model (and web-tree-sitter).' },
          { target: './media', from: ['./src/extension', './src/analysis', './src/cli', './src/node'], message: 'the webview (media) imports only src/model.' },
          { target: ['./src/cli', './src/node'], from: './src/extension', message: 'nothing imports src/extension.' },
          // rules are self-describing and registered once: no rule imports another rule, and outside the registry
          // nothing names an individual rule (shared helpers live in rules/shared/)
          { target: './src/analysis/rules/!(index).ts', from: './src/analysis/rules/!(types).ts', message: 'a rule imports no other rule: move what they share to src/analysis/rules/shared/.' },
          { target: ['./src/analysis/*.ts', './src/analysis/rules/shared/**'], from: './src/analysis/rules/!(index|types).ts', message: 'only the registry (rules/index.ts) names individual rules.' },
        ],
      }],
      'no-restricted-imports': ['error', { paths: [noVscode] }],
    },
  },
  // the portable parts: no Node built-ins, no packages but web-tree-sitter (analysis)
  {
    files: ['src/model/**/*.ts', 'media/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noVscode, ...noNode],
        patterns: [{ regex: '^(?!\\.)', message: 'src/model and media import no package (design.md §2).' }],
      }],
    },
  },
  {
    files: ['src/analysis/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [noVscode, ...noNode],
        patterns: [{ regex: '^(?!\\.|web-tree-sitter$)', message: 'src/analysis imports only src/model and web-tree-sitter (design.md §2).' }],
      }],
    },
  },
  // the one place `vscode` is allowed
  {
    files: ['src/extension/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
];
