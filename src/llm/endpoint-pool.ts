/**
 * A pool of model endpoints: the same model served by several replicas (vLLM or SGLang data
 * parallel, with or without their routers). `base_url` may name several, separated by commas or
 * whitespace (a TOML list is joined that way). Each request goes to the healthy replica with the
 * fewest requests in flight (ties: the one used least recently); a replica whose attempt fails for
 * a reason that is the server's (unreachable, timeout, 5xx, broken stream) is ejected for a while
 * and the request moves on at once to another replica. When every replica has failed the attempt,
 * the client's own retry policy (backoff, then the honest error and exit code 3) takes over; an
 * ejected replica is tried again when its time is up, or when nothing else is left.
 *
 * One pool per list of URLs per process (`poolFor`): all explorations of a server share what it
 * learned about the replicas.
 */
import { LlmError } from "./errors.js";
import { normalizeBaseUrl } from "./url.js";

/** How long a failing replica is left out (doubling on repeated failures, up to EJECT_MAX_MS). */
export const EJECT_BASE_MS = 5_000;
export const EJECT_MAX_MS = 60_000;

/** Split a `base_url` setting into normalized, distinct replica URLs (throws TypeError for a bad one). */
export function parseBaseUrls(setting: string): string[] {
  const urls: string[] = [];
  for (const part of setting.split(/[\s,]+/)) {
    if (part === "") continue;
    const url = normalizeBaseUrl(part);
    if (!urls.includes(url)) urls.push(url);
  }
  return urls;
}

/** What the pool knows about one replica (also what `doctor` and `bench-endpoint` report). */
export interface ReplicaState {
  readonly url: string;
  inFlight: number;
  requests: number;
  failures: number;
  /** Consecutive failures (reset by a success); drives the ejection time. */
  streak: number;
  /** Ejected until this time (ms since the epoch); 0 when healthy. */
  ejectedUntil: number;
  lastError?: string;
  lastUsed: number;
}

/** Whether a failed attempt is the replica's fault (another replica may well answer). */
export function isReplicaFailure(error: unknown): boolean {
  if (!(error instanceof LlmError)) return false;
  if (error.kind === "aborted" || error.kind === "refused" || error.kind === "too_large") return false;
  return error.retryable;
}

export class EndpointPool {
  readonly replicas: ReplicaState[];
  private readonly now: () => number;
  private tick = 0;

  constructor(urls: readonly string[], options: { now?: () => number } = {}) {
    if (urls.length === 0) throw new TypeError("an endpoint pool needs at least one URL");
    this.replicas = urls.map((url) => ({
      url,
      inFlight: 0,
      requests: 0,
      failures: 0,
      streak: 0,
      ejectedUntil: 0,
      lastUsed: 0,
    }));
    this.now = options.now ?? Date.now;
  }

  /** The replica for the next attempt, skipping `tried`; null when every replica was tried. */
  pick(tried: ReadonlySet<string> = new Set()): ReplicaState | null {
    const now = this.now();
    const open = this.replicas.filter((r) => !tried.has(r.url));
    if (open.length === 0) return null;
    const healthy = open.filter((r) => r.ejectedUntil <= now);
    // Nothing healthy left: the replica whose ejection ends first gets the attempt (it may be back).
    if (healthy.length === 0) return open.reduce((a, b) => (b.ejectedUntil < a.ejectedUntil ? b : a));
    return healthy.reduce((a, b) =>
      b.inFlight < a.inFlight || (b.inFlight === a.inFlight && b.lastUsed < a.lastUsed) ? b : a,
    );
  }

  /** Count a request on the best replica (see `pick`); pair with `release`. */
  acquire(tried: ReadonlySet<string> = new Set()): ReplicaState | null {
    const r = this.pick(tried);
    if (!r) return null;
    r.inFlight++;
    r.requests++;
    r.lastUsed = ++this.tick;
    return r;
  }

  /** The request on `r` ended. */
  release(r: ReplicaState): void {
    r.inFlight--;
  }

  private succeeded(r: ReplicaState): void {
    r.streak = 0;
    r.ejectedUntil = 0;
  }

  private failed(r: ReplicaState, error: unknown): void {
    r.failures++;
    r.streak++;
    r.lastError = error instanceof Error ? error.message : String(error);
    r.ejectedUntil = this.now() + Math.min(EJECT_MAX_MS, EJECT_BASE_MS * 2 ** (r.streak - 1));
  }

  /**
   * Run one attempt on the best replica; on a replica failure eject it and run the attempt on the
   * next, until one answers or all were tried (then the last failure is thrown). Other failures
   * (aborted, refused, a 4xx that would fail anywhere) are thrown at once.
   */
  async run<T>(attempt: (baseUrl: string) => Promise<T>): Promise<T> {
    const tried = new Set<string>();
    let last: unknown;
    for (let r = this.acquire(tried); r; r = this.acquire(tried)) {
      tried.add(r.url);
      try {
        const value = await attempt(r.url);
        this.succeeded(r);
        return value;
      } catch (error) {
        if (!isReplicaFailure(error)) {
          if (!(error instanceof LlmError) || error.kind !== "aborted") this.succeeded(r);
          throw error;
        }
        this.failed(r, error);
        last = error;
        if (this.replicas.length > 1 && error instanceof LlmError)
          error.message = `${r.url}: ${error.message}${tried.size === this.replicas.length ? ` (all ${this.replicas.length} replicas failed)` : ""}`;
      } finally {
        this.release(r);
      }
    }
    throw last;
  }

  /** The URL for a one-off request such as model discovery: the healthy replica with the fewest in flight. */
  preferredUrl(): string {
    return (this.pick() ?? this.replicas[0]!).url;
  }

  /**
   * Run a discovery request (e.g. `GET /models`) on replicas in order of preference until one
   * answers; any error counts against the replica. Throws the last error when none answers.
   */
  async discover<T>(request: (baseUrl: string) => Promise<T>): Promise<T> {
    const tried = new Set<string>();
    let last: unknown;
    for (let r = this.pick(tried); r; r = this.pick(tried)) {
      tried.add(r.url);
      try {
        const value = await request(r.url);
        this.succeeded(r);
        return value;
      } catch (error) {
        if (error instanceof LlmError && error.kind === "aborted") throw error;
        this.failed(r, error);
        last = error;
      }
    }
    throw last;
  }
}

const pools = new Map<string, EndpointPool>();

/** The process-wide pool for a list of replica URLs (explorations of one server share it). */
export function poolFor(urls: readonly string[]): EndpointPool {
  const key = urls.join(" ");
  let pool = pools.get(key);
  if (!pool) {
    pool = new EndpointPool(urls);
    pools.set(key, pool);
  }
  return pool;
}

/** The process-wide pool of a `base_url` setting (one replica or several). */
export function poolOf(setting: string): EndpointPool {
  return poolFor(parseBaseUrls(setting));
}

/** For tests: forget every shared pool. */
export function resetPools(): void {
  pools.clear();
}
