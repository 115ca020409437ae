/** The fake server's Responses API endpoint: vLLM's event order, and unscripted requests still fail. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reply, startFakeOpenAI } from "../support/fake-openai-server.js";

describe("fake server: /v1/responses", () => {
  it("streams vLLM's event sequence with sequence numbers and ends with response.completed and usage", async () => {
    const server = await startFakeOpenAI();
    try {
      server.enqueue(
        reply()
          .reasoning("think")
          .content("hi")
          .toolCall("explore", { query: "q" }, { namespace: "mcp__x" })
          .usage(7, 3),
      );
      const res = await fetch(`${server.url}/responses`, {
        method: "POST",
        body: JSON.stringify({ model: "fake-model", stream: true, input: "x" }),
      });
      assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
      const events = (await res.text())
        .split("\n\n")
        .filter(Boolean)
        .map((block) => {
          const [event, data] = block.split("\n");
          const parsed = JSON.parse(data!.slice("data: ".length)) as Record<string, unknown>;
          assert.equal(event, `event: ${parsed.type as string}`);
          return parsed;
        });
      assert.deepEqual(
        events.map((e) => e.sequence_number),
        events.map((_, i) => i),
      );
      const types = events.map((e) => e.type);
      assert.deepEqual(types.slice(0, 2), ["response.created", "response.in_progress"]);
      assert.ok(types.indexOf("response.reasoning_text.delta") < types.indexOf("response.output_text.delta"));
      assert.ok(types.indexOf("response.output_text.delta") < types.indexOf("response.function_call_arguments.delta"));
      const done = events
        .filter((e) => e.type === "response.output_item.done")
        .map((e) => e.item as Record<string, unknown>);
      assert.deepEqual(
        done.map((i) => i.type),
        ["reasoning", "message", "function_call"],
      );
      assert.equal(done[2]!.namespace, "mcp__x");
      assert.equal(done[2]!.arguments, '{"query": "q"}');
      const completed = events.at(-1)!;
      assert.equal(completed.type, "response.completed");
      const response = completed.response as Record<string, unknown>;
      assert.equal(response.status, "completed");
      assert.deepEqual((response.usage as Record<string, unknown>).input_tokens, 7);
      assert.deepEqual((response.usage as Record<string, unknown>).output_tokens, 3);
      assert.equal((response.output as unknown[]).length, 3);
      server.assertDrained();
    } finally {
      await server.close();
    }
  });

  it("answers an unscripted Responses request with 500 and fails assertDrained", async () => {
    const server = await startFakeOpenAI();
    try {
      const res = await fetch(`${server.url}/responses`, { method: "POST", body: JSON.stringify({ input: "x" }) });
      assert.equal(res.status, 500);
      assert.match(await res.text(), /no reply scripted for responses request #1/);
      assert.equal(server.responsesRequests().length, 1);
      assert.throws(() => server.assertDrained(), /1 chat or responses request\(s\) arrived with nothing scripted/);
    } finally {
      await server.close();
    }
  });
});
