/**
 * The tool-call parser conformance suite (see runner.ts and vectors/): every vector must match the
 * engine's expectation, or differ on purpose with its reason and fastcontext's own expectation.
 * The same vectors also go over HTTP through the real client, as content and as native tool calls.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createChatClient } from "../../../src/llm/client.js";
import type { ToolDefinition } from "../../../src/llm/types.js";
import { reply, useFakeOpenAI } from "../../support/fake-openai-server.js";
import { compare, loadVectorFiles, runVector, type Vector, type VectorFile } from "./runner.js";

const files = loadVectorFiles();

describe("tool-call conformance vectors", () => {
  it("name their source (repository, file, test) and give a reason and an expectation for each difference", () => {
    let count = 0;
    for (const { name, data } of files) {
      assert.match(data.repo, /^[\w.-]+\/[\w.-]+$/, name);
      assert.ok(["hermes", "qwen3-coder", "harmony"].includes(data.format), name);
      for (const vector of data.vectors) {
        count++;
        assert.ok(vector.source.startsWith(`${data.repo} `), `${name}: ${vector.source}`);
        assert.ok(vector.source.length > data.repo.length + 8, `${name}: ${vector.source}`);
        if (vector.deliberate !== undefined) {
          assert.ok(vector.deliberate.length > 20 && vector.fastcontext, `${name}: ${vector.source}`);
        }
      }
    }
    assert.ok(count >= 150, `only ${count} vectors`);
  });

  for (const { name, data } of files) {
    it(`${name}: ${data.vectors.length} vectors, complete and as SSE in 1-, 3- and 7-character deltas`, async () => {
      const failures: string[] = [];
      for (const vector of data.vectors) {
        const result = await runVector(name, data, vector);
        if (result.verdict === "fail") failures.push(`${vector.source}\n    ${result.problems.join("\n    ")}`);
      }
      assert.deepEqual(failures, []);
    });
  }
});

describe("tool-call conformance over HTTP (real client, fake vLLM-style server)", () => {
  const fx = useFakeOpenAI();
  const client = () => createChatClient({ baseUrl: fx.server.url, model: "fc-test", retryBaseMs: 5 });

  // Every third vector: the runner already covers them all in-process; this checks the HTTP path agrees.
  it("content-mode replies parse the same through the client as in the runner", async () => {
    let checked = 0;
    let seen = 0;
    for (const { data } of files) {
      for (const vector of data.vectors) {
        if (vector.chunked === false || seen++ % 3 !== 0) continue;
        fx.server.enqueue(
          reply()
            .content(vector.input)
            .pieces(checked % 2 === 0 ? 3 : 13)
            .finishOnEmptyDelta(),
        );
        const turn = await client().chat([{ role: "user", content: "q" }], toolsOf(data, vector));
        const expectation = vector.deliberate && vector.fastcontext ? vector.fastcontext : vector.expect;
        const problems = compare(turn, expectation);
        // A vector whose engine expectation fails here must be one the runner explains.
        if (problems.length > 0 && !vector.deliberate) assert.fail(`${vector.source}: ${problems.join("; ")}`);
        checked++;
      }
    }
    fx.server.assertDrained();
    assert.ok(checked > 40);
  });

  it("native tool_calls replay in order with arguments in the first fragment and the finish on an empty delta", async () => {
    let checked = 0;
    let seen = 0;
    for (const { data } of files) {
      for (const vector of data.vectors) {
        const calls = (vector.deliberate ? vector.fastcontext?.calls : vector.expect.calls) ?? [];
        if (calls.length === 0 || !calls.every((c) => isObject(c.arguments)) || seen++ % 2 !== 0) continue;
        const builder = reply()
          .argumentsInFirstFragment()
          .finishOnEmptyDelta()
          .pieces([1, 3, 7][checked % 3] ?? 3);
        for (const call of calls) builder.toolCall(call.name, call.arguments as Record<string, unknown>);
        fx.server.enqueue(builder);
        const turn = await client().chat([{ role: "user", content: "q" }], toolsOf(data, vector));
        assert.equal(turn.source, "native", vector.source);
        assert.equal(turn.finishReason, "tool_calls", vector.source);
        assert.deepEqual(compare(turn, { calls }), [], vector.source);
        checked++;
      }
    }
    fx.server.assertDrained();
    assert.ok(checked > 40);
  });
});

function toolsOf(data: VectorFile, vector: Vector): ToolDefinition[] {
  return (vector.tools ? (data.toolsets[vector.tools] ?? []) : []).map((tool) => ({
    type: "function",
    function: { name: tool.name, description: tool.name, parameters: tool.parameters },
  }));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
