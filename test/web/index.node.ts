/**
 * Entry of the same API-level suite for desktop VS Code (@vscode/test-electron, npm run
 * test:electron): compiled by tsc into out/test/web/, run in the Node extension host.
 */
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 60000, color: true });
  const dir = path.join(__dirname, 'suite');
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.test.js')) mocha.addFile(path.join(dir, f));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed`)) : resolve()));
  });
}
