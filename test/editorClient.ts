/**
 * What the tests of real editors as LSP clients (test/nvim, test/emacs) share: starting the editor
 * headless against `dma-scope lsp --stdio` (DMA_SCOPE_CMD) with a result file the editor-side script
 * writes (DMA_SCOPE_RESULT), killed after 50 s; and reading that result, failing with the editor's output.
 */
import * as assert from 'assert';
import * as cp from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from './helpers';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

export interface EditorRun {
  code: number | null;
  out: string;
}

export function runEditorClient(program: string, args: string[], dir: string, env: Record<string, string>): Promise<EditorRun> {
  return new Promise((resolve) => {
    const p = cp.spawn(program, args, {
      cwd: dir,
      env: { ...process.env, DMA_SCOPE_CMD: `${process.execPath} ${CLI} lsp --stdio`, DMA_SCOPE_RESULT: path.join(dir, 'result.json'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 50000);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, out });
    });
  });
}

/** The result the editor-side script wrote in `dir`; fails when there is none or its steps failed. */
export function editorResult<T extends { ok: boolean; error?: string; steps: string[] }>(dir: string, r: EditorRun, editor: string): T {
  const file = path.join(dir, 'result.json');
  assert.ok(fs.existsSync(file), `${editor} wrote no result (exit ${r.code}): ${r.out}`);
  const result = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  assert.ok(result.ok, `the ${editor} steps failed after ${JSON.stringify(result.steps)}: ${result.error}\n${r.out}`);
  return result;
}

/**
 * A real editor's run for one describe block: before the tests, a temporary folder with `files` copied
 * in (name → source path), the editor run there on `open` through `run`, its result read and its exit
 * code checked; after them, the folder removed. Read `dir` and `result` inside the tests.
 */
export function editorSession<T extends { ok: boolean; error?: string; steps: string[] }>(opts: {
  editor: string;
  files: Record<string, string>;
  open: string;
  run: (dir: string, file: string) => Promise<EditorRun>;
  cleanup?: (result: T | undefined) => void;
}): { readonly dir: string; readonly result: T } {
  let dir = '';
  let result: T | undefined;
  before(async () => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dma-scope-editor-'));
    for (const [name, from] of Object.entries(opts.files)) fs.copyFileSync(from, path.join(dir, name));
    const r = await opts.run(dir, opts.open);
    result = editorResult<T>(dir, r, opts.editor);
    assert.strictEqual(r.code, 0, r.out);
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    opts.cleanup?.(result);
  });
  return {
    get dir() {
      return dir;
    },
    get result() {
      assert.ok(result, `${opts.editor} did not run`);
      return result;
    },
  };
}

/** The unchecked-map fixture after its preferred quick fix (the check with the goto of its error path). */
export function withMapCheck(original: string): string {
  const fixed = original.replace('DMA_TO_DEVICE);\n\twritel(', 'DMA_TO_DEVICE);\n\tif (dma_mapping_error(ring->dev, addr))\n\t\tgoto err_drop;\n\twritel(');
  assert.notStrictEqual(fixed, original, 'the fixture has the unchecked map the fix is for');
  return fixed;
}
