import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startMeteringProxy, usageOf, withUsageRequested } from "../../src/agent-eval/metering-proxy.js";
import { httpError, rawResponse, reply, useFakeOpenAI } from "../support/fake-openai-server.js";

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

  it("counts usage from Responses API replies, streamed (response.completed) and not, and leaves their bodies alone", async () => {
    const proxy = await startMeteringProxy(fake.server.url);
    try {
      fake.server.enqueue(
        reply().content("plain").usage(210, 9),
        reply().content("Looking.").toolCall("exec_command", { cmd: "ls" }).usage(400, 12),
      );
      const plain = await fetch(`${proxy.baseUrl("r")}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-model", input: "hi" }),
      });
      const body = (await plain.json()) as { object: string; output: Array<{ content: Array<{ text: string }> }> };
      assert.equal(body.object, "response");
      assert.equal(body.output[0]!.content[0]!.text, "plain");
      const streamed = await fetch(`${proxy.baseUrl("r")}/responses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-model", stream: true, input: [{ role: "user", content: "hi" }] }),
      });
      const sse = await streamed.text();
      const types = [...sse.matchAll(/^event: (\S+)$/gm)].map((m) => m[1]);
      assert.equal(types[0], "response.created");
      assert.equal(types.at(-1), "response.completed");
      assert.ok(types.includes("response.output_text.delta"), types.join(","));
      assert.ok(types.includes("response.function_call_arguments.delta"), types.join(","));
      assert.match(
        sse,
        /"type":"function_call","call_id":"call_[0-9a-f]+","name":"exec_command","arguments":"\{\\"cmd\\": \\"ls\\"\}"/,
      );
      assert.doesNotMatch(sse, /\[DONE\]/);
      assert.deepEqual(
        { ...proxy.counts("r"), ms: 0 },
        { requests: 2, promptTokens: 210 + 400, completionTokens: 9 + 12, missingUsage: 0, errors: 0, ms: 0 },
      );
      // Only chat requests get stream_options added; a Responses request goes through as sent.
      assert.equal(fake.server.responsesRequests()[1]!.body?.stream_options, undefined);
      assert.equal(fake.server.chatRequests().length, 0);
    } finally {
      await proxy.close();
    }
  });

  it("counts a Responses reply without usage as missing, never guessed", async () => {
    const proxy = await startMeteringProxy(fake.server.url);
    try {
      fake.server.enqueue(rawResponse(200, { object: "response", output: [] }));
      const res = await fetch(`${proxy.baseUrl("n")}/responses`, {
        method: "POST",
        body: JSON.stringify({ input: "x" }),
      });
      assert.equal(res.status, 200);
      await res.text();
      assert.equal(proxy.counts("n").missingUsage, 1);
      assert.equal(proxy.counts("n").promptTokens, 0);
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
