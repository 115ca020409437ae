/**
 * The Qwen Code adapter end to end against the fake server: `qwen -p` itself (a real CLI) runs
 * headless in the task's tree with a private HOME, reaches the scripted model over chat completions
 * through the metering proxy, calls our MCP server's explore tool, reads the file (Qwen Code edits only what it has read), runs
 * a shell command that fixes the bug and answers. Qwen Code is not a dependency: set FC_TEST_QWEN to its executable to run the
 * end to end test (BENCHMARKS.md records a run); without it that test is skipped and says why.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { qwenCode } from "../../src/agent-eval/cli-agents/qwen-code.js";
import { qwenSettings } from "../../src/agent-eval/cli-agents.js";
import { reply, useFakeOpenAI } from "../support/fake-openai-server.js";
import { runCalcArm, withCalcTask } from "./support/calc-task.js";

const QWEN = process.env.FC_TEST_QWEN;

// biome-ignore lint/suspicious/noExplicitAny: the test walks Qwen Code's nested settings.
type Settings = Record<string, any>;

const base = {
  agent: "qwen-code" as const,
  cwd: "/tmp/work",
  baseUrl: "http://127.0.0.1:1/m/t/main",
  model: "m1",
  prompt: "p",
  explorer: {},
  env: {},
  wallTimeMs: 1000,
};

describe("qwen-code adapter", () => {
  it("writes private settings (OpenAI auth, no telemetry, our MCP server for the mcp arm) and the env for the metered URL", () => {
    const mcp = qwenSettings({ ...base, arm: "mcp" }) as Settings;
    assert.equal(mcp.security.auth.selectedType, "openai");
    assert.equal(mcp.model.name, "m1");
    assert.equal(mcp.privacy.usageStatisticsEnabled, false);
    assert.deepEqual(mcp.mcpServers.fastcontext.args.slice(-3), ["mcp", "--allow-root", "/tmp/work"]);
    assert.equal(mcp.mcpServers.fastcontext.env.FC_POLICY, "embedded");
    assert.equal(mcp.mcpServers.fastcontext.alwaysLoadTools, true);
    assert.equal((qwenSettings({ ...base, arm: "without" }) as Settings).mcpServers, undefined);
    const home = mkdtempSync(join(tmpdir(), "fc-qwen-home-"));
    try {
      const run = qwenCode.prepare({ ...base, arm: "cli", env: { PATH: "/shim:/bin" } }, home);
      assert.equal(run.env.HOME, home);
      assert.equal(run.env.OPENAI_BASE_URL, "http://127.0.0.1:1/m/t/main");
      assert.equal(run.env.OPENAI_MODEL, "m1");
      assert.equal(run.env.PATH, "/shim:/bin");
      assert.deepEqual(run.argv.slice(0, 2), ["-p", "p"]);
      assert.match(run.argv[run.argv.indexOf("--append-system-prompt") + 1]!, /fastcontext -q/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("reads stream-json: shell and MCP tool_use blocks, failed results, the result's usage and turns", () => {
    const lines = [
      { type: "system", subtype: "init", tools: ["run_shell_command"] },
      { type: "assistant", message: { content: [{ type: "text", text: "Looking." }], usage: { input_tokens: 0 } } },
      {
        type: "assistant",
        message: {
          content: [{ type: "tool_use", id: "c1", name: "mcp__fastcontext__explore", input: { query: "q" } }],
          usage: { input_tokens: 100, output_tokens: 5 },
        },
      },
      {
        type: "assistant",
        message: {
          content: [{ type: "tool_use", id: "c2", name: "run_shell_command", input: { command: "false" } }],
          usage: { input_tokens: 150, output_tokens: 5 },
        },
      },
      {
        type: "user",
        message: { content: [{ type: "tool_result", tool_use_id: "c2", is_error: true, content: "x" }] },
      },
      {
        type: "result",
        subtype: "success",
        is_error: false,
        num_turns: 3,
        result: "Done.",
        usage: { input_tokens: 450, output_tokens: 13 },
      },
    ];
    const out = qwenCode.parse(lines.map((l) => JSON.stringify(l)).join("\n"));
    assert.deepEqual(
      out.actions.map((a) => [a.tool, a.input, a.returncode]),
      [
        ["explore", '{"query":"q"}', null],
        ["bash", "false", 1],
      ],
    );
    assert.equal(out.steps, 3);
    assert.equal(out.promptTokens, 450);
    assert.equal(out.completionTokens, 13);
    assert.equal(out.finalText, "Done.");
    assert.equal(out.error, undefined);
    const failed = qwenCode.parse(
      JSON.stringify({ type: "result", subtype: "error_during_execution", is_error: true, error: { message: "boom" } }),
    );
    assert.match(failed.error ?? "", /error_during_execution: boom/);
    assert.match(qwenCode.parse("").error ?? "", /no result/);
  });

  describe("against the fake server", {
    skip: QWEN ? false : "set FC_TEST_QWEN=/path/to/qwen to run",
  }, () => {
    const fake = useFakeOpenAI();
    it("runs qwen -p in the mcp arm: an explore call through our MCP server, a read, a shell command, an answer", async () => {
      await withCalcTask(fake.server.url, "qw-1", async (calc) => {
        // Side requests without tools (a title, a summary), if any, get a short answer.
        const hasTools = (b: Record<string, unknown>) => Array.isArray(b.tools) && b.tools.length > 0;
        fake.server.match((b) => !hasTools(b), reply().content("ok").usage(5, 2), { times: Number.POSITIVE_INFINITY });
        fake.server.match(
          hasTools,
          reply().toolCall("mcp__fastcontext__explore", { query: "where is add?" }).usage(500, 10),
        );
        // Qwen Code edits a file (even with sed -i) only after its read_file has seen it, and
        // read_file takes an absolute path: the scripted model reads it in the tree named in the
        // prompt, as a real model would.
        const read = reply().usage(550, 10);
        fake.server.match((b) => {
          if (!hasTools(b)) return false;
          const prompt = JSON.stringify(b.messages ?? []);
          const tree = new RegExp(`${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/fc-agent-work-[A-Za-z0-9]+`).exec(
            prompt,
          )?.[0];
          read.toolCall("read_file", { file_path: `${tree ?? "(no tree in the prompt)"}/src/calc.py` });
          return true;
        }, read);
        fake.server.match(
          hasTools,
          reply().toolCall("run_shell_command", { command: "sed -i 's/a - b/a + b/' src/calc.py" }).usage(600, 10),
        );
        fake.server.match(hasTools, reply().content("Fixed add().").usage(700, 5));
        const record = await runCalcArm(calc, { name: "qwen-code", bin: QWEN! }, "mcp", 180_000);
        const withTools = fake.server.chatRequests().filter((r) => hasTools(r.body ?? {}));
        const offered = (withTools[0]?.body?.tools as Settings[] | undefined)?.map((t) => t.function.name) ?? [];
        assert.equal(record.explorer_calls, 1, `${JSON.stringify(record)} offered: ${offered.join(",")}`);
        assert.equal(record.localization?.edited_gold_lines, true, JSON.stringify(record));
        assert.equal(record.main.promptTokens, 500 + 550 + 600 + 700);
        assert.equal(record.main.completionTokens, 10 + 10 + 10 + 5);
        assert.equal(record.main.missingUsage, 0);
        assert.equal(withTools.length, 4);
        assert.ok(offered.includes("mcp__fastcontext__explore"), offered.join(","));
        assert.ok(!offered.includes("mcp__fastcontext__health"), offered.join(","));
        assert.ok(!offered.includes("web_fetch"), offered.join(","));
      });
    });

    it("runs the cli arm: the fastcontext shim on the agent's PATH answers with citations", async () => {
      await withCalcTask(fake.server.url, "qw-2", async (calc) => {
        const hasTools = (b: Record<string, unknown>) => Array.isArray(b.tools) && b.tools.length > 0;
        fake.server.match((b) => !hasTools(b), reply().content("ok").usage(5, 2), { times: Number.POSITIVE_INFINITY });
        fake.server.match(
          hasTools,
          reply()
            .toolCall("run_shell_command", { command: "fastcontext -q 'where is add defined?' --citation" })
            .usage(100, 5),
        );
        fake.server.match(hasTools, reply().content("It is in src/calc.py.").usage(200, 3));
        const record = await runCalcArm(calc, { name: "qwen-code", bin: QWEN! }, "cli", 180_000);
        assert.equal(record.explorer_calls, 1, JSON.stringify(record));
        assert.equal(record.main.promptTokens, 300);
        const trajectory = readFileSync(join(calc.out, "trajectories", "qw-2.cli.json"), "utf8");
        assert.match(trajectory, /src\/calc\.py:1-2/);
      });
    });
  });
});
