import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCitationLine, parseFinalAnswer, renderFinalAnswer } from "../../src/core/final-answer.js";

const line = (text: string) => {
  const c = parseCitationLine(text);
  return c ? { path: c.path, ranges: c.ranges, ...(c.reason !== undefined ? { reason: c.reason } : {}) } : null;
};

describe("parseCitationLine: accepted forms", () => {
  it("path:start-end (reason), as trained", () => {
    assert.deepEqual(line("/ws/src/app.py:10-15 (Core logic to modify)"), {
      path: "/ws/src/app.py",
      ranges: [{ start: 10, end: 15 }],
      reason: "Core logic to modify",
    });
  });

  it("path:line is a one-line range", () => {
    assert.deepEqual(line("src/app.py:42"), { path: "src/app.py", ranges: [{ start: 42, end: 42 }] });
  });

  it("a bare path cites the file without ranges, a trailing reason is kept", () => {
    assert.deepEqual(line("src/app.py"), { path: "src/app.py", ranges: [] });
    assert.deepEqual(line("src/app.py - the entry point"), {
      path: "src/app.py",
      ranges: [],
      reason: "the entry point",
    });
  });

  it("several ranges on one line, comma or 'and' separated", () => {
    assert.deepEqual(line("src/a.ts:1-5, 20-30, 44 (setup and use)"), {
      path: "src/a.ts",
      ranges: [
        { start: 1, end: 5 },
        { start: 20, end: 30 },
        { start: 44, end: 44 },
      ],
      reason: "setup and use",
    });
    assert.deepEqual(line("src/a.ts:1-2 and 7-9")?.ranges, [
      { start: 1, end: 2 },
      { start: 7, end: 9 },
    ]);
  });

  it("reversed ranges are normalized", () => {
    assert.deepEqual(line("src/a.ts:30-10")?.ranges, [{ start: 10, end: 30 }]);
  });

  it("GitHub anchors, L-prefixed ranges, en and em dashes, a space after the colon", () => {
    assert.deepEqual(line("src/a.ts#L10-L20")?.ranges, [{ start: 10, end: 20 }]);
    assert.deepEqual(line("src/a.ts:L10-L20")?.ranges, [{ start: 10, end: 20 }]);
    assert.deepEqual(line("src/a.ts:10–20")?.ranges, [{ start: 10, end: 20 }]);
    assert.deepEqual(line("src/a.ts:10—20")?.ranges, [{ start: 10, end: 20 }]);
    assert.deepEqual(line("src/a.ts: 10-20")?.ranges, [{ start: 10, end: 20 }]);
  });

  it("'lines' prose forms", () => {
    assert.deepEqual(line("src/a.ts (lines 3-9)"), { path: "src/a.ts", ranges: [{ start: 3, end: 9 }] });
    assert.deepEqual(line("src/a.ts lines 3-9"), { path: "src/a.ts", ranges: [{ start: 3, end: 9 }] });
  });

  it("bullets, numbered lists, backticks and bold are stripped", () => {
    for (const text of [
      "- src/a.ts:3-4",
      "* src/a.ts:3-4",
      "• src/a.ts:3-4",
      "1. src/a.ts:3-4",
      "2) src/a.ts:3-4",
      "`src/a.ts:3-4`",
      "**src/a.ts:3-4**",
      "- `src/a.ts`:3-4",
    ]) {
      assert.deepEqual(line(text), { path: "src/a.ts", ranges: [{ start: 3, end: 4 }] }, text);
    }
  });

  it("markdown links keep the target", () => {
    assert.deepEqual(line("[a.ts](src/a.ts#L3-L5) (the handler)"), {
      path: "src/a.ts",
      ranges: [{ start: 3, end: 5 }],
      reason: "the handler",
    });
    assert.deepEqual(line("- [handler](/ws/src/a.ts:7-9)"), { path: "/ws/src/a.ts", ranges: [{ start: 7, end: 9 }] });
  });

  it("the template's 'Optional Brief Reason' prefix and quotes are removed from reasons", () => {
    assert.equal(line('src/a.ts:1-2 (Optional Brief Reason: "Core logic")')?.reason, "Core logic");
    assert.equal(line("src/a.ts:1-2 — builds the request")?.reason, "builds the request");
  });

  it("a Windows drive letter is not taken for a range", () => {
    assert.deepEqual(line("C:\\repo\\a.py:3-4"), { path: "C:\\repo\\a.py", ranges: [{ start: 3, end: 4 }] });
  });

  it("a line without a path is not a citation", () => {
    assert.equal(line("none"), null);
    assert.equal(line("   "), null);
    assert.equal(line("Nothing relevant found"), null);
  });
});

describe("parseFinalAnswer", () => {
  it("splits the block from the explanation and keeps the model's order", () => {
    const parsed = parseFinalAnswer(
      "The handler lives in b.\n\n<final_answer>\n/ws/b.py:5-9 (handler)\n\n/ws/a.py:1-3\n</final_answer>\n",
    );
    assert.equal(parsed.found, true);
    assert.deepEqual(
      parsed.citations.map((c) => c.path),
      ["/ws/b.py", "/ws/a.py"],
    );
    assert.equal(parsed.explanation, "The handler lives in b.");
    assert.deepEqual(parsed.unparsed, []);
  });

  it("collects lines it cannot read as unparsed", () => {
    const parsed = parseFinalAnswer("<final_answer>\nnone of these\n/ws/a.py:1\n</final_answer>");
    assert.equal(parsed.citations.length, 1);
    assert.deepEqual(parsed.unparsed, ["none of these"]);
  });

  it("a missing close tag still yields the citations (generation cut off)", () => {
    const parsed = parseFinalAnswer("Here.\n<final_answer>\n/ws/a.py:1-2\n/ws/b.py:3");
    assert.equal(parsed.found, true);
    assert.deepEqual(
      parsed.citations.map((c) => [c.path, c.ranges]),
      [
        ["/ws/a.py", [{ start: 1, end: 2 }]],
        ["/ws/b.py", [{ start: 3, end: 3 }]],
      ],
    );
    assert.equal(parsed.explanation, "Here.");
  });

  it("no block: found is false and the whole text is the explanation", () => {
    const parsed = parseFinalAnswer("I could not find it.\n/ws/a.py:1-2");
    assert.equal(parsed.found, false);
    assert.deepEqual(parsed.citations, []);
    assert.equal(parsed.explanation, "I could not find it.\n/ws/a.py:1-2");
  });

  it("an empty block is found with no citations", () => {
    const parsed = parseFinalAnswer("<final_answer>\n\n</final_answer>");
    assert.equal(parsed.found, true);
    assert.deepEqual(parsed.citations, []);
  });

  it("the example wrapper glued to the block is not part of the explanation", () => {
    const parsed = parseFinalAnswer("Short note.\n<example>\n<final_answer>\n/ws/a.py:1-2\n</final_answer></example>");
    assert.equal(parsed.explanation, "Short note.");
    assert.equal(parsed.citations.length, 1);
  });

  it("CRLF line endings", () => {
    assert.equal(
      parseFinalAnswer("<final_answer>\r\n/ws/a.py:1-2\r\n/ws/b.py:4\r\n</final_answer>").citations.length,
      2,
    );
  });
});

describe("renderFinalAnswer", () => {
  it("renders the trained block, and an empty block for no citations", () => {
    assert.equal(
      renderFinalAnswer([
        { path: "/ws/a.py", start: 1, end: 3, reason: "why" },
        { path: "/ws/b.py", start: 7, end: 7 },
      ]),
      "<final_answer>\n/ws/a.py:1-3 (why)\n/ws/b.py:7-7\n</final_answer>",
    );
    assert.equal(renderFinalAnswer([]), "<final_answer>\n</final_answer>");
  });

  it("round-trips through the parser", () => {
    const text = renderFinalAnswer([{ path: "/ws/a.py", start: 1, end: 3, reason: "why" }]);
    const [c] = parseFinalAnswer(text).citations;
    assert.deepEqual(
      { path: c?.path, ranges: c?.ranges, reason: c?.reason },
      { path: "/ws/a.py", ranges: [{ start: 1, end: 3 }], reason: "why" },
    );
  });
});
