/**
 * One HTTP attempt of a chat completion: POST, timeouts, SSE or JSON body → raw completion, every
 * failure classified as an `LlmError`. No retries here (client.ts owns them). Every body is read
 * under a byte cap as it arrives (`maxResponseBytes`; error bodies `MAX_ERROR_BODY_BYTES`), so a
 * runaway or hostile server costs bounded memory: past the cap the connection is dropped and the
 * attempt fails with `LlmError{kind:"too_large"}`.
 */
import { completionFromJson, type Delta, type RawCompletion, StreamAccumulator } from "./accumulate.js";
import { httpError, LlmError, networkError, truncate } from "./errors.js";
import { abortedError, parseRetryAfter } from "./retry.js";
import { readSseJson } from "./sse.js";
import { createThinkSplitter } from "./think.js";

/** Client-side time limits of one attempt, in ms. */
export interface AttemptLimits {
  /** Total cap of the attempt, headers and body. */
  timeoutMs: number;
  /** Cap until the response headers arrive. */
  connectTimeoutMs: number;
  /** Streaming only: longest silence allowed between two chunks (and from headers to the first chunk). */
  idleTimeoutMs: number;
  /** Most bytes read from one response body (JSON or the whole SSE stream). */
  maxResponseBytes: number;
}

/** An error response is only shown in part (errors.ts keeps 4 000 chars); more is not read. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Everything one attempt needs; the body is already serialized. */
export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  stream: boolean;
  limits: AttemptLimits;
  signal?: AbortSignal;
  /** Receives display deltas; `<think>` text in content is routed to "reasoning". Must not throw. */
  onDelta?: (delta: Delta) => void;
}

/** Perform one attempt. Rejects only with `LlmError`. */
export async function attemptChat(request: AttemptRequest): Promise<RawCompletion> {
  const { limits } = request;
  const total = AbortSignal.timeout(limits.timeoutMs);
  const phase = new AbortController();
  let phaseTimer: NodeJS.Timeout | undefined;
  let phaseTimeout: string | undefined;
  const arm = (ms: number, what: string) => {
    clearTimeout(phaseTimer);
    phaseTimer = setTimeout(() => {
      phaseTimeout = what;
      phase.abort();
    }, ms);
  };
  const signals = request.signal ? [request.signal, total, phase.signal] : [total, phase.signal];
  const signal = AbortSignal.any(signals);

  // Timeouts and aborts surface from undici as assorted errors; which signal fired is what counts.
  const classify = (error: unknown, stage: "connect" | "body"): LlmError => {
    if (request.signal?.aborted) return abortedError(request.signal);
    if (total.aborted) {
      return new LlmError(
        "timeout",
        `the model server did not complete the response within ${limits.timeoutMs} ms (timeoutMs)`,
        { cause: error },
      );
    }
    if (phaseTimeout) return new LlmError("timeout", phaseTimeout, { cause: error });
    if (error instanceof LlmError) return error;
    return networkError(error, stage);
  };

  try {
    arm(
      limits.connectTimeoutMs,
      `the model server sent no response headers within ${limits.connectTimeoutMs} ms (connectTimeoutMs)`,
    );
    let response: Response;
    try {
      response = await fetch(request.url, { method: "POST", headers: request.headers, body: request.body, signal });
    } catch (error) {
      throw classify(error, "connect");
    }
    clearTimeout(phaseTimer);
    try {
      if (!response.ok) {
        const text = await readCapped(response.body, MAX_ERROR_BODY_BYTES, "truncate");
        throw httpError(response.status, response.statusText, text, parseRetryAfter(response.headers));
      }
      const type = response.headers.get("content-type") ?? "";
      if (request.stream && response.body && !type.includes("json")) {
        const idleMessage = `the model stream was silent for ${limits.idleTimeoutMs} ms (idleTimeoutMs)`;
        arm(limits.idleTimeoutMs, idleMessage);
        const capped = response.body.pipeThrough(byteCap(limits.maxResponseBytes));
        return await readStream(capped, request.onDelta, () => arm(limits.idleTimeoutMs, idleMessage));
      }
      return parseJsonBody(await readCapped(response.body, limits.maxResponseBytes, "fail"));
    } catch (error) {
      throw classify(error, "body");
    }
  } finally {
    clearTimeout(phaseTimer);
  }
}

async function readStream(
  body: ReadableStream<Uint8Array>,
  onDelta: AttemptRequest["onDelta"],
  onChunk: () => void,
): Promise<RawCompletion> {
  const accumulator = new StreamAccumulator();
  const splitter = onDelta ? createThinkSplitter() : undefined;
  const emit = (delta: Delta) => {
    if (!onDelta || !splitter) return;
    if (delta.channel === "reasoning") return onDelta(delta);
    for (const piece of splitter.push(delta.text)) onDelta(piece);
  };
  let done = false;
  for await (const message of readSseJson(body, { onChunk })) {
    if (message.type === "done") {
      done = true;
      break;
    }
    if (message.type === "invalid") {
      throw new LlmError(
        "stream",
        `the model stream carried an event that is not JSON (${message.error}): ${truncate(message.data, 200)}`,
        {
          body: truncate(message.data, 2000),
        },
      );
    }
    for (const delta of accumulator.push(message.value)) emit(delta);
  }
  if (!done && !accumulator.finished) {
    throw new LlmError(
      "stream",
      "the model stream ended before the response was complete (no finish_reason, no [DONE])",
    );
  }
  if (onDelta && splitter) for (const piece of splitter.flush()) onDelta(piece);
  return accumulator.result();
}

function tooLarge(max: number, limit = "max_response_bytes"): LlmError {
  return new LlmError(
    "too_large",
    `the model's response passed ${max} bytes (${limit}) and was cut off there: a runaway generation or a misbehaving server`,
  );
}

/** Passes chunks through until `max` bytes have gone by, then errors the stream (which cancels the body). */
function byteCap(max: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > max) controller.error(tooLarge(max));
      else controller.enqueue(chunk);
    },
  });
}

/**
 * Read a body as UTF-8 text, at most `max` bytes. Past that, "fail" rejects with `too_large` and
 * "truncate" keeps the first `max` bytes; either way the rest is never read (the body is cancelled).
 * `limit` names the cap in the error message (default `max_response_bytes`).
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  over: "fail" | "truncate",
  limit?: string,
): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > max) {
        if (over === "fail") throw tooLarge(max, limit);
        chunks.push(value.subarray(0, max - size));
        size = max;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size).toString("utf8");
}

function parseJsonBody(text: string): RawCompletion {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LlmError("parse", `the model server's response is not JSON: ${truncate(text.trim(), 200)}`, {
      cause: error,
      body: truncate(text, 2000),
    });
  }
  return completionFromJson(parsed);
}
