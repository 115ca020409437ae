import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import {
  DEFAULT_LOOP_CONFIG,
  FINALIZE_MESSAGES,
  MAX_TURNS_MESSAGE,
  MISSING_ANSWER_MESSAGE,
  type ModelLoopConfig,
  NO_TOOLS_NOW,
  RL_NUDGE,
  runModelLoop,
} from "../../src/core/model-loop.js";
import { loadSystemPrompt, queryMessage } from "../../src/core/prompt.js";
import type { ExploreEvent, ToolCallRequest, ToolResult } from "../../src/core/types.js";
import { createChatClient } from "../../src/llm/client.js";
import type { ToolOutput } from "../../src/tools/context.js";
import { Toolbox, type TurnOptions } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { type FakeOpenAI, hang, httpError, reply, reset, startFakeOpenAI } from "../support/fake-openai-server.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

type Msg = {
  role: string;
  content: string | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
  [k: string]: unknown;
};

const lines = (n: number, tag = "line") => `${Array.from({ length: n }, (_, i) => `${tag} ${i + 1}`).join("\n")}\n`;

let repo: TmpRepo;
let server: FakeOpenAI;
before(async () => {
  repo = await tmpRepo({
    git: true,
    files: {
      "src/a.py": lines(40, "alpha"),
      "src/b.py": lines(40, "beta"),
      "src/c.py": lines(40, "gamma"),
      "src/d.py": lines(40, "delta"),
      "big.txt": lines(3000, "filler text for the budget"),
    },
  });
});
after(() => repo.cleanup());
beforeEach(async () => {
  server = await startFakeOpenAI();
});
afterEach(async () => {
  await server.close();
});

const P = (rel: string) => `${repo.root}/${rel}`;
const messagesOf = (i: number): Msg[] => (server.chatRequests()[i]?.body?.messages ?? []) as Msg[];
const bodyOf = (i: number) => server.chatRequests()[i]?.body ?? {};

interface RunOptions {
  config?: Partial<ModelLoopConfig>;
  toolbox?: (ws: Workspace) => Toolbox;
  signal?: AbortSignal;
  deadline?: number;
  onEvent?: (e: ExploreEvent) => void;
}

async function run(options: RunOptions = {}) {
  const ws = await Workspace.open(repo.root);
  const toolbox = options.toolbox ? options.toolbox(ws) : new Toolbox(ws);
  const client = createChatClient({ baseUrl: server.url, model: "fastcontext-4b", maxRetries: 0 });
  const events: ExploreEvent[] = [];
  const result = await runModelLoop({
    query: "where is alpha?",
    toolbox,
    client,
    config: { ...DEFAULT_LOOP_CONFIG, ...options.config },
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.deadline ? { deadline: options.deadline } : {}),
    onEvent: (e) => {
      events.push(e);
      options.onEvent?.(e);
    },
  });
  return { result, events, ws };
}

/** A toolbox whose calls take a scripted time and whose concurrency is measured. */
class SlowToolbox extends Toolbox {
  inFlight = 0;
  maxInFlight = 0;
  finished: string[] = [];
  constructor(
    ws: Workspace,
    private readonly delayFor: (call: ToolCallRequest) => number,
  ) {
    super(ws);
  }
  override async run(call: ToolCallRequest, signal?: AbortSignal): Promise<ToolOutput> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, this.delayFor(call)));
    this.inFlight--;
    this.finished.push(call.id);
    return super.run(call, signal);
  }
}

const answer = (...cites: string[]) => reply().content(`Done.\n<final_answer>\n${cites.join("\n")}\n</final_answer>`);

describe("model loop: conversation shape", () => {
  it("system prompt, <query> user message, tools offered without tool_choice, reasoning and usage never re-sent", async () => {
    server.enqueue(
      reply()
        .reasoning("let me think")
        .toolCall("Read", { path: P("src/a.py") }, { id: "r1" })
        .usage(1000, 20),
    );
    server.enqueue(answer(`${P("src/a.py")}:1-5 (alpha)`));
    const { result } = await run();
    server.assertDrained();
    const first = messagesOf(0);
    assert.deepEqual(first, [
      { role: "system", content: loadSystemPrompt(repo.root) },
      { role: "user", content: queryMessage("where is alpha?") },
    ]);
    assert.equal(bodyOf(0).tool_choice, undefined);
    assert.deepEqual(
      (bodyOf(0).tools as Array<{ function: { name: string } }>).map((t) => t.function.name),
      ["Read", "Glob", "Grep"],
    );
    const second = messagesOf(1);
    const assistant = second[2]!;
    assert.deepEqual(Object.keys(assistant).sort(), ["content", "role", "tool_calls"]);
    assert.equal(assistant.content, null);
    assert.deepEqual(second[3], { role: "tool", content: second[3]!.content, tool_call_id: "r1" });
    assert.match(second[3]!.content!, new RegExp(`^\`\`\`${P("src/a.py")}:1-40\n1\\|alpha 1\n`));
    assert.ok(!JSON.stringify(server.chatRequests()[1]!.body).includes("let me think"));
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(result.citations, [
      { path: "src/a.py", start: 1, end: 5, verified: true, verification: "read", reason: "alpha", confidence: null },
    ]);
    assert.equal(result.turns, 2);
    assert.equal(result.toolCalls, 1);
  });
});

describe("model loop: tool execution", () => {
  it("runs a turn's calls concurrently up to the cap and appends the results in the model's order", async () => {
    const files = ["src/a.py", "src/b.py", "src/c.py", "src/d.py"];
    let reply1 = reply();
    files.forEach((f, i) => (reply1 = reply1.toolCall("Read", { path: P(f), limit: 2 }, { id: `call-${i}` })));
    server.enqueue(reply1, answer(`${P("src/a.py")}:1-2`));
    let box: SlowToolbox | undefined;
    // The first call is the slowest, so completion order is the reverse of call order.
    const { result } = await run({
      config: { concurrency: 4 },
      toolbox: (ws) => (box = new SlowToolbox(ws, (c) => 40 * (4 - Number(c.id.slice(5))))),
    });
    server.assertDrained();
    assert.equal(box!.maxInFlight, 4);
    assert.deepEqual(box!.finished, ["call-3", "call-2", "call-1", "call-0"]);
    const tools = messagesOf(1).filter((m) => m.role === "tool");
    assert.deepEqual(
      tools.map((m) => m.tool_call_id),
      ["call-0", "call-1", "call-2", "call-3"],
    );
    assert.deepEqual(
      tools.map((m) => /^```[^\n]*\n1\|(\w+) 1/.exec(m.content!)?.[1]),
      ["alpha", "beta", "gamma", "delta"],
    );
    assert.equal(result.stopReason, "answered");
  });

  it("a failed call is not cached: repeated later it runs again and shows what is there now", async () => {
    const late = "src/late.py";
    server.enqueue(
      // Twice in one turn: the repeat gets the same failure, not a pointer to a result that never was.
      reply()
        .toolCall("Read", { path: P(late) }, { id: "r1" })
        .toolCall("Read", { path: P(late) }, { id: "r2" }),
      reply().toolCall("Read", { path: P(late) }, { id: "r3" }),
      reply().toolCall("Read", { path: P(late) }, { id: "r4" }),
      answer(`${P(late)}:1-2`),
    );
    try {
      const { result, events } = await run({
        // The file appears once the first turn's calls have failed on it.
        onEvent: (e) => {
          if (e.type === "tool_end" && e.callId === "r2") repo.write(late, lines(3, "late"));
        },
      });
      server.assertDrained();
      const tool = (i: number, id: string) => messagesOf(i).find((m) => m.tool_call_id === id)?.content ?? "";
      assert.doesNotMatch(tool(1, "r1"), /late 1/);
      assert.equal(tool(1, "r2"), tool(1, "r1"), "the repeat within the turn carries the same failure");
      assert.doesNotMatch(tool(1, "r2"), /already made/);
      assert.match(tool(2, "r3"), /late 1/, "the failed call ran again");
      assert.match(tool(3, "r4"), /already made in turn 2; its result is above/, "a successful one is cached");
      assert.deepEqual(
        events.flatMap((e) => (e.type === "tool_end" ? [`${e.callId}:${e.cached}`] : [])),
        ["r1:false", "r2:true", "r3:false", "r4:true"],
      );
      assert.equal(result.stopReason, "answered");
    } finally {
      rmSync(P(late), { force: true });
    }
  });

  it("respects the concurrency cap", async () => {
    let r = reply();
    for (let i = 0; i < 5; i++)
      r = r.toolCall("Read", { path: P("src/a.py"), offset: i + 1, limit: 1 }, { id: `c${i}` });
    server.enqueue(r, answer(`${P("src/a.py")}:1-2`));
    let box: SlowToolbox | undefined;
    await run({ config: { concurrency: 2 }, toolbox: (ws) => (box = new SlowToolbox(ws, () => 20)) });
    server.assertDrained();
    assert.equal(box!.maxInFlight, 2);
  });

  it("a toolbox that throws does not end or hang the run: every call gets an error result", async () => {
    class BrokenToolbox extends Toolbox {
      override async runTurn(_calls: ToolCallRequest[], _options?: TurnOptions): Promise<ToolResult[]> {
        throw new Error("disk on fire");
      }
    }
    server.enqueue(
      reply()
        .toolCall("Read", { path: P("src/a.py") }, { id: "x1" })
        .toolCall("Glob", { pattern: "*.py" }, { id: "x2" }),
    );
    server.enqueue(reply().content("<final_answer>\n</final_answer>"));
    const { result } = await run({ toolbox: (ws) => new BrokenToolbox(ws) });
    server.assertDrained();
    const tools = messagesOf(1).filter((m) => m.role === "tool");
    assert.deepEqual(
      tools.map((m) => [m.tool_call_id, m.content]),
      [
        ["x1", "<system-reminder>Error: the Read call failed: disk on fire</system-reminder>"],
        ["x2", "<system-reminder>Error: the Glob call failed: disk on fire</system-reminder>"],
      ],
    );
    assert.equal(result.stopReason, "no_answer");
    assert.ok(result.warnings.some((w) => w.includes("disk on fire")));
  });

  it("an abort during tool execution ends the run promptly as aborted, with no further request", async () => {
    const controller = new AbortController();
    class StuckToolbox extends Toolbox {
      override async run(_call: ToolCallRequest, signal?: AbortSignal): Promise<ToolOutput> {
        await new Promise((resolve) => signal?.addEventListener("abort", resolve, { once: true }));
        return {
          text: "<system-reminder>Error: the call was cancelled.</system-reminder>",
          observed: [],
          truncated: false,
        };
      }
    }
    server.enqueue(reply().toolCall("Grep", { pattern: "alpha" }));
    const t0 = Date.now();
    const { result } = await run({
      signal: controller.signal,
      toolbox: (ws) => new StuckToolbox(ws),
      onEvent: (e) => {
        if (e.type === "tool_start") setTimeout(() => controller.abort(), 30);
      },
    });
    server.assertDrained();
    assert.equal(result.stopReason, "aborted");
    assert.equal(result.partial, true);
    assert.equal(server.chatRequests().length, 1);
    assert.ok(Date.now() - t0 < 2000);
  });
});

describe("model loop: final turn", () => {
  it("max turns: the trained user message, tool_choice none with the tools still offered, stop max_turns", async () => {
    server.enqueue(reply().toolCall("Read", { path: P("src/a.py") }));
    server.enqueue(answer(`${P("src/a.py")}:3-4`));
    const { result } = await run({ config: { maxTurns: 1 } });
    server.assertDrained();
    assert.deepEqual(messagesOf(1).at(-1), { role: "user", content: MAX_TURNS_MESSAGE });
    assert.equal(bodyOf(1).tool_choice, "none");
    assert.equal((bodyOf(1).tools as unknown[]).length, 3);
    assert.equal(result.stopReason, "max_turns");
    assert.equal(result.partial, true);
    assert.deepEqual(
      result.citations.map((c) => [c.path, c.start, c.end]),
      [["src/a.py", 3, 4]],
    );
  });

  it("the RL assistant nudge is used only when configured, and only for max turns", async () => {
    server.enqueue(reply().toolCall("Read", { path: P("src/a.py") }), answer(`${P("src/a.py")}:3-4`));
    await run({ config: { maxTurns: 1, finalNudge: "assistant" } });
    server.assertDrained();
    assert.deepEqual(messagesOf(1).at(-1), { role: "assistant", content: RL_NUDGE });
    assert.equal(bodyOf(1).tool_choice, "none");
  });

  it("a model that still calls tools gets refusals, one more nudge, then a partial end", async () => {
    server.enqueue(reply().toolCall("Read", { path: P("src/a.py") }));
    server.enqueue(reply().toolCall("Read", { path: P("src/b.py") }, { id: "late-1" }));
    server.enqueue(reply().toolCall("Glob", { pattern: "*" }, { id: "late-2" }));
    const { result } = await run({ config: { maxTurns: 1 } });
    server.assertDrained();
    assert.equal(server.chatRequests().length, 3);
    assert.equal(bodyOf(2).tool_choice, "none");
    const last = messagesOf(2);
    assert.deepEqual(last.slice(-2), [
      { role: "tool", content: NO_TOOLS_NOW, tool_call_id: "late-1" },
      { role: "user", content: MAX_TURNS_MESSAGE },
    ]);
    assert.equal(result.stopReason, "max_turns");
    assert.equal(result.partial, true);
    assert.deepEqual(result.citations, []);
    assert.equal(result.toolCalls, 1, "refused calls are not executed");
    assert.ok(result.warnings.some((w) => /kept calling tools/.test(w)));
  });

  it("a final reply that carries an answer besides stray calls is taken as the answer", async () => {
    server.enqueue(reply().toolCall("Read", { path: P("src/a.py") }));
    server.enqueue(
      reply()
        .content(`<final_answer>\n${P("src/a.py")}:7-8\n</final_answer>`)
        .toolCall("Read", { path: P("src/b.py") }),
    );
    const { result } = await run({ config: { maxTurns: 1 } });
    server.assertDrained();
    assert.equal(result.stopReason, "max_turns");
    assert.deepEqual(
      result.citations.map((c) => [c.path, c.start, c.end]),
      [["src/a.py", 7, 8]],
    );
  });

  it("a reply without a block gets one nudge for the answer", async () => {
    server.enqueue(
      reply().toolCall("Read", { path: P("src/a.py") }),
      reply().content("I think it is in a.py."),
      answer(`${P("src/a.py")}:1`),
    );
    const { result } = await run();
    server.assertDrained();
    assert.deepEqual(messagesOf(2).at(-1), { role: "user", content: MISSING_ANSWER_MESSAGE });
    assert.equal(result.stopReason, "answered");
  });

  it("an empty block is no_answer", async () => {
    server.enqueue(
      reply().toolCall("Read", { path: P("src/a.py") }),
      reply().content("Nothing relevant.\n<final_answer>\n</final_answer>"),
    );
    const { result } = await run();
    server.assertDrained();
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.partial, true);
    assert.equal(result.explanation, "Nothing relevant.");
  });
});

describe("model loop: citations", () => {
  it("an answer with zero tool calls is flagged once; its unseen citations get one correction and are then removed", async () => {
    server.enqueue(answer(`${P("src/a.py")}:1-3`), answer(`${P("src/a.py")}:1-3`));
    const { result } = await run();
    server.assertDrained();
    assert.match(messagesOf(1).at(-1)!.content!, /cites line ranges you never opened:\n- .*src\/a\.py:1-3/);
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.warnings.filter((w) => /without calling any tool/.test(w)).length, 1);
    assert.deepEqual(result.dropped, [{ path: "src/a.py", start: 1, end: 3, reason: "never shown by a tool" }]);
  });

  it("when the model does not answer again after a correction, its earlier verified citations stand", async () => {
    server.enqueue(reply().toolCall("Read", { path: P("src/a.py"), limit: 5 }));
    server.enqueue(answer(`${P("src/a.py")}:1-5`, `${P("src/b.py")}:1-5`));
    server.enqueue(reply().content("Sorry."), reply().content("Still nothing."));
    const { result } = await run();
    server.assertDrained();
    assert.equal(result.stopReason, "answered");
    assert.deepEqual(
      result.citations.map((c) => c.path),
      ["src/a.py"],
    );
    assert.ok(result.warnings.some((w) => /earlier verified citations are kept/.test(w)));
  });
});

describe("model loop: budgets", () => {
  /**
   * A window where the first prompt fits (0.45 of it, under the 0.6 limit left by the 40% reserve)
   * but one full turn of tool output (capped at 0.25 of it) cannot.
   */
  async function smallWindow(): Promise<number> {
    const box = new Toolbox(await Workspace.open(repo.root));
    let initial = 0;
    for (const t of [loadSystemPrompt(repo.root), queryMessage("where is alpha?"), JSON.stringify(box.definitions())])
      initial += (await box.counter.exact(t)) + 4;
    return Math.ceil(initial / 0.45);
  }

  it("zero/stray usage from the server does not blind the budget: it still finalizes on token_budget", async () => {
    const window = await smallWindow();
    server.enqueue(
      reply()
        .toolCall("Read", { path: P("big.txt") })
        .usage(0, 0),
    );
    server.enqueue(answer(`${P("big.txt")}:1-2`).usage(0, 0));
    const { result } = await run({ config: { contextWindow: window } });
    server.assertDrained();
    assert.deepEqual(messagesOf(1).at(-1), { role: "user", content: FINALIZE_MESSAGES.token_budget });
    assert.equal(bodyOf(1).tool_choice, "none");
    assert.equal(result.stopReason, "token_budget");
    assert.deepEqual(
      result.citations.map((c) => [c.path, c.start, c.end]),
      [["big.txt", 1, 2]],
    );
  });

  it("a prompt refused as too long ends the run as token_budget", async () => {
    server.enqueue(
      httpError(400, {
        message: "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens.",
      }),
    );
    const { result } = await run();
    server.assertDrained();
    assert.equal(result.stopReason, "token_budget");
    assert.equal(result.error?.kind, "model");
  });

  it("deadline: a slow turn is cut short so the grace turn can still answer within the deadline", async () => {
    server.enqueue(reply().toolCall("Read", { path: P("src/a.py") }));
    server.enqueue(reply().delay(10_000).content("too late"));
    server.enqueue(answer(`${P("src/a.py")}:2-3`));
    const t0 = Date.now();
    const { result } = await run({ deadline: Date.now() + 1500 });
    const elapsed = Date.now() - t0;
    server.assertDrained();
    assert.ok(elapsed < 1500 + 400, `took ${elapsed} ms`);
    assert.deepEqual(messagesOf(2).at(-1), { role: "user", content: FINALIZE_MESSAGES.deadline });
    assert.equal(bodyOf(2).tool_choice, "none");
    assert.equal(result.stopReason, "deadline");
    assert.equal(result.partial, true);
    assert.deepEqual(
      result.citations.map((c) => [c.path, c.start, c.end]),
      [["src/a.py", 2, 3]],
    );
  });

  it("deadline: a tool that would run past it is cancelled in time for the grace turn", async () => {
    class SignalToolbox extends Toolbox {
      override async run(call: ToolCallRequest, signal?: AbortSignal): Promise<ToolOutput> {
        if (call.name !== "Grep") return super.run(call, signal);
        await new Promise((resolve) => signal?.addEventListener("abort", resolve, { once: true }));
        return {
          text: "<system-reminder>Error: the call was cancelled.</system-reminder>",
          observed: [],
          truncated: false,
        };
      }
    }
    server.enqueue(
      reply()
        .toolCall("Read", { path: P("src/a.py") })
        .toolCall("Grep", { pattern: "slow" }),
    );
    server.enqueue(answer(`${P("src/a.py")}:1-2`));
    const t0 = Date.now();
    const { result } = await run({ deadline: Date.now() + 1200, toolbox: (ws) => new SignalToolbox(ws) });
    server.assertDrained();
    assert.ok(Date.now() - t0 < 1200 + 400);
    assert.deepEqual(messagesOf(1).at(-1), { role: "user", content: FINALIZE_MESSAGES.deadline });
    assert.match(messagesOf(1).at(-2)!.content!, /cancelled/);
    assert.equal(result.stopReason, "deadline");
    assert.equal(result.citations.length, 1);
  });

  it("deadline with a hanging server: ends at the deadline with stop deadline", async () => {
    server.enqueue(hang(), hang());
    const t0 = Date.now();
    const { result } = await run({ deadline: Date.now() + 800 });
    const elapsed = Date.now() - t0;
    server.assertDrained();
    assert.ok(elapsed >= 700 && elapsed < 800 + 400, `took ${elapsed} ms`);
    assert.equal(result.stopReason, "deadline");
    assert.equal(server.chatRequests().length, 2, "the regular turn, then the grace turn");
  });
});

describe("model loop: model errors", () => {
  it("classifies errors: unreachable or failing server → endpoint; a refused request → model", async () => {
    server.enqueue(httpError(401, { message: "bad key" }));
    const refused = await run();
    assert.equal(refused.result.stopReason, "model_error");
    assert.equal(refused.result.error?.kind, "model");
    assert.match(refused.result.error?.message ?? "", /401/);

    server.enqueue(httpError(503, { message: "overloaded" }));
    const failing = await run();
    assert.equal(failing.result.error?.kind, "endpoint");

    server.enqueue(reset());
    const broken = await run();
    assert.equal(broken.result.error?.kind, "endpoint");
    assert.equal(broken.result.partial, true);
    server.assertDrained();
  });
});
