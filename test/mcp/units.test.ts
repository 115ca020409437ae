/**
 * The MCP server's pure parts: the allowlist (realpath, symlinks, relative paths, client roots),
 * the progress reporter (event updates, throttling, heartbeat), the concurrency limiter, and the
 * mapping of results to tool results.
 */
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { ExploreResult } from "../../src/core/types.js";
import {
  checkRepo,
  createAllowlist,
  defaultRepo,
  effectiveRoots,
  isInside,
  rootUriToPath,
} from "../../src/surfaces/mcp/allowlist.js";
import { toToolResult } from "../../src/surfaces/mcp/explore-tool.js";
import { ExploreLimiter } from "../../src/surfaces/mcp/limiter.js";
import { ProgressReporter, type ProgressUpdate } from "../../src/surfaces/mcp/progress.js";
import { ExploreOutput, THOROUGHNESS_PRESETS } from "../../src/surfaces/mcp/schemas.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

describe("allowlist", () => {
  let tree: TmpRepo;
  before(async () => {
    tree = await tmpRepo({
      prefix: "fc-allow-",
      dirs: ["allowed/repo/sub", "outside/repo"],
      files: { "allowed/file.txt": "x\n" },
    });
    symlinkSync(join(tree.root, "outside", "repo"), join(tree.root, "allowed", "link-out"));
    symlinkSync(join(tree.root, "allowed", "repo"), join(tree.root, "outside", "link-in"));
  });
  after(() => tree.cleanup());

  test("configured roots are realpaths; missing ones are reported", () => {
    const config = createAllowlist([join(tree.root, "allowed", "repo", ".."), join(tree.root, "nope")], tree.root);
    assert.deepEqual(config.configured, [join(tree.root, "allowed")]);
    assert.deepEqual(config.missing, [join(tree.root, "nope")]);
    assert.equal(config.cwd, tree.root);
  });

  test("inside/outside after realpath, symlinks both ways, .. segments", () => {
    const config = createAllowlist([join(tree.root, "allowed")], tree.root);
    assert.deepEqual(checkRepo(config, [], join(tree.root, "allowed", "repo")), {
      ok: true,
      root: join(tree.root, "allowed", "repo"),
    });
    const out = checkRepo(config, [], join(tree.root, "allowed", "link-out"));
    assert.equal(out.ok, false);
    assert.match(!out.ok ? out.message : "", /resolves to .*outside\/repo.*outside the roots/);
    // A link from outside that lands inside is fine: what counts is where it resolves.
    assert.equal(checkRepo(config, [], join(tree.root, "outside", "link-in")).ok, true);
    assert.equal(checkRepo(config, [], join(tree.root, "allowed", "repo", "..", "..", "outside", "repo")).ok, false);
    assert.match(
      (checkRepo(config, [], join(tree.root, "allowed", "file.txt")) as { message: string }).message,
      /not a directory/,
    );
    assert.equal(isInside("/a/bc", "/a/b"), false);
    assert.equal(isInside("/a/b/c", "/a/b"), true);
  });

  test("relative paths, ~ and file: URIs resolve against the default repository", () => {
    const config = createAllowlist([], join(tree.root, "allowed", "repo"));
    assert.deepEqual(checkRepo(config, [], "sub"), { ok: true, root: join(tree.root, "allowed", "repo", "sub") });
    assert.deepEqual(checkRepo(config, [], undefined), { ok: true, root: join(tree.root, "allowed", "repo") });
    assert.deepEqual(checkRepo(config, [], `file://${join(tree.root, "allowed", "repo")}`), {
      ok: true,
      root: join(tree.root, "allowed", "repo"),
    });
    assert.equal(checkRepo(config, [], "~").ok, false, "the home directory is outside the cwd");
  });

  test("without configured roots the cwd and the client's roots are allowed; the first root is the default", () => {
    const config = createAllowlist([], join(tree.root, "allowed"));
    const client = [join(tree.root, "outside", "repo")];
    assert.deepEqual(effectiveRoots(config, client), [join(tree.root, "allowed"), join(tree.root, "outside", "repo")]);
    assert.equal(defaultRepo(config, client), join(tree.root, "outside", "repo"));
    assert.equal(checkRepo(config, client, join(tree.root, "outside", "repo")).ok, true);
    // Configured roots are authoritative: a client root outside them is neither allowed nor the default.
    const strict = createAllowlist([join(tree.root, "allowed")], tree.root);
    assert.deepEqual(effectiveRoots(strict, client), [join(tree.root, "allowed")]);
    assert.equal(defaultRepo(strict, client), join(tree.root, "allowed"));
    assert.equal(checkRepo(strict, client, undefined).ok, true);
  });

  test("root URIs and FC_ALLOWED_ROOTS parsing", () => {
    assert.equal(rootUriToPath(`file://${tree.root}`), tree.root);
    assert.equal(rootUriToPath("https://example.com/x"), null);
    assert.equal(rootUriToPath(`file://${tree.root}/missing`), null);
  });
});

describe("progress reporter", () => {
  test("event updates are throttled, heartbeats fill silences, progress strictly increases", async () => {
    const updates: ProgressUpdate[] = [];
    const reporter = new ProgressReporter({ heartbeatMs: 100, minGapMs: 50, send: async (u) => void updates.push(u) });
    const at = Date.now();
    reporter.onEvent({ type: "run_start", runId: "r", query: "q", root: "/r", policy: "model", maxTurns: 5, at });
    reporter.onEvent({ type: "turn_start", turn: 1, at });
    reporter.onEvent({
      type: "tool_start",
      turn: 1,
      index: 0,
      call: { id: "1", name: "Grep", args: { pattern: "parseConfig" } },
      at,
    });
    assert.equal(updates.length, 1, "the initial update; the burst is throttled");
    await new Promise((r) => setTimeout(r, 80));
    assert.match(
      updates.at(-1)!.message,
      /^turn 1\/5: running Grep parseConfig \(\d\.\d s elapsed\)$/,
      "the throttled state is flushed",
    );
    reporter.onEvent({
      type: "tool_end",
      turn: 1,
      index: 0,
      callId: "1",
      name: "Grep",
      ms: 1,
      chars: 1,
      tokens: 1,
      lines: 1,
      truncated: false,
      cached: false,
      preview: "",
      at,
    });
    reporter.onEvent({ type: "model_request", turn: 2, messages: 3, promptTokens: 10, finalTurn: false, at });
    await new Promise((r) => setTimeout(r, 400));
    reporter.stop();
    const count = updates.length;
    assert.ok(
      updates.filter((u) => /turn 2\/5: waiting on the model for \d+ s \(last tool: Grep parseConfig\)/.test(u.message))
        .length >= 3,
      "heartbeats during the wait",
    );
    assert.ok(updates.every((u, i) => i === 0 || u.progress > updates[i - 1]!.progress));
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(updates.length, count, "nothing after stop()");
  });

  test("a fallback is reported: the embedded explorer's turns continue without the model's turn limit", () => {
    const updates: ProgressUpdate[] = [];
    const reporter = new ProgressReporter({
      heartbeatMs: 10_000,
      minGapMs: 0,
      send: async (u) => void updates.push(u),
    });
    const at = Date.now();
    reporter.onEvent({ type: "run_start", runId: "r", query: "q", root: "/r", policy: "model", maxTurns: 2, at });
    reporter.onEvent({ type: "model_request", turn: 2, messages: 3, promptTokens: 10, finalTurn: true, at });
    reporter.onEvent({ type: "fallback", from: "model", to: "embedded", reason: "no verified citation", at });
    reporter.onEvent({ type: "turn_start", turn: 3, at });
    reporter.stop();
    assert.match(updates.at(-1)!.message, /^turn 3: preparing \[fallback: embedded explorer\] \(/);
  });

  test("a failing send never throws into the run", async () => {
    const reporter = new ProgressReporter({ heartbeatMs: 100, send: () => Promise.reject(new Error("client gone")) });
    reporter.onEvent({ type: "turn_start", turn: 1, at: Date.now() });
    await new Promise((r) => setTimeout(r, 150));
    reporter.stop();
  });
});

describe("limiter and result mapping", () => {
  test("the limiter refuses beyond its limit and releases once", () => {
    const limiter = new ExploreLimiter(2);
    const a = limiter.tryAcquire()!;
    const b = limiter.tryAcquire()!;
    assert.equal(limiter.tryAcquire(), null);
    a();
    a();
    assert.equal(limiter.running, 1);
    assert.ok(limiter.tryAcquire());
    b();
    assert.throws(() => new ExploreLimiter(0), RangeError);
  });

  const base: ExploreResult = {
    query: "q",
    root: "/repo",
    policy: "model",
    citations: [{ path: "src/a.ts", start: 1, end: 4, verified: true, verification: "read", reason: "thing" }],
    explanation: "Found it.",
    stopReason: "max_turns",
    partial: true,
    turns: 4,
    toolCalls: 9,
    tokens: { input: 100, output: 10 },
    timings: { totalMs: 1234.5, modelMs: 1000, toolMs: 200, otherMs: 34.5 },
    warnings: ["one", "two", "three", "four", "five", "six"],
    model: "m",
  };

  test("a partial result keeps its citations, says it is partial and validates against the schema", () => {
    const result = toToolResult(base);
    assert.notEqual(result.isError, true);
    const out = ExploreOutput.parse(result.structuredContent);
    assert.deepEqual(out.stats, {
      policy: "model",
      model: "m",
      turns: 4,
      tool_calls: 9,
      tokens_in: 100,
      tokens_out: 10,
      elapsed_ms: 1235,
      model_ms: 1000,
      tool_ms: 200,
    });
    const text = result.content[0]!.type === "text" ? result.content[0]!.text : "";
    assert.match(
      text,
      /^Found it\.\n\n<final_answer>\n\/repo\/src\/a\.ts:1-4 \(thing\)\n<\/final_answer>\nobserved: 1 of 1 citation\(s\) were shown to the explorer by a tool; confidence: not rated .*\nstop_reason: max_turns \(partial\); policy: model \(m\); 4 turn\(s\), 9 tool call\(s\)[^\n]*\nPartial result \(max_turns\)/,
    );
    assert.match(text, /warning: five\n\(1 more warnings in structuredContent\)$/);
  });

  test("observed and confidence are two facts, in structuredContent and in the text alike", () => {
    const unrated = toToolResult({ ...base, citations: [{ ...base.citations[0]!, confidence: null }] });
    const out = ExploreOutput.parse(unrated.structuredContent);
    assert.equal(out.citations[0]?.observed, true);
    assert.equal(out.citations[0]?.confidence, null);
    const unratedText = unrated.content[0]!.type === "text" ? unrated.content[0]!.text : "";
    assert.match(unratedText, /observed: 1 of 1 citation\(s\).*confidence: not rated/);
    // An observed but unlikely citation (a question about something the repository lacks).
    const rated = toToolResult({
      ...base,
      policy: "embedded",
      citations: [
        { ...base.citations[0]!, confidence: 0.07 },
        { path: "src/b.ts", start: 2, end: 3, verified: true, confidence: 0.03 },
      ],
    });
    const ratedOut = ExploreOutput.parse(rated.structuredContent);
    assert.deepEqual(
      ratedOut.citations.map((c) => [c.observed, c.confidence]),
      [
        [true, 0.07],
        [true, 0.03],
      ],
    );
    const ratedText = rated.content[0]!.type === "text" ? rated.content[0]!.text : "";
    assert.match(ratedText, /observed: 2 of 2 citation\(s\).*; confidence: 0\.07, 0\.03 \(best first\)/);
    assert.match(ratedText, /stop_reason: max_turns \(partial\); policy: embedded/);
  });

  test("an endpoint failure without citations is an isError; an empty answer is not", () => {
    const failed = toToolResult({
      ...base,
      citations: [],
      stopReason: "model_error",
      error: { kind: "endpoint", message: "connect ECONNREFUSED" },
    });
    assert.equal(failed.isError, true);
    assert.match(
      failed.content[0]!.type === "text" ? failed.content[0]!.text : "",
      /failed \(endpoint\): connect ECONNREFUSED\. Check that the model server is running/,
    );
    const empty = toToolResult({ ...base, citations: [], stopReason: "no_answer", warnings: [] });
    assert.notEqual(empty.isError, true);
    assert.match(
      empty.content[0]!.type === "text" ? empty.content[0]!.text : "",
      /No verified citation was found\. Re-ask/,
    );
  });

  test("thoroughness presets grow with the level", () => {
    assert.ok(
      THOROUGHNESS_PRESETS.quick.maxTurns < THOROUGHNESS_PRESETS.medium.maxTurns &&
        THOROUGHNESS_PRESETS.medium.maxTurns < THOROUGHNESS_PRESETS.thorough.maxTurns,
    );
    assert.ok(THOROUGHNESS_PRESETS.quick.citedLines < THOROUGHNESS_PRESETS.thorough.citedLines);
  });
});
