/**
 * One turn of the event loop for request handlers, shared by the server's modules: lets messages already received (a `$/cancelRequest`) be read before a request is served. setImmediate
 * runs right after the pending I/O; setTimeout(0) (the web worker's only choice) waits a timer tick of ~1 ms.
 */
const nextTurn: (f: () => void) => void = typeof setImmediate === 'function' ? (f) => void setImmediate(f) : (f) => void setTimeout(f, 0);

export function yieldToLoop(): Promise<void> {
  return new Promise((r) => nextTurn(r));
}

