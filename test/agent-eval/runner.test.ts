import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { startMeteringProxy } from "../../src/agent-eval/metering-proxy.js";
import { AGENT_RESULTS_FILE, runAgentEval } from "../../src/agent-eval/runner.js";
import { summarizeAgentRun } from "../../src/agent-eval/summary.js";
import { parseTask } from "../../src/eval/tasks.js";
import { reply, useFakeOpenAI } from "../support/fake-openai-server.js";
import { tmpRepo } from "../support/tmp-repo.js";

const CALC = "def sub(a, b):\n    return a - b\n\n\ndef add(a, b):\n    return a - b\n";

async function calcRepo() {
  const repo = await tmpRepo({ files: { "src/calc.py": CALC, "README.md": "calc\n" }, git: true, commit: true });
  const sha = repo.git("rev-parse", "HEAD").trim();
  const task = parseTask({
    instance_id: "calc-1",
    repo: "local/calc",
    base_commit: sha,
    problem_statement: "add() returns the difference of its arguments instead of their sum.",
    locations: [{ path: "src/calc.py", file_lines: 6, deleted_lines: [6], insert_after: [] }],
  });
  return { repo, task };
}

const bash = (command: string) => reply().toolCall("bash", { command });
const out = mkdtempSync(join(tmpdir(), "fc-agent-out-"));
after(() => rmSync(out, { recursive: true, force: true }));
const TEST_CMD = `python3 -c "import sys; sys.path.insert(0, 'src'); import calc; assert calc.add(2, 3) == 5"`;

describe("eval agent runner", () => {
  const fake = useFakeOpenAI();

  it("runs each arm on a fresh tree and records tokens from the proxy, localization and resolution", async () => {
    const { repo, task } = await calcRepo();
    const proxy = await startMeteringProxy(fake.server.url);
    const outDir = join(out, "three-arms");
    try {
      fake.server.enqueue(
        // without: search, read, edit, submit
        bash("grep -rn 'def add' .").usage(1000, 20),
        bash("sed -n '4,6p' src/calc.py").usage(1100, 20),
        bash("sed -i '6s/a - b/a + b/' src/calc.py").usage(1200, 20),
        bash("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff").usage(1300, 20),
        // cli: ask fastcontext, edit, submit
        bash('fastcontext -q "where is add computed?" --citation').usage(900, 30),
        bash("sed -i '6s/a - b/a + b/' src/calc.py").usage(950, 20),
        bash("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff").usage(1000, 20),
        // mcp: explore, edit, submit
        reply().toolCall("explore", { query: "where is add computed?" }).usage(800, 30),
        bash("sed -i '6s/a - b/a + b/' src/calc.py").usage(850, 20),
        bash("echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff").usage(900, 20),
      );
      const records = await runAgentEval({
        tasks: [task],
        arms: ["without", "cli", "mcp"],
        mirrors: { repoDir: repo.root },
        cacheDir: join(out, "cache"),
        outDir,
        main: { proxy, model: "fake-model" },
        testCmd: TEST_CMD,
        commandTimeoutMs: 60_000,
      });
      assert.deepEqual(
        records.map((r) => [r.arm, r.exit, r.steps, r.main_tokens, r.resolved, r.error]),
        [
          ["without", "submitted", 4, 4680, true, null],
          ["cli", "submitted", 3, 2920, true, null],
          ["mcp", "submitted", 3, 2620, true, null],
        ],
      );
      const [without, cli, mcp] = records;
      assert.equal(without!.explorer_calls, 0);
      assert.equal(cli!.explorer_calls, 1);
      assert.equal(mcp!.explorer_calls, 1);
      assert.equal(without!.localization?.read_gold_lines, true);
      for (const r of records) {
        assert.equal(r.localization?.edited_gold_file, true, r.arm);
        assert.equal(r.localization?.edited_gold_lines, true, r.arm);
        assert.equal(r.main.missingUsage, 0);
      }
      // The explorer answered inside the agent's shell (cli) and through MCP (mcp) with the file.
      const chats = fake.server.chatRequests();
      const toolText = (i: number) =>
        JSON.stringify((chats[i]!.body!.messages as Array<{ role: string; content: string }>).at(-1));
      assert.match(toolText(5), /src\/calc\.py:\d+-\d+/);
      assert.match(toolText(8), /src\/calc\.py/);
      // The mcp arm offered the explore tool without repo_path; the others only bash.
      const toolNames = (i: number) =>
        (chats[i]!.body!.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
      assert.deepEqual(toolNames(0), ["bash"]);
      assert.deepEqual(toolNames(7), ["bash", "explore"]);
      assert.doesNotMatch(JSON.stringify(chats[7]!.body?.tools), /repo_path/);
      // The source tree was never touched; results and trajectories are on disk.
      assert.equal(readFileSync(repo.path("src/calc.py"), "utf8"), CALC);
      assert.equal(readFileSync(join(outDir, AGENT_RESULTS_FILE), "utf8").trim().split("\n").length, 3);
      assert.ok(existsSync(join(outDir, "trajectories", "calc-1.mcp.json")));
      const summary = summarizeAgentRun(records, ["without", "cli", "mcp"], { prompt: 1, completion: 2 });
      const cliDelta = summary.deltas.find((d) => d.arm === "cli")!;
      assert.equal(cliDelta.pairs, 1);
      assert.equal(cliDelta.main_tokens.mean, 2920 - 4680);
      assert.equal(summary.arms[0]!.resolved?.mean, 1);
      assert.ok(Math.abs(summary.arms[0]!.cost! - (4600 + 2 * 80) / 1e6) < 1e-12);
    } finally {
      await proxy.close();
      repo.cleanup();
    }
  });

  it("stops at the format-error limit and at the step limit, and resumes only unfinished runs", async () => {
    const { repo, task } = await calcRepo();
    const proxy = await startMeteringProxy(fake.server.url);
    const outDir = join(out, "limits");
    const base = {
      tasks: [task],
      mirrors: { repoDir: repo.root },
      cacheDir: join(out, "cache"),
      outDir,
      main: { proxy, model: "fake-model" },
    };
    try {
      fake.server.enqueue(
        reply().content("I think the bug is in add."),
        bash("ls"),
        reply().content("done?"),
        reply().content("still no call"),
        reply().content("no call again"),
      );
      const [formatRun] = await runAgentEval({ ...base, arms: ["without"] });
      assert.equal(formatRun!.exit, "format_error");
      assert.equal(formatRun!.steps, 5);
      assert.equal(formatRun!.submitted, false);
      assert.equal(formatRun!.localization?.edited_gold_file, false);
      // Resume: the clean record is kept, nothing is asked again.
      const again = await runAgentEval({ ...base, arms: ["without"] });
      assert.equal(again[0]!.exit, "format_error");
      fake.server.enqueue(bash("ls"), bash("ls src"));
      const [stepRun] = await runAgentEval({ ...base, outDir: join(out, "steps"), arms: ["without"], stepLimit: 2 });
      assert.equal(stepRun!.exit, "step_limit");
      assert.equal(stepRun!.steps, 2);
    } finally {
      await proxy.close();
      repo.cleanup();
    }
  });

  it("records a model error honestly and keeps going", async () => {
    const { repo, task } = await calcRepo();
    const proxy = await startMeteringProxy("http://127.0.0.1:9/v1");
    try {
      const [record] = await runAgentEval({
        tasks: [task],
        arms: ["without"],
        mirrors: { repoDir: repo.root },
        cacheDir: join(out, "cache"),
        outDir: join(out, "down"),
        main: { proxy, model: "m" },
      });
      assert.equal(record!.exit, "model_error");
      assert.match(record!.error ?? "", /HTTP 502/);
    } finally {
      await proxy.close();
      repo.cleanup();
    }
  });
});
