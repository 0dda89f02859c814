import type { Rule } from './types';

/**
 * An error return that leaks a mapping made through a helper of the driver — a function of the folder
 * (often in another file) that maps a buffer and returns the handle: the caller keeps the handle in a
 * local, and an error return after the call neither unmaps it, stores it, passes it on nor jumps past the
 * failure branch of its check. The per-function `map-leak` judges the DMA API's own maps; this rule
 * needs the driver index to know that the callee maps.
 */
export const rule: Rule = {
  id: 'driver-helper-map-leak',
  title: 'An error return leaks a mapping made through a helper of the driver',
  // no finding on the 6.12 drivers/ to measure precision with (the first version's two were false): info (docs/rules page)
  severity: 'info',
  checkDriver(index, report) {
    for (const l of index.leaks()) {
      const where = l.helper.file === l.file ? '' : ` in ${l.helper.file.replace(/\\/g, '/').split('/').pop()}`;
      report({
        file: l.file,
        function: l.function,
        at: l.at,
        message: `This error return leaks the mapping ${l.callee}() made (its ${l.helper.call}()${where}) and returned into '${l.handle}' at line ${l.from.line}; unmap it before returning (or jump to the unwind label that does).`,
        related: [
          { file: l.file, at: l.from, message: `mapped through ${l.callee}() here` },
          { file: l.helper.file, at: l.helper.at, message: `${l.callee}() maps with ${l.helper.call}()` },
        ],
      });
    }
  },
};
