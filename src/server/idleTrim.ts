/**
 * The language server's idle-time heap trim: once the server has been quiet for `delayMs` after work (a
 * check published, a document closed), the host trims its heap (Node: src/node/memory.ts trimIdleHeap,
 * a full collection when the heap has grown enough since the last one). The delay only has to span the
 * gaps inside a burst (between the files of a batch being opened, between keystrokes: the diagnostics
 * debounce is 200 ms); the host's growth threshold keeps trims rare while someone types in one file.
 * Transport-free: the server hands in the trim and what "busy" means.
 */
export const IDLE_TRIM_MS = 300;

export class IdleTrim {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;

  constructor(private readonly trim: () => void, private readonly busy: () => boolean, private readonly delayMs = IDLE_TRIM_MS) {}

  /** Work happened: trim after the next quiet period (restarts the wait). */
  poke(): void {
    if (this.disposed) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fire(), this.delayMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    if (this.disposed) return;
    if (this.busy()) {
      this.poke(); // a check is pending or running: wait for its end
      return;
    }
    this.trim();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
