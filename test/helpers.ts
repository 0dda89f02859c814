/** Shared test helpers: one parser per test process, fixtures by name. */
import * as fs from 'fs';
import * as path from 'path';
import { CParser } from '../src/analysis/parser';
import { AnalysisSession } from '../src/analysis/session';
import { nodeRuntime } from '../src/node/wasm';

let parser: Promise<CParser> | undefined;

export function testParser(): Promise<CParser> {
  parser ??= nodeRuntime().then((r) => CParser.create(r));
  return parser;
}

/** A fresh analysis session (its own parser and caches), as the extension and the CLI create one. */
export function testSession(): Promise<AnalysisSession> {
  return nodeRuntime().then((r) => AnalysisSession.create(r));
}

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures');

export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** 1-based line of the first occurrence of `needle` in `text` (after `from` occurrences). */
export function lineOf(text: string, needle: string, nth = 0): number {
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`'${needle}' not found in fixture`);
  }
  return text.slice(0, idx).split('\n').length;
}

/**
 * The two-file lifecycle driver (test/fixtures/lifecycle/twofile) laid out as a module whose Makefile
 * links its receive file from a subfolder: `dir/{wren.h,wren_main.c,Makefile}` and `dir/rx/wren_rx.c`
 * (including `../wren.h`). Returns the text of rx/wren_rx.c.
 */
export function writeWrenModule(dir: string): string {
  const src = path.join(FIXTURES, 'lifecycle', 'twofile');
  fs.mkdirSync(path.join(dir, 'rx'), { recursive: true });
  for (const f of ['wren.h', 'wren_main.c']) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const rx = fs.readFileSync(path.join(src, 'wren_rx.c'), 'utf8').replace('#include "wren.h"', '#include "../wren.h"');
  fs.writeFileSync(path.join(dir, 'rx', 'wren_rx.c'), rx);
  fs.writeFileSync(path.join(dir, 'Makefile'), 'obj-$(CONFIG_WREN) += wren.o\nwren-y := wren_main.o rx/wren_rx.o\n');
  return rx;
}
