/**
 * The Codex adapter end to end against the fake server's Responses API: `codex exec` itself (a real
 * binary) runs headless in the task's tree, reaches the scripted model through the metering proxy,
 * calls our MCP server's explore tool, runs a shell command that fixes the bug and answers. Codex is
 * a native download, so it is not a dependency: set FC_TEST_CODEX to its executable to run the end
 * to end test (BENCHMARKS.md records a run); without it that test is skipped and says why.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { codex, unwrapShell } from "../../src/agent-eval/cli-agents/codex.js";
import { codexConfig } from "../../src/agent-eval/cli-agents.js";
import { reply, useFakeOpenAI } from "../support/fake-openai-server.js";
import { runCalcArm, withCalcTask } from "./support/calc-task.js";

const CODEX = process.env.FC_TEST_CODEX;

const base = {
  agent: "codex" as const,
  cwd: "/tmp/work tree",
  baseUrl: "http://127.0.0.1:1/m/t/main",
  model: "m1",
  prompt: "p",
  explorer: {},
  env: { PATH: "/shim:/usr/bin" },
  wallTimeMs: 1000,
};

describe("codex adapter", () => {
  it("writes a private config.toml: Responses API provider, headless policy, our MCP server for the mcp arm", () => {
    const mcp = codexConfig({ ...base, arm: "mcp" });
    assert.match(mcp, /^model_provider = "fc"$/m);
    assert.match(mcp, /^base_url = "http:\/\/127\.0\.0\.1:1\/m\/t\/main"$/m);
    assert.match(mcp, /^wire_api = "responses"$/m);
    assert.match(mcp, /^env_key = "FC_EVAL_MAIN_API_KEY"$/m);
    assert.match(mcp, /^approval_policy = "never"$/m);
    assert.match(mcp, /^sandbox_mode = "workspace-write"$/m);
    assert.match(mcp, /^web_search = "disabled"$/m);
    assert.match(mcp, /^network_access = false$/m);
    assert.match(mcp, /^\[mcp_servers\.fastcontext\]$/m);
    assert.match(mcp, /"mcp", "--allow-root", "\/tmp\/work tree"\]$/m);
    assert.match(mcp, /^env = \{ "FC_POLICY" = "embedded" \}$/m);
    assert.match(mcp, /^required = true$/m);
    assert.match(mcp, /^developer_instructions = ".*explore/m);
    assert.match(mcp, /^set = \{ "PATH" = "\/shim:\/usr\/bin" \}$/m);
    const without = codexConfig({ ...base, arm: "without" });
    assert.doesNotMatch(without, /mcp_servers|developer_instructions/);
    // The cli arm's explorer on a model endpoint needs the shell's network.
    const cli = codexConfig({ ...base, arm: "cli", explorer: { baseUrl: "http://127.0.0.1:2/m/e" } });
    assert.match(cli, /^network_access = true$/m);
  });

  it("reads codex's JSONL events: commands (unwrapped), MCP calls, usage, failures", () => {
    const lines = [
      { type: "thread.started", thread_id: "t" },
      { type: "item.completed", item: { id: "i0", type: "error", message: "Model metadata not found" } },
      { type: "turn.started" },
      { type: "error", message: "Reconnecting... 1/5" },
      {
        type: "item.completed",
        item: {
          type: "mcp_tool_call",
          server: "fastcontext",
          tool: "explore",
          arguments: { query: "q" },
          status: "completed",
        },
      },
      {
        type: "item.completed",
        item: { type: "command_execution", command: "/bin/bash -lc 'sed -n '\\''1,5p'\\'' a.py'", exit_code: 0 },
      },
      { type: "item.completed", item: { type: "agent_message", text: "Fixed." } },
      { type: "turn.completed", usage: { input_tokens: 300, cached_input_tokens: 0, output_tokens: 8 } },
    ];
    const out = codex.parse(lines.map((l) => JSON.stringify(l)).join("\n"));
    assert.deepEqual(
      out.actions.map((a) => [a.tool, a.input, a.returncode]),
      [
        ["explore", '{"query":"q"}', null],
        ["bash", "sed -n '1,5p' a.py", 0],
      ],
    );
    assert.equal(out.promptTokens, 300);
    assert.equal(out.completionTokens, 8);
    assert.equal(out.steps, 3);
    assert.equal(out.finalText, "Fixed.");
    assert.equal(out.error, undefined);
    const failed = codex.parse(JSON.stringify({ type: "turn.failed", error: { message: "stream closed" } }));
    assert.match(failed.error ?? "", /stream closed/);
    const gaveUp = codex.parse(JSON.stringify({ type: "error", message: "Reconnecting... 5/5" }));
    assert.match(gaveUp.error ?? "", /Reconnecting/);
    assert.equal(unwrapShell("ls -la"), "ls -la");
    assert.equal(unwrapShell("bash -lc 'git diff'"), "git diff");
    assert.equal(unwrapShell(`/bin/bash -lc "grep -n 'a \\"b\\"' \\$F"`), `grep -n 'a "b"' $F`);
  });

  describe("against the fake server", {
    skip: CODEX ? false : "set FC_TEST_CODEX=/path/to/codex to run",
  }, () => {
    const fake = useFakeOpenAI();
    it("runs codex exec in the mcp arm: an explore call through our MCP server, a shell command, an answer", async () => {
      await withCalcTask(fake.server.url, "cx-1", async (calc) => {
        // Codex 0.169 offers MCP tools as a Responses API namespace (`mcp__fastcontext`) and the
        // shell as `exec_command`.
        fake.server.enqueue(
          reply().toolCall("explore", { query: "where is add?" }, { namespace: "mcp__fastcontext" }).usage(500, 10),
          reply().toolCall("exec_command", { cmd: "sed -i 's/a - b/a + b/' src/calc.py" }).usage(600, 10),
          reply().content("Fixed add().").usage(700, 5),
        );
        const record = await runCalcArm(calc, { name: "codex", bin: CODEX! }, "mcp", 120_000);
        const requests = fake.server.responsesRequests();
        const offered = ((requests[0]?.body?.tools ?? []) as Array<{ name?: string }>).map((t) => t.name);
        assert.equal(record.explorer_calls, 1, `${JSON.stringify(record)} offered: ${offered.join(",")}`);
        assert.equal(record.localization?.edited_gold_lines, true, JSON.stringify(record));
        assert.equal(record.main.promptTokens, 500 + 600 + 700);
        assert.equal(record.main.completionTokens, 10 + 10 + 5);
        assert.equal(record.main.missingUsage, 0);
        assert.equal(requests.length, 3);
        assert.ok(offered.includes("mcp__fastcontext"), offered.join(","));
        assert.ok(!offered.includes("web_search"), offered.join(","));
        assert.equal(requests[0]!.body!.stream, true);
        assert.equal(requests[0]!.headers.authorization, "Bearer unused");
      });
    });

    it("runs the cli arm: the fastcontext shim on the agent's PATH answers with citations", async () => {
      await withCalcTask(fake.server.url, "cx-2", async (calc) => {
        const hasTools = (b: Record<string, unknown>) => Array.isArray(b.tools) && b.tools.length > 0;
        fake.server.match((b) => !hasTools(b), reply().content("ok").usage(5, 2), { times: Number.POSITIVE_INFINITY });
        fake.server.match(
          hasTools,
          reply().toolCall("exec_command", { cmd: "fastcontext -q 'where is add defined?' --citation" }).usage(100, 5),
        );
        fake.server.match(hasTools, reply().content("It is in src/calc.py.").usage(200, 3));
        const record = await runCalcArm(calc, { name: "codex", bin: CODEX! }, "cli", 180_000);
        assert.equal(record.explorer_calls, 1, JSON.stringify(record));
        assert.equal(record.main.promptTokens, 300);
        const trajectory = readFileSync(join(calc.out, "trajectories", "cx-2.cli.json"), "utf8");
        assert.match(trajectory, /src\/calc\.py:1-2/);
      });
    });
  });
});
