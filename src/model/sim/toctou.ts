/**
 * TOCTOU reads of shared DMA memory (issue 16): on platforms where the other side may rewrite DMA memory at
 * any moment — a confidential VM's host (`cc`), an untrusted device behind the IOMMU — a `device_write`
 * between two `cpu_read`s of the same bytes means the second read may see another value than the one a
 * check looked at. Kept apart from simulate.ts: it only watches reads and device writes, per simulation
 * (one instance per Machine, no module state).
 */
import type { Platform } from '../platforms';

interface Access {
  obj: string;
  a: number;
  b: number;
  step: number;
  line: number;
}

export interface TocTouHit {
  first: Access;
  write: Access;
  /** the bytes read twice with the device's write in between (object offsets) */
  a: number;
  b: number;
}

/** Platforms where device-visible memory is written by an untrusted party. */
export function untrustedWriter(p: Platform): 'host' | 'device' | null {
  return p.cc ? 'host' : p.id === 'iommu-untrusted' ? 'device' : null;
}

export class ReadWatch {
  private readonly reads: Access[] = [];
  private readonly writes: Access[] = [];

  deviceWrite(x: Access): void {
    this.writes.push(x);
  }

  /** Records a CPU read; returns the earlier read it repeats across a device write, if any. */
  cpuRead(x: Access): TocTouHit | null {
    let hit: TocTouHit | null = null;
    for (let i = this.reads.length - 1; i >= 0 && !hit; i--) {
      const r = this.reads[i];
      if (r.obj !== x.obj) continue;
      const a = Math.max(r.a, x.a);
      const b = Math.min(r.b, x.b);
      if (a >= b) continue;
      const w = this.writes.find((w) => w.obj === x.obj && w.step > r.step && w.step < x.step && w.a < b && a < w.b);
      if (w) hit = { first: r, write: w, a: Math.max(a, w.a), b: Math.min(b, w.b) };
    }
    this.reads.push(x);
    return hit;
  }
}
