/**
 * bench-endpoint against the fake server with known rates: decode tokens/s per stream (within 10%),
 * the aggregate over concurrent streams, time to first token, prompt processing, failures, and the
 * ignore_eos fallback for servers that refuse it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type BenchSettings, type BenchTarget, benchEndpoint } from "../../src/bench-endpoint/run.js";
import { type ChatBody, type FakeOpenAI, httpError, reply, startFakeOpenAI } from "../support/fake-openai-server.js";

const TPS = 20;
const TOKENS = 16;
const TTFT_DELAY = 60;
const PREFILL_MS = 400;
const PROMPT_TOKENS = 8000;

const words = Array.from({ length: TOKENS }, (_, i) => `tok${i}`).join(" ");
const isPrefill = (b: ChatBody) => b.max_tokens === 1;

function settings(over: Partial<BenchSettings> = {}): BenchSettings {
  return {
    concurrency: [1, 4],
    runs: 2,
    maxTokens: 64,
    promptTokens: 512,
    warmup: 1,
    ignoreEos: true,
    timeoutMs: 20_000,
    ...over,
  };
}

function target(server: FakeOpenAI): BenchTarget {
  return {
    label: "fake",
    baseUrl: server.url,
    model: "fake-model",
    sampling: { temperature: 0.2, chat_template_kwargs: { enable_thinking: false } },
    tokenizer: "qwen3",
  };
}

function within(actual: number | undefined, expected: number, tolerance: number, what: string): void {
  assert.ok(actual !== undefined, `${what}: no value`);
  assert.ok(
    Math.abs(actual - expected) <= expected * tolerance,
    `${what}: ${actual.toFixed(1)} is not within ${tolerance * 100}% of ${expected}`,
  );
}

describe("benchEndpoint", () => {
  let server: FakeOpenAI;
  before(async () => {
    server = await startFakeOpenAI();
    server.match(isPrefill, reply().content("ok").delay(PREFILL_MS).usage(PROMPT_TOKENS, 1), { times: Infinity });
    server.match(() => true, reply().content(words).tokensPerSecond(TPS).delay(TTFT_DELAY), { times: Infinity });
  });
  after(() => server.close());

  it("reports the server's token rate, per stream and aggregated, and the prompt-processing rate", async () => {
    const progress: string[] = [];
    const result = await benchEndpoint(target(server), settings(), (m) => progress.push(m));
    assert.equal(result.ignoreEos, true);
    assert.deepEqual(
      result.levels.map((l) => l.concurrency),
      [1, 4],
    );
    for (const level of result.levels) {
      const c = level.concurrency;
      assert.equal(level.failed, 0);
      assert.equal(level.requests, 2 * (c + c), "runs × (decode + prefill) batches");
      within(level.decodeTps?.median, TPS, 0.1, `decode tok/s per stream at concurrency ${c}`);
      assert.equal(level.decodeTps?.n, 2 * c, "every stream of every run is a sample");
      // c streams in parallel: c × tokens over one stream's time (its first token plus its decode).
      const streamSeconds = (level.ttftMs?.median ?? 0) / 1000 + (TOKENS - 1) / (level.decodeTps?.median ?? TPS);
      within(level.aggregateTps?.median, (c * TOKENS) / streamSeconds, 0.15, `aggregate at concurrency ${c}`);
      assert.ok((level.aggregateTps?.median ?? 0) > c * TPS * 0.7, "close to c × the per-stream rate");
      // TTFT = the scripted delay + one token interval, plus HTTP overhead (a few ms; more on a loaded machine).
      const ttft = level.ttftMs?.median ?? 0;
      assert.ok(
        ttft >= (TTFT_DELAY + 1000 / TPS) * 0.95 && ttft <= TTFT_DELAY + 1000 / TPS + 50,
        `TTFT at concurrency ${c}: ${ttft} ms`,
      );
      within(
        level.promptTps?.median,
        (c * PROMPT_TOKENS) / (PREFILL_MS / 1000),
        0.1,
        `prompt tok/s at concurrency ${c}`,
      );
      assert.equal(level.promptTokens, PROMPT_TOKENS);
      assert.equal(level.completionTokens, TOKENS);
      assert.equal(level.counted, "usage");
      assert.ok(level.ttftMs!.min <= level.ttftMs!.median && level.ttftMs!.median <= level.ttftMs!.max);
    }
    assert.equal(progress.length, 4, progress.join("\n"));
    assert.match(
      progress[0]!,
      /^\[fake\] concurrency 1, run 1\/2: TTFT \d+ ms, [\d.]+ tok\/s per stream, [\d.]+ tok\/s aggregate, prompt \d+ tok\/s$/,
    );
  });

  it("sends streaming requests with usage, ignore_eos, the profile's sampling and a fresh prompt each time", async () => {
    const decode = server
      .chatRequests()
      .map((r) => r.body!)
      .filter((b) => !isPrefill(b));
    const last = decode.at(-1)!;
    assert.equal(last.stream, true);
    assert.deepEqual(last.stream_options, { include_usage: true });
    assert.equal(last.ignore_eos, true);
    assert.equal(last.max_tokens, 64);
    assert.equal(last.temperature, 0.2);
    assert.deepEqual(last.chat_template_kwargs, { enable_thinking: false });
    const prompts = decode.map((b) => JSON.stringify(b.messages));
    assert.equal(new Set(prompts).size, prompts.length, "a nonce defeats prefix caching");
    const prefill = server
      .chatRequests()
      .map((r) => r.body!)
      .filter(isPrefill);
    const length = JSON.stringify(prefill[0]!.messages).length;
    assert.ok(length > 1000, `the long prompt has ${length} chars`);
  });
});

describe("benchEndpoint on a difficult server", () => {
  it("counts stream deltas when the server sends no usage", async () => {
    const server = await startFakeOpenAI();
    try {
      // A non-streaming-usage server: answer the raw SSE without a usage chunk.
      const chunk = (content: string, finish: string | null = null) =>
        `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;
      const pieces = [chunk("a"), chunk(" b"), chunk(" c"), chunk(" d", "stop"), "data: [DONE]\n\n"];
      for (let i = 0; i < 3; i++) server.enqueue({ kind: "raw_sse", pieces, delayMs: 100 });
      const result = await benchEndpoint(target(server), settings({ concurrency: [1], runs: 2, promptTokens: 0 }));
      const level = result.levels[0]!;
      assert.equal(level.counted, "deltas");
      assert.equal(level.completionTokens, 4);
      // 3 tokens after the first, 100 ms apart: at most 10 tok/s (timers only fire late on a loaded machine).
      const rate = level.decodeTps?.median ?? 0;
      assert.ok(rate > 2 && rate <= 10.5, `decode rate from counted deltas: ${rate}`);
      assert.equal(level.promptTps, null);
    } finally {
      await server.close();
    }
  });

  it("measures without ignore_eos when the server refuses it, and counts failed requests", async () => {
    const server = await startFakeOpenAI();
    try {
      server.match(
        (b) => b.ignore_eos === true,
        httpError(400, { message: "Unrecognized request argument supplied: ignore_eos" }),
        { times: Infinity },
      );
      server.enqueue(
        reply().content("warm"),
        reply().content("one two three"),
        httpError(500, { message: "CUDA out of memory" }),
      );
      const notes: string[] = [];
      const result = await benchEndpoint(
        target(server),
        settings({ concurrency: [1], runs: 2, promptTokens: 0, maxTokens: 8 }),
        (m) => notes.push(m),
      );
      assert.equal(result.ignoreEos, false);
      assert.match(notes[0]!, /refused ignore_eos/);
      const level = result.levels[0]!;
      assert.equal(level.failed, 1);
      assert.match(level.errors[0]!, /^HTTP 500: CUDA out of memory/);
      assert.equal(level.decodeTps?.n, 1);
    } finally {
      await server.close();
    }
  });

  it("gives up with a clear error when the endpoint cannot serve the warm-up", async () => {
    const server = await startFakeOpenAI();
    try {
      server.match(() => true, httpError(404, { message: "The model `fake-model` does not exist." }), {
        times: Infinity,
      });
      await assert.rejects(
        benchEndpoint(target(server), settings({ ignoreEos: false })),
        /fake: the warm-up request failed: HTTP 404: The model `fake-model` does not exist\./,
      );
    } finally {
      await server.close();
    }
  });
});
