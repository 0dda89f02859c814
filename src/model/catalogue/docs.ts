/** Kernel documentation references used by catalogue entries. */
import { kernelSourceUrl } from '../links';

export interface DocRef {
  title: string;
  ref: string;
}

const API = 'https://docs.kernel.org/core-api/dma-api.html';
const HOWTO = 'https://docs.kernel.org/core-api/dma-api-howto.html';
const ATTRS = 'https://docs.kernel.org/core-api/dma-attributes.html';
const SWIOTLB = 'https://docs.kernel.org/core-api/swiotlb.html';

function anchor(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** A section of Documentation/core-api/dma-api.rst, e.g. api('Part Id - Streaming DMA mappings'). */
export function api(section: string): DocRef {
  return { title: `dma-api.rst: ${section}`, ref: `${API}#${anchor(section)}` };
}

/** A section of Documentation/core-api/dma-api-howto.rst. */
export function howto(section: string): DocRef {
  return { title: `dma-api-howto.rst: ${section}`, ref: `${HOWTO}#${anchor(section)}` };
}

/** A section of Documentation/core-api/dma-attributes.rst (one per attribute). */
export function attrDoc(name: string): DocRef {
  return { title: `dma-attributes.rst: ${name}`, ref: `${ATTRS}#${anchor(name)}` };
}

export function swiotlbDoc(section: string): DocRef {
  return { title: `swiotlb.rst: ${section}`, ref: `${SWIOTLB}#${anchor(section)}` };
}

/** A kernel source file (6.12), shown as its path. */
export function src(path: string): DocRef {
  return { title: path, ref: kernelSourceUrl(path) };
}

export const PART_IA = api('Part Ia - Using large DMA-coherent buffers');
export const PART_IB = api('Part Ib - Using small DMA-coherent buffers');
export const PART_IC = api('Part Ic - DMA addressing limitations');
export const PART_ID = api('Part Id - Streaming DMA mappings');
export const PART_II = api('Part II - Non-coherent DMA allocations');
export const PART_III = api('Part III - Debug drivers use of the DMA-API');

export const HOWTO_CONSISTENT = howto('Using Consistent DMA mappings');
export const HOWTO_STREAMING = howto('Using Streaming DMA mappings');
export const HOWTO_ERRORS = howto('Handling Errors');
export const HOWTO_DIRECTION = howto('DMA Direction');
export const HOWTO_MEMORY = howto("What memory is DMA'able?");
export const HOWTO_MASKS = howto('DMA addressing capabilities');
export const HOWTO_UNMAP_STATE = howto('Optimizing Unmap State Space Consumption');
export const HOWTO_PLATFORM = howto('Platform Issues');
export const HOWTO_ADDRESSES = howto('CPU and DMA addresses');

export const MAPPING_H = src('include/linux/dma-mapping.h');
export const MAPPING_C = src('kernel/dma/mapping.c');
export const DMAPOOL_H = src('include/linux/dmapool.h');
export const DMAPOOL_C = src('mm/dmapool.c');
export const DIRECTION_H = src('include/linux/dma-direction.h');
export const MAP_OPS_H = src('include/linux/dma-map-ops.h');
export const DIRECT_H = src('include/linux/dma-direct.h');
export const KDIRECT_H = src('kernel/dma/direct.h');
