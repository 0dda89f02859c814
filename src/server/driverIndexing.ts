/**
 * The language server's driver indexes: when a document of a folder is first checked, the folder's other
 * C files are read and recorded in the background (one folder at a time, one file per turn of the event
 * loop, so requests and keystrokes are served in between); per-file diagnostics are published first, and the driver rules'
 * findings join them once the folder's index is ready. A checked document updates its own records, and
 * the other open documents of its folder are re-published when their driver findings change.
 * A folder's index also holds the subfolder files its Makefile links into the same module (the host's
 * readMakefile; ../analysis/driverIndex/kbuildModule.ts), as `dma-scope check` groups them.
 * Bounded: a folder of more than `maxFiles` C files is indexed up to that many, with a one-line note.
 * Transport-free: the server hands in how to list and read files and what to do when findings change.
 */
import type { AnalysisAdapter, DriverFinding, FileRecords } from './analysis';
import type { SeveritySetting } from '../analysis/rules/types';
import { linkedSources, moduleDriverOf, moduleObjects, type ModuleObjectsCache } from '../analysis/driverIndex/kbuildModule';

export const MAX_INDEX_FILES = 2000;

export interface IndexingHost {
  /** the *.c / *.h files directly in a folder (absolute paths, sorted), at most `limit` */
  listFolderFiles(folder: string, limit: number): Promise<string[]>;
  readFile(file: string): Promise<string>;
  /** the text of an open document at this path (it wins over the disk) */
  openText(file: string): string | undefined;
  /** the severities of a file (repo configuration under the client's settings) */
  severitiesFor(file: string): Record<string, SeveritySetting> | undefined;
  /** a folder's index is ready, or the driver findings of its files may have changed: re-publish its open documents */
  changed(folder: string): void;
  /** one line for the client's log */
  note(message: string): void;
  /** a document check is pending or running, or the user just typed or opened a file: the index waits (documents' diagnostics first) */
  busy?(): boolean;
  /**
   * a folder's kbuild file (`Kbuild`, else `Makefile`), undefined when it has none: a subfolder whose
   * objects the Makefile links into its module is indexed with it (../analysis/driverIndex/kbuildModule.ts).
   * Without it every folder is a driver of its own.
   */
  readMakefile?(folder: string): Promise<string | undefined>;
}

/** Files whose driver folder is kept. */
const MAX_KEPT_FILES = 8192;

/** How long the index waits after the first check of a folder, and between polls while documents are being checked. */
const START_DELAY_MS = 1000;
const BUSY_POLL_MS = 50;

/** The directory of an absolute '/'-separated path. */
export function folderOfPath(file: string): string {
  const i = file.lastIndexOf('/');
  return i <= 0 ? '/' : file.slice(0, i);
}

interface FolderState {
  ready: boolean;
  /** when the folder's first document was checked (the build starts START_DELAY_MS later at the earliest) */
  requested: number;
  /** when the build finished (ms) and how long it took */
  ms?: number;
  files?: number;
  /** driver findings by file, computed once per change of the index */
  findings?: Map<string, DriverFinding[]>;
}

export class DriverIndexing {
  private readonly folders = new Map<string, FolderState>();
  /** file → the folder whose index holds it (bounded) */
  private readonly fileFolders = new Map<string, string>();
  /** files whose driver folder is being looked up (their parents' Makefiles read) */
  private readonly resolving = new Set<string>();
  /** folder → the subfolder objects of its Makefile (bounded) */
  private readonly makefiles: ModuleObjectsCache = new Map();
  private stopped = false;
  /** the folders' builds, one after the other in the order their first documents were checked */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly adapter: AnalysisAdapter, private readonly host: IndexingHost, private readonly maxFiles = MAX_INDEX_FILES, private readonly startDelayMs = START_DELAY_MS) {}

  /** Starts indexing the driver folder of a file, once per folder (returns at once; the build runs in the background). */
  ensure(file: string): void {
    if (this.stopped || this.fileFolders.has(file) || this.resolving.has(file)) return;
    const own = folderOfPath(file);
    // a folder of files none of which a parent Makefile links elsewhere: known at once
    if (!this.host.readMakefile) return this.enqueue(file, own);
    this.resolving.add(file);
    void this.driverFolderOf(file)
      .catch(() => own)
      .then((folder) => {
        this.resolving.delete(file);
        if (!this.stopped) this.enqueue(file, folder);
      });
  }

  private enqueue(file: string, folder: string): void {
    if (this.fileFolders.size >= MAX_KEPT_FILES) this.fileFolders.clear();
    this.fileFolders.set(file, folder);
    if (this.folders.has(folder)) return;
    const st: FolderState = { ready: false, requested: Date.now() };
    this.folders.set(folder, st);
    // one folder at a time: the index's share of a busy server is one file per wait however many
    // folders the user has opened files in (each folder waiting on its own, 72 folders of
    // drivers/net/ethernet indexed ~7 files a second between the user's checks)
    this.queue = this.queue
      .then(() => this.build(folder, st))
      .catch((e) => this.host.note(`driver index of ${folder} failed: ${(e as Error)?.message ?? e}`));
  }

  /** How the host reads a folder's kbuild file (none: every folder is a driver of its own). */
  private readonly readMakefile = (folder: string): Promise<string | undefined> => (this.host.readMakefile ? this.host.readMakefile(folder) : Promise.resolve(undefined));

  /** The folder whose index holds a file: the module folder a parent Makefile links it into, else its own. */
  private async driverFolderOf(file: string): Promise<string> {
    return (await moduleDriverOf(file, this.readMakefile, this.makefiles)).root;
  }

  /** The driver folder of a file as far as it is known (its own folder until ensure() resolved it). */
  folderOf(file: string): string {
    return this.fileFolders.get(file) ?? folderOfPath(file);
  }

  /** A resolves when the folder's index is built (for tests and the bench). */
  async whenReady(folder: string, pollMs = 20, timeoutMs = 60_000): Promise<boolean> {
    const t0 = Date.now();
    while (!this.folders.get(folder)?.ready) {
      if (Date.now() - t0 > timeoutMs || this.stopped) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return true;
  }

  /** Whether the driver folder of a file is indexed or being indexed (its documents' checks should bring their records). */
  isIndexing(file: string): boolean {
    return this.resolving.has(file) || this.folders.has(this.folderOf(file));
  }

  /** Folders indexed or being indexed. */
  get folderCount(): number {
    return this.folders.size;
  }

  /** Folders whose index is still being built. */
  get pendingCount(): number {
    let n = 0;
    for (const st of this.folders.values()) if (!st.ready) n++;
    return n;
  }

  isReady(folder: string): boolean {
    return !!this.folders.get(folder)?.ready;
  }

  /** How the build of a folder went (files recorded, milliseconds from its start after the initial quiet delay), once ready. */
  figures(folder: string): { files: number; ms: number } | undefined {
    const st = this.folders.get(folder);
    return st?.ready ? { files: st.files ?? 0, ms: st.ms ?? 0 } : undefined;
  }

  private async build(folder: string, st: FolderState): Promise<void> {
    const wait = st.requested + this.startDelayMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.stopped) return;
    const t0 = Date.now();
    // the folder's own files, then the subfolder sources its Makefile links into the module (a missing one is skipped below)
    const linked = linkedSources(await moduleObjects(folder, this.readMakefile, this.makefiles)).map((f) => `${folder === '/' ? '' : folder}/${f}`);
    const files = [...(await this.host.listFolderFiles(folder, this.maxFiles + 1)), ...linked];
    if (files.length > this.maxFiles) this.host.note(`${folder} has more than ${this.maxFiles} C files: its driver index covers the first ${this.maxFiles}`);
    const index = await this.adapter.driverIndex(folder, { maxFiles: this.maxFiles });
    let n = 0;
    for (const f of files.slice(0, this.maxFiles)) {
      if (this.stopped) return;
      // one file per turn: requests and document changes are served in between, and pending checks go first
      await new Promise((r) => setTimeout(r, 0));
      for (let k = 0; k < 200 && this.host.busy?.() && !this.stopped; k++) await new Promise((r) => setTimeout(r, BUSY_POLL_MS));
      if (index.hasFile(f)) continue; // a document checked meanwhile brought its own records
      let text: string | undefined = this.host.openText(f);
      if (text === undefined) {
        try {
          text = await this.host.readFile(f);
        } catch {
          continue; // unreadable: left out
        }
      }
      if (!/dma|DMA/.test(text)) continue; // names no DMA API: nothing to record
      try {
        const r = await this.adapter.records(f, text);
        if (r) index.setFile(r);
        n++;
      } catch (e) {
        this.host.note(`driver index: cannot record ${f}: ${(e as Error)?.message ?? e}`);
      }
    }
    for (const note of index.notes) this.host.note(note);
    st.ready = true;
    st.files = n;
    st.ms = Date.now() - t0;
    st.findings = undefined;
    this.host.changed(folder);
  }

  /** A document was checked: its records replace its entry in the folder's index (when the folder is indexed or being indexed). */
  async fileChecked(records: FileRecords | undefined, file: string): Promise<void> {
    const folder = this.folderOf(file);
    const st = this.folders.get(folder);
    if (!st || !records) return;
    const index = await this.adapter.driverIndex(folder, { maxFiles: this.maxFiles });
    const before = st.ready ? this.signature(folder, st) : '';
    index.setFile(records);
    st.findings = undefined;
    // other open documents of the folder may gain or lose driver findings
    if (st.ready && this.signature(folder, st) !== before) this.host.changed(folder);
  }

  private signature(folder: string, st: FolderState): string {
    return [...this.all(folder, st).values()].flat().map((f) => `${f.file}:${f.start}:${f.rule}:${f.message}`).join('|');
  }

  private all(folder: string, st: FolderState): Map<string, DriverFinding[]> {
    if (st.findings) return st.findings;
    const out = new Map<string, DriverFinding[]>();
    const index = this.adapter.peekDriverIndex(folder);
    if (index) for (const f of this.adapter.driverFindings(index, (file) => this.host.severitiesFor(file))) out.set(f.file, [...(out.get(f.file) ?? []), f]);
    st.findings = out;
    return out;
  }

  /** The driver findings of a file (none until its folder's index is ready). */
  findingsFor(file: string): DriverFinding[] {
    const folder = this.folderOf(file);
    const st = this.folders.get(folder);
    if (!st?.ready) return [];
    return this.all(folder, st).get(file) ?? [];
  }

  dispose(): void {
    this.stopped = true;
    this.folders.clear();
    this.fileFolders.clear();
    this.makefiles.clear();
  }
}
