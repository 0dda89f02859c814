/** What the driver rules share: the maps of a released member made in other functions of the driver. */
import type { DriverIndex, IndexedMember } from '../../driverIndex';
import type { Span } from '../../driverIndex/records';

/**
 * The map/alloc records that may have made the handle a release or sync of `rel` names, when the
 * judgement belongs to the driver rules: `rel` has a full key (a partial key never creates a finding),
 * no map of the member is in the releasing function (the per-function rules judge that pair), and no
 * store into the member comes from a call the index cannot explain (a page pool, another module's helper).
 * Partial-key maps of the same member name are included, so they can only make a rule hold back; at
 * least one map must have the release's full key.
 * Empty when the driver rules should say nothing.
 */
export function mapsElsewhere(index: DriverIndex, rel: IndexedMember): IndexedMember[] {
  if (!rel.container) return [];
  const maps = index.candidates(rel).filter((m) => m.role === 'map' || m.role === 'alloc');
  // partial-key maps may only hold a rule back: at least one map must be of this very member
  if (!maps.some((m) => m.container)) return [];
  if (maps.some((m) => m.file === rel.file && m.function === rel.function)) return [];
  if (index.unexplainedStores(rel.member, rel.key).length) return [];
  return maps;
}

/** Related locations of maps (the first few), each with the function and file it is in. */
export function mapRelated(maps: IndexedMember[], what: (m: IndexedMember) => string): { file: string; at: Span; message: string }[] {
  return maps.slice(0, 3).map((m) => ({
    file: m.file,
    at: m.at,
    message: `${what(m)} in ${m.function}()${m.via ? ` through ${m.via}()` : ''}`,
  }));
}

/** `foo_refill() in foo_main.c` (the file by its last path element). */
export function where(m: IndexedMember): string {
  return `${m.function}() in ${m.file.replace(/\\/g, '/').split('/').pop()}`;
}
