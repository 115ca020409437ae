/** Trajectories back into events: recorded ones, rebuilt ones, and pacing. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExploreEvent } from "../../src/core/types.js";
import { eventsFromTrajectory, playEvents, replayClock } from "../../src/surfaces/tui/replay.js";
import { initialViewState, reduceView } from "../../src/surfaces/tui/state.js";
import { fixtureEvents, T0 } from "./events-fixture.js";

const header = {
  kind: "header",
  version: 1,
  fastcontext: "0.1.0",
  startedAt: new Date(T0).toISOString(),
  query: "where is main?",
  root: "/repo",
  policy: "model",
  model: "m",
};

const messages = [
  { role: "system", content: "…\nWorkspace Path: /repo\n…" },
  { role: "user", content: "<query>where is main?</query>" },
  {
    role: "assistant",
    content: null,
    tool_calls: [{ id: "a", type: "function", function: { name: "Grep", arguments: '{"pattern":"def main"}' } }],
    usage: { prompt_tokens: 900, completion_tokens: 20 },
  },
  { role: "tool", tool_call_id: "a", content: "/repo/app.py\n12:def main():" },
  {
    role: "assistant",
    content: "main is in app.py\n<final_answer>\n/repo/app.py:12-20 (entry point)\n</final_answer>",
  },
];

describe("eventsFromTrajectory", () => {
  it("uses the recorded events when the trajectory has them", () => {
    const records = [
      header,
      ...fixtureEvents().map((event) => ({ kind: "event", event })),
      { kind: "message", message: messages[0] },
    ];
    const { events, rebuilt } = eventsFromTrajectory(records);
    assert.equal(rebuilt, false);
    assert.deepEqual(events, fixtureEvents());
  });

  it("rebuilds turns, calls and an unverified answer from messages alone", () => {
    const { events, rebuilt } = eventsFromTrajectory([
      header,
      ...messages.map((message) => ({ kind: "message", message })),
    ]);
    assert.equal(rebuilt, true);
    const state = events.reduce(reduceView, initialViewState());
    assert.equal(state.run?.query, "where is main?");
    assert.equal(state.turns.length, 2);
    assert.equal(state.turns[0]?.calls[0]?.name, "Grep");
    assert.deepEqual(state.turns[0]?.calls[0]?.args, { pattern: "def main" });
    assert.equal(state.turns[0]?.calls[0]?.end?.lines, 2);
    assert.equal(state.tokensIn, 900);
    assert.deepEqual(state.answer?.citations, [
      { path: "app.py", start: 12, end: 20, reason: "entry point", verified: false, verification: "unverified" },
    ]);
    assert.equal(state.end?.stopReason, "answered");
    assert.match(state.turns[0]?.notices[0]?.message ?? "", /no recorded events/);
  });

  it("reads the reference harness's bare message lines, finding the root in the system prompt", () => {
    const { events } = eventsFromTrajectory(messages);
    const state = events.reduce(reduceView, initialViewState());
    assert.equal(state.run?.root, "/repo");
    assert.equal(state.run?.query, "where is main?");
    assert.equal(state.answer?.citations[0]?.path, "app.py");
  });

  it("returns nothing for a file without records", () => {
    assert.deepEqual(eventsFromTrajectory([]).events, []);
    assert.deepEqual(eventsFromTrajectory([42, "x", { other: true }]).events, []);
  });
});

describe("playEvents", () => {
  it("feeds everything at once by default", async () => {
    const seen: ExploreEvent[] = [];
    await playEvents(fixtureEvents(), (e) => seen.push(e));
    assert.equal(seen.length, fixtureEvents().length);
  });

  it("paces by the recorded timestamps divided by the speed", async () => {
    const events: ExploreEvent[] = [
      { type: "turn_start", turn: 1, at: T0 },
      { type: "turn_start", turn: 2, at: T0 + 1000 },
      { type: "turn_start", turn: 3, at: T0 + 2000 },
    ];
    const started = performance.now();
    await playEvents(events, () => undefined, { speed: 20 });
    const ms = performance.now() - started;
    assert.ok(ms >= 90 && ms < 600, `2 s recorded at 20× took ${ms} ms`);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const seen: ExploreEvent[] = [];
    const events: ExploreEvent[] = [
      { type: "turn_start", turn: 1, at: T0 },
      { type: "turn_start", turn: 2, at: T0 + 60_000 },
    ];
    setTimeout(() => controller.abort(), 30);
    await playEvents(events, (e) => seen.push(e), { speed: 1, signal: controller.signal });
    assert.equal(seen.length, 1);
  });

  it("keeps the view's clock on the recorded time, advancing with the speed", async () => {
    assert.equal(replayClock(0).clock({ lastAt: T0 }), T0);
    const paced = replayClock(10);
    paced.mark();
    await new Promise((r) => setTimeout(r, 50));
    const t = paced.clock({ lastAt: T0 });
    assert.ok(t >= T0 + 400 && t < T0 + 3000, String(t - T0));
  });
});
