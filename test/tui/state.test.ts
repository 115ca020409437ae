/** The view reducer: events in, view state out, no terminal and no clock. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExploreEvent } from "../../src/core/types.js";
import {
  doneTurns,
  elapsedMs,
  initialViewState,
  openTurns,
  reduceView,
  type ViewState,
  waitingSeconds,
} from "../../src/surfaces/tui/state.js";
import { fixtureEvents, T0 } from "./events-fixture.js";

function play(events: ExploreEvent[]): ViewState {
  return events.reduce(reduceView, initialViewState());
}

/** The state after the first `n` events of the fixture run. */
function after(n: number): ViewState {
  return play(fixtureEvents().slice(0, n));
}

describe("reduceView", () => {
  it("a fallback switches the header's policy and leaves a warning for the next turn", () => {
    const s = play([
      fixtureEvents()[0]!,
      {
        type: "fallback",
        from: "model",
        to: "embedded",
        reason: "the model returned no verified citation",
        at: T0 + 5,
      },
    ]);
    assert.equal(s.run?.policy, "embedded");
    assert.deepEqual(s.notices, [
      {
        level: "warn",
        message: "falling back to the embedded explorer: the model returned no verified citation",
        at: T0 + 5,
      },
    ]);
  });

  it("takes the run, the model and the window from run_start", () => {
    const s = after(1);
    assert.equal(s.run?.model, "fake-model");
    assert.equal(s.run?.maxTurns, 12);
    assert.equal(s.contextWindow, 32768);
    assert.equal(s.run?.startedAt, T0);
  });

  it("waits on the model from model_request until model_response, and the wait ticks with the clock", () => {
    const s = after(3);
    assert.deepEqual(s.waiting, { turn: 1, since: T0 + 10 });
    assert.equal(waitingSeconds(s, T0 + 4010), 4);
    assert.equal(s.usedTokens, 2100, "the projection of the first prompt stands in for the window in use");
    assert.equal(s.usedIsEstimate, true);
    const answered = after(5);
    assert.equal(answered.waiting, undefined);
    assert.equal(waitingSeconds(answered, T0 + 9999), 0);
  });

  it("counts streamed characters and the server's token usage", () => {
    assert.equal(after(4).turns[0]?.streamedChars, "Searching.".length);
    const s = after(6);
    assert.equal(s.tokensIn, 2000);
    assert.equal(s.tokensOut, 40);
    assert.equal(s.usedTokens, 2040);
    assert.equal(s.usedIsEstimate, false);
  });

  it("keeps a turn open until every tool call it asked for has ended", () => {
    const beforeTools = after(8);
    assert.equal(beforeTools.turns[0]?.done, false);
    assert.equal(beforeTools.turns[0]?.calls.length, 2);
    const oneDone = after(9);
    assert.equal(oneDone.turns[0]?.done, false, "Glob ended, Grep still runs");
    assert.equal(oneDone.turns[0]?.calls[1]?.end?.lines, 3);
    const both = after(10);
    assert.equal(both.turns[0]?.done, true);
    assert.deepEqual(
      doneTurns(both).map((t) => t.turn),
      [1],
    );
    assert.deepEqual(openTurns(both), []);
  });

  it("orders calls by index whatever order they end in", () => {
    const calls = after(10).turns[0]!.calls;
    assert.deepEqual(
      calls.map((c) => c.name),
      ["Grep", "Glob"],
    );
    assert.equal(calls[0]?.end?.ms, 5);
  });

  it("closes a turn with no tool call as soon as the model answered", () => {
    const s = after(18);
    assert.equal(s.turns[2]?.done, true);
    assert.equal(s.turns[2]?.response?.calls, 0);
  });

  it("marks reasoning, truncation and the final state at run_end", () => {
    const s = play(fixtureEvents());
    assert.equal(s.turns[1]?.response?.reasoningChars, "let me read it".length);
    assert.equal(s.turns[1]?.calls[0]?.end?.truncated, true);
    assert.equal(s.answer?.citations.length, 2);
    assert.equal(s.answer?.dropped.length, 1);
    assert.equal(s.end?.stopReason, "answered");
    assert.equal(s.end?.turns, 3);
    assert.equal(elapsedMs(s, T0 + 99_999), 4200, "the recorded total once the run ended");
    assert.equal(s.tokensIn, 9100);
    assert.equal(s.usedTokens, 4940);
  });

  it("attaches a notice to the open turn, or to the next turn when none is open", () => {
    const events = fixtureEvents();
    const withNotices: ExploreEvent[] = [
      ...events.slice(0, 3),
      { type: "notice", level: "warn", message: "inside turn 1", at: T0 + 20 },
      ...events.slice(3, 10),
      { type: "notice", level: "info", message: "between turns", at: T0 + 918 },
      ...events.slice(10),
    ];
    const mid = play(withNotices.slice(0, 12));
    assert.deepEqual(
      mid.notices.map((n) => n.message),
      ["between turns"],
    );
    const s = play(withNotices);
    assert.deepEqual(
      s.turns[0]?.notices.map((n) => n.message),
      ["inside turn 1"],
    );
    assert.deepEqual(
      s.turns[1]?.notices.map((n) => n.message),
      ["between turns"],
    );
    assert.deepEqual(s.notices, []);
  });

  it("records retries on the turn", () => {
    const s = play([
      ...fixtureEvents().slice(0, 3),
      { type: "model_retry", turn: 1, attempt: 1, delayMs: 500, reason: "HTTP 503", at: T0 + 50 },
    ]);
    assert.deepEqual(s.turns[0]?.retries, ["retry 1 in 500 ms: HTTP 503"]);
  });

  it("never changes the state it was given, and freezes done turns", () => {
    const events = fixtureEvents();
    const s = play(events.slice(0, 10));
    const snapshot = structuredClone(s);
    const next = reduceView(s, events[10]!);
    assert.deepEqual(s, snapshot);
    assert.equal(next.turns[0], s.turns[0], "a done turn is the same object afterwards");
    const late = reduceView(next, {
      type: "tool_end",
      turn: 1,
      index: 5,
      callId: "x",
      name: "Read",
      ms: 1,
      chars: 1,
      tokens: 1,
      lines: 1,
      truncated: false,
      cached: false,
      preview: "",
      at: T0 + 999,
    });
    assert.equal(late.turns[0], s.turns[0], "late events do not reopen a printed turn");
  });

  it("builds a turn for events whose turn_start it did not see", () => {
    const s = play([{ type: "model_request", turn: 4, messages: 9, promptTokens: 100, finalTurn: true, at: T0 }]);
    assert.equal(s.turns[0]?.turn, 4);
    assert.equal(s.turns[0]?.finalTurn, true);
  });
});
