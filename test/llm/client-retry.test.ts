import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { type ChatClientConfig, createChatClient } from "../../src/llm/client.js";
import { LlmError, type LlmErrorKind } from "../../src/llm/errors.js";
import type { ChatMessage } from "../../src/llm/types.js";
import {
  gate,
  hang,
  hangAfterChunks,
  httpError,
  malformedSSE,
  rawSSE,
  reply,
  reset,
  resetAfterChunks,
  useFakeOpenAI,
} from "../support/fake-openai-server.js";

const MESSAGES: ChatMessage[] = [{ role: "user", content: "<query>q</query>" }];
const fx = useFakeOpenAI();
const client = (config: Partial<ChatClientConfig> = {}) =>
  createChatClient({ baseUrl: fx.server.url, model: "m", retryBaseMs: 5, retryMaxMs: 20, timeoutMs: 5000, ...config });

/** Assert a rejection with an LlmError of `kind`, returning it. */
async function rejectsWith(promise: Promise<unknown>, kind: LlmErrorKind): Promise<LlmError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof LlmError, `expected LlmError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    return error;
  }
  assert.fail(`expected a ${kind} error`);
}

describe("retries", () => {
  it("honours Retry-After on 429 and reports the retry", async () => {
    fx.server.enqueue(httpError(429, { message: "slow down" }, { retryAfter: 0.3 }), reply().content("ok"));
    const retries: Array<[number, number, string]> = [];
    const turn = await client().chat(
      MESSAGES,
      [],
      {},
      { onRetry: (attempt, delayMs, reason) => retries.push([attempt, delayMs, reason]) },
    );
    assert.equal(turn.content, "ok");
    const [first, second] = fx.server.chatRequests();
    assert.ok(first && second);
    assert.ok(second.at - first.at >= 295, `waited ${second.at - first.at} ms`);
    assert.equal(retries.length, 1);
    assert.deepEqual(retries[0]?.slice(0, 2), [1, 300]);
    assert.match(retries[0]?.[2] ?? "", /429.*slow down/);
  });

  it("honours an integer Retry-After in seconds", async () => {
    fx.server.enqueue(httpError(503, {}, { retryAfter: 1 }), reply().content("ok"));
    await client().chat(MESSAGES);
    const [first, second] = fx.server.chatRequests();
    assert.ok(first && second && second.at - first.at >= 995);
  });

  it("retries a 500 and succeeds", async () => {
    fx.server.enqueue(httpError(500), httpError(502), reply().content("ok"));
    assert.equal((await client().chat(MESSAGES)).content, "ok");
    assert.equal(fx.server.chatRequests().length, 3);
  });

  it("retries a connection reset and succeeds", async () => {
    fx.server.enqueue(reset(), reply().content("ok"));
    assert.equal((await client().chat(MESSAGES)).content, "ok");
  });

  it("retries a stream cut mid-way, and deltas restart after onRetry", async () => {
    fx.server.enqueue(resetAfterChunks(3, reply().content("partial answer text").pieces(6)), reply().content("full"));
    const events: string[] = [];
    const turn = await client().chat(
      MESSAGES,
      [],
      {},
      { onDelta: (_c, text) => events.push(text), onRetry: (_a, _d, reason) => events.push(`RETRY ${reason}`) },
    );
    assert.equal(turn.content, "full");
    const retryAt = events.findIndex((e) => e.startsWith("RETRY"));
    assert.ok(retryAt > 0, "some deltas arrived before the cut");
    assert.match(events[retryAt] ?? "", /broke|ended before/);
    assert.equal(events.slice(retryAt + 1).join(""), "full");
  });

  it("retries malformed SSE (documented: a stream error is retryable) and fails clearly without retries", async () => {
    fx.server.enqueue(malformedSSE(), reply().content("ok"));
    assert.equal((await client().chat(MESSAGES)).content, "ok");
    fx.server.enqueue(malformedSSE());
    const error = await rejectsWith(client({ maxRetries: 0 }).chat(MESSAGES), "stream");
    assert.match(error.message, /not JSON/);
  });

  it("fails a stream that ends without finish_reason or [DONE]", async () => {
    fx.server.enqueue(rawSSE([`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "half" } }] })}\n\n`]));
    const error = await rejectsWith(client({ maxRetries: 0 }).chat(MESSAGES), "stream");
    assert.match(error.message, /ended before/);
  });

  it("does not retry 400, 401, 404 or 422", async () => {
    for (const status of [400, 401, 404, 422]) {
      fx.server.enqueue(httpError(status, { message: `bad ${status}` }));
      const error = await rejectsWith(client().chat(MESSAGES), "http");
      assert.equal(error.status, status);
      assert.equal(error.retryable, false);
      assert.equal(error.attempts, 1);
    }
    assert.equal(fx.server.chatRequests().length, 4);
  });

  it("puts the server's message in a context-length 400 and flags it", async () => {
    const message = "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens.";
    fx.server.enqueue(httpError(400, { message }));
    const error = await rejectsWith(client().chat(MESSAGES), "http");
    assert.ok(error.message.includes(message));
    assert.equal(error.contextOverflow, true);
    assert.ok(error.body?.includes('"code":400'));
  });

  it("gives up after maxRetries with the last error and the attempt count", async () => {
    fx.server.enqueue(httpError(503), httpError(503), httpError(503, { message: "overloaded" }));
    const error = await rejectsWith(client({ maxRetries: 2 }).chat(MESSAGES), "http");
    assert.equal(error.attempts, 3);
    assert.match(error.message, /overloaded.*gave up after 3 attempts/);
  });

  it("classifies an in-stream error object by its code", async () => {
    const chunk = { error: { object: "error", message: "prompt too long", type: "BadRequestError", code: 400 } };
    fx.server.enqueue(rawSSE([`data: ${JSON.stringify(chunk)}\n\n`]));
    const error = await rejectsWith(client().chat(MESSAGES), "stream");
    assert.equal(error.status, 400);
    assert.equal(error.retryable, false);
    assert.match(error.message, /prompt too long/);
  });

  it("reports a refused connection as a network error after retrying", async () => {
    const port = await freePort();
    const retries: number[] = [];
    const start = performance.now();
    const promise = createChatClient({
      baseUrl: `http://127.0.0.1:${port}`,
      model: "m",
      maxRetries: 2,
      retryBaseMs: 5,
    }).chat(MESSAGES, [], {}, { onRetry: (a) => retries.push(a) });
    const error = await rejectsWith(promise, "network");
    assert.deepEqual(retries, [1, 2]);
    assert.match(error.message, /could not reach/);
    assert.ok(performance.now() - start < 2000);
  });
});

describe("timeouts", () => {
  it("ends a hung request with a timeout error within timeoutMs", async () => {
    fx.server.enqueue(hang());
    const start = performance.now();
    const error = await rejectsWith(client({ timeoutMs: 300, maxRetries: 0 }).chat(MESSAGES), "timeout");
    const elapsed = performance.now() - start;
    assert.ok(elapsed >= 280 && elapsed < 1500, `took ${elapsed} ms`);
    assert.equal(error.retryable, true);
    assert.match(error.message, /300 ms/);
  });

  it("ends a stream that goes silent with an idle timeout, long before the total cap", async () => {
    fx.server.enqueue(hangAfterChunks(2));
    const start = performance.now();
    const error = await rejectsWith(
      client({ timeoutMs: 5000, idleTimeoutMs: 200, maxRetries: 0 }).chat(MESSAGES),
      "timeout",
    );
    assert.ok(performance.now() - start < 1500);
    assert.match(error.message, /silent for 200 ms/);
  });

  it("keeps a slow but steady stream alive past the idle timeout", async () => {
    fx.server.enqueue(reply().content("steady stream of text").pieces(6).chunkDelay(60));
    const turn = await client({ idleTimeoutMs: 150, maxRetries: 0 }).chat(MESSAGES);
    assert.equal(turn.content, "steady stream of text");
  });

  it("retries after a timeout and succeeds", async () => {
    fx.server.enqueue(hang(), reply().content("ok"));
    assert.equal((await client({ timeoutMs: 200, maxRetries: 1 }).chat(MESSAGES)).content, "ok");
  });
});

describe("abort", () => {
  it("aborts during a retry sleep promptly", async () => {
    fx.server.enqueue(httpError(503, {}, { retryAfter: 30 }));
    const controller = new AbortController();
    const start = performance.now();
    const promise = client().chat(
      MESSAGES,
      [],
      {},
      { signal: controller.signal, onRetry: () => setTimeout(() => controller.abort(), 20) },
    );
    const error = await rejectsWith(promise, "aborted");
    assert.ok(performance.now() - start < 1000);
    assert.equal(error.name, "AbortError");
    assert.equal(fx.server.chatRequests().length, 1);
  });

  it("aborts during a stream promptly", async () => {
    fx.server.enqueue(reply().content("a long and slow reply").pieces(10).chunkDelay(200));
    const controller = new AbortController();
    const start = performance.now();
    // maxRetries 0: the abort itself must be reported, not a network error hidden by a retry.
    const promise = client({ maxRetries: 0 }).chat(
      MESSAGES,
      [],
      {},
      { signal: controller.signal, onDelta: () => controller.abort() },
    );
    await rejectsWith(promise, "aborted");
    assert.ok(performance.now() - start < 1000);
  });

  it("aborts while waiting for headers", async () => {
    let release = () => {};
    fx.server.enqueue(gate(new Promise<void>((resolve) => (release = resolve)), reply().content("late")));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await rejectsWith(client({ maxRetries: 0 }).chat(MESSAGES, [], {}, { signal: controller.signal }), "aborted");
    release();
  });

  it("does not send anything when already aborted", async () => {
    await rejectsWith(client().chat(MESSAGES, [], {}, { signal: AbortSignal.abort() }), "aborted");
    assert.equal(fx.server.requests.length, 0);
  });
});

/** A port with nothing listening on it. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
