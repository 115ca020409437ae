/** The Ink component rendered to a string: what a person sees for a given state. */
// Force chalk on (it decides at import time) so the NO_COLOR check below is meaningful.
process.env.FORCE_COLOR = "1";

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createElement } from "react";
import type { ExploreEvent } from "../../src/core/types.js";
import { footerLine } from "../../src/surfaces/tui/format.js";
import { initialViewState, reduceView, type ViewState } from "../../src/surfaces/tui/state.js";
import { fixtureEvents, T0 } from "./events-fixture.js";

const { renderToString } = await import("ink");
const { RunView } = await import("../../src/surfaces/tui/view.js");

function play(events: ExploreEvent[]): ViewState {
  return events.reduce(reduceView, initialViewState());
}

function screen(state: ViewState, now: number, color = false, columns = 120): string {
  return renderToString(createElement(RunView, { state, now, color }), { columns });
}

describe("RunView", () => {
  it("shows the header, one row per tool call with its arguments and outcome, and a ticking footer mid-run", () => {
    const state = play(fixtureEvents().slice(0, 12));
    const text = screen(state, T0 + 920 + 7400);
    assert.match(text, /^fastcontext · \/work\/demo · model fake-model · max 12 turns$/m);
    assert.match(text, /^query: where is the session token validated\?$/m);
    assert.match(text, /^─ turn 1\/12 · model 0\.9 s · 2k prompt \+ 40 out tokens · 2 tool calls$/m);
    assert.match(
      text,
      /^ {2}▸ Grep pattern="validateToken" path="src" output_mode="content" {2}→ 6 lines · 240 chars · ~80 tok · 5 ms$/m,
      "paths shown relative to the root",
    );
    assert.match(text, /^ {2}▸ Glob pattern="\*\*\/\*\.ts" {2}→ 3 lines · 60 chars · ~20 tok · 3 ms$/m);
    assert.match(text, /^─ turn 2\/12 · 5 messages, ~2\.4k tokens sent$/m);
    assert.match(text, /^ {2}⋯ waiting on the model 7 s$/m);
    assert.match(
      text,
      /^turn 2\/12 · tokens ~2\.4k \/ 32\.8k \(7%\) · in 2k out 40 · elapsed 8\.3 s · waiting on the model for 7 s$/m,
    );
  });

  it("shows a running call's elapsed time, reasoning size and truncation", () => {
    const events = fixtureEvents();
    const running = play(events.slice(0, 14));
    assert.match(screen(running, T0 + 1921 + 1500), /▸ Read path="src\/auth\.ts" {2}→ running 1\.5 s/);
    assert.match(screen(running, T0 + 3000), /^ {2}thinking: 14 chars$/m);
    const done = play(events.slice(0, 15));
    assert.match(
      screen(done, T0 + 3000),
      /▸ Read path="src\/auth\.ts" {2}→ 120 lines · 5k chars · ~1\.5k tok · 2 ms · truncated/,
    );
  });

  it("ends with the verified citations, the dropped ones and the final footer", () => {
    const text = screen(play(fixtureEvents()), T0 + 99_000);
    assert.match(text, /^─ turn 3\/12 · model 1\.1 s · 4\.8k prompt \+ 140 out tokens · answer$/m);
    assert.match(text, /^─ final answer · 2 citations \(2 verified\), 1 dropped$/m);
    assert.match(text, /^ {2}The token is checked in validateToken\.$/m);
    assert.match(text, /^ {2}✓ src\/auth\.ts:3-9 {2}validates the session token$/m);
    assert.match(text, /^ {2}✓ src\/routes\.ts:12-14 \[grep\]$/m);
    assert.match(text, /^ {2}✗ src\/old\.ts:1-4 dropped: never shown by a tool$/m);
    assert.match(
      text,
      /^done: answered · 3 turns · 3 tool calls · tokens 4\.9k \/ 32\.8k \(15%\) · in 9\.1k out 240 · elapsed 4\.2 s$/m,
    );
    assert.doesNotMatch(text, /waiting on the model/);
    assert.equal(text.split("query:").length - 1, 1);
  });

  it("cuts long rows at the terminal width instead of wrapping them", () => {
    const events = fixtureEvents().slice(0, 7);
    const long = events.map((e) =>
      e.type === "tool_start" ? { ...e, call: { ...e.call, args: { pattern: "x".repeat(300) } } } : e,
    );
    const text = screen(play(long), T0 + 1000, false, 60);
    const row = text.split("\n").find((l) => l.includes("▸ Grep"));
    assert.ok(row && row.length <= 60, row);
    assert.match(row, /…$/);
  });

  it("says there is no answer when no citation survived", () => {
    const events = fixtureEvents().filter((e) => e.type !== "answer" && e.type !== "run_end");
    const state = play([
      ...events,
      {
        type: "answer",
        citations: [],
        explanation: "",
        dropped: [{ path: "src/x.ts", start: 1, end: 2, reason: "file does not exist in the workspace" }],
        at: T0 + 5000,
      },
    ]);
    const text = screen(state, T0 + 5000);
    assert.match(text, /^─ no answer: no citation survived, 1 dropped$/m);
    assert.match(text, /^ {2}✗ src\/x\.ts:1-2 dropped: file does not exist in the workspace$/m);
  });

  it("shows no model time or tokens for the embedded explorer", () => {
    const events = fixtureEvents().map((e) =>
      e.type === "run_start" ? { ...e, policy: "embedded" as const, model: undefined, contextWindow: undefined } : e,
    );
    const text = screen(play(events.slice(0, 10)), T0 + 1000);
    assert.match(text, /^─ turn 1\/12 · .*2 tool calls$/m);
    assert.doesNotMatch(text, /model 0\.9 s/);
    assert.match(text, /· embedded explorer: no model tokens ·/);
  });

  it("colours only when colour is on", () => {
    const state = play(fixtureEvents());
    assert.match(screen(state, T0, true), /\u001b\[/);
    assert.doesNotMatch(screen(state, T0, false), /\u001b\[/);
  });

  it("says when the window is unknown and when the run failed", () => {
    const events = fixtureEvents()
      .filter((e) => e.type !== "budget")
      .map((e) => (e.type === "run_start" ? { ...e, contextWindow: undefined } : e));
    const last = events.at(-1)!;
    if (last.type !== "run_end") throw new Error("fixture ends with run_end");
    const failed: ExploreEvent = {
      ...last,
      result: {
        ...last.result,
        stopReason: "model_error",
        partial: true,
        error: { kind: "endpoint", message: "HTTP 503 from the model server" },
      },
    };
    const state = play([...events.slice(0, -1), failed]);
    const text = screen(state, T0);
    assert.match(text, /window unknown/);
    assert.match(text, /^done: model_error \(partial\)/m);
    assert.match(text, /^error: HTTP 503 from the model server$/m);
    assert.match(footerLine(state, T0), /^done: model_error \(partial\) · 3 turns/);
  });
});
