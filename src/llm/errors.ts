/**
 * The one error type of the model client, classified once here. The retry loop reads `retryable`;
 * callers read `kind`. No I/O here.
 */
import { isRecord } from "./json.js";

/**
 * `http`: non-2xx status · `network`: connect/socket failure · `timeout`: a client-side limit fired ·
 * `stream`: broken or error-carrying SSE · `parse`: an unreadable 200 body · `aborted`: the caller aborted ·
 * `too_large`: the response passed the client's byte cap (`maxResponseBytes`) · `refused`: the client
 * would not send the request (it carried the API key in its body).
 */
export type LlmErrorKind = "http" | "network" | "timeout" | "stream" | "parse" | "aborted" | "too_large" | "refused";

/** Optional details of an `LlmError`; `retryable` defaults by kind and status. */
export interface LlmErrorInit {
  status?: number;
  retryable?: boolean;
  body?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

/** HTTP statuses worth another try: rate limits, overload, gateway trouble. */
export const RETRYABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504, 529]);

const MAX_MESSAGE_DETAIL = 500;
const MAX_BODY = 4000;

const CONTEXT_OVERFLOW =
  /maximum context length|context length|context_length_exceeded|exceeds the available context|too many tokens|prompt is too long|context window/i;

/** A failed model request. `kind: "aborted"` also carries `name = "AbortError"` for generic abort checks. */
export class LlmError extends Error {
  readonly kind: LlmErrorKind;
  readonly status?: number;
  readonly retryable: boolean;
  /** The error response body (truncated), for HTTP and in-stream errors. */
  readonly body?: string;
  /** What the server asked for in `Retry-After`/`retry-after-ms`, before capping. */
  readonly retryAfterMs?: number;
  /** How many attempts were made before giving up (set by the retry loop). */
  attempts = 1;

  constructor(kind: LlmErrorKind, message: string, init: LlmErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = kind === "aborted" ? "AbortError" : "LlmError";
    this.kind = kind;
    this.status = init.status;
    this.body = init.body;
    this.retryAfterMs = init.retryAfterMs;
    this.retryable = init.retryable ?? defaultRetryable(kind, init.status);
  }

  /** True when the server refused the prompt for being longer than its window. */
  get contextOverflow(): boolean {
    return CONTEXT_OVERFLOW.test(`${this.message}\n${this.body ?? ""}`);
  }
}

/** Type guard for `LlmError`. */
export function isLlmError(error: unknown): error is LlmError {
  return error instanceof LlmError;
}

function defaultRetryable(kind: LlmErrorKind, status?: number): boolean {
  switch (kind) {
    case "http":
      return status !== undefined && RETRYABLE_STATUS.has(status);
    case "network":
    case "timeout":
    case "stream":
      return true;
    // A reply that big is a degenerate generation, not a glitch: asking again would cost as much.
    case "too_large":
    case "parse":
    case "refused":
    case "aborted":
      return false;
  }
}

/** Cut a string for an error message, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more chars]`;
}

/** Pull the human message out of a vLLM/OpenAI/llama.cpp/Ollama error body, or return the text itself. */
export function errorDetail(body: string): string {
  const trimmed = body.trim();
  try {
    const parsed: unknown = JSON.parse(trimmed);
    const found = findMessage(parsed);
    if (found) return found;
  } catch {
    // Not JSON (an HTML proxy page, plain text): the text itself is the detail.
  }
  return trimmed.replace(/\s+/g, " ");
}

function findMessage(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (!isRecord(value)) return undefined;
  if (typeof value.message === "string") return value.message;
  if (value.error !== undefined) return findMessage(value.error);
  if (typeof value.detail === "string") return value.detail;
  return undefined;
}

/** Build the error for a non-2xx response. */
export function httpError(status: number, statusText: string, body: string, retryAfterMs?: number): LlmError {
  const detail = errorDetail(body);
  const head = `HTTP ${status}${statusText ? ` ${statusText}` : ""} from the model server`;
  const message = detail ? `${head}: ${truncate(detail, MAX_MESSAGE_DETAIL)}` : head;
  return new LlmError("http", message, { status, body: truncate(body, MAX_BODY), retryAfterMs });
}

/** Build the error for an `{"error": ...}` object that arrived inside a 200 stream (vLLM does this). */
export function inStreamError(payload: unknown): LlmError {
  const detail = findMessage(payload) ?? JSON.stringify(payload);
  const code = isRecord(payload) && isRecord(payload.error) ? payload.error.code : undefined;
  const status = typeof code === "number" ? code : undefined;
  return new LlmError(
    "stream",
    `the model server reported an error mid-stream: ${truncate(detail, MAX_MESSAGE_DETAIL)}`,
    {
      status,
      body: truncate(JSON.stringify(payload), MAX_BODY),
      // An explicit 4xx means the request itself is bad; anything else may be transient.
      retryable: status === undefined || status >= 500 || status === 429,
    },
  );
}

const NON_RETRYABLE_NET = new Set(["ENOTFOUND", "ERR_INVALID_URL", "ERR_INVALID_ARG_TYPE", "UND_ERR_INVALID_ARG"]);

/**
 * Classify an error thrown by `fetch` or by reading its body (undici: `TypeError: fetch failed` with a
 * `cause` carrying the code, `TypeError: terminated` when the socket closes mid-body). Abort and
 * timeout are decided by the caller from its signals, not here.
 */
export function networkError(error: unknown, phase: "connect" | "body"): LlmError {
  const code = errorCode(error);
  const base = error instanceof Error ? error.message : String(error);
  const causeMessage = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  const what = phase === "connect" ? "could not reach the model server" : "the connection to the model server broke";
  const detail = [base, causeMessage, code].filter((part, i, all) => part && all.indexOf(part) === i).join(": ");
  return new LlmError("network", `${what} (${detail})`, {
    cause: error,
    retryable: !(code && NON_RETRYABLE_NET.has(code)),
  });
}

/** The `code` of an error or of its cause chain (ECONNRESET, UND_ERR_SOCKET...). */
export function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (typeof current.code === "string") return current.code;
    current = current.cause;
  }
  return undefined;
}
