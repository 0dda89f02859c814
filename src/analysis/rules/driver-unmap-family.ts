import type { Rule } from './types';
import type { IndexedMember } from '../driverIndex';
import { mapsElsewhere, mapRelated, where } from './shared/driverMaps';

/** dma-debug's entry types: a release must be of the type of the mapping (check_unmap "wrong function"). */
function debugType(m: IndexedMember): 'single' | 'sg' | 'resource' | 'coherent' | null {
  switch (m.family) {
    case 'single':
    case 'page':
      return 'single';
    case 'sg':
    case 'sgtable':
      return 'sg';
    case 'resource':
      return 'resource';
    case 'coherent':
    case 'managed':
      return 'coherent';
    default:
      return null; // pools, noncoherent pages: their own pairing
  }
}

const NAMES = { single: 'a single or page mapping', sg: 'a scatterlist mapping', resource: 'a resource mapping', coherent: 'coherent memory' } as const;
const RELEASES = { single: 'dma_unmap_single()/dma_unmap_page()', sg: 'dma_unmap_sg()/dma_unmap_sgtable()', resource: 'dma_unmap_resource()', coherent: 'dma_free_coherent()' } as const;

/**
 * An unmap or free in one function of a kind other than every map/alloc of the same struct member made
 * in other functions of the driver: a scatterlist released as a single mapping, coherent memory unmapped,
 * a mapping freed as coherent memory. Single against page is the same dma-debug type and is left alone.
 */
export const rule: Rule = {
  id: 'driver-unmap-family',
  title: 'An unmap or free in one function is of another kind than the maps of the same member elsewhere in the driver',
  severity: 'error',
  checkDriver(index, report) {
    for (const rel of index.members()) {
      if (rel.role !== 'unmap' && rel.role !== 'free') continue;
      const rt = debugType(rel);
      if (!rt) continue;
      const maps = mapsElsewhere(index, rel);
      if (!maps.length) continue;
      const types = new Set(maps.map(debugType));
      if (types.size !== 1) continue;
      const mt = [...types][0];
      if (!mt || mt === rt) continue;
      const call = rel.via ? `${rel.via}() (its ${rel.call}())` : `${rel.call}()`;
      const fix = rt === 'coherent'
        ? `dma_free_coherent() takes the handle dma_alloc_coherent() returned, not a streaming mapping's: keep that handle for the free and release the mapping with ${RELEASES[mt]}`
        : `release it with ${RELEASES[mt]}`;
      report({
        file: rel.file,
        function: rel.function,
        at: rel.at,
        message: `${call} releases ${rel.key} as ${NAMES[rt]}, but every map of that member in this driver makes ${NAMES[mt]} (${where(maps[0])}${maps.length > 1 ? ` and ${maps.length - 1} more` : ''}): ${fix} (dma-debug: "frees DMA memory with wrong function").`,
        related: mapRelated(maps, (m) => `${m.call}()`),
      });
    }
  },
};
