import type { Rule } from './types';
import { dirConst, dirName } from '../directions';
import { mapsElsewhere, mapRelated, where } from './shared/driverMaps';

/**
 * An unmap or sync in one function whose direction disagrees with how every map of the same struct
 * member was made in other functions of the driver (dma-debug's check_unmap / check_sync): an unmap must
 * pass the map's direction exactly; a DMA_BIDIRECTIONAL mapping may be synced in either direction.
 * Silent when the maps of the member disagree among themselves, when one has a direction that is not a
 * constant, or when the member may also hold memory the index cannot see mapped.
 */
export const rule: Rule = {
  id: 'driver-dir-mismatch',
  title: 'An unmap or sync in one function uses another direction than the maps of the same member elsewhere in the driver',
  severity: 'error',
  checkDriver(index, report) {
    for (const rel of index.members()) {
      if (rel.role !== 'unmap' && rel.role !== 'sync-for-cpu' && rel.role !== 'sync-for-device') continue;
      if (!rel.streaming) continue;
      const rd = dirConst(rel.dir);
      if (!rd || rd === 'NONE') continue;
      const maps = mapsElsewhere(index, rel);
      if (!maps.length || maps.some((m) => m.role !== 'map' || !m.streaming)) continue;
      const dirs = new Set(maps.map((m) => dirConst(m.dir)));
      if (dirs.size !== 1) continue;
      const md = [...dirs][0];
      if (!md || md === 'NONE' || md === rd) continue;
      // a bidirectional mapping may be synced in any direction; only its unmap must say BIDIRECTIONAL
      if (rel.role !== 'unmap' && md === 'BIDI') continue;
      const verb = rel.role === 'unmap' ? 'unmaps' : 'syncs';
      const what = rel.via ? `${rel.via}() ${verb} ${rel.key} with ${dirName(rd)} (its ${rel.call}())` : `${rel.call}() ${verb} ${rel.key} with ${dirName(rd)}`;
      const rule = rel.role === 'unmap'
        ? 'an unmap must pass the direction of the map (dma-debug: "frees DMA memory with different direction"); pass the map\'s direction'
        : 'a sync must pass the direction of the map (dma-debug: "syncs DMA memory with different direction"); pass the map\'s direction';
      report({
        file: rel.file,
        function: rel.function,
        at: rel.via ? rel.at : rel.dirAt ?? rel.at,
        message: `${what}, but every map of that member in this driver is ${dirName(md)} (${where(maps[0])}${maps.length > 1 ? ` and ${maps.length - 1} more` : ''}): ${rule}${rd === 'BIDI' ? '' : ', or map DMA_BIDIRECTIONAL if both the device and the CPU write the buffer'}.`,
        related: mapRelated(maps, () => `mapped ${dirName(md)}`),
        // the direction argument of the call itself (not through a helper) can take the map's
        ...(!rel.via && rel.dirAt ? { fixes: [{ title: `Use the map's direction ${dirName(md)}`, edits: [{ start: rel.dirAt.start, end: rel.dirAt.end, text: dirName(md) }] }] } : {}),
      });
    }
  },
};
