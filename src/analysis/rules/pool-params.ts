import type { Rule } from './types';
import { argNamed, callsWithRole } from './shared/catalogueCalls';
import { constValue, isPow2 } from './shared/constFold';

export const rule: Rule = {
  id: 'pool-params',
  title: 'dma_pool_create() with an alignment or boundary it rejects (returns NULL)',
  severity: 'error',
  checkFunction(ctx, report) {
    for (const c of callsWithRole(ctx, 'pool-create')) {
      const size = argNamed(c, 'size');
      const align = argNamed(c, 'align');
      const boundary = argNamed(c, 'allocation', 'boundary');
      const a = align ? constValue(align.text) : null;
      if (align && a !== null && a !== 0 && !isPow2(a)) {
        report({ start: align.startIndex, end: align.endIndex, message: `The pool alignment ${align.text} is not a power of two; dma_pool_create() returns NULL for it. Use a power of two (or 0 for the default).` });
      }
      const b = boundary ? constValue(boundary.text) : null;
      if (!boundary || b === null || b === 0) continue;
      const s = size ? constValue(size.text) : null;
      const alignedSize = s !== null ? Math.ceil(Math.max(s, 1) / (a && isPow2(a) ? a : 1)) * (a && isPow2(a) ? a : 1) : null;
      if (!isPow2(b)) report({ start: boundary.startIndex, end: boundary.endIndex, message: `The pool boundary ${boundary.text} is not a power of two; dma_pool_create() returns NULL for it (use 0 for "no boundary").` });
      else if (alignedSize !== null && b < alignedSize) report({ start: boundary.startIndex, end: boundary.endIndex, message: `The pool boundary ${boundary.text} is smaller than the block size (${alignedSize} bytes after alignment); dma_pool_create() returns NULL. Use a boundary of at least the block size, or 0.` });
    }
  },
};
