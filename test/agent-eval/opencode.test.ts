/**
 * The opencode adapter end to end against the fake server: opencode itself (a real binary) runs
 * headless in the task's tree, reaches the scripted model through the metering proxy, runs a bash
 * command and calls our MCP server's explore tool. opencode is a ~350 MB native download, so it is
 * not a dependency: set FC_TEST_OPENCODE to its executable to run this test (BENCHMARKS.md records a
 * run); without it the test is skipped and says why.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { opencodeConfig } from "../../src/agent-eval/cli-agents.js";
import { reply, useFakeOpenAI } from "../support/fake-openai-server.js";
import { runCalcArm, withCalcTask } from "./support/calc-task.js";

const OPENCODE = process.env.FC_TEST_OPENCODE;

// biome-ignore lint/suspicious/noExplicitAny: the test walks opencode's nested, schema-less config.
type Config = Record<string, any>;

describe("opencode adapter", () => {
  it("writes a private config: metered provider, our MCP server for the mcp arm, guidance as instructions", () => {
    const base = {
      agent: "opencode" as const,
      cwd: "/tmp/work",
      baseUrl: "http://127.0.0.1:1/m/t/main",
      model: "m1",
      prompt: "p",
      explorer: {},
      env: {},
      wallTimeMs: 1000,
    };
    const mcp = opencodeConfig({ ...base, arm: "mcp" }, "/h/g.md") as Config;
    assert.equal(mcp.provider.fc.options.baseURL, "http://127.0.0.1:1/m/t/main");
    assert.equal(mcp.model, "fc/m1");
    assert.deepEqual(mcp.instructions, ["/h/g.md"]);
    assert.deepEqual(mcp.mcp.fastcontext.command.slice(-3), ["mcp", "--allow-root", "/tmp/work"]);
    assert.equal(mcp.mcp.fastcontext.environment.FC_POLICY, "embedded");
    assert.equal(mcp.permission.webfetch, "deny");
    const without = opencodeConfig({ ...base, arm: "without" }, "/h/g.md") as Config;
    assert.equal(without.mcp, undefined);
  });

  describe("against the fake server", {
    skip: OPENCODE ? false : "set FC_TEST_OPENCODE=/path/to/opencode to run",
  }, () => {
    const fake = useFakeOpenAI();
    it("runs opencode in the mcp arm: a bash command, an explore call through our MCP server, an edit", async () => {
      await withCalcTask(fake.server.url, "oc-1", async (calc) => {
        // opencode also asks for a session title (no tools); the agent's turns carry tools.
        const hasTools = (b: Record<string, unknown>) => Array.isArray(b.tools) && b.tools.length > 0;
        fake.server.match((b) => !hasTools(b), reply().content("Fix add").usage(5, 2), {
          times: Number.POSITIVE_INFINITY,
        });
        fake.server.match(hasTools, reply().toolCall("fastcontext_explore", { query: "where is add?" }).usage(500, 10));
        fake.server.match(
          hasTools,
          reply()
            .toolCall("bash", { command: "sed -i 's/a - b/a + b/' src/calc.py", description: "fix" })
            .usage(600, 10),
        );
        fake.server.match(hasTools, reply().content("Fixed.").usage(700, 5));
        const record = await runCalcArm(calc, { name: "opencode", bin: OPENCODE! }, "mcp", 120_000);
        assert.equal(record.explorer_calls, 1, JSON.stringify(record));
        assert.equal(record.localization?.edited_gold_lines, true, JSON.stringify(record));
        assert.ok(record.main_tokens >= 500 + 10 + 600 + 10 + 700 + 5, String(record.main_tokens));
        const toolsOffered = (
          fake.server.chatRequests().find((r) => hasTools(r.body ?? {}))!.body!.tools as Config[]
        ).map((t) => t.function.name);
        assert.ok(toolsOffered.includes("fastcontext_explore"), toolsOffered.join(","));
      });
    });
  });
});
