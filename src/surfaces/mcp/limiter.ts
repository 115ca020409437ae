/**
 * The cap on concurrent explorations, shared by every connection and HTTP request of one server
 * process. Beyond the cap a call is refused at once (the caller gets a "busy, retry shortly"
 * result) instead of queueing: a queued call would only burn the client's timeout.
 */

/** A counting limiter without a queue. */
export class ExploreLimiter {
  private active = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`the concurrency limit must be a positive integer, got ${limit}`);
  }

  /** Explorations running now. */
  get running(): number {
    return this.active;
  }

  /** Take a slot; returns its release function (idempotent), or null when all slots are taken. */
  tryAcquire(): (() => void) | null {
    if (this.active >= this.limit) return null;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
    };
  }
}
