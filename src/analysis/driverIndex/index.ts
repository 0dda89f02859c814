/**
 * The driver index of one folder: the records (records.ts) of every file of the folder, with the calls of
 * helpers defined in another file resolved into member records, grouped by member key for the driver
 * rules (Rule.checkDriver). Plain data; owned by the AnalysisSession (driverIndexes, cleared by dispose())
 * or by a CLI run. Bounded: at most `maxFiles` files and `maxRecords` records; past either, further files
 * are left out with a one-line note.
 */
import type { CallRecord, FileRecords, HelperRecord, MemberRecord, Span } from './records';
import { detachStrings } from '../detach';
import { approxBytes } from '../boundedCache';

export interface IndexLimits {
  maxFiles: number;
  maxRecords: number;
}

export const DEFAULT_INDEX_LIMITS: IndexLimits = { maxFiles: 2000, maxRecords: 200_000 };

/** A member record with the file it is in. */
export interface IndexedMember extends MemberRecord {
  file: string;
  /** resolved through a helper: where the helper's DMA call is (dir and family are left out when the helper's calls disagree) */
  helper?: { file: string; name: string; at: Span };
}

/** Figures for `--debug` and the bench. */
export interface IndexFigures {
  files: number;
  members: number;
  keys: number;
  partial: number;
  helpers: number;
  resolvedCalls: number;
  unresolvedCalls: number;
}

export class DriverIndex {
  private readonly files = new Map<string, FileRecords>();
  private records = 0;
  private derived: { members: IndexedMember[]; byKey: Map<string, IndexedMember[]>; byMember: Map<string, IndexedMember[]>; unresolved: (CallRecord & { file: string })[]; resolved: number } | undefined;
  readonly notes: string[] = [];
  readonly limits: IndexLimits;

  constructor(readonly folder: string, limits: Partial<IndexLimits> = {}) {
    this.limits = { ...DEFAULT_INDEX_LIMITS, ...limits };
  }

  /** Adds or replaces a file's records (the index owns them from now on); false (and a note) when the index is full. */
  setFile(r: FileRecords): boolean {
    const prev = this.files.get(r.file);
    const size = r.members.length + r.helpers.length + r.calls.length;
    const prevSize = prev ? prev.members.length + prev.helpers.length + prev.calls.length : 0;
    if (!prev && this.files.size >= this.limits.maxFiles) {
      this.note(`driver index of ${this.folder || '.'}: more than ${this.limits.maxFiles} files; the rest are not indexed`);
      return false;
    }
    if (this.records - prevSize + size > this.limits.maxRecords) {
      this.note(`driver index of ${this.folder || '.'}: more than ${this.limits.maxRecords} records; ${r.file} is not indexed`);
      return false;
    }
    // kept for the session's life: its strings must not hold the file's text (../detach.ts)
    this.files.set(r.file, detachStrings(r));
    this.records += size - prevSize;
    this.derived = undefined;
    return true;
  }

  removeFile(file: string): void {
    const prev = this.files.get(file);
    if (!prev) return;
    this.records -= prev.members.length + prev.helpers.length + prev.calls.length;
    this.files.delete(file);
    this.derived = undefined;
  }

  hasFile(file: string): boolean {
    return this.files.has(file);
  }

  get fileCount(): number {
    return this.files.size;
  }

  /** Member, helper and call records held (the bound `maxRecords` counts these). */
  get recordCount(): number {
    return this.records;
  }

  /** Rough bytes of the records held (as the session's caches count: ../boundedCache.ts approxBytes), for the bench. */
  approxBytes(): number {
    let n = 0;
    for (const r of this.files.values()) n += approxBytes(r);
    return n;
  }

  fileRecords(file: string): FileRecords | undefined {
    return this.files.get(file);
  }

  /** Is rule `rule` suppressed by a `dma-scope: ignore` comment on the line or the line above? */
  suppressed(file: string, line: number, rule: string): boolean {
    const s = this.files.get(file)?.suppressions;
    return !!s?.some(([l, ids]) => (l === line || l === line - 1) && ids.some((x) => x === rule || x === 'all'));
  }

  private note(n: string): void {
    if (!this.notes.includes(n) && this.notes.length < 20) this.notes.push(n);
  }

  /** Helpers by name with their file; a name defined in several files maps to all of them. */
  private helpersByName(): Map<string, (HelperRecord & { file: string })[]> {
    const out = new Map<string, (HelperRecord & { file: string })[]>();
    for (const r of this.files.values()) for (const h of r.helpers) out.set(h.name, [...(out.get(h.name) ?? []), { ...h, file: r.file }]);
    return out;
  }

  private derive(): NonNullable<DriverIndex['derived']> {
    if (this.derived) return this.derived;
    const members: IndexedMember[] = [];
    const unresolved: (CallRecord & { file: string })[] = [];
    let resolved = 0;
    for (const r of this.files.values()) for (const m of r.members) members.push({ ...m, file: r.file });
    const helpers = this.helpersByName();
    const definedIn = new Map<string, string[]>();
    for (const r of this.files.values()) for (const fn of r.functions) definedIn.set(fn, [...(definedIn.get(fn) ?? []), r.file]);
    for (const r of this.files.values()) {
      for (const c of r.calls) {
        if (c.how === 'store' || c.how === 'out') {
          unresolved.push({ ...c, file: r.file });
          continue;
        }
        if (c.how === 'leak') continue;
        // the helper the call reaches: the caller's own file's definition, else the folder's only one
        const files = definedIn.get(c.callee) ?? [];
        const file = files.includes(r.file) ? r.file : files.length === 1 ? files[0] : undefined;
        const hs = file ? (helpers.get(c.callee) ?? []).filter((h) => h.file === file) : [];
        const fits = hs.filter((h) => (c.how === 'result' ? h.kind === 'returns-map' : h.kind === 'releases-param' && h.param === c.arg));
        if (!fits.length) {
          if (c.how === 'result') unresolved.push({ ...c, file: r.file });
          continue;
        }
        resolved++;
        // a helper that releases the parameter in several directions (chosen by its other arguments) says no direction
        const dirsByRole = new Map<string, Set<string>>();
        for (const h of fits) dirsByRole.set(h.role, (dirsByRole.get(h.role) ?? new Set()).add(`${h.dir}|${h.family}`));
        const done = new Set<string>();
        for (const h0 of fits) {
          const ambiguous = (dirsByRole.get(h0.role)?.size ?? 0) > 1;
          if (done.has(h0.role)) continue;
          done.add(h0.role);
          const h = ambiguous ? { ...h0, dir: undefined, family: undefined } : h0;
          members.push({
            key: c.key, member: c.member, container: c.container, role: h.role, call: h.call, via: c.callee, family: h.family,
            streaming: !!h.family && ['single', 'page', 'sg', 'sgtable', 'resource'].includes(h.family),
            ...(h.dir ? { dir: h.dir } : {}), ...(h.size ? { size: h.size } : {}),
            handle: c.handle, function: c.function, at: c.at, file: r.file, helper: { file: h.file, name: h.name, at: h.dirAt ?? h.at },
          });
        }
      }
    }
    const byKey = new Map<string, IndexedMember[]>();
    const byMember = new Map<string, IndexedMember[]>();
    for (const m of members) {
      byKey.set(m.key, [...(byKey.get(m.key) ?? []), m]);
      byMember.set(m.member, [...(byMember.get(m.member) ?? []), m]);
    }
    this.derived = { members, byKey, byMember, unresolved, resolved };
    return this.derived;
  }

  /** Every member record of the folder (direct, and resolved through helpers of any of its files). */
  members(): readonly IndexedMember[] {
    return this.derive().members;
  }

  /** Records of a full key (container.member), in file order. */
  recordsOf(key: string): readonly IndexedMember[] {
    return this.derive().byKey.get(key) ?? [];
  }

  /**
   * Records that may concern the same member as `m`: the records of its key, and every partial record
   * of the same member name (a partial key may be this member, so it can only make a rule hold back).
   */
  candidates(m: { key: string; member: string; container: string | null }): readonly IndexedMember[] {
    const d = this.derive();
    if (!m.container) return d.byMember.get(m.member) ?? [];
    return [...(d.byKey.get(m.key) ?? []), ...(d.byMember.get(m.member) ?? []).filter((x) => !x.container)];
  }

  /**
   * Other sources of a member of this name: calls whose value lands in it that no helper of the folder
   * explains (a page pool, another module's helper), its address passed to a function, stores of values
   * that are no map of the storing function.
   */
  unexplainedStores(member: string, key?: string): (CallRecord & { file: string })[] {
    return this.derive().unresolved.filter((c) => c.member === member && (!key || !c.container || c.key === key));
  }

  /** The helper a call of `callee` in `file` reaches: the file's own definition, else the folder's only one. */
  private helperFor(callee: string, file: string, kind: HelperRecord['kind']): (HelperRecord & { file: string })[] {
    const files: string[] = [];
    for (const r of this.files.values()) if (r.functions.includes(callee)) files.push(r.file);
    const home = files.includes(file) ? file : files.length === 1 ? files[0] : undefined;
    if (!home) return [];
    return (this.files.get(home)?.helpers ?? []).filter((h) => h.name === callee && h.kind === kind).map((h) => ({ ...h, file: home }));
  }

  /**
   * Error returns that leak a handle a helper of the driver mapped and returned (the call in a local, no
   * release, store or hand-off of that local on the way): each with the helper's map.
   */
  leaks(): { file: string; function: string; at: Span; from: Span; callee: string; handle: string; helper: HelperRecord & { file: string } }[] {
    const out: ReturnType<DriverIndex['leaks']> = [];
    for (const r of this.files.values()) {
      for (const c of r.calls) {
        if (c.how !== 'leak' || !c.from) continue;
        const hs = this.helperFor(c.callee, r.file, 'returns-map');
        // one map, of one single or page mapping: a helper with several maps (or none) is not judged
        if (hs.length !== 1 || (hs[0].family !== 'single' && hs[0].family !== 'page')) continue;
        out.push({ file: r.file, function: c.function, at: c.at, from: c.from, callee: c.callee, handle: c.handle, helper: hs[0] });
      }
    }
    return out;
  }

  figures(): IndexFigures {
    const d = this.derive();
    let helpers = 0;
    for (const r of this.files.values()) helpers += r.helpers.length;
    return {
      files: this.files.size, members: d.members.length, keys: d.byKey.size, partial: d.members.filter((m) => !m.container).length,
      helpers, resolvedCalls: d.resolved, unresolvedCalls: d.unresolved.length,
    };
  }
}

/** The folder a file belongs to for the index: its directory ('' for a bare name). */
export function folderOf(file: string): string {
  const f = file.replace(/\\/g, '/');
  const i = f.lastIndexOf('/');
  return i < 0 ? '' : f.slice(0, i);
}
