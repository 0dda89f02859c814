// A dma_map_single() whose handle is never passed to dma_mapping_error() in the same function:
// the single rule DMA Scope's bench runs through Coccinelle (spatch) for a side-by-side timing
// (scripts/bench.mjs --coccinelle). Written for the bench; not a replacement for map-error-unchecked.
@unchecked exists@
expression handle, dev, buf, size, dir;
position p;
@@
handle = dma_map_single@p(dev, buf, size, dir);
... when != dma_mapping_error(dev, handle)
    when != dma_mapping_error(..., handle)

@script:python depends on unchecked@
p << unchecked.p;
@@
print("%s:%s:%s: dma_map_single() handle not checked with dma_mapping_error()" % (p[0].file, p[0].line, p[0].column))
