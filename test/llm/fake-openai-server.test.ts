import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { afterEach, beforeEach, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  type FakeOpenAI,
  gate,
  hang,
  httpError,
  pythonJson,
  reply,
  startFakeOpenAI,
} from "../support/fake-openai-server.js";

let server: FakeOpenAI;
beforeEach(async () => {
  server = await startFakeOpenAI();
});
afterEach(async () => {
  await server.close();
});

const post = (body: Record<string, unknown>, path = "/v1/chat/completions") =>
  fetch(`${server.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], ...body }),
  });

/** The raw SSE text split into event payloads; asserts the vLLM framing of every event. */
async function events(response: Response): Promise<string[]> {
  const text = await response.text();
  assert.ok(text.endsWith("data: [DONE]\n\n"));
  const parts = text.split("\n\n").filter(Boolean);
  for (const part of parts) assert.match(part, /^data: /);
  return parts.map((part) => part.slice("data: ".length));
}

/** Test-side view of the fake's own chunks; the casts below read our own output, checked field by field. */
type Chunk = {
  object: string;
  choices: Array<{ index: number; delta: Record<string, unknown>; finish_reason: string | null }>;
  usage?: Record<string, number>;
};

describe("fake server: drained or not", () => {
  it("answers an unscripted request with HTTP 500, records it, and fails assertDrained", async () => {
    const response = await post({});
    assert.equal(response.status, 500);
    assert.match(await response.text(), /no reply scripted for chat request #1/);
    assert.equal(server.requests[0]?.unscripted, true);
    assert.throws(() => server.assertDrained(), /1 chat request\(s\) arrived with nothing scripted/);
  });

  it("fails assertDrained while queued or finite match() scripts are unused", () => {
    server.enqueue(reply().content("never sent"));
    assert.throws(() => server.assertDrained(), /1 queued script\(s\) never used \(reply\)/);
  });

  it("counts unused finite match() scripts as pending; Infinity matchers never are", async () => {
    server.enqueue(reply().content("a"));
    server.match(() => true, reply().content("always"), { times: Infinity });
    server.match(() => false, reply().content("never"));
    assert.throws(() => server.assertDrained(), /1 match\(\) script\(s\) never used/);
    const response = await post({});
    assert.equal((await response.json()).choices[0].message.content, "always");
    assert.equal(server.pending(), 2);
  });

  it("routes by predicate before the queue, `times` times", async () => {
    server.enqueue(reply().content("fifo-1"), reply().content("fifo-2"));
    server.match((body) => body.tool_choice === "none", reply().content("final"), { times: 1 });
    const contents: string[] = [];
    for (const body of [{ tool_choice: "none" }, { tool_choice: "none" }, {}]) {
      contents.push((await (await post(body)).json()).choices[0].message.content);
    }
    assert.deepEqual(contents, ["final", "fifo-1", "fifo-2"]);
    server.assertDrained();
  });

  it("does not count other routes (404s, /models) as unscripted", async () => {
    assert.equal((await fetch(`${server.origin}/nope`)).status, 404);
    assert.equal((await fetch(`${server.url}/models`)).status, 200);
    server.assertDrained();
  });
});

describe("fake server: vLLM wire format", () => {
  it("streams role, split content, tool calls by index with split arguments, finish, usage, [DONE]", async () => {
    server.enqueue(
      reply()
        .reasoning("why")
        .content("Hello there")
        .toolCall("Grep", { pattern: "foo" }, { id: "t1" })
        .toolCall("Read", { path: "/x" }, { id: "t2" })
        .usage(120, 30),
    );
    const payloads = await events(await post({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(payloads.at(-1), "[DONE]");
    const chunks = payloads.slice(0, -1).map((p) => JSON.parse(p) as Chunk);
    for (const chunk of chunks) assert.equal(chunk.object, "chat.completion.chunk");
    assert.deepEqual(chunks[0]?.choices[0]?.delta, { role: "assistant", content: "" });

    const deltas = chunks.flatMap((c) => c.choices.map((choice) => choice.delta));
    assert.equal(
      deltas
        .filter((d) => "reasoning_content" in d)
        .map((d) => d.reasoning_content)
        .join(""),
      "why",
    );
    const content = deltas.filter((d) => typeof d.content === "string" && d.content);
    assert.ok(content.length >= 3);
    assert.equal(content.map((d) => d.content).join(""), "Hello there");

    const fragments = deltas.flatMap((d) => (Array.isArray(d.tool_calls) ? d.tool_calls : [])) as Array<{
      index: number;
      id?: string;
      function: { name?: string; arguments?: string };
    }>;
    for (const index of [0, 1]) {
      const mine = fragments.filter((f) => f.index === index);
      assert.equal(mine[0]?.id, index === 0 ? "t1" : "t2");
      assert.equal(mine[0]?.function.name, index === 0 ? "Grep" : "Read");
      assert.ok(mine.slice(1).every((f) => f.id === undefined && f.function.name === undefined));
      assert.ok(mine.filter((f) => f.function.arguments).length >= 3, "arguments split across at least 3 chunks");
      assert.equal(
        mine.map((f) => f.function.arguments ?? "").join(""),
        index === 0 ? '{"pattern": "foo"}' : '{"path": "/x"}',
      );
    }

    const finishes = chunks.flatMap((c) => c.choices.map((choice) => choice.finish_reason)).filter(Boolean);
    assert.deepEqual(finishes, ["tool_calls"]);
    const usage = chunks.at(-1);
    assert.deepEqual(usage?.choices, []);
    assert.deepEqual(usage?.usage, { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 });
  });

  it("sends no usage chunk without stream_options.include_usage", async () => {
    server.enqueue(reply().content("x"));
    const payloads = await events(await post({ stream: true }));
    assert.ok(payloads.slice(0, -1).every((p) => (JSON.parse(p) as Chunk).choices.length === 1));
  });

  it("answers a non-streaming request with a chat.completion object", async () => {
    server.enqueue(reply().reasoning("r").toolCall("Read", { path: "/a" }, { id: "c" }).usage(5, 2));
    const body = await (await post({ stream: false })).json();
    assert.equal(body.object, "chat.completion");
    assert.deepEqual(body.choices[0].message, {
      role: "assistant",
      content: null,
      reasoning_content: "r",
      tool_calls: [{ id: "c", type: "function", function: { name: "Read", arguments: '{"path": "/a"}' } }],
    });
    assert.equal(body.choices[0].finish_reason, "tool_calls");
    assert.deepEqual(body.usage, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 });
  });

  it("sends vLLM's error body and Retry-After", async () => {
    server.enqueue(httpError(429, { message: "busy" }, { retryAfter: 2 }));
    const response = await post({});
    assert.equal(response.status, 429);
    assert.equal(response.headers.get("retry-after"), "2");
    assert.deepEqual(await response.json(), {
      error: { message: "busy", type: "BadRequestError", param: null, code: 429 },
    });
  });

  it("records method, path, headers, parsed body and time", async () => {
    server.enqueue(reply().content("x"));
    const before = performance.now();
    await (await post({ temperature: 0.2 })).text();
    const request = server.requests[0];
    assert.equal(request?.method, "POST");
    assert.equal(request?.path, "/v1/chat/completions");
    assert.equal(request?.headers["content-type"], "application/json");
    assert.equal(request?.body?.temperature, 0.2);
    assert.ok((request?.at ?? 0) >= before);
  });

  it("serves /models, /props and /tokenize as configured", async () => {
    server.configure({ models: [{ id: "fc", max_model_len: 1234 }], props: { total_slots: 2 }, tokenize: true });
    const models = await (await fetch(`${server.url}/models`)).json();
    assert.equal(models.data[0].id, "fc");
    assert.equal(models.data[0].max_model_len, 1234);
    assert.equal(models.data[0].owned_by, "vllm");
    assert.deepEqual(await (await fetch(`${server.origin}/props`)).json(), { total_slots: 2 });
    const tokenized = await (await post({}, "/tokenize")).json();
    assert.equal(tokenized.count, tokenized.tokens.length);
    assert.equal(tokenized.max_model_len, 1234);
  });

  it("serializes arguments the way Python json.dumps does", () => {
    assert.equal(pythonJson({ a: [1, "é"], b: { c: null } }), '{"a": [1, "é"], "b": {"c": null}}');
  });
});

describe("fake server: pacing, gates, hangs", () => {
  it("paces time to first token and decode rate", async () => {
    server.enqueue(reply().content("one two three four five six seven eight nine ten").delay(100).tokensPerSecond(50));
    const start = performance.now();
    const response = await post({ stream: true });
    const reader = response.body?.getReader();
    assert.ok(reader);
    const decoder = new TextDecoder();
    let firstContentAt = 0;
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!firstContentAt && text.includes('"content":"one"')) firstContentAt = performance.now() - start;
    }
    const total = performance.now() - start;
    assert.ok(firstContentAt >= 95, `first token after ${firstContentAt} ms`);
    // 10 tokens at 50/s: 9 gaps of 20 ms after the first one.
    assert.ok(total >= 100 + 9 * 20 - 10, `took ${total} ms`);
    assert.ok(total < 2000);
  });

  it("holds a gated request until the promise settles", async () => {
    let open = () => {};
    server.enqueue(gate(new Promise<void>((resolve) => (open = resolve)), reply().content("released")));
    let settled = false;
    const pending = post({}).then(async (r) => {
      settled = true;
      return (await r.json()).choices[0].message.content;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(settled, false);
    open();
    assert.equal(await pending, "released");
  });

  it("without a `then`, answers a released gate with the next queued script", async () => {
    let open = () => {};
    server.enqueue(gate(new Promise<void>((resolve) => (open = resolve))));
    const pending = post({}).then(async (r) => (await r.json()).choices[0].message.content);
    await new Promise((resolve) => setTimeout(resolve, 30));
    server.enqueue(reply().content("queued after the request arrived"));
    open();
    assert.equal(await pending, "queued after the request arrived");
    server.assertDrained();
  });

  it("releases hung requests on close", async () => {
    server.enqueue(hang());
    const pending = post({}).then(
      () => "answered",
      () => "failed",
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    const start = performance.now();
    await server.close();
    assert.equal(await pending, "failed");
    assert.ok(performance.now() - start < 1000);
  });

  it("can be used from another process", async () => {
    server.enqueue(reply().content("from a child"));
    const script = `fetch(${JSON.stringify(`${server.url}/chat/completions`)}, {method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify({model: "m", messages: []})}).then(r => r.json()).then(b => process.stdout.write(b.choices[0].message.content))`;
    const { stdout } = await promisify(execFile)(process.execPath, ["-e", script]);
    assert.equal(stdout, "from a child");
    server.assertDrained();
  });
});
