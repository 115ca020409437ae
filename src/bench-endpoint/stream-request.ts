/**
 * One timed streaming chat completion: when the first token arrived, when the last one did, and
 * how many tokens came (the server's usage count when it sends one, else the number of deltas).
 * Plain fetch + the SSE reader of the model client; no retries (a failure is a measurement).
 */
import { errorDetail } from "../llm/errors.js";
import { isRecord } from "../llm/json.js";
import { readSseJson } from "../llm/sse.js";

/** A request to time. */
export interface StreamRequest {
  url: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  timeoutMs: number;
  signal?: AbortSignal;
}

/** One measured request. Times are `performance.now()` milliseconds. */
export type StreamSample =
  | {
      ok: true;
      startedAt: number;
      /** Start to the first content/reasoning token. */
      ttftMs: number;
      /** First token to last token. */
      decodeMs: number;
      /** Start to the end of the stream. */
      totalMs: number;
      endedAt: number;
      completionTokens: number;
      promptTokens?: number;
      /** Where `completionTokens` came from. */
      counted: "usage" | "deltas";
      deltas: number;
    }
  | { ok: false; startedAt: number; endedAt: number; error: string; status?: number };

/** Send `request` and time its stream. Never throws. */
export async function timeStream(request: StreamRequest): Promise<StreamSample> {
  const startedAt = performance.now();
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
  const failed = (error: string, status?: number): StreamSample => ({
    ok: false,
    startedAt,
    endedAt: performance.now(),
    error,
    ...(status !== undefined ? { status } : {}),
  });
  let first: number | undefined;
  let last: number | undefined;
  let deltas = 0;
  let usage: { prompt?: number; completion?: number } | undefined;
  try {
    const response = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: JSON.stringify(request.body),
      signal,
    });
    if (!response.ok || !response.body) {
      const text = await response.text();
      return failed(`HTTP ${response.status}: ${errorDetail(text).slice(0, 300)}`, response.status);
    }
    for await (const message of readSseJson(response.body)) {
      if (message.type === "done") break;
      if (message.type === "invalid") return failed(`a stream event is not JSON: ${message.data.slice(0, 120)}`);
      const chunk = message.value;
      if (!isRecord(chunk)) continue;
      if (isRecord(chunk.error))
        return failed(
          `error in the stream: ${String(chunk.error.message ?? JSON.stringify(chunk.error)).slice(0, 300)}`,
        );
      if (isRecord(chunk.usage))
        usage = {
          ...(typeof chunk.usage.prompt_tokens === "number" ? { prompt: chunk.usage.prompt_tokens } : {}),
          ...(typeof chunk.usage.completion_tokens === "number" ? { completion: chunk.usage.completion_tokens } : {}),
        };
      if (carriesToken(chunk)) {
        const now = performance.now();
        first ??= now;
        last = now;
        deltas++;
      }
    }
  } catch (error) {
    if (timeout.aborted) return failed(`no complete answer within ${Math.round(request.timeoutMs / 1000)} s`);
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return failed(`${error instanceof Error ? error.message : String(error)}${cause}`);
  }
  const endedAt = performance.now();
  if (first === undefined || last === undefined) return failed("the stream carried no token");
  const fromUsage = usage?.completion !== undefined && usage.completion > 0;
  return {
    ok: true,
    startedAt,
    ttftMs: first - startedAt,
    decodeMs: last - first,
    totalMs: endedAt - startedAt,
    endedAt,
    completionTokens: fromUsage ? usage!.completion! : deltas,
    ...(usage?.prompt !== undefined ? { promptTokens: usage.prompt } : {}),
    counted: fromUsage ? "usage" : "deltas",
    deltas,
  };
}

/** Decode rate of one stream: tokens after the first over the time they took (null when undefined). */
export function decodeRate(sample: Extract<StreamSample, { ok: true }>): number | null {
  if (sample.completionTokens < 2 || sample.decodeMs <= 0) return null;
  return (sample.completionTokens - 1) / (sample.decodeMs / 1000);
}

/** True when a chunk carries generated text (content, reasoning or a tool-call fragment). */
function carriesToken(chunk: Record<string, unknown>): boolean {
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  return choices.some((choice) => {
    if (!isRecord(choice) || !isRecord(choice.delta)) return false;
    const d = choice.delta;
    const text = [d.content, d.reasoning_content, d.reasoning, d.reasoning_text].some(
      (v) => typeof v === "string" && v.length > 0,
    );
    return text || (Array.isArray(d.tool_calls) && d.tool_calls.length > 0);
  });
}
