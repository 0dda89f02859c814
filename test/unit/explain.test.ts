import * as assert from 'assert';
import { main } from '../../src/cli/main';
import { CliIO } from '../../src/cli/args';
import { PLATFORM_IDS } from '../../src/model/platformIds';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, cwd: process.cwd(), readStdin: async () => '' };
  const code = await main(argv, io);
  return { code, out, err };
}

describe('dma-scope explain', () => {
  it('explains dma_map_sg: signature, 0 on failure, original nents for unmap', async () => {
    const r = await run('explain', 'dma_map_sg');
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.err, '');
    assert.match(r.out, /#define dma_map_sg\(d, s, n, r\) dma_map_sg_attrs\(d, s, n, r, 0\)/);
    assert.match(r.out, /Returns:\s+The number of DMA segments[\s\S]*0 on any failure/);
    assert.match(r.out.replace(/\s+/g, ' '), /pass the original nents to dma_unmap_sg\(\)/);
    assert.match(r.out, /Released by:\s+dma_unmap_sg/);
    for (const p of PLATFORM_IDS) assert.match(r.out, new RegExp(`^  ${p} `, 'm'));
    assert.match(r.out, /docs\/rules\/unmap-sg-nents\.md/);
  });

  it('prints the design.md §5 JSON shape with --json', async () => {
    const r = await run('explain', 'dma_sync_single_for_cpu', '--json');
    assert.strictEqual(r.code, 0);
    const j = JSON.parse(r.out);
    assert.deepStrictEqual(Object.keys(j).slice(0, 9), ['name', 'kind', 'signature', 'summary', 'returns', 'releasedBy', 'context', 'platforms', 'docs']);
    assert.strictEqual(j.name, 'dma_sync_single_for_cpu');
    assert.strictEqual(j.kind, 'function');
    assert.deepStrictEqual(Object.keys(j.platforms), [...PLATFORM_IDS]);
    assert.match(j.platforms['arm64-noncoherent'], /invalidate/i);
    assert.match(j.platforms['swiotlb-force'], /b→o/);
    assert.ok(Array.isArray(j.docs) && j.docs[0].title && j.docs[0].ref);
    assert.deepStrictEqual(j.releasedBy, []);
  });

  it('explains constants, legacy names and aliases', async () => {
    const dir = await run('explain', 'DMA_FROM_DEVICE');
    assert.strictEqual(dir.code, 0);
    assert.match(dir.out, /Value:\s+2/);
    const legacy = await run('explain', 'pci_map_single', '--json');
    assert.strictEqual(JSON.parse(legacy.out).kind, 'legacy');
    assert.match(JSON.parse(legacy.out).replacement, /dma_map_single\(&pdev->dev/);
    const alias = await run('explain', 'enum dma_data_direction');
    assert.strictEqual(alias.code, 0);
  });

  it('exits 2 with a "did you mean" for an unknown identifier', async () => {
    const r = await run('explain', 'dma_map_singel');
    assert.strictEqual(r.code, 2);
    assert.strictEqual(r.out, '');
    assert.match(r.err, /unknown identifier 'dma_map_singel'\. Did you mean 'dma_map_single'/);
    assert.strictEqual(r.err.trim().split('\n').length, 1, 'one-line message, no stack trace');
  });

  it('exits 2 for non-mapping dma names and for usage errors', async () => {
    const fence = await run('explain', 'dma_fence_put');
    assert.strictEqual(fence.code, 2);
    assert.match(fence.err, /not part of the DMA mapping API/);
    const none = await run('explain');
    assert.strictEqual(none.code, 2);
    assert.match(none.err, /missing identifier/);
    const bad = await run('explain', 'dma_map_sg', '--yaml');
    assert.strictEqual(bad.code, 2);
    assert.match(bad.err, /unknown option --yaml/);
  });

  it('is listed in --help', async () => {
    const r = await run('--help');
    assert.match(r.out, /explain <identifier> \[--json\]/);
  });
});
