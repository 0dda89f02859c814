/**
 * Progress of long scans on stderr: "checked 120/3000 files (85 files/s)",
 * rewritten in place at most every 200 ms. Only when stderr is a terminal,
 * never in CI (the CI environment variable) or with --quiet.
 */
import type { CliIO } from './args';

/** True when the CI environment variable is set to anything but '', '0' or 'false'. */
export function inCi(env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export class Progress {
  private done = 0;
  private last = 0;
  private shown = false;
  private readonly t0: number;

  constructor(private readonly io: CliIO, private readonly total: number, readonly enabled: boolean, private readonly now: () => number = Date.now) {
    this.t0 = now();
  }

  static forRun(io: CliIO, total: number, quiet: boolean): Progress {
    return new Progress(io, total, io.errIsTTY && !quiet && !inCi(io.env ?? process.env) && total > 1);
  }

  /** One more file done. */
  tick(): void {
    this.done++;
    if (!this.enabled) return;
    const t = this.now();
    if (this.done < this.total && t - this.last < 200) return;
    this.last = t;
    const secs = Math.max((t - this.t0) / 1000, 0.001);
    this.io.err(`\rchecked ${this.done}/${this.total} files (${Math.round(this.done / secs)} files/s)`);
    this.shown = true;
  }

  /** Erases the progress line (before other output goes to the same terminal). */
  clear(): void {
    if (this.shown) this.io.err('\r\x1b[K');
    this.shown = false;
  }

  /** Ends the progress line. */
  finish(): void {
    if (this.shown) this.io.err('\n');
    this.shown = false;
  }
}
