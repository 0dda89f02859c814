/**
 * The order in which `check --jobs N` hands files to its worker threads. Each worker keeps to one folder
 * at a time: the files of a driver include the same headers and call the same helpers, and each worker's
 * session caches their facts, so a folder split file by file between workers has them read and parsed
 * once per worker. A worker that finds no folder left takes the last file of the folder with the most
 * files left, so no worker idles while work remains. Results are still reported in the files' order.
 */
import * as path from 'path';

export class FolderQueue {
  /** runs of consecutive files in one folder: next file to hand out, end (exclusive) */
  private readonly groups: { next: number; end: number }[] = [];
  private nextGroup = 0;

  constructor(files: readonly string[]) {
    let start = 0;
    for (let i = 1; i <= files.length; i++) {
      if (i < files.length && path.dirname(files[i]) === path.dirname(files[start])) continue;
      this.groups.push({ next: start, end: i });
      start = i;
    }
  }

  /** The index of the next file for a worker (`at`: the folder it works in, updated here), or undefined when none is left. */
  take(at: { group: number }): number | undefined {
    const cur = at.group >= 0 ? this.groups[at.group] : undefined;
    if (cur && cur.next < cur.end) return cur.next++;
    if (this.nextGroup < this.groups.length) {
      at.group = this.nextGroup++;
      return this.groups[at.group].next++;
    }
    let best: { next: number; end: number } | undefined;
    for (const g of this.groups) if (g.end - g.next > (best ? best.end - best.next : 0)) best = g;
    return best ? --best.end : undefined;
  }
}
