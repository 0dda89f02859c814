/** Aliases and value flow: chained assignments, copies through casts and skb->cb, parentheses, out-parameters, correlated conditions. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { testParser, FIXTURES } from '../helpers';
import { checkSource } from '../../src/analysis/checker';
import { canonicalLvalue, stripCastsNorm } from '../../src/analysis/aliases';

const DIR = path.join(FIXTURES, 'aliases');

async function findings(file: string): Promise<string[]> {
  const text = fs.readFileSync(path.join(DIR, file), 'utf8');
  const r = checkSource(await testParser(), text, { file: `drivers/foo/${file}` });
  assert.deepStrictEqual(r.errors, []);
  return r.findings.map((f) => `${f.rule} ${f.line}:${f.column}`).sort();
}

describe('aliases and value flow', () => {

  it('compares lvalues after dropping parentheses that cannot change them', () => {
    assert.strictEqual(canonicalLvalue('g->sg[(i>>2)].ptr[(i&3)]'), 'g->sg[i>>2].ptr[i&3]');
    assert.strictEqual(canonicalLvalue('*((dma_addr_t*)skb->cb)'), '*(dma_addr_t*)skb->cb');
    assert.strictEqual(canonicalLvalue('(rx->dma)'), 'rx->dma');
    assert.strictEqual(canonicalLvalue('(*p)->dma'), '(*p)->dma'); // the parentheses bind * first
    assert.strictEqual(canonicalLvalue('a[(i+1)&3]'), 'a[(i+1)&3]'); // precedence kept
    assert.strictEqual(canonicalLvalue('f(x)->dma'), 'f(x)->dma'); // a call keeps its argument list
    assert.strictEqual(stripCastsNorm('(dma_addr_t)rxd->buf2'), 'rxd->buf2');
    assert.strictEqual(stripCastsNorm('(u64)(dma)'), 'dma');
  });

  it('flags each bad shape on its line and stays silent on the clean twins', async () => {
    const text = fs.readFileSync(path.join(DIR, 'value-flow.bad.c'), 'utf8');
    const toks = /expect\s+(.*?)\s*\*\//.exec(text)![1].split(/\s+/);
    const want: string[] = [];
    for (let i = 0; i + 1 < toks.length; i += 2) want.push(`${toks[i]} ${toks[i + 1]}`);
    assert.deepStrictEqual(await findings('value-flow.bad.c'), want.sort());
    assert.deepStrictEqual(await findings('value-flow.good.c'), []);
  });
});
