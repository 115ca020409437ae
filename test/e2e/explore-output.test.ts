/**
 * What callers get from the CLI (in process): the `--json` object, `--citation`, the `--traj`
 * trajectory, `--fallback`, and usage errors.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { readTrajectory, type TrajectoryRecord } from "../../src/core/trajectory.js";
import type { ExploreEvent, ExploreResult } from "../../src/core/types.js";
import { reply } from "../support/fake-openai-server.js";
import { isolatedHome, runMain, useDemoRepoAndServer } from "./harness.js";

const fx = useDemoRepoAndServer();
const P = fx.path;
const QUERY = "Where is the User model defined?";
const explore = (extra: string[] = [], env: Record<string, string | undefined> = {}) =>
  runMain(["-q", QUERY, "--repo", fx.repo.root, "--base-url", fx.server.url, "--model", "fastcontext-4b", ...extra], {
    env,
  });

function scriptTwoTurns(): void {
  fx.server.enqueue(
    reply()
      .reasoning("Search first.")
      .toolCall("Grep", { pattern: "class User", path: P("src") }, { id: "t1" })
      .toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }, { id: "t2" })
      .usage(2500, 60),
  );
  fx.server.enqueue(
    reply()
      .content(
        `The model class.\n<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n${P("src/app/views.py")}:5\n</final_answer>`,
      )
      .usage(3100, 30),
  );
}

describe("e2e output: --json", () => {
  it("prints the result object: relative forward-slash paths, 1-based inclusive lines, counts, timings", async () => {
    scriptTwoTurns();
    fx.server.enqueue(
      reply()
        .content(`<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n</final_answer>`)
        .usage(3300, 20),
    );
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ExploreResult;
    assert.deepEqual(Object.keys(result).sort(), [
      "citations",
      "explanation",
      "model",
      "partial",
      "policy",
      "query",
      "root",
      "stopReason",
      "timings",
      "tokens",
      "toolCalls",
      "turns",
      "warnings",
    ]);
    assert.equal(result.query, QUERY);
    assert.equal(result.root, fx.repo.root);
    assert.equal(result.policy, "model");
    assert.equal(result.model, "fastcontext-4b");
    assert.equal(result.stopReason, "answered");
    assert.equal(result.partial, false);
    assert.deepEqual(result.citations, [
      {
        path: "src/app/models.py",
        start: 10,
        end: 20,
        reason: "User model",
        verified: true,
        verification: "read",
        confidence: null,
      },
    ]);
    // 1-based inclusive: the cited range is exactly the class.
    const fileLines = readFileSync(P("src/app/models.py"), "utf8").split("\n");
    const c = result.citations[0]!;
    assert.equal(fileLines[c.start - 1], "class User:");
    assert.equal(fileLines[c.end - 1], "    field_20 = 20");
    assert.equal(fileLines[c.end], "# models line 21");
    assert.equal(result.explanation, "");
    // The unseen views.py:5 was questioned, and the model's corrected answer left it out.
    assert.match(
      (fx.server.chatRequests()[2]!.body!.messages as Array<{ content: string }>).at(-1)!.content,
      /never opened:\n- .*views\.py:5-5/,
    );
    assert.equal(result.turns, 3);
    assert.equal(result.toolCalls, 2);
    assert.deepEqual(result.tokens, { input: 2500 + 3100 + 3300, output: 60 + 30 + 20 });
    for (const k of ["totalMs", "modelMs", "toolMs", "otherMs"] as const)
      assert.equal(typeof result.timings[k], "number");
    assert.ok(result.timings.totalMs >= result.timings.modelMs + result.timings.toolMs);
  });
});

describe("e2e output: text", () => {
  it("--citation prints only the block; progress and warnings never reach stdout", async () => {
    scriptTwoTurns();
    fx.server.enqueue(
      reply().content(`Done.\n<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n</final_answer>`),
    );
    const run = await explore(["--citation", "--verbose"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n</final_answer>\n`);
    assert.match(run.stderr, /turn 1: waiting on the model/);
    assert.match(run.stderr, /turn 1: Grep pattern="class User"/);
    assert.match(run.stderr, /done: answered, 1 citation\(s\), 3 turn\(s\), 2 tool call\(s\)/);
  });
});

describe("e2e output: --traj", () => {
  it("writes a JSONL trajectory: header, every request/response, tool call and result, and the result", async () => {
    const file = `${isolatedHome()}/traj-${Date.now()}.jsonl`;
    scriptTwoTurns();
    fx.server.enqueue(reply().content(`<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n</final_answer>`));
    const run = await explore(["--traj", file, "--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, new RegExp(`trajectory written to ${file}`));
    const records = readTrajectory(file);
    assert.equal(readFileSync(file, "utf8").trim().split("\n").length, records.length, "every line is JSON");
    const header = records[0]!;
    assert.equal(header.kind, "header");
    assert.equal(header.kind === "header" && header.query, QUERY);
    assert.equal(header.kind === "header" && header.version, 1);

    const messages = records
      .filter((r): r is Extract<TrajectoryRecord, { kind: "message" }> => r.kind === "message")
      .map(
        (r) =>
          r as {
            message: { role: string; content: string | null; tool_call_id?: string };
            meta?: Record<string, unknown>;
          },
      );
    assert.deepEqual(
      messages.map((m) => m.message.role),
      ["system", "user", "assistant", "tool", "tool", "assistant", "user", "assistant"],
    );
    // What was sent equals what was recorded: the last request carried exactly the messages before the last reply.
    const lastRequest = fx.server.chatRequests()[2]!.body!.messages;
    assert.deepEqual(
      messages.slice(0, -1).map((m) => m.message),
      lastRequest,
    );
    assert.equal(messages[2]!.meta?.reasoning, "Search first.");
    assert.deepEqual(messages[2]!.meta?.usage, { promptTokens: 2500, completionTokens: 60 });

    const events = records
      .filter((r): r is Extract<TrajectoryRecord, { kind: "event" }> => r.kind === "event")
      .map((r) => r.event);
    const count = (type: ExploreEvent["type"]) => events.filter((e) => e.type === type).length;
    assert.equal(count("run_start"), 1);
    assert.equal(count("model_request"), 3);
    assert.equal(count("model_response"), 3);
    assert.equal(count("tool_start"), 2);
    assert.equal(count("tool_end"), 2);
    assert.equal(count("model_delta"), 0, "deltas are not recorded");
    const end = events.at(-1)!;
    assert.equal(end.type, "run_end");
    assert.deepEqual(end.type === "run_end" && end.result, JSON.parse(run.stdout));
  });
});

describe("e2e output: --fallback", () => {
  it("an empty model answer lets the embedded explorer answer", async () => {
    fx.server.enqueue(reply().content(""), reply().content(""));
    const run = await explore(["--fallback", "--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ExploreResult;
    assert.equal(result.policy, "embedded");
    assert.deepEqual(result.fallback, { from: "model", reason: "the model returned no verified citation (no_answer)" });
    assert.ok(
      result.citations.some((c) => c.path === "src/app/models.py" && c.start <= 10 && c.end >= 10),
      JSON.stringify(result.citations),
    );
    assert.equal(result.model, "fastcontext-4b");
  });

  it("a server that cannot be reached at all (model discovery fails) also falls back", async () => {
    const url = fx.server.url;
    await fx.server.close();
    const run = await runMain(["-q", QUERY, "--repo", fx.repo.root, "--base-url", url, "--fallback", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout) as ExploreResult;
    assert.equal(result.policy, "embedded");
    assert.match(result.fallback?.reason ?? "", /^cannot list the models at \S+: could not reach the model server$/);
    assert.ok(
      result.fallback?.causes?.some((c) => /fetch failed/.test(c)),
      JSON.stringify(result.fallback),
    );
    assert.ok(result.citations.length > 0);
  });

  it("without --fallback the same run is a no-answer exit 4", async () => {
    fx.server.enqueue(reply().content(""), reply().content(""));
    const run = await explore();
    fx.server.assertDrained();
    assert.equal(run.code, 4);
    assert.equal(run.stdout, "<final_answer>\n</final_answer>\n");
  });
});

describe("e2e output: usage errors", () => {
  it("bad flags and values: exit 2, nothing on stdout, the reason on stderr", async () => {
    for (const [args, message] of [
      [["--max-turns", "lots"], /--max-turns expects a number/],
      [["--temperature", "9"], /invalid value for temperature \(from flag --temperature\)/],
      [["--no-such-flag"], /unknown option/],
    ] as const) {
      const run = await explore([...args]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.equal(run.stdout, "");
      assert.match(run.stderr, message);
    }
    const noQuery = await runMain(["--repo", fx.repo.root, "--base-url", fx.server.url]);
    assert.equal(noQuery.code, 2);
    assert.match(noQuery.stderr, /no question given/);
    const badRepo = await runMain([
      "-q",
      "x",
      "--repo",
      `${fx.repo.root}/missing`,
      "--base-url",
      fx.server.url,
      "--model",
      "m",
    ]);
    assert.equal(badRepo.code, 2);
    assert.match(badRepo.stderr, /does not exist/);
    const badEnv = await explore([], { FC_TEMPERATURE: "hot" });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /temperature \(from environment variable FC_TEMPERATURE\)/);
    fx.server.assertDrained();
  });
});
