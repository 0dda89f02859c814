/**
 * Entry of the test bundle for the web extension host (bundled by test/web/run.mjs with
 * esbuild, together with mocha's browser build).
 */
// mocha's browser build defines globalThis.mocha / globalThis.Mocha
require('mocha/mocha');

interface BrowserMocha {
  setup(opts: { ui: string; timeout: number; color?: boolean }): void;
  reporter(r: unknown): void;
  run(done: (failures: number) => void): void;
}

export function run(): Promise<void> {
  const g = globalThis as unknown as { mocha: BrowserMocha; Mocha: { reporters: { Spec: unknown } } };
  return new Promise((resolve, reject) => {
    g.mocha.setup({ ui: 'tdd', timeout: 60000, color: false });
    g.mocha.reporter(g.Mocha.reporters.Spec); // the default (html) reporter needs a DOM
    require('./suite/dmaScope.test');
    require('./suite/explainLog.test');
    try {
      g.mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed`)) : resolve()));
    } catch (err) {
      reject(err);
    }
  });
}

// esbuild wraps mocha's UMD build so that it assigns module.exports (to mocha) on this
// module too: set our exports last.
module.exports = { run };
