/**
 * The run's one stream over several explorers: one run_start (the first stage's), turns shifted
 * to continue the count, stage endings held back, one answer and one run_end carrying the run's
 * result; a fallback event that comes before any run_start waits for it.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RunStream } from "../../src/core/run-stream.js";
import type { ExploreEvent, ExploreResult } from "../../src/core/types.js";
import { fixtureResult } from "../tui/events-fixture.js";

const at = 1;
const start = (policy: "model" | "embedded"): ExploreEvent => ({
  type: "run_start",
  runId: policy,
  query: "q",
  root: "/r",
  policy,
  maxTurns: 2,
  at,
});
const answer = (path: string): ExploreEvent => ({
  type: "answer",
  citations: [{ path, start: 1, end: 2, verified: true }],
  explanation: "",
  dropped: [],
  at,
});
const end = (result: ExploreResult): ExploreEvent => ({ type: "run_end", result, at });

describe("RunStream", () => {
  it("frames two stages as one run with continuing turns and the merged result last", () => {
    const seen: ExploreEvent[] = [];
    const stream = new RunStream((e) => seen.push(e));
    const first = stream.stage();
    first(start("model"));
    first({ type: "turn_start", turn: 1, at });
    first({ type: "turn_start", turn: 2, at });
    first(answer("model.ts"));
    first(end({ ...fixtureResult(), turns: 2 }));
    stream.fallback("model", "embedded", "no answer");
    const second = stream.stage(2);
    second(start("embedded"));
    second({ type: "turn_start", turn: 1, at });
    second({ type: "tool_start", turn: 1, index: 0, call: { id: "c", name: "Grep", args: {} }, at });
    second(answer("embedded.ts"));
    second(end(fixtureResult()));
    const merged = { ...fixtureResult(), turns: 3, fallback: { from: "model" as const, reason: "no answer" } };
    stream.end(merged);
    stream.end(fixtureResult());
    second({ type: "turn_start", turn: 9, at });
    assert.deepEqual(
      seen.map((e) => `${e.type}${"turn" in e ? e.turn : ""}`),
      ["run_start", "turn_start1", "turn_start2", "fallback", "turn_start3", "tool_start3", "answer", "run_end"],
    );
    const last = seen.at(-1)!;
    assert.ok(last.type === "run_end" && last.result === merged);
    const shown = seen.find((e) => e.type === "answer");
    assert.equal(shown?.type === "answer" && shown.citations[0]?.path, "embedded.ts");
  });

  it("a stage that stands is ended with its own answer; an early fallback waits for run_start", () => {
    const seen: ExploreEvent[] = [];
    const stream = new RunStream((e) => seen.push(e));
    stream.fallback("model", "embedded", "unreachable");
    const stage = stream.stage();
    stage(start("embedded"));
    stage(answer("a.ts"));
    stage(end(fixtureResult()));
    assert.deepEqual(
      seen.map((e) => e.type),
      ["run_start", "fallback"],
    );
    stream.end(fixtureResult());
    assert.deepEqual(
      seen.map((e) => e.type),
      ["run_start", "fallback", "answer", "run_end"],
    );
  });

  it("a listener that throws does not break the run", () => {
    const stream = new RunStream(() => {
      throw new Error("broken surface");
    });
    stream.stage()(start("model"));
    stream.end(fixtureResult());
  });
});
