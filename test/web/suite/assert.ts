/**
 * A small assert for the web extension host, where node:assert does not exist.
 * The same suite also runs in desktop VS Code (npm run test:electron).
 */
export class AssertionError extends Error {}

export function ok(value: unknown, message?: string): asserts value {
  if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${String(value)}`);
}

export function strictEqual<T>(actual: T, expected: T, message?: string): void {
  if (actual !== expected) throw new AssertionError(message ?? `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

export function match(text: string, re: RegExp, message?: string): void {
  if (!re.test(text)) throw new AssertionError(message ?? `expected ${JSON.stringify(text.slice(0, 400))} to match ${re}`);
}

/** Polls until fn returns something truthy (returned), or fails after `timeout` ms. */
type Falsy = false | undefined | null | 0 | '';
export async function until<T>(fn: () => T | Falsy | Promise<T | Falsy>, what: string, timeout = 20000, interval = 100): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new AssertionError(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
