import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startMeteringProxy, usageOf, withUsageRequested } from "../../src/agent-eval/metering-proxy.js";
import { httpError, reply, useFakeOpenAI } from "../support/fake-openai-server.js";

describe("metering proxy", () => {
  const fake = useFakeOpenAI();

  it("forwards JSON and streamed chat completions and counts the server's usage per meter", async () => {
    const proxy = await startMeteringProxy(fake.server.url);
    try {
      fake.server.enqueue(reply().content("hello").usage(120, 7), reply().content("streamed").usage(300, 11));
      const plain = await fetch(`${proxy.baseUrl("a")}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer k" },
        body: JSON.stringify({ model: "fake-model", messages: [{ role: "user", content: "hi" }] }),
      });
      const body = (await plain.json()) as { choices: Array<{ message: { content: string } }> };
      assert.equal(body.choices[0]!.message.content, "hello");
      const streamed = await fetch(`${proxy.baseUrl("b")}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-model", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
      const sse = await streamed.text();
      assert.match(sse, /data: \[DONE\]/);
      assert.match(sse, /"content":"str"/);
      assert.deepEqual(
        { ...proxy.counts("a"), ms: 0 },
        { requests: 1, promptTokens: 120, completionTokens: 7, missingUsage: 0, errors: 0, ms: 0 },
      );
      assert.equal(proxy.counts("b").promptTokens, 300);
      assert.equal(proxy.counts("b").completionTokens, 11);
      const [first, second] = fake.server.chatRequests();
      assert.equal(first!.headers.authorization, "Bearer k");
      // The streamed request asked for no usage: the proxy asked for it.
      assert.deepEqual(second!.body?.stream_options, { include_usage: true });
    } finally {
      await proxy.close();
    }
  });

  it("counts HTTP errors and passes them through unchanged", async () => {
    const proxy = await startMeteringProxy(fake.server.url);
    try {
      fake.server.enqueue(httpError(429, "slow down"));
      const res = await fetch(`${proxy.baseUrl("m")}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-model", messages: [] }),
      });
      assert.equal(res.status, 429);
      assert.match(await res.text(), /slow down/);
      assert.equal(proxy.counts("m").errors, 1);
      assert.equal(proxy.counts("m").promptTokens, 0);
      const models = await fetch(`${proxy.baseUrl("m")}/models`);
      assert.equal(models.status, 200);
      assert.equal(proxy.counts("m").requests, 2);
    } finally {
      await proxy.close();
    }
  });

  it("answers 502 with a message when the upstream is down", async () => {
    const proxy = await startMeteringProxy("http://127.0.0.1:9/v1");
    try {
      const res = await fetch(`${proxy.baseUrl("x")}/chat/completions`, { method: "POST", body: "{}" });
      assert.equal(res.status, 502);
      assert.match(await res.text(), /upstream failed/);
      assert.equal(proxy.counts("x").errors, 1);
    } finally {
      await proxy.close();
    }
  });

  it("reads usage in the chat and Responses API shapes, and asks for it only on streamed chat requests", () => {
    assert.deepEqual(usageOf({ usage: { prompt_tokens: 3, completion_tokens: 4 } }), { prompt: 3, completion: 4 });
    assert.deepEqual(
      usageOf({ type: "response.completed", response: { usage: { input_tokens: 5, output_tokens: 6 } } }),
      {
        prompt: 5,
        completion: 6,
      },
    );
    assert.equal(usageOf({ choices: [] }), null);
    const body = Buffer.from(JSON.stringify({ stream: false }));
    assert.equal(withUsageRequested("/chat/completions", body), body);
    const kept = Buffer.from(JSON.stringify({ stream: true, stream_options: { include_usage: true } }));
    assert.equal(withUsageRequested("/chat/completions", kept), kept);
    assert.equal(withUsageRequested("/responses", Buffer.from('{"stream":true}')).toString(), '{"stream":true}');
  });
});
