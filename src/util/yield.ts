/**
 * Lets timers, I/O callbacks and other requests run before the caller goes on. An `await` of an
 * already settled promise does not: microtasks run before the event loop turns, so a long chain
 * of them blocks a server as much as one synchronous loop.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A loop's clock for yielding by time instead of by count: `due()` says true once `budgetMs` has
 * passed since it last said so. An item that costs microseconds warm can cost a millisecond the
 * first time its code runs, so a count that is right warm holds the loop ten times longer cold.
 */
export function timeSlice(budgetMs = 8): { due(): boolean } {
  let since = performance.now();
  return {
    due() {
      const now = performance.now();
      if (now - since < budgetMs) return false;
      since = now;
      return true;
    },
  };
}
