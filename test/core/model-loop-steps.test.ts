/**
 * The model loop's steps one by one (request the turn, run the tools, settle the answer), driven
 * by a scripted chat client instead of a server: each test sets up a run and a state, calls one
 * step and checks the phase it returns, the state it left and what it appended or emitted.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  DEFAULT_LOOP_CONFIG,
  FINALIZE_MESSAGES,
  finalTurnDue,
  finishRun,
  initialState,
  MAX_TURNS_MESSAGE,
  MISSING_ANSWER_MESSAGE,
  type ModelLoopConfig,
  NO_TOOLS_NOW,
  type Phase,
  requestFailure,
  requestTurn,
  runTools,
  settleAnswer,
  startRun,
  step,
} from "../../src/core/model-loop.js";
import type { ExploreEvent } from "../../src/core/types.js";
import type { ChatClient } from "../../src/llm/client.js";
import { LlmError } from "../../src/llm/errors.js";
import type { AssistantTurn, ChatMessage, ChatRequestOptions } from "../../src/llm/types.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

let repo: TmpRepo;
before(async () => {
  repo = await tmpRepo({ files: { "src/a.py": "def alpha():\n    return 1\n\n\ndef beta():\n    return 2\n" } });
});
after(() => repo.cleanup());

/** A chat client that answers from a script and records what it was sent. */
function scriptedClient(script: Array<Partial<AssistantTurn> | Error>) {
  const sent: Array<{ messages: ChatMessage[]; options: ChatRequestOptions | undefined }> = [];
  const client: ChatClient = {
    baseUrl: "http://scripted/v1",
    model: "scripted",
    async chat(messages, _tools, options) {
      sent.push({ messages: [...messages], options });
      const next = script.shift();
      if (next === undefined) throw new Error("the script has no reply left");
      if (next instanceof Error) throw next;
      return {
        content: "",
        reasoning: "",
        toolCalls: [],
        malformed: [],
        finishReason: "stop",
        source: "none",
        ...next,
      };
    },
  };
  return { client, sent };
}

async function setup(script: Array<Partial<AssistantTurn> | Error>, config: Partial<ModelLoopConfig> = {}) {
  const ws = await Workspace.open(repo.root);
  const { client, sent } = scriptedClient(script);
  const events: ExploreEvent[] = [];
  const run = startRun({
    query: "where is alpha?",
    toolbox: new Toolbox(ws),
    client,
    config: { ...DEFAULT_LOOP_CONFIG, ...config },
    onEvent: (e) => events.push(e),
  });
  return { run, state: initialState(), sent, events };
}

const readCall = (id: string, start = 1, end = 2) => ({
  id,
  name: "Read",
  arguments: JSON.stringify({ file_path: `${repo.root}/src/a.py`, start_line: start, end_line: end }),
});
const answerText = (cite: string) => `Found it.\n<final_answer>\n${repo.root}/${cite}\n</final_answer>`;

/** Request a turn and check that it went to `kind`. */
async function requested(
  ctx: Awaited<ReturnType<typeof setup>>,
  kind: Phase["kind"],
): Promise<Extract<Phase, { kind: "tools" | "settle" }>> {
  const phase = await requestTurn(ctx.run, ctx.state);
  assert.equal(phase.kind, kind);
  assert.ok(phase.kind === "tools" || phase.kind === "settle");
  return phase;
}

describe("model loop steps: start", () => {
  it("startRun appends the system prompt and the query and emits run_start; nothing is sent yet", async () => {
    const ctx = await setup([]);
    assert.deepEqual(
      ctx.run.messages.map((m) => m.role),
      ["system", "user"],
    );
    assert.deepEqual(
      ctx.events.map((e) => e.type),
      ["run_start"],
    );
    assert.equal(ctx.sent.length, 0);
    assert.equal(ctx.state.turn, 0);
  });
});

describe("model loop steps: request the turn", () => {
  it("a reply with calls on a regular turn goes to tools; the reply is appended and emitted", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1")], usage: { promptTokens: 900, completionTokens: 20 } }]);
    const phase = await requested(ctx, "tools");
    assert.equal(ctx.state.turn, 1);
    assert.equal(phase.finalReason, undefined);
    assert.deepEqual(
      phase.calls.map((c) => c.id),
      ["c1"],
    );
    assert.equal(ctx.run.messages.at(-1)?.role, "assistant");
    assert.deepEqual(ctx.run.tokens, { input: 900, output: 20 });
    assert.equal(ctx.sent[0]?.options?.tool_choice, undefined);
    assert.deepEqual(
      ctx.events.map((e) => e.type),
      ["run_start", "turn_start", "model_request", "model_response"],
    );
  });

  it("a reply without calls goes to settle", async () => {
    const ctx = await setup([{ content: answerText("src/a.py:1-2") }]);
    const phase = await requested(ctx, "settle");
    assert.equal(phase.parsed.found, true);
  });

  it("past max turns the turn is final: the trained message is appended and tools are forbidden", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1")] }], { maxTurns: 2 });
    ctx.state.turn = 2;
    const phase = await requested(ctx, "settle");
    assert.equal(ctx.state.finalReason, "max_turns");
    assert.equal(phase.finalReason, "max_turns");
    assert.equal(ctx.sent[0]?.messages.at(-1)?.content, MAX_TURNS_MESSAGE);
    assert.equal(ctx.sent[0]?.options?.tool_choice, "none");
  });

  it("an aborted run or a spent deadline ends before a turn starts", async () => {
    const ctx = await setup([]);
    const controller = new AbortController();
    controller.abort();
    const aborted = startRun({ ...ctx.run.input, signal: controller.signal });
    assert.deepEqual(await requestTurn(aborted, ctx.state), { kind: "done", stop: "aborted" });
    const late = startRun({ ...ctx.run.input, deadline: Date.now() - 1 });
    assert.deepEqual(await requestTurn(late, ctx.state), { kind: "done", stop: "deadline" });
    assert.equal(ctx.state.turn, 0);
    assert.equal(ctx.sent.length, 0);
  });

  it("a refused request ends the run with the failure recorded in the state", async () => {
    const refusal = new LlmError("http", "HTTP 400: bad request", { status: 400, retryable: false });
    const ctx = await setup([refusal]);
    assert.deepEqual(await requestTurn(ctx.run, ctx.state), { kind: "done", stop: "model_error" });
    assert.equal(ctx.state.failure?.kind, "model");
  });

  it("finalTurnDue: turns first, then time, then the context budget", async () => {
    const ctx = await setup([], { maxTurns: 3 });
    ctx.state.turn = 3;
    assert.equal(await finalTurnDue(ctx.run, ctx.state), undefined);
    ctx.state.turn = 4;
    assert.equal(await finalTurnDue(ctx.run, ctx.state), "max_turns");
    ctx.state.turn = 1;
    const soon = startRun({ ...ctx.run.input, deadline: Date.now() + 50 });
    assert.equal(await finalTurnDue(soon, ctx.state), "deadline");
    const tiny = await setup([], { contextWindow: 2000, contextReserve: 1990 });
    assert.equal(await finalTurnDue(tiny.run, tiny.state), "token_budget");
  });
});

describe("model loop steps: requestFailure", () => {
  const down = new LlmError("network", "could not reach the model server");
  it("the caller's abort wins over everything", () => {
    assert.deepEqual(requestFailure(down, { aborted: true, timedOut: true, finalTurn: false }), {
      kind: "stop",
      stop: "aborted",
    });
  });
  it("the turn's timer: a regular turn gets its grace turn, the final turn ends at the deadline", () => {
    assert.equal(requestFailure(down, { aborted: false, timedOut: true, finalTurn: false }).kind, "final_turn");
    assert.deepEqual(requestFailure(down, { aborted: false, timedOut: true, finalTurn: true }), {
      kind: "stop",
      stop: "deadline",
    });
  });
  it("an unreachable server is an endpoint failure; a prompt too long is token_budget", () => {
    const failed = requestFailure(down, { aborted: false, timedOut: false, finalTurn: false });
    assert.equal(failed.kind === "stop" && failed.stop, "model_error");
    assert.equal(failed.kind === "stop" && failed.failure?.kind, "endpoint");
    const long = new LlmError("http", "HTTP 400", { status: 400, body: "maximum context length is 4096 tokens" });
    const overflow = requestFailure(long, { aborted: false, timedOut: false, finalTurn: false });
    assert.equal(overflow.kind === "stop" && overflow.stop, "token_budget");
  });
});

describe("model loop steps: run the tools", () => {
  it("answers every call in order, counts them and goes back to request; a repeat is answered from the cache", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1"), readCall("c2", 4, 5)] }, { toolCalls: [readCall("c3")] }]);
    const first = await requested(ctx, "tools");
    assert.deepEqual(await runTools(ctx.run, ctx.state, first), { kind: "request" });
    assert.equal(ctx.state.toolCalls, 2);
    const tools = ctx.run.messages.filter((m) => m.role === "tool");
    assert.deepEqual(
      tools.map((m) => m.tool_call_id),
      ["c1", "c2"],
    );
    assert.match(tools[0]?.content ?? "", /alpha/);
    const second = await requested(ctx, "tools");
    await runTools(ctx.run, ctx.state, second);
    assert.match(ctx.run.messages.at(-1)?.content ?? "", /already made in turn 1/);
    const ends = ctx.events.filter((e) => e.type === "tool_end");
    assert.deepEqual(
      ends.map((e) => e.type === "tool_end" && e.cached),
      [false, false, true],
    );
  });

  it("what the tools showed is recorded in the run's ledger, not the workspace's", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1", 4, 5)] }]);
    await runTools(ctx.run, ctx.state, await requested(ctx, "tools"));
    assert.deepEqual(ctx.run.ledger.paths(), ["src/a.py"]);
    assert.equal(ctx.run.ledger.check("src/a.py", 4, 5).full, true);
    assert.equal("ledger" in ctx.run.input.toolbox.ws, false, "a workspace holds no ledger");
  });

  it("a malformed call gets an error result after the others", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1")], malformed: [{ id: "bad", raw: "{", error: "not JSON" }] }]);
    await runTools(ctx.run, ctx.state, await requested(ctx, "tools"));
    const tools = ctx.run.messages.filter((m) => m.role === "tool");
    assert.deepEqual(
      tools.map((m) => m.tool_call_id),
      ["c1", "bad"],
    );
    assert.match(tools[1]?.content ?? "", /malformed tool call: not JSON/);
    assert.equal(ctx.state.toolCalls, 2);
  });
});

describe("model loop steps: settle the answer", () => {
  it("an answer citing seen lines is done: answered, with verified citations", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1")] }, { content: answerText("src/a.py:1-2") }]);
    await runTools(ctx.run, ctx.state, await requested(ctx, "tools"));
    const phase = await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle"));
    assert.deepEqual(phase, { kind: "done", stop: "answered" });
    assert.equal(ctx.state.validation?.citations[0]?.verified, true);
    const result = finishRun(ctx.run, ctx.state, "answered");
    assert.equal(result.stopReason, "answered");
    assert.equal(result.turns, 2);
    assert.deepEqual(
      result.citations.map((c) => [c.path, c.start, c.end, c.confidence]),
      [["src/a.py", 1, 2, null]],
    );
  });

  it("a missing block is asked for once, then the run ends no_answer", async () => {
    const ctx = await setup([{ content: "I think it is in a.py" }, { content: "still no block" }]);
    assert.deepEqual(await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle")), { kind: "request" });
    assert.equal(ctx.state.nudgedForAnswer, true);
    assert.equal(ctx.run.messages.at(-1)?.content, MISSING_ANSWER_MESSAGE);
    assert.deepEqual(await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle")), {
      kind: "done",
      stop: "no_answer",
    });
    assert.equal(ctx.state.explanation, "still no block");
  });

  it("citations of unseen lines get one correction turn; the second answer's unseen ones are removed", async () => {
    const ctx = await setup([{ content: answerText("src/a.py:5-6") }, { content: answerText("src/a.py:5-6") }]);
    assert.deepEqual(await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle")), { kind: "request" });
    assert.equal(ctx.state.corrections, 1);
    assert.equal(ctx.state.validation?.unseen.length, 1);
    assert.deepEqual(await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle")), {
      kind: "done",
      stop: "answered",
    });
    const result = finishRun(ctx.run, ctx.state, "answered");
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.dropped?.[0]?.reason, "never shown by a tool");
  });

  it("calls on the final turn are refused, the final message repeated once, then the run ends partial", async () => {
    const ctx = await setup([{ toolCalls: [readCall("c1")] }, { toolCalls: [readCall("c2")] }]);
    ctx.state.finalReason = "token_budget";
    assert.deepEqual(await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle")), { kind: "request" });
    const tail = ctx.run.messages.slice(-2);
    assert.deepEqual(
      tail.map((m) => [m.role, m.content]),
      [
        ["tool", NO_TOOLS_NOW],
        ["user", FINALIZE_MESSAGES.token_budget],
      ],
    );
    assert.deepEqual(await settleAnswer(ctx.run, ctx.state, await requested(ctx, "settle")), {
      kind: "done",
      stop: "token_budget",
    });
    assert.equal(ctx.state.refusals, 2);
    assert.equal(ctx.state.toolCalls, 0);
  });
});

describe("model loop steps: step", () => {
  it("dispatches on the phase and leaves done as it is", async () => {
    const ctx = await setup([{ content: answerText("src/a.py:1-2") }]);
    const settle = await step(ctx.run, ctx.state, { kind: "request" });
    assert.equal(settle.kind, "settle");
    assert.deepEqual(await step(ctx.run, ctx.state, { kind: "done", stop: "aborted" }), {
      kind: "done",
      stop: "aborted",
    });
  });
});
