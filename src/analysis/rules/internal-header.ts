import type { Rule } from './types';
import { isDmaCoreFile } from './shared/kernelPaths';
import { walk } from '../ast';

const IMPLEMENTS_RE = /\bstruct\s+dma_map_ops\b|\bset_dma_ops\s*\(|\bdma_range_map\b|\bdev_get_cma_area\s*\(|\bdma_(alloc|release)_from_contiguous\s*\(|\bdma_contiguous_\w+|\barch_setup_dma_ops\s*\(|\bof_dma_configure\w*\s*\(|\bdma_direct_set_offset\s*\(|\bdma_declare_coherent_memory\s*\(/;

export const rule: Rule = {
  id: 'internal-header',
  title: 'A driver includes the DMA core headers <linux/dma-map-ops.h> or <linux/dma-direct.h>',
  severity: 'warning',
  // On the 6.12 corpus 6 of the 9 remaining findings were driver smells; the rest were framework code
  // (sound/core, vdpa_sim, the ipu6 MMU layer) with a reason to use the internals. Below the 90% bar: opt-in.
  enabledByDefault: false,
  checkFile(ctx, report) {
    if (isDmaCoreFile(ctx.file) || !/dma-(map-ops|direct)\.h/.test(ctx.text)) return;
    // files that implement or install DMA ops, or set up CMA / bus DMA ranges, are what these headers are for
    if (IMPLEMENTS_RE.test(ctx.text)) return;
    walk(ctx.root, (n) => {
      if (n.type === 'function_definition') return false;
      if (n.type !== 'preproc_include') return true;
      const p = n.childForFieldName('path');
      const t = p?.text.replace(/\s/g, '') ?? '';
      if (t !== '<linux/dma-map-ops.h>' && t !== '<linux/dma-direct.h>') return false;
      report({
        start: p!.startIndex, end: p!.endIndex,
        message: `${t} is internal to the DMA core and IOMMU drivers; a driver should only need <linux/dma-mapping.h>. Whatever it takes from here (coherency, dma ops, direct-mapping details) is a platform assumption.`,
      });
      return false;
    });
  },
};
