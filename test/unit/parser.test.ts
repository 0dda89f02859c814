import * as assert from 'assert';
import { DocumentTrees, diffRange, ParseTimeoutError } from '../../src/analysis/parser';
import { blankAnnotations } from '../../src/analysis/preprocess';
import { functionDefinitions, functionName, descendantsOfType, walk } from '../../src/analysis/ast';
import { testParser } from '../helpers';

const SRC = `
static int foo_rx(struct foo_priv *priv, void __iomem *regs)
{
	struct foo_desc *d = &priv->ring[priv->head];
	dma_addr_t h = dma_map_single(priv->dev, priv->buf, 2048, DMA_FROM_DEVICE);

	if (unlikely(dma_mapping_error(priv->dev, h)))
		goto err;
	list_for_each_entry(x, &priv->list, node) {
		writel(lower_32_bits(h), regs + 0x10);
	}
	return 0;
err:
	return -ENOMEM;
}
`;

describe('parser service', () => {
  it('blanks kernel annotations without moving offsets', () => {
    const src = 'void __iomem *p; struct s { u8 b[4] __aligned(64); } ____cacheline_aligned;';
    const out = blankAnnotations(src);
    assert.strictEqual(out.length, src.length);
    assert.ok(!out.includes('__iomem') && !out.includes('__aligned') && !out.includes('____cacheline_aligned'));
    assert.strictEqual(out.indexOf('*p'), src.indexOf('*p'));
  });

  it('parses kernel-style C into functions and calls', async () => {
    const p = await testParser();
    const tree = p.parse(SRC);
    try {
      const fns = functionDefinitions(tree);
      assert.deepStrictEqual(fns.map((f) => functionName(f)), ['foo_rx']);
      const calls = descendantsOfType(tree.rootNode, 'call_expression').map((c) => c.childForFieldName('function')!.text);
      assert.ok(calls.includes('dma_map_single'));
      assert.ok(calls.includes('dma_mapping_error'));
      const params = fns[0].childForFieldName('declarator')!.childForFieldName('parameters')!;
      assert.ok(!params.hasError, 'annotated parameter list parses cleanly');
      assert.strictEqual(params.namedChildCount, 2);
    } finally {
      tree.delete();
    }
  });

  it('reparses incrementally and gives the same tree as a full parse', async () => {
    const p = await testParser();
    const docs = new DocumentTrees(p);
    docs.open('a', SRC);
    const at = SRC.indexOf('2048');
    const edited = docs.update('a', [{ start: at, oldEnd: at + 4, text: 'len' }], 1);
    const full = p.parse(SRC.replace('2048', 'len'));
    try {
      assert.strictEqual(edited.rootNode.toString(), full.rootNode.toString());
      assert.deepStrictEqual(docs.get('a')!.lastChanged, { start: at, end: at + 3 });
    } finally {
      full.delete();
      docs.dispose();
    }
    assert.strictEqual(docs.size, 0);
  });

  it('handles an edit that introduces an annotation', async () => {
    const p = await testParser();
    const docs = new DocumentTrees(p);
    const src = 'void f(void *p) { g(p); }\n';
    docs.open('b', src);
    const t = docs.replace('b', 'void f(void __iomem *p) { g(p); }\n', 1);
    assert.ok(!t.rootNode.hasError);
    docs.dispose();
  });

  it('computes the minimal diff range', () => {
    assert.deepStrictEqual(diffRange('abcdef', 'abXYef'), { start: 2, oldEnd: 4, newEnd: 4 });
    assert.strictEqual(diffRange('same', 'same'), null);
    assert.deepStrictEqual(diffRange('aaa', 'aaaa'), { start: 3, oldEnd: 3, newEnd: 4 });
  });

  it('gives up on a parse over its time limit', async () => {
    const p = await testParser();
    const huge = 'int f(void) {\n' + 'x = a + b * (c - d) / e;\n'.repeat(200000) + '}\n';
    assert.throws(() => p.parse(huge, null, { timeoutMs: 1 }), ParseTimeoutError);
    // the parser is still usable afterwards
    const t = p.parse('int x;');
    assert.strictEqual(t.rootNode.type, 'translation_unit');
    t.delete();
  });

  it('walks 10,000 nested blocks without recursion', async () => {
    const p = await testParser();
    const deep = 'void f(void) ' + '{'.repeat(10000) + '}'.repeat(10000);
    const t = p.parse(deep, null, { timeoutMs: 10000 });
    let count = 0;
    walk(t.rootNode, () => {
      count++;
    });
    assert.ok(count > 10000);
    t.delete();
  });

  it('reports offsets in string code units for non-ASCII text', async () => {
    const p = await testParser();
    const src = '/* café ✓ 𝄞 */ int dma_x(void) { return dma_map_single(d, b, 1, DMA_TO_DEVICE); }';
    const t = p.parse(src);
    const call = descendantsOfType(t.rootNode, 'call_expression')[0];
    assert.strictEqual(call.startIndex, src.indexOf('dma_map_single'));
    assert.strictEqual(call.startPosition.column, src.indexOf('dma_map_single'));
    t.delete();
  });
});
