import * as assert from 'assert';
import * as fc from 'fast-check';
import { DocumentTrees } from '../../src/analysis/parser';
import { blankAnnotations } from '../../src/analysis/preprocess';
import { testParser } from '../helpers';

const TOKENS = ['{', '}', '(', ')', ';', ',', '*', '&', '->', '.', '=', '==', 'if', 'else', 'for', 'while', 'goto', 'err', ':', 'return', 'int', 'void',
  'struct', 'dma_map_single', 'dma_unmap_single', 'DMA_TO_DEVICE', 'dev', 'buf', 'len', '__iomem', '__aligned(', '#ifdef', '#endif', '\n', '"', "'", '/*', '*/', '//'];

describe('parser robustness (fast-check)', () => {
  it('never throws on random strings and keeps lengths when blanking', async () => {
    const p = await testParser();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        assert.strictEqual(blankAnnotations(s).length, s.length);
        const t = p.parse(s);
        assert.strictEqual(t.rootNode.endIndex <= s.length, true);
        t.delete();
      }),
      { numRuns: 300 },
    );
  });

  it('incremental reparses of token soup match a full parse', async () => {
    const p = await testParser();
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(8), fc.constantFrom(...TOKENS)), { maxLength: 6 }),
        (toks, edits) => {
          let text = toks.join(' ');
          const docs = new DocumentTrees(p);
          docs.open('k', text);
          for (const [at, del, ins] of edits) {
            const start = text.length ? at % (text.length + 1) : 0;
            const oldEnd = Math.min(text.length, start + del);
            text = text.slice(0, start) + ins + text.slice(oldEnd);
            docs.update('k', [{ start, oldEnd: Math.min(oldEnd, start + del), text: ins }]);
          }
          const full = p.parse(text);
          assert.strictEqual(docs.get('k')!.tree.rootNode.toString(), full.rootNode.toString());
          full.delete();
          docs.dispose();
        },
      ),
      { numRuns: 150 },
    );
  });
});
