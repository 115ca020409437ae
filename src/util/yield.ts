/**
 * Lets timers, I/O callbacks and other requests run before the caller goes on. An `await` of an
 * already settled promise does not: microtasks run before the event loop turns, so a long chain
 * of them blocks a server as much as one synchronous loop.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
