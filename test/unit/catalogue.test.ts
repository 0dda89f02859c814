import * as assert from 'assert';
import {
  allEntries, lookup, entriesByRole, isDmaMappingIdentifier, paramIndex, CATALOGUE_RULE_IDS, acquirersReleasedBy, countsByKind,
} from '../../src/model/catalogue';
import { suggestNames, editDistance } from '../../src/model/catalogue/suggest';
import { PLATFORM_IDS } from '../../src/model/platformIds';
import { ruleCommandUri, ruleDocUrlAt } from '../../src/model/links';

/** Every identifier dma-model.md §1 (1.1–1.8) names, written out by hand. */
const SECTION_1 = [
  // 1.1 types, constants, enums, attributes
  'dma_addr_t', 'DMA_MAPPING_ERROR', 'DMA_BIT_MASK', 'dma_data_direction', 'DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE',
  'DMA_FROM_DEVICE', 'DMA_NONE', 'valid_dma_direction', 'DMA_ATTR_WEAK_ORDERING', 'DMA_ATTR_WRITE_COMBINE',
  'DMA_ATTR_NO_KERNEL_MAPPING', 'DMA_ATTR_SKIP_CPU_SYNC', 'DMA_ATTR_FORCE_CONTIGUOUS', 'DMA_ATTR_ALLOC_SINGLE_PAGES',
  'DMA_ATTR_NO_WARN', 'DMA_ATTR_PRIVILEGED',
  // 1.2 coherent
  'dma_alloc_coherent', 'dma_free_coherent', 'dma_alloc_attrs', 'dma_free_attrs', 'dmam_alloc_coherent', 'dmam_alloc_attrs',
  'dmam_free_coherent', 'dma_alloc_wc', 'dma_free_wc', 'dma_mmap_attrs', 'dma_mmap_coherent', 'dma_mmap_wc', 'dma_can_mmap',
  'dma_get_sgtable_attrs', 'dma_get_sgtable',
  // 1.3 non-coherent
  'dma_alloc_pages', 'dma_free_pages', 'dma_mmap_pages', 'dma_alloc_noncoherent', 'dma_free_noncoherent',
  'dma_alloc_noncontiguous', 'dma_free_noncontiguous', 'dma_vmap_noncontiguous', 'dma_vunmap_noncontiguous',
  'dma_mmap_noncontiguous',
  // 1.4 pools
  'dma_pool_create', 'dma_pool_destroy', 'dma_pool_alloc', 'dma_pool_zalloc', 'dma_pool_free', 'dmam_pool_create', 'dmam_pool_destroy',
  // 1.5 streaming
  'dma_map_single_attrs', 'dma_map_single', 'dma_unmap_single_attrs', 'dma_unmap_single', 'dma_map_page_attrs', 'dma_map_page',
  'dma_unmap_page', 'dma_unmap_page_attrs', 'dma_map_sg_attrs', 'dma_map_sg', 'dma_unmap_sg', 'dma_unmap_sg_attrs',
  'dma_map_sgtable', 'dma_unmap_sgtable', 'dma_map_resource', 'dma_unmap_resource', 'dma_mapping_error',
  'DEFINE_DMA_UNMAP_ADDR', 'DEFINE_DMA_UNMAP_LEN', 'dma_unmap_addr', 'dma_unmap_addr_set', 'dma_unmap_len', 'dma_unmap_len_set',
  // 1.6 syncs
  'dma_sync_single_for_cpu', 'dma_sync_single_for_device', 'dma_sync_single_range_for_cpu', 'dma_sync_single_range_for_device',
  'dma_sync_sg_for_cpu', 'dma_sync_sg_for_device', 'dma_sync_sgtable_for_cpu', 'dma_sync_sgtable_for_device',
  // 1.7 masks and queries
  'dma_set_mask', 'dma_set_coherent_mask', 'dma_set_mask_and_coherent', 'dma_coerce_mask_and_coherent', 'dma_get_mask',
  'dma_get_required_mask', 'dma_addressing_limited', 'dma_max_mapping_size', 'dma_opt_mapping_size', 'dma_get_merge_boundary',
  'dma_get_max_seg_size', 'dma_set_max_seg_size', 'dma_get_seg_boundary', 'dma_set_seg_boundary', 'dma_get_min_align_mask',
  'dma_set_min_align_mask', 'dma_get_cache_alignment', 'ARCH_DMA_MINALIGN', '__dma_from_device_group_begin',
  '__dma_from_device_group_end', 'dma_need_sync', 'dma_need_unmap', 'dev_is_dma_coherent', 'dma_pci_p2pdma_supported',
  // 1.8 legacy and removed
  'pci_map_single', 'pci_unmap_single', 'pci_map_page', 'pci_unmap_page', 'pci_map_sg', 'pci_unmap_sg',
  'pci_dma_sync_single_for_cpu', 'pci_dma_sync_single_for_device', 'pci_dma_sync_sg_for_cpu', 'pci_dma_sync_sg_for_device',
  'pci_dma_mapping_error', 'pci_alloc_consistent', 'pci_zalloc_consistent', 'pci_free_consistent', 'pci_set_dma_mask',
  'pci_set_consistent_dma_mask', 'PCI_DMA_TODEVICE', 'PCI_DMA_FROMDEVICE', 'PCI_DMA_BIDIRECTIONAL', 'PCI_DMA_NONE',
  'dma_zalloc_coherent', 'DMA_ATTR_NON_CONSISTENT', 'dma_cache_sync',
];

/** Internals the brief and §2.7 name, and the subsystem wrappers. */
const INTERNALS = ['dev_is_dma_coherent', 'get_dma_ops', 'dma_is_direct', 'dma_direct_map_page', 'dma_direct_sync_single_for_cpu', 'dma_dev_need_sync', 'is_swiotlb_active', 'is_swiotlb_force_bounce', 'dma_map_ops'];
const WRAPPERS = ['skb_frag_dma_map', 'ib_dma_map_single', 'ib_dma_unmap_single', 'ib_dma_map_page', 'ib_dma_unmap_page', 'ib_dma_map_sg', 'ib_dma_unmap_sg'];

const KNOWN_EXTERNAL_RELEASERS = new Set(['sg_free_table']);

describe('API catalogue', () => {
  it('has an entry for every identifier named in dma-model.md §1', () => {
    const missing = [...SECTION_1, ...INTERNALS, ...WRAPPERS].filter((n) => !lookup(n));
    assert.deepStrictEqual(missing, []);
  });

  it('fills every field of every entry', () => {
    for (const e of allEntries()) {
      for (const k of ['name', 'kind', 'signature', 'summary', 'returns', 'context', 'memory'] as const) {
        assert.ok(typeof e[k] === 'string' && e[k].trim().length > 0, `${e.name}.${k} is empty`);
      }
      assert.ok(Array.isArray(e.releasedBy), `${e.name}.releasedBy`);
      assert.ok(e.docs.length > 0, `${e.name} has no doc reference`);
      for (const d of e.docs) assert.ok(d.title && /^(https?:|[a-z])/.test(d.ref), `${e.name} doc ${JSON.stringify(d)}`);
      assert.ok(e.summary.length >= 30, `${e.name} summary too short`);
    }
  });

  it('covers every platform id for every entry, with no unknown ids', () => {
    for (const e of allEntries()) {
      for (const p of PLATFORM_IDS) assert.ok(e.platforms[p] && e.platforms[p].trim(), `${e.name} lacks platform ${p}`);
      assert.deepStrictEqual(Object.keys(e.platforms).sort(), [...PLATFORM_IDS].sort(), e.name);
    }
  });

  it('gives functions and function-like macros their parameter names', () => {
    for (const e of allEntries()) {
      const callable = e.kind === 'function' || e.role !== undefined || /^#define \w+\(/.test(e.signature);
      if (!callable) continue;
      assert.ok(Array.isArray(e.params), `${e.name} has no params`);
    }
    // prototype names, exactly as in the 6.12 sources
    assert.deepStrictEqual(lookup('dma_map_single_attrs')!.params, ['dev', 'ptr', 'size', 'dir', 'attrs']);
    assert.deepStrictEqual(lookup('dma_map_sg_attrs')!.params, ['dev', 'sg', 'nents', 'dir', 'attrs']);
    assert.deepStrictEqual(lookup('dma_sync_sg_for_cpu')!.params, ['dev', 'sg', 'nelems', 'dir']);
    assert.deepStrictEqual(lookup('ib_dma_map_single')!.params, ['dev', 'cpu_addr', 'size', 'direction']);
    assert.deepStrictEqual(lookup('dma_pool_create')!.params, ['name', 'dev', 'size', 'align', 'allocation']);
  });

  it('finds arguments by canonical name across spellings', () => {
    assert.strictEqual(paramIndex(lookup('dma_map_single')!, 'dir'), 3);
    assert.strictEqual(paramIndex(lookup('dma_map_single')!, 'size'), 2);
    assert.strictEqual(paramIndex(lookup('dma_map_page')!, 'size'), 3);
    assert.strictEqual(paramIndex(lookup('ib_dma_map_sg')!, 'dir'), 3);
    assert.strictEqual(paramIndex(lookup('dma_sync_sg_for_device')!, 'nents'), 2);
    assert.strictEqual(paramIndex(lookup('dma_unmap_sg_attrs')!, 'attrs'), 4);
    assert.strictEqual(paramIndex(lookup('dma_unmap_single')!, 'handle'), 1);
    assert.strictEqual(paramIndex(lookup('dma_mapping_error')!, 'dir'), -1);
  });

  it('only references known rule ids, and builds their doc links in one place', () => {
    const known = new Set<string>(CATALOGUE_RULE_IDS);
    for (const e of allEntries()) for (const r of e.rules) assert.ok(known.has(r), `${e.name} → unknown rule ${r}`);
    assert.strictEqual(ruleCommandUri('map-sg-zero'), 'command:dmaScope.openRulePage?%5B%22map-sg-zero%22%5D');
    assert.strictEqual(ruleDocUrlAt('https://docs.example/rules', 'map-sg-zero'), 'https://docs.example/rules/map-sg-zero.md');
  });

  it('names releasers that exist in the catalogue, with matching families', () => {
    for (const e of allEntries()) {
      for (const r of e.releasedBy) {
        if (KNOWN_EXTERNAL_RELEASERS.has(r)) continue;
        const rel = lookup(r);
        assert.ok(rel, `${e.name} releasedBy unknown ${r}`);
        if (e.role === 'map') assert.strictEqual(rel!.role, 'unmap', `${e.name} → ${r}`);
        if (e.role === 'alloc') assert.strictEqual(rel!.role, 'free', `${e.name} → ${r}`);
        if (e.role === 'map' && e.family && rel!.family && e.name !== 'skb_frag_dma_map') assert.strictEqual(rel!.family, e.family, `${e.name} → ${r}`);
      }
    }
    assert.deepStrictEqual(lookup('dma_map_sg')!.releasedBy, ['dma_unmap_sg']);
    assert.deepStrictEqual(lookup('skb_frag_dma_map')!.releasedBy, ['dma_unmap_page']);
    assert.ok(acquirersReleasedBy('dma_unmap_page').includes('skb_frag_dma_map'));
  });

  it('records the 6.12 facts the checker relies on', () => {
    assert.match(lookup('dma_map_sg')!.returns, /0 on any failure/);
    assert.match(lookup('dma_unmap_sg')!.summary, /original nents/);
    assert.match(lookup('dma_map_sgtable')!.returns, /negative errno/);
    assert.strictEqual(lookup('DMA_ATTR_SKIP_CPU_SYNC')!.value, '1UL << 5');
    assert.strictEqual(lookup('DMA_FROM_DEVICE')!.value, '2');
    assert.strictEqual(lookup('pci_map_single')!.kind, 'legacy');
    assert.match(lookup('pci_map_single')!.replacement!, /dma_map_single/);
    assert.strictEqual(lookup('dev_is_dma_coherent')!.kind, 'internal');
    assert.strictEqual(lookup('dma_zalloc_coherent')!.kind, 'legacy');
    assert.ok(lookup('dma_is_direct')!.availability, 'dma_is_direct is marked as not in 6.12');
    assert.ok(lookup('dma_need_unmap')!.availability, 'dma_need_unmap is marked as not in 6.12');
    assert.strictEqual(lookup('enum dma_data_direction')!.name, 'dma_data_direction');
  });

  it('indexes entries by role', () => {
    const maps = entriesByRole('map').map((e) => e.name);
    for (const n of ['dma_map_single', 'dma_map_page_attrs', 'dma_map_sg', 'dma_map_sgtable', 'dma_map_resource', 'skb_frag_dma_map', 'ib_dma_map_sg']) assert.ok(maps.includes(n), n);
    assert.ok(!maps.includes('dma_alloc_coherent'));
    const cpu = entriesByRole('sync-for-cpu').map((e) => e.name);
    assert.ok(cpu.includes('dma_sync_single_range_for_cpu') && cpu.includes('dma_sync_sgtable_for_cpu'));
    const counts = countsByKind();
    assert.strictEqual(Object.values(counts).reduce((a, b) => a + b, 0), allEntries().length);
  });

  it('says no to dma-prefixed names that are not the mapping API', () => {
    for (const n of ['dma_fence_put', 'dma_resv_lock', 'dma_buf_get', 'dma_async_issue_pending', 'dmaengine_submit', 'dma_request_chan', 'dma_cookie_complete', 'my_dma_map_single', 'kmalloc', ''])
      assert.strictEqual(isDmaMappingIdentifier(n), false, n);
    for (const n of ['dma_map_single', 'DMA_TO_DEVICE', 'dma_pool_alloc', 'pci_map_sg', 'DMA_ATTR_NO_WARN', 'dma_addr_t'])
      assert.strictEqual(isDmaMappingIdentifier(n), true, n);
  });

  it('suggests near names', () => {
    assert.strictEqual(editDistance('kitten', 'sitting'), 3);
    assert.strictEqual(suggestNames('dma_map_singel')[0], 'dma_map_single');
    assert.ok(suggestNames('DMA_FROM_DEVIC').includes('DMA_FROM_DEVICE'));
    assert.deepStrictEqual(suggestNames('zzzzzzzzzzzz'), []);
  });
});
