import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createThinkSplitter, splitThink, type ThinkPiece } from "../../src/llm/think.js";

describe("splitThink", () => {
  it("leaves text without think tags alone (trimmed)", () => {
    assert.deepEqual(splitThink("  hello \n"), { content: "hello", reasoning: "" });
  });

  it("moves a leading <think> block to reasoning", () => {
    assert.deepEqual(splitThink("<think>\nplan it\n</think>\n\nanswer"), { content: "answer", reasoning: "plan it" });
  });

  it("moves several blocks and keeps the text between them", () => {
    assert.deepEqual(splitThink("<think>a</think>one <think>b</think>two"), {
      content: "one two",
      reasoning: "a\n\nb",
    });
  });

  it("treats text before a lone </think> as reasoning (the template opened the block)", () => {
    assert.deepEqual(splitThink("I should grep.\n</think>\n\n<tool_call>{}</tool_call>"), {
      content: "<tool_call>{}</tool_call>",
      reasoning: "I should grep.",
    });
  });

  it("ends an unclosed <think> at the first tool call or final answer", () => {
    assert.deepEqual(splitThink('<think>pondering\n<tool_call>{"name": "Read"}</tool_call>'), {
      content: '<tool_call>{"name": "Read"}</tool_call>',
      reasoning: "pondering",
    });
    assert.deepEqual(splitThink("<think>cut off by max tokens"), { content: "", reasoning: "cut off by max tokens" });
  });

  it("handles an unclosed <think> whose </think> comes after a second <think>", () => {
    assert.deepEqual(splitThink("<think>a<think>b</think>c"), { content: "c", reasoning: "a<think>b" });
  });
});

describe("createThinkSplitter", () => {
  const run = (deltas: string[]): ThinkPiece[] => {
    const splitter = createThinkSplitter();
    const pieces = deltas.flatMap((d) => splitter.push(d));
    return [...pieces, ...splitter.flush()];
  };
  const joined = (pieces: ThinkPiece[], channel: ThinkPiece["channel"]) =>
    pieces
      .filter((p) => p.channel === channel)
      .map((p) => p.text)
      .join("");

  it("routes think text to reasoning even when tags are split across deltas", () => {
    const text = "<think>plan A</think>Visible text";
    for (let cut = 1; cut < text.length; cut++) {
      const pieces = run([text.slice(0, cut), text.slice(cut)]);
      assert.equal(joined(pieces, "reasoning"), "plan A", `cut at ${cut}`);
      assert.equal(joined(pieces, "content"), "Visible text", `cut at ${cut}`);
    }
  });

  it("streams one character at a time without losing text", () => {
    const text = "pre <think>r1</think> mid <think>r2</think> post </think> end";
    const pieces = run(Array.from(text));
    assert.equal(joined(pieces, "content"), "pre  mid  post  end");
    assert.equal(joined(pieces, "reasoning"), "r1r2");
  });

  it("releases a held-back partial tag at flush", () => {
    const splitter = createThinkSplitter();
    assert.deepEqual(splitter.push("a <thi"), [{ channel: "content", text: "a " }]);
    assert.deepEqual(splitter.flush(), [{ channel: "content", text: "<thi" }]);
  });
});
