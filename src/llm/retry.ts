/**
 * Backoff arithmetic, `Retry-After` parsing and an abortable sleep for the model client's retry loop.
 * Pure except for `sleep`.
 */
import { LlmError } from "./errors.js";

/** Retry delays, in ms. */
export interface BackoffPolicy {
  /** Delay before the first retry (before jitter). */
  baseMs: number;
  /** Cap of the exponential delay. */
  maxMs: number;
  /** Cap of a server-requested `Retry-After` delay. */
  retryAfterMaxMs: number;
}

/** Longest server-requested wait we honour by default: beyond a minute, failing is more useful than waiting. */
export const DEFAULT_RETRY_AFTER_MAX_MS = 60_000;

/**
 * Delay before retry number `attempt` (1-based). A server `Retry-After` wins (capped at
 * `retryAfterMaxMs`); otherwise `baseMs * 2^(attempt-1)` capped at `maxMs`, with "equal jitter" (half
 * fixed, half random) so retries from parallel runs spread out but never collapse to zero.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.retryAfterMaxMs);
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/**
 * Read `retry-after-ms` (OpenAI) or `Retry-After` as delay-seconds (fractions accepted) or an HTTP
 * date. Returns undefined when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms)) return Math.ceil(Number(ms));
  const value = headers.get("retry-after");
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Wait `ms`, or reject with `LlmError{kind:"aborted"}` as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The error for a caller abort, keeping the abort reason as the cause. */
export function abortedError(signal?: AbortSignal): LlmError {
  return new LlmError("aborted", "the model request was aborted", { cause: signal?.reason });
}
