/**
 * What the client reads from a response is capped in bytes (`maxResponseBytes`) and time: a huge
 * JSON body, a huge or endless stream, huge tool arguments and a huge error body all end in one
 * bounded, classified failure, never in an out-of-memory crash.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { carriesKey, createChatClient, DEFAULT_MAX_RESPONSE_BYTES } from "../../src/llm/client.js";
import { LlmError } from "../../src/llm/errors.js";
import { listModels, MAX_MODELS_BODY_BYTES } from "../../src/llm/models.js";
import {
  checkReplySize,
  MAX_CHARS_PER_TOKEN,
  MAX_TOOL_ARGUMENT_CHARS,
  replyChars,
} from "../../src/llm/reply-limits.js";
import { SseLineParser } from "../../src/llm/sse.js";
import { MAX_ERROR_BODY_BYTES } from "../../src/llm/transport.js";
import type { ChatMessage } from "../../src/llm/types.js";
import { generatedSSE, rawResponse, rawSSE, reply, useFakeOpenAI } from "../support/fake-openai-server.js";

const MiB = 1024 * 1024;
const MESSAGES: ChatMessage[] = [{ role: "user", content: "<query>where is main</query>" }];
const fx = useFakeOpenAI();
const client = (maxResponseBytes?: number, stream = true, apiKey?: string) =>
  createChatClient({
    baseUrl: fx.server.url,
    model: "fc-4b",
    retryBaseMs: 5,
    stream,
    ...(maxResponseBytes ? { maxResponseBytes } : {}),
    ...(apiKey ? { apiKey } : {}),
  });

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "fc-4b",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;

const tooLarge = (max: number) => (error: unknown) =>
  error instanceof LlmError &&
  error.kind === "too_large" &&
  error.attempts === 1 &&
  !error.retryable &&
  error.message.includes(`passed ${max} bytes (max_response_bytes)`);

describe("response caps", () => {
  it("the default is 8 MiB", () => {
    assert.equal(DEFAULT_MAX_RESPONSE_BYTES, 8 * MiB);
  });

  it("a 32 MB JSON body fails with too_large after one attempt", async () => {
    const content = "a".repeat(32 * MiB);
    fx.server.enqueue(
      rawResponse(
        200,
        JSON.stringify({ choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }),
        { "content-type": "application/json" },
      ),
    );
    await assert.rejects(client(undefined, false).chat(MESSAGES), tooLarge(DEFAULT_MAX_RESPONSE_BYTES));
    assert.equal(fx.server.chatRequests().length, 1, "not retried");
  });

  it("a 32 MB content streamed in one event, or in 64 KiB deltas, fails with too_large", async () => {
    fx.server.enqueue(
      rawSSE([chunk({ role: "assistant", content: "b".repeat(32 * MiB) }, "stop"), "data: [DONE]\n\n"]),
    );
    await assert.rejects(client().chat(MESSAGES), tooLarge(DEFAULT_MAX_RESPONSE_BYTES));
    const piece = "c".repeat(64 * 1024);
    fx.server.enqueue(generatedSSE(() => chunk({ content: piece }), { count: 512 }));
    await assert.rejects(client().chat(MESSAGES), tooLarge(DEFAULT_MAX_RESPONSE_BYTES));
  });

  it("an endless token stream is cut at the cap and the connection is dropped", async () => {
    fx.server.enqueue(generatedSSE((i) => chunk({ content: ` tok${i}` })));
    const started = Date.now();
    await assert.rejects(client(MiB).chat(MESSAGES), tooLarge(MiB));
    assert.ok(Date.now() - started < 20_000);
    // The server sees the client go away (its generator loop stops); the fixture's close would hang otherwise.
  });

  it("10 MB of streamed tool arguments fail with too_large", async () => {
    const fragment = JSON.stringify({ path: "x".repeat(10 * MiB) });
    const pieces = [chunk({ role: "assistant", tool_calls: [{ index: 0, id: "t1", function: { name: "Read" } }] })];
    for (let at = 0; at < fragment.length; at += 32 * 1024)
      pieces.push(chunk({ tool_calls: [{ index: 0, function: { arguments: fragment.slice(at, at + 32 * 1024) } }] }));
    pieces.push(chunk({}, "tool_calls"), "data: [DONE]\n\n");
    fx.server.enqueue(rawSSE(pieces));
    await assert.rejects(client().chat(MESSAGES), tooLarge(DEFAULT_MAX_RESPONSE_BYTES));
  });

  it("a reply just under the cap is read whole; the cap is configurable", async () => {
    fx.server.enqueue(
      reply()
        .content("d".repeat(200 * 1024))
        .pieces(50),
    );
    const turn = await client(2 * MiB).chat(MESSAGES);
    assert.equal(turn.content.length, 200 * 1024);
    fx.server.enqueue(
      reply()
        .content("d".repeat(200 * 1024))
        .pieces(50),
    );
    await assert.rejects(client(128 * 1024).chat(MESSAGES), tooLarge(128 * 1024));
  });

  it("a huge error body is read only up to MAX_ERROR_BODY_BYTES and still classified", async () => {
    fx.server.enqueue(rawResponse(400, `bad request ${"e".repeat(32 * MiB)}`));
    await assert.rejects(
      client().chat(MESSAGES),
      (error: unknown) =>
        error instanceof LlmError &&
        error.kind === "http" &&
        error.status === 400 &&
        (error.body?.length ?? 0) < MAX_ERROR_BODY_BYTES &&
        /HTTP 400/.test(error.message),
    );
  });

  it("a 32 MB model list is refused (too_large) instead of being read whole", async () => {
    fx.server.configure({ modelsBody: { object: "list", data: [{ id: "m", note: "g".repeat(32 * MiB) }] } });
    await assert.rejects(
      listModels(fx.server.url, undefined, { timeoutMs: 20_000 }),
      (error: unknown) =>
        error instanceof LlmError &&
        error.kind === "too_large" &&
        error.message.includes(`passed ${MAX_MODELS_BODY_BYTES} bytes`),
    );
  });

  it("one long SSE line split into many chunks parses in linear time", () => {
    const parser = new SseLineParser();
    const line = `data: ${"f".repeat(8 * MiB)}`;
    const started = performance.now();
    const events = [];
    for (let at = 0; at < line.length; at += 16 * 1024) events.push(...parser.push(line.slice(at, at + 16 * 1024)));
    events.push(...parser.push("\n\n"));
    assert.ok(performance.now() - started < 2000, "quadratic rescans would take far longer");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.data.length, 8 * MiB);
  });
});

describe("reply limits after reading", () => {
  const toolCallPieces = (args: string) => {
    const pieces = [chunk({ role: "assistant", tool_calls: [{ index: 0, id: "t1", function: { name: "Read" } }] })];
    for (let at = 0; at < args.length; at += 32 * 1024)
      pieces.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(at, at + 32 * 1024) } }] }));
    pieces.push(chunk({}, "tool_calls"), "data: [DONE]\n\n");
    return pieces;
  };

  it("more text than max_completion_tokens can carry is too_large (6 MB of arguments under the byte cap)", async () => {
    fx.server.enqueue(rawSSE(toolCallPieces(JSON.stringify({ path: "x".repeat(6 * MiB) }))));
    await assert.rejects(
      client().chat(MESSAGES, [], { max_completion_tokens: 4096 }),
      (error: unknown) =>
        error instanceof LlmError &&
        error.kind === "too_large" &&
        !error.retryable &&
        error.message.includes(
          `more than 4096 tokens (max_completion_tokens) can carry (${4096 * MAX_CHARS_PER_TOKEN})`,
        ),
    );
  });

  it("a tool call with arguments past 64 KiB comes back malformed, its raw text cut; the others stand", async () => {
    const big = JSON.stringify({ path: "y".repeat(100 * 1024) });
    fx.server.enqueue(reply().toolCall("Read", { path: "a.py" }, { id: "ok" }).toolCall("Read", big, { id: "huge" }));
    const turn = await client().chat(MESSAGES, [], { max_completion_tokens: 4096 });
    assert.deepEqual(
      turn.toolCalls.map((c) => c.id),
      ["ok"],
    );
    assert.equal(turn.malformed.length, 1);
    const bad = turn.malformed[0]!;
    assert.equal(bad.id, "huge");
    assert.equal(bad.name, "Read");
    assert.match(
      bad.error,
      new RegExp(`the arguments are ${big.length} characters long; the limit is ${MAX_TOOL_ARGUMENT_CHARS}`),
    );
    assert.ok(bad.raw.length < 2100);
  });

  it("replyChars counts text, reasoning and arguments; no token budget, no text check", () => {
    const raw = {
      choices: [
        {
          index: 0,
          content: "abc",
          reasoning: "de",
          toolCalls: [{ id: "1", name: "Read", arguments: "{}" }],
          finishReason: "stop",
        },
      ],
    };
    assert.equal(replyChars(raw), 3 + 2 + 4 + 2);
    assert.doesNotThrow(() => checkReplySize(raw, undefined));
    assert.throws(() => checkReplySize({ ...raw, choices: [{ ...raw.choices[0]!, content: "z".repeat(200) }] }, 1));
  });
});

describe("the API key stays in the Authorization header", () => {
  it("a request whose body carries the key is refused before anything is sent", async () => {
    const key = "sk-live-0123456789abcdef";
    await assert.rejects(
      client(undefined, true, key).chat([{ role: "system", content: `FC_API_KEY=${key}\u0000PATH=/bin` }]),
      (error: unknown) => error instanceof LlmError && error.kind === "refused" && !error.message.includes(key),
    );
    assert.equal(fx.server.requests.length, 0);
  });

  it("carriesKey sees the raw and the JSON-escaped key, and ignores keys too short to be one", () => {
    assert.equal(carriesKey('{"a":"x sk-abcdefgh y"}', "sk-abcdefgh"), true);
    assert.equal(carriesKey(JSON.stringify({ a: 'k"ey\\12345' }), 'k"ey\\12345'), true);
    assert.equal(carriesKey('{"a":"token"}', "token"), false);
    assert.equal(carriesKey('{"a":"b"}', undefined), false);
  });
});
