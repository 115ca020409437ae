import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { completionFromJson, type RawChoice, StreamAccumulator } from "../../src/llm/accumulate.js";
import { LlmError } from "../../src/llm/errors.js";
import { finalizeTurn } from "../../src/llm/finalize.js";
import { malformedCallResult, toAssistantMessage } from "../../src/llm/history.js";

const choice = (over: Partial<RawChoice>): RawChoice => ({
  index: 0,
  content: "",
  reasoning: "",
  toolCalls: [],
  finishReason: "stop",
  ...over,
});
const fragment = (f: Record<string, unknown>) => ({ choices: [{ index: 0, delta: { tool_calls: [f] } }] });

describe("StreamAccumulator", () => {
  it("treats a reused index with a new id as a new call", () => {
    const acc = new StreamAccumulator();
    acc.push(fragment({ index: 0, id: "a", function: { name: "Read", arguments: '{"path":' } }));
    acc.push(fragment({ index: 0, function: { arguments: '"/a"}' } }));
    acc.push(fragment({ index: 0, id: "b", function: { name: "Read", arguments: '{"path":"/b"}' } }));
    assert.deepEqual(acc.result().choices[0]?.toolCalls, [
      { id: "a", name: "Read", arguments: '{"path":"/a"}' },
      { id: "b", name: "Read", arguments: '{"path":"/b"}' },
    ]);
  });

  it("continues an index-less call on argument-only fragments and matches repeated ids", () => {
    const acc = new StreamAccumulator();
    acc.push(fragment({ id: "x", function: { name: "Grep", arguments: '{"pat' } }));
    acc.push(fragment({ function: { arguments: 'tern":' } }));
    acc.push(fragment({ id: "x", function: { arguments: '"q"}' } }));
    assert.deepEqual(acc.result().choices[0]?.toolCalls, [{ id: "x", name: "Grep", arguments: '{"pattern":"q"}' }]);
  });

  it("takes one reasoning alias per delta, not both", () => {
    const acc = new StreamAccumulator();
    const deltas = acc.push({ choices: [{ index: 0, delta: { reasoning_content: "r", reasoning: "r" } }] });
    assert.deepEqual(deltas, [{ channel: "reasoning", text: "r" }]);
    assert.equal(acc.result().choices[0]?.reasoning, "r");
  });

  it("keeps the last usage and the model, ignores null usage", () => {
    const acc = new StreamAccumulator();
    acc.push({ model: "m1", usage: null, choices: [{ index: 0, delta: { content: "a" }, finish_reason: "stop" }] });
    acc.push({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 3 } });
    assert.deepEqual(acc.result().usage, { promptTokens: 9, completionTokens: 3 });
    assert.equal(acc.result().model, "m1");
    assert.equal(acc.finished, true);
  });

  it("throws an LlmError for an error object in the stream", () => {
    assert.throws(
      () => new StreamAccumulator().push({ error: { message: "boom", code: 500 } }),
      (e: unknown) => e instanceof LlmError && e.retryable,
    );
  });
});

describe("completionFromJson", () => {
  it("reads message fields, object arguments and sorts choices", () => {
    const raw = completionFromJson({
      choices: [
        {
          index: 1,
          message: { content: null, tool_calls: [{ id: "t", function: { name: "Read", arguments: { path: "/a" } } }] },
          finish_reason: "tool_calls",
        },
        { index: 0, message: { content: "hi", reasoning: "why" }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 1, completion_tokens: 2 },
    });
    assert.deepEqual(
      raw.choices.map((c) => c.index),
      [0, 1],
    );
    assert.equal(raw.choices[0]?.reasoning, "why");
    assert.deepEqual(raw.choices[1]?.toolCalls, [{ id: "t", name: "Read", arguments: '{"path":"/a"}' }]);
  });
});

describe("finalizeTurn", () => {
  it("fails with kind parse when there is no choice", () => {
    assert.throws(
      () => finalizeTurn({ choices: [] }),
      (e: unknown) => e instanceof LlmError && e.kind === "parse" && !e.retryable,
    );
  });

  it("synthesizes ids for missing and duplicate ids, and {} for empty arguments", () => {
    const turn = finalizeTurn({
      choices: [
        choice({
          toolCalls: [
            { id: "same", name: "Glob", arguments: "" },
            { id: "same", name: "Read", arguments: '{"path": "/a"}' },
            { id: "", name: "Read", arguments: '{"path": "/b"}' },
          ],
          finishReason: "tool_calls",
        }),
      ],
    });
    const ids = turn.toolCalls.map((c) => c.id);
    assert.equal(ids[0], "same");
    assert.match(ids[1] ?? "", /^call_[0-9a-f]{8}$/);
    assert.match(ids[2] ?? "", /^call_[0-9a-f]{8}$/);
    assert.equal(new Set(ids).size, 3);
    assert.equal(turn.toolCalls[0]?.arguments, "{}");
  });

  it("makes nameless native calls malformed and repairs sloppy native arguments", () => {
    const turn = finalizeTurn(
      {
        choices: [
          choice({
            toolCalls: [
              { id: "a", name: "", arguments: "{}" },
              { id: "b", name: "grep", arguments: "{'pattern': 'x',}" },
            ],
          }),
        ],
      },
      { knownTools: ["Grep"] },
    );
    assert.deepEqual(turn.malformed, [{ id: "a", raw: "{}", error: "the tool call has no name" }]);
    assert.deepEqual(turn.toolCalls, [{ id: "b", name: "Grep", arguments: '{"pattern":"x"}' }]);
    assert.equal(turn.source, "native");
  });

  it("moves text before a lone </think> into reasoning and merges it with server reasoning", () => {
    const turn = finalizeTurn({
      choices: [
        choice({
          reasoning: "server side",
          content: "template opened it\n</think>\n\n<final_answer>\n/a:1\n</final_answer>",
        }),
      ],
    });
    assert.equal(turn.reasoning, "server side\n\ntemplate opened it");
    assert.equal(turn.content, "<final_answer>\n/a:1\n</final_answer>");
  });

  it("does not parse content when native calls exist", () => {
    const turn = finalizeTurn({
      choices: [
        choice({ content: "<tool_call>{}</tool_call>", toolCalls: [{ id: "a", name: "Read", arguments: "{}" }] }),
      ],
    });
    assert.equal(turn.source, "native");
    assert.equal(turn.content, "<tool_call>{}</tool_call>");
    assert.equal(turn.malformed.length, 0);
  });

  it("takes calls from all choices when none is flagged tool_calls", () => {
    const turn = finalizeTurn({
      choices: [
        choice({ content: "text" }),
        choice({ index: 1, toolCalls: [{ id: "z", name: "Read", arguments: "{}" }], finishReason: "stop" }),
      ],
    });
    assert.deepEqual(
      turn.toolCalls.map((c) => c.id),
      ["z"],
    );
  });
});

describe("history", () => {
  it("re-sends calls (malformed ones with {} arguments) and drops reasoning", () => {
    const message = toAssistantMessage({
      content: "",
      reasoning: "secret thoughts",
      toolCalls: [{ id: "a", name: "Read", arguments: '{"path": "/a"}' }],
      malformed: [
        { id: "b", raw: "junk", error: "bad" },
        { id: "c", name: "Grep", raw: "x", error: "bad" },
      ],
      finishReason: "tool_calls",
      source: "content",
    });
    assert.deepEqual(message, {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "a", type: "function", function: { name: "Read", arguments: '{"path": "/a"}' } },
        { id: "b", type: "function", function: { name: "unknown", arguments: "{}" } },
        { id: "c", type: "function", function: { name: "Grep", arguments: "{}" } },
      ],
    });
  });

  it("sends a plain answer as content and formats malformed-call results", () => {
    assert.deepEqual(
      toAssistantMessage({
        content: "done",
        reasoning: "",
        toolCalls: [],
        malformed: [],
        finishReason: "stop",
        source: "none",
      }),
      { role: "assistant", content: "done" },
    );
    assert.equal(
      malformedCallResult("bad json"),
      "<system-reminder>Error: malformed tool call: bad json</system-reminder>",
    );
  });
});
