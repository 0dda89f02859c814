/** Member keys: which struct member holds a DMA handle, from the expression and the declarations (driverIndex/memberKey.ts). */
import * as assert from 'assert';
import { testParser } from '../helpers';
import { functionDefinitions, functionName } from '../../src/analysis/ast';
import { structDefinitions } from '../../src/analysis/fileScope';
import { memberKeyOf, mayBeSameMember, declaredTypes } from '../../src/analysis/driverIndex/memberKey';

const SRC = `
struct foo_rx_buf {
	dma_addr_t dma;
	struct sk_buff *skb;
	DEFINE_DMA_UNMAP_ADDR(mapping);
};

struct foo_ring {
	struct foo_rx_buf *bufs;
	struct foo_rx_buf spare;
	struct foo_rx_buf slots[8];
	dma_addr_t desc_dma;
	struct bar_unknown *other;
};

struct foo_priv {
	struct foo_ring rx;
	struct foo_ring *tx;
	dma_addr_t status_dma;
	struct napi_struct napi;
};

static struct foo_priv *foo_global;

static int foo_refill(struct foo_ring *ring, int i)
{
	struct foo_rx_buf *b = &ring->bufs[i];
	struct foo_priv *priv;
	dma_addr_t dma;
	u8 *p;

	b->dma = dma;
	ring->bufs[i].dma = dma;
	priv->rx.bufs[i].dma = dma;
	priv->tx->slots[i].dma = dma;
	priv->status_dma = dma;
	return 0;
}

static int foo_poll(struct napi_struct *napi, int budget)
{
	struct foo_priv *priv = container_of(napi, struct foo_priv, napi);
	struct sk_buff *skb;
	struct sg_table *sgt;
	struct urb *urb;
	void *cookie;

	return 0;
}

static void foo_shadow(void)
{
	{
		struct foo_ring *r;
	}
	{
		struct foo_priv *r;
	}
}
`;

describe('member keys', () => {
  let key: (expr: string, fnName: string) => string | null;
  let full: (expr: string, fnName: string) => ReturnType<typeof memberKeyOf>;

  before(async () => {
    const parser = await testParser();
    const tree = parser.parse(SRC);
    const structs = structDefinitions(tree.rootNode, SRC);
    const fns = functionDefinitions(tree);
    const fnOf = (name: string) => fns.find((f) => functionName(f) === name)!;
    full = (expr, fnName) => memberKeyOf(expr, fnOf(fnName), SRC, structs);
    key = (expr, fnName) => full(expr, fnName)?.key ?? null;
  });

  it('records the struct tag of each member in the struct layout', async () => {
    const parser = await testParser();
    const tree = parser.parse(SRC);
    const ring = structDefinitions(tree.rootNode, SRC).get('foo_ring')!;
    assert.deepStrictEqual(ring.map((f) => [f.name, f.tag ?? null]), [
      ['bufs', 'foo_rx_buf'], ['spare', 'foo_rx_buf'], ['slots', 'foo_rx_buf'], ['desc_dma', 'dma_addr_t'], ['other', 'bar_unknown'],
    ]);
  });

  it('keys a member through the declared type of a local or a parameter', () => {
    assert.deepStrictEqual(full('b->dma', 'foo_refill'), { key: 'foo_rx_buf.dma', member: 'dma', container: 'foo_rx_buf' });
    assert.strictEqual(key('ring->desc_dma', 'foo_refill'), 'foo_ring.desc_dma');
    assert.strictEqual(key('priv->status_dma', 'foo_refill'), 'foo_priv.status_dma');
  });

  it('follows member hops through the struct definitions, dropping subscripts', () => {
    assert.strictEqual(key('ring->bufs[i].dma', 'foo_refill'), 'foo_rx_buf.dma');
    assert.strictEqual(key('ring->bufs[ (i + 1) & 7 ].dma', 'foo_refill'), 'foo_rx_buf.dma');
    assert.strictEqual(key('priv->rx.bufs[i].dma', 'foo_refill'), 'foo_rx_buf.dma');
    assert.strictEqual(key('priv->tx->slots[i].dma', 'foo_refill'), 'foo_rx_buf.dma');
    assert.strictEqual(key('ring->spare.dma', 'foo_refill'), 'foo_rx_buf.dma');
  });

  it('reads through accessors, casts, address-of, dereference and an offset', () => {
    assert.strictEqual(key('dma_unmap_addr(b, mapping)', 'foo_refill'), 'foo_rx_buf.mapping');
    assert.strictEqual(key('dma_unmap_addr(&ring->bufs[i], mapping)', 'foo_refill'), 'foo_rx_buf.mapping');
    assert.strictEqual(key('*((dma_addr_t *)skb->cb)', 'foo_poll'), 'sk_buff.cb');
    assert.strictEqual(key('&priv->status_dma', 'foo_refill'), 'foo_priv.status_dma');
    assert.strictEqual(key('(dma_addr_t)(b->dma)', 'foo_refill'), 'foo_rx_buf.dma');
    assert.strictEqual(key('le64_to_cpu(b->dma)', 'foo_refill'), 'foo_rx_buf.dma');
    assert.strictEqual(key('ring->desc_dma + i * sizeof(u32)', 'foo_refill'), 'foo_ring.desc_dma');
    assert.strictEqual(key('((struct foo_ring *)cookie)->desc_dma', 'foo_poll'), 'foo_ring.desc_dma');
    assert.strictEqual(key('(*ring).desc_dma', 'foo_refill'), 'foo_ring.desc_dma');
  });

  it('takes the type from container_of and from file-scope objects', () => {
    assert.strictEqual(key('priv->status_dma', 'foo_poll'), 'foo_priv.status_dma');
    assert.strictEqual(key('container_of(napi, struct foo_priv, napi)->status_dma', 'foo_poll'), 'foo_priv.status_dma');
    assert.strictEqual(key('foo_global->rx.desc_dma', 'foo_poll'), 'foo_ring.desc_dma');
  });

  it('is partial for a member of a kernel library struct, which names every instance the driver has', () => {
    assert.deepStrictEqual(full('sg_dma_address(sgt->sgl)', 'foo_poll'), { key: 'sgl', member: 'sgl', container: null });
    assert.deepStrictEqual(full('urb->transfer_dma', 'foo_poll'), { key: 'transfer_dma', member: 'transfer_dma', container: null });
  });

  it('is partial (member name only) when a hop cannot be resolved', () => {
    assert.deepStrictEqual(full('undeclared->bufs[i].dma', 'foo_refill'), { key: 'dma', member: 'dma', container: null });
    assert.deepStrictEqual(full('ring->missing->dma', 'foo_refill'), { key: 'dma', member: 'dma', container: null });
    // the last hop needs no definition: the member's declared type names the container
    assert.strictEqual(key('ring->other->dma', 'foo_refill'), 'bar_unknown.dma');
    assert.deepStrictEqual(full('netdev_priv(ndev)->status_dma', 'foo_refill'), { key: 'status_dma', member: 'status_dma', container: null });
    // declared twice with different types: ambiguous
    assert.deepStrictEqual(full('r->desc_dma', 'foo_shadow'), { key: 'desc_dma', member: 'desc_dma', container: null });
  });

  it('is null for handles that are no struct member', () => {
    assert.strictEqual(full('dma', 'foo_refill'), null);
    assert.strictEqual(full('*p', 'foo_refill'), null);
    assert.strictEqual(full('dma + 4', 'foo_refill'), null);
    assert.strictEqual(full('foo_helper(ring)', 'foo_refill'), null);
    assert.strictEqual(full('a ? b->dma : c', 'foo_refill'), null);
  });

  it('matches partial keys only by member name', () => {
    const a = { key: 'x.dma', member: 'dma', container: 'x' };
    assert.ok(mayBeSameMember(a, { key: 'dma', member: 'dma', container: null }));
    assert.ok(!mayBeSameMember(a, { key: 'y.dma', member: 'dma', container: 'y' }));
    assert.ok(!mayBeSameMember(a, { key: 'mapping', member: 'mapping', container: null }));
  });

  it('lists the declared types of a function once for many handles', async () => {
    const parser = await testParser();
    const tree = parser.parse(SRC);
    const fn = functionDefinitions(tree).find((f) => functionName(f) === 'foo_refill')!;
    const t = declaredTypes(fn, SRC);
    assert.strictEqual(t.get('ring'), 'foo_ring');
    assert.strictEqual(t.get('b'), 'foo_rx_buf');
    assert.strictEqual(t.get('dma'), 'dma_addr_t');
    assert.strictEqual(t.get('i'), '');
  });
});
