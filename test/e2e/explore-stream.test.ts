/**
 * One run, one stream: `--stream-json` prints every event of the run as a JSON line — one
 * `run_start`, turns numbered across the model and its `--fallback`, one `answer`, and one
 * `run_end` last, carrying the same result `--json` prints (with `fallback` when it happened).
 * The other surfaces (the --verbose text, the plain live view, the trajectory) render that stream.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readTrajectory } from "../../src/core/trajectory.js";
import type { ExploreEvent, ExploreResult } from "../../src/core/types.js";
import { reply } from "../support/fake-openai-server.js";
import { isolatedHome, runMain, useDemoRepoAndServer } from "./harness.js";

const fx = useDemoRepoAndServer();
const P = fx.path;
const QUERY = "Where is the User model defined?";
const explore = (extra: string[] = []) =>
  runMain(["-q", QUERY, "--repo", fx.repo.root, "--base-url", fx.server.url, "--model", "fastcontext-4b", ...extra]);

function parseLines(stdout: string): ExploreEvent[] {
  const lines = stdout.trimEnd().split("\n");
  return lines.map((line) => JSON.parse(line) as ExploreEvent);
}

/** The invariants of one run's stream; returns its result. */
function assertOneRun(events: ExploreEvent[]): ExploreResult {
  const types = events.map((e) => e.type);
  assert.equal(types[0], "run_start");
  assert.equal(types.filter((t) => t === "run_start").length, 1, types.join(" "));
  assert.equal(types.filter((t) => t === "answer").length, 1, types.join(" "));
  assert.equal(types.filter((t) => t === "run_end").length, 1, types.join(" "));
  assert.equal(types.at(-1), "run_end");
  // Turns never restart: each turn_start opens a later turn than the one before.
  const turns = events.flatMap((e) => (e.type === "turn_start" ? [e.turn] : []));
  assert.ok(
    turns.every((t, i) => i === 0 || t > turns[i - 1]!),
    `turns ${turns.join(",")}`,
  );
  const end = events.at(-1)!;
  assert.ok(end.type === "run_end");
  assert.equal(end.result.turns, turns.length, "the result counts the turns the stream showed");
  return end.result;
}

function scriptAnswer(): void {
  fx.server.enqueue(
    reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }, { id: "r1" }),
    reply().content(`<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n</final_answer>`),
  );
}

describe("--stream-json", () => {
  it("prints every event as one JSON line; the last carries the result --json prints", async () => {
    scriptAnswer();
    const streamed = await explore(["--stream-json"]);
    assert.equal(streamed.code, 0, streamed.stderr);
    const events = parseLines(streamed.stdout);
    const result = assertOneRun(events);
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(
      result.citations.map((c) => `${c.path}:${c.start}-${c.end}`),
      ["src/app/models.py:10-20"],
    );
    const answer = events.find((e) => e.type === "answer");
    assert.deepEqual(answer?.type === "answer" && answer.citations, result.citations);
    scriptAnswer();
    const json = await explore(["--json"]);
    const printed = JSON.parse(json.stdout) as ExploreResult;
    const stable = (r: ExploreResult) => ({ ...r, timings: undefined });
    assert.deepEqual(stable(printed), stable(result));
  });

  it("under --fallback: one run_start, turns continue, a fallback event, the merged result last", async () => {
    fx.server.enqueue(reply().content(""), reply().content(""));
    const run = await explore(["--fallback", "--stream-json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const events = parseLines(run.stdout);
    const result = assertOneRun(events);
    const start = events[0]!;
    assert.ok(start.type === "run_start" && start.policy === "model");
    const switchAt = events.findIndex((e) => e.type === "fallback");
    assert.ok(switchAt > 0, "a fallback event");
    const sw = events[switchAt]!;
    assert.deepEqual(sw.type === "fallback" && { from: sw.from, to: sw.to, reason: sw.reason }, {
      from: "model",
      to: "embedded",
      reason: "the model returned no verified citation (no_answer)",
    });
    const modelTurns = events.slice(0, switchAt).filter((e) => e.type === "turn_start").length;
    assert.equal(modelTurns, 2);
    const firstEmbedded = events.slice(switchAt).find((e) => e.type === "turn_start");
    assert.equal(firstEmbedded?.type === "turn_start" && firstEmbedded.turn, 3);
    assert.equal(result.policy, "embedded");
    assert.deepEqual(result.fallback, { from: "model", reason: "the model returned no verified citation (no_answer)" });
    assert.ok(result.citations.some((c) => c.path === "src/app/models.py"));
    const answer = events.find((e) => e.type === "answer");
    assert.deepEqual(answer?.type === "answer" && answer.citations, result.citations, "the answer is the final one");
  });

  it("under --fallback with the server unreachable: still one run_start and the merged result last", async () => {
    const url = fx.server.url;
    await fx.server.close();
    const run = await runMain(["-q", QUERY, "--repo", fx.repo.root, "--base-url", url, "--fallback", "--stream-json"]);
    assert.equal(run.code, 0, run.stderr);
    const events = parseLines(run.stdout);
    const result = assertOneRun(events);
    assert.equal(events.filter((e) => e.type === "fallback").length, 1);
    assert.equal(result.fallback?.from, "model");
  });
});

describe("the other surfaces render the same stream", () => {
  it("--verbose text: the fallback line, then one done line with the merged counts", async () => {
    fx.server.enqueue(reply().content(""), reply().content(""));
    const run = await explore(["--fallback", "--verbose"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: falling back to the embedded explorer: the model returned no verified citation/);
    const done = run.stderr.split("\n").filter((l) => /\] done: /.test(l));
    assert.equal(done.length, 1, run.stderr);
    assert.match(done[0]!, /done: answered, \d+ citation\(s\), 4 turn\(s\)/);
    assert.match(run.stdout, /<final_answer>\n.*models\.py/);
  });

  it("--tui off a terminal (plain lines) and --traj show one run", async () => {
    fx.server.enqueue(reply().content(""), reply().content(""));
    const file = `${isolatedHome()}/stream-${Date.now()}.jsonl`;
    const run = await explore(["--fallback", "--tui", "--traj", file]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr.match(/\] warning: falling back to the embedded explorer/g)?.length, 1, run.stderr);
    assert.match(run.stderr, /fastcontext: the embedded explorer answered instead of the model: the model returned/);
    const events = readTrajectory(file).flatMap((r) => (r.kind === "event" ? [r.event] : []));
    const result = assertOneRun(events);
    assert.equal(result.fallback?.from, "model");
  });
});
