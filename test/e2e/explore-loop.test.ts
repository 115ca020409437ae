/**
 * Scripted explorations through the CLI (`main()` in process) against the fake vLLM server: what the
 * model is sent turn by turn, and what the caller gets back.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FINALIZE_MESSAGES, MAX_TURNS_MESSAGE } from "../../src/core/model-loop.js";
import { readTrajectory, type TrajectoryRecord } from "../../src/core/trajectory.js";
import type { ExploreEvent, ExploreResult } from "../../src/core/types.js";
import { TokenCounter } from "../../src/tokens/counter.js";
import { garbageToolJson, reply } from "../support/fake-openai-server.js";
import { isolatedHome, runMain, useDemoRepoAndServer } from "./harness.js";

type Msg = {
  role: string;
  content: string | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
};

const fx = useDemoRepoAndServer();
const P = fx.path;
const messagesOf = (i: number): Msg[] => (fx.server.chatRequests()[i]?.body?.messages ?? []) as Msg[];
const toolMessages = (i: number) => messagesOf(i).filter((m) => m.role === "tool");
/** Tool messages appended after the last assistant message of request `i`. */
const lastTurnResults = (i: number) => {
  const msgs = messagesOf(i);
  const lastAssistant = msgs.map((m) => m.role).lastIndexOf("assistant");
  return msgs.slice(lastAssistant + 1).filter((m) => m.role === "tool");
};
const explore = (extra: string[] = [], env: Record<string, string | undefined> = {}) =>
  runMain(
    [
      "-q",
      "Where is the User model defined?",
      "--repo",
      fx.repo.root,
      "--base-url",
      fx.server.url,
      "--model",
      "fastcontext-4b",
      ...extra,
    ],
    { env },
  );
const json = (stdout: string) => JSON.parse(stdout) as ExploreResult;
const answer = (...cites: string[]) =>
  reply().content(`User is defined in models.\n<final_answer>\n${cites.join("\n")}\n</final_answer>`);

describe("e2e: tool calls", () => {
  it("parallel calls in one message run and come back in the model's order; text output is explanation + block", async () => {
    fx.server.enqueue(
      reply()
        .toolCall("Grep", { pattern: "class User", output_mode: "content", path: P("src") }, { id: "g1" })
        .toolCall("Read", { path: P("src/app/views.py"), offset: 1, limit: 12 }, { id: "r1" })
        .toolCall("Glob", { pattern: "**/*.py" }, { id: "gl1" })
        .toolCall("Read", { path: P("src/app/models.py"), offset: 8, limit: 15 }, { id: "r2" })
        .usage(3000, 80),
    );
    fx.server.enqueue(
      answer(`${P("src/app/models.py")}:10-20 (User model)`, `${P("src/app/views.py")}:5-12 (uses it)`).usage(5000, 40),
    );
    const run = await explore();
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `User is defined in models.\n\n<final_answer>\n${P("src/app/models.py")}:10-20 (User model)\n${P("src/app/views.py")}:5-12 (uses it)\n</final_answer>\n`,
    );
    const assistant = messagesOf(1)[2]!;
    assert.deepEqual(
      assistant.tool_calls?.map((c) => c.id),
      ["g1", "r1", "gl1", "r2"],
    );
    const results = toolMessages(1);
    assert.deepEqual(
      results.map((m) => m.tool_call_id),
      ["g1", "r1", "gl1", "r2"],
    );
    assert.equal(results[0]!.content, `${P("src/app/models.py")}\n10:class User:`);
    assert.match(results[1]!.content!, new RegExp(`^\`\`\`${P("src/app/views.py")}:1-12\n1\\|# views line 1\n`));
    assert.deepEqual(results[2]!.content!.split("\n").sort(), [
      P("src/app/models.py"),
      P("src/app/utils.py"),
      P("src/app/views.py"),
      P("tests/test_models.py"),
    ]);
    assert.match(
      results[3]!.content!,
      new RegExp(`^\`\`\`${P("src/app/models.py")}:8-22\n8\\|# models line 8\n9\\|# models line 9\n10\\|class User:`),
    );
  });

  it("an identical repeated call is answered from the cache with a pointer, and a third repeat gets the note", async () => {
    const traj = `${isolatedHome()}/dedup.jsonl`;
    fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
    // Same call, arguments reordered and re-spaced, beside a new one.
    fx.server.enqueue(
      reply()
        .toolCall("Read", `{"limit":11,  "offset": 10, "path": "${P("src/app/models.py")}"}`, { id: "again-1" })
        .toolCall("Grep", { pattern: "slugify" }),
    );
    fx.server.enqueue(
      reply().toolCall("Read", { offset: 10, path: P("src/app/models.py"), limit: 11 }, { id: "again-2" }),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`));
    const run = await explore(["--json", "--traj", traj]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const [repeat, grep] = lastTurnResults(2);
    assert.equal(repeat!.tool_call_id, "again-1");
    assert.equal(
      repeat!.content,
      "<system-reminder>This exact Read call was already made in turn 1; its result is above and has not changed.</system-reminder>",
    );
    assert.match(grep!.content!, /slugify/);
    const [third] = lastTurnResults(3);
    assert.match(third!.content!, /in turn 1; .*You have now repeated it 3 times/);
    // Executed once: the repeats never reached the toolbox.
    const ends = readTrajectory(traj)
      .filter((r): r is Extract<TrajectoryRecord, { kind: "event" }> => r.kind === "event")
      .map((r) => r.event)
      .filter((e): e is Extract<ExploreEvent, { type: "tool_end" }> => e.type === "tool_end" && e.name === "Read");
    assert.deepEqual(
      ends.map((e) => e.cached),
      [false, true, true],
    );
    assert.equal(json(run.stdout).toolCalls, 4);
  });

  it("each turn's tool output fits the per-turn cap", async () => {
    fx.server.enqueue(
      reply()
        .toolCall("Read", { path: P("data/big.txt") })
        .toolCall("Read", { path: P("data/big.txt"), offset: 2001 })
        .toolCall("Read", { path: P("src/app/utils.py"), limit: 5 }),
    );
    fx.server.enqueue(answer(`${P("data/big.txt")}:1-3`));
    const run = await explore([], { FC_MAX_TURN_OUTPUT_TOKENS: "600" });
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const results = toolMessages(1);
    const counter = new TokenCounter("qwen3");
    let total = 0;
    for (const m of results) total += await counter.exact(m.content!);
    assert.ok(total <= 600, `turn output ${total} tokens`);
    assert.match(results[0]!.content!, /Output truncated: it exceeded the per-turn total output limit/);
    // The small result is shared its full part, not starved by the big ones.
    assert.match(
      results[2]!.content!,
      /^```.*utils\.py:1-5\n1\|# utils line 1\n2\|# utils line 2\n3\|def slugify\(text\):/,
    );
  });

  it("tool calls written as text (hermes parser off) are executed, several per message", async () => {
    fx.server.enqueue(
      reply().content(
        `I'll look.\n<tool_call>\n{"name": "Read", "arguments": {"path": "${P("src/app/models.py")}", "offset": 10, "limit": 11}}\n</tool_call>\n<tool_call>\n{"name": "Grep", "arguments": {"pattern": "def show_user"}}\n</tool_call>`,
      ),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`, `${P("src/app/views.py")}:5`));
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const assistant = messagesOf(1)[2]!;
    assert.equal(assistant.content, "I'll look.");
    assert.deepEqual(
      assistant.tool_calls?.map((c) => c.function.name),
      ["Read", "Grep"],
    );
    const results = toolMessages(1);
    assert.deepEqual(
      results.map((m) => m.tool_call_id),
      assistant.tool_calls?.map((c) => c.id),
    );
    assert.match(results[1]!.content!, /views\.py\n5:def show_user/);
    assert.deepEqual(
      json(run.stdout).citations.map((c) => `${c.path}:${c.start}-${c.end}`),
      ["src/app/models.py:10-20", "src/app/views.py:5-5"],
    );
  });

  it("Qwen3-Coder XML tool calls in content are executed with typed parameters", async () => {
    fx.server.enqueue(
      reply().content(
        `<tool_call>\n<function=Read>\n<parameter=path>\n${P("src/app/models.py")}\n</parameter>\n<parameter=offset>\n10\n</parameter>\n<parameter=limit>\n3\n</parameter>\n</function>\n</tool_call>`,
      ),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-12`));
    const run = await explore();
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const [result] = toolMessages(1);
    assert.match(result!.content!, /:10-12\n10\|class User:\n11\| {4}field_11 = 11\n12\| {4}field_12 = 12\n/);
  });

  it("garbage tool JSON becomes an error tool result and the run continues", async () => {
    fx.server.enqueue(garbageToolJson());
    fx.server.enqueue(
      garbageToolJson({ native: true }).toolCall(
        "Read",
        { path: P("src/app/models.py"), offset: 10, limit: 11 },
        { id: "good" },
      ),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`));
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const [first] = toolMessages(1);
    assert.match(first!.content!, /^<system-reminder>Error: malformed tool call: .*<\/system-reminder>$/s);
    const assistant1 = messagesOf(1)[2]!;
    assert.equal(assistant1.tool_calls?.length, 1, "the broken call is listed so its result pairs with it");
    assert.equal(assistant1.tool_calls?.[0]?.function.arguments, "{}");
    // Valid calls first, then the malformed one, each answered in that order.
    const second = lastTurnResults(2);
    assert.equal(second[0]!.tool_call_id, "good");
    assert.match(second[0]!.content!, /class User/);
    assert.match(second[1]!.content!, /malformed tool call/);
    assert.equal(json(run.stdout).stopReason, "answered");
  });

  it("mangled paths are repaired in tool calls and citations", async () => {
    const name = fx.repo.root.split("/").pop()!;
    fx.server.enqueue(
      reply()
        .toolCall("Read", { path: "/repo/src/app/models.py", offset: 10, limit: 11 })
        .toolCall("Grep", { pattern: "def show_user", path: "/workspace/src" })
        .toolCall("Read", { path: `/${name}/src/app/utils.py`, limit: 5 })
        .toolCall("Read", { path: "app/views.py", limit: 12 }),
    );
    fx.server.enqueue(
      answer(
        "/repo/src/app/models.py:10-20 (model)",
        `/workspace/src/app/views.py:5-12`,
        `/${name}/src/app/utils.py:3`,
        "app/views.py:1-2",
        "/testbed/src/app/utils.py:1",
      ),
    );
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const results = toolMessages(1);
    assert.match(results[0]!.content!, new RegExp(`^\`\`\`${P("src/app/models.py")}:10-20\n`));
    assert.match(results[1]!.content!, new RegExp(`^${P("src/app/views.py")}\n5:def show_user`));
    assert.match(results[2]!.content!, new RegExp(`^\`\`\`${P("src/app/utils.py")}:1-5\n`));
    assert.match(results[3]!.content!, new RegExp(`^\`\`\`${P("src/app/views.py")}:1-12\n`));
    const result = json(run.stdout);
    assert.deepEqual(
      result.citations.map((c) => `${c.path}:${c.start}-${c.end}`),
      [
        "src/app/models.py:10-20",
        "src/app/views.py:5-12",
        "src/app/utils.py:3-3",
        "src/app/views.py:1-2",
        "src/app/utils.py:1-1",
      ],
    );
    assert.equal(result.stopReason, "answered");
  });
});

describe("e2e: budgets", () => {
  it("max turns: the trained message, tool_choice none on the final request, stop max_turns, partial exit 1", async () => {
    fx.server.enqueue(
      reply().toolCall("Grep", { pattern: "class User" }),
      reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`));
    const run = await explore(["--max-turns", "2"]);
    fx.server.assertDrained();
    assert.equal(run.code, 1);
    const last = fx.server.chatRequests()[2]!.body!;
    assert.equal(last.tool_choice, "none");
    assert.deepEqual((last.messages as Msg[]).at(-1), { role: "user", content: MAX_TURNS_MESSAGE });
    assert.equal(fx.server.chatRequests()[1]!.body!.tool_choice, undefined);
    assert.equal(
      run.stdout,
      `User is defined in models.\n\n<final_answer>\n${P("src/app/models.py")}:10-20\n</final_answer>\n`,
    );
    assert.match(run.stderr, /partial result \(max_turns\)/);
  });

  it("token budget from /v1/models max_model_len: finalize message, stop token_budget", async () => {
    fx.server.configure({ models: [{ id: "fc-budget-model", max_model_len: 20_000 }] });
    // reserve = 40% of 20 000 = 8000, so the limit is 12 000: the first reply's reported prompt trips it.
    fx.server.enqueue(
      reply()
        .toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 })
        .usage(12_500, 40),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`).usage(12_700, 30));
    const run = await runMain([
      "-q",
      "where is User?",
      "--repo",
      fx.repo.root,
      "--base-url",
      fx.server.url,
      "--model",
      "fc-budget-model",
      "--json",
    ]);
    fx.server.assertDrained();
    assert.equal(run.code, 1, run.stderr);
    const last = fx.server.chatRequests()[1]!.body!;
    assert.equal(last.tool_choice, "none");
    assert.deepEqual((last.messages as Msg[]).at(-1), { role: "user", content: FINALIZE_MESSAGES.token_budget });
    const result = json(run.stdout);
    assert.equal(result.stopReason, "token_budget");
    assert.equal(result.partial, true);
    assert.deepEqual(result.tokens, { input: 25_200, output: 70 });
    assert.equal(result.citations.length, 1);
  });

  it("token budget from --max-context overrides the server's window", async () => {
    fx.server.enqueue(
      reply()
        .toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 })
        .usage(9_000, 40),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`));
    const run = await explore(["--max-context", "15000", "--json"]);
    fx.server.assertDrained();
    assert.equal(json(run.stdout).stopReason, "token_budget");
  });

  it("deadline: a slow model turn is cut so a grace turn answers within the deadline", async () => {
    fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
    fx.server.enqueue(reply().delay(20_000).content("never"));
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`));
    const run = await explore(["--deadline", "2", "--json"]);
    fx.server.assertDrained();
    assert.ok(run.ms < 2000 + 800, `took ${Math.round(run.ms)} ms`);
    assert.equal(run.code, 1, run.stderr);
    const last = fx.server.chatRequests()[2]!.body!;
    assert.equal(last.tool_choice, "none");
    assert.deepEqual((last.messages as Msg[]).at(-1), { role: "user", content: FINALIZE_MESSAGES.deadline });
    const result = json(run.stdout);
    assert.equal(result.stopReason, "deadline");
    assert.equal(result.citations.length, 1);
  });
});

describe("e2e: citations", () => {
  it("a hallucinated citation gets one correction turn and is removed when still unseen", async () => {
    fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
    fx.server.enqueue(
      answer(
        `${P("src/app/models.py")}:10-20`,
        `${P("src/app/views.py")}:5-12 (never opened)`,
        `${P("src/app/ghost.py")}:1-9`,
      ),
    );
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`, `${P("src/app/views.py")}:5-12 (never opened)`));
    const run = await explore(["--json"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    const correction = messagesOf(2).at(-1)!;
    assert.equal(correction.role, "user");
    assert.equal(
      correction.content,
      `Your final answer cites line ranges you never opened:\n- ${P("src/app/views.py")}:5-12\nOpen them with Read (or confirm them with Grep), or remove or replace them, then give your final answer again in a <final_answer> block. Citations of lines you have not seen will be removed.`,
    );
    const result = json(run.stdout);
    assert.deepEqual(
      result.citations.map((c) => c.path),
      ["src/app/models.py"],
    );
    assert.deepEqual(result.dropped, [
      { path: "src/app/views.py", start: 5, end: 12, reason: "never shown by a tool" },
    ]);
    assert.ok(result.warnings.some((w) => /1 citation\(s\) removed: they cite lines no tool showed/.test(w)));
  });

  it("a citation the model opens after the correction survives", async () => {
    fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/models.py"), offset: 10, limit: 11 }));
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`, `${P("src/app/views.py")}:5-12`));
    fx.server.enqueue(reply().toolCall("Read", { path: P("src/app/views.py"), offset: 5, limit: 8 }));
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`, `${P("src/app/views.py")}:5-12`));
    const run = await explore(["--citation"]);
    fx.server.assertDrained();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `<final_answer>\n${P("src/app/models.py")}:10-20\n${P("src/app/views.py")}:5-12\n</final_answer>\n`,
    );
  });

  it("an answer with zero tool calls is flagged in the warnings", async () => {
    fx.server.enqueue(answer(`${P("src/app/models.py")}:10-20`), answer(`${P("src/app/models.py")}:10-20`));
    const run = await explore();
    fx.server.assertDrained();
    assert.equal(run.code, 4);
    assert.equal(run.stdout, "User is defined in models.\n\n<final_answer>\n</final_answer>\n");
    assert.match(run.stderr, /the model answered without calling any tool/);
    assert.match(run.stderr, /no answer \(no_answer\)/);
  });
});
