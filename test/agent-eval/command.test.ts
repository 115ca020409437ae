import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseArms } from "../../src/agent-eval/command.js";
import { reply, useFakeOpenAI } from "../support/fake-openai-server.js";
import { tmpRepo } from "../support/tmp-repo.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "fastcontext.js");

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe("fastcontext eval agent (CLI)", () => {
  const fake = useFakeOpenAI();

  it("runs the arms, prints the summary on stdout, progress on stderr, and writes the report files", async () => {
    const repo = await tmpRepo({ files: { "lib/x.js": "module.exports = 1;\n" }, git: true, commit: true });
    const dir = mkdtempSync(join(tmpdir(), "fc-agent-cli-"));
    try {
      const tasks = join(dir, "tasks.jsonl");
      const task = {
        instance_id: "x-1",
        repo: "local/x",
        base_commit: repo.git("rev-parse", "HEAD").trim(),
        problem_statement: "x should be 2",
        locations: [{ path: "lib/x.js", file_lines: 1, deleted_lines: [1], insert_after: [] }],
      };
      writeFileSync(tasks, `${JSON.stringify(task)}\n`);
      fake.server.enqueue(
        reply().toolCall("bash", { command: "sed -i 's/1/2/' lib/x.js" }).usage(50, 5),
        reply().toolCall("bash", { command: "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" }).usage(60, 5),
      );
      const out = join(dir, "out");
      const r = await cli([
        "eval",
        "agent",
        "--tasks",
        tasks,
        "--repo-dir",
        repo.root,
        "--cache",
        join(dir, "cache"),
        "--base-url",
        fake.server.url,
        "--model",
        "fake-model",
        "--arms",
        "without",
        "--out",
        out,
        "--test-cmd",
        "grep -q 2 lib/x.js",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\| arm \| tasks \|/);
      assert.match(r.stdout, /\| without \| 1 \| 0 \| 1 \| 100\.0% /);
      assert.match(r.stderr, /x-1 \[without\] submitted, 2 steps, 120 main tokens/);
      for (const f of ["agent-results.jsonl", "agent-summary.json", "agent-summary.md", "agent-report.html"])
        assert.ok(existsSync(join(out, f)), f);
      assert.match(readFileSync(join(out, "agent-report.html"), "utf8"), /<svg/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      repo.cleanup();
    }
  });

  it("rejects unknown arms and missing flags with exit 2 and one sentence", async () => {
    assert.throws(() => parseArms("without,bogus"), /unknown arm "bogus"/);
    const r = await cli(["eval", "agent", "--tasks", "/nonexistent.jsonl"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs --base-url/);
    assert.equal(r.stdout, "");
  });

  it("offers the opencode, qwen-code and codex adapters under --agent", async () => {
    const r = await cli([
      "eval",
      "agent",
      "--tasks",
      "/nonexistent.jsonl",
      "--base-url",
      "http://127.0.0.1:9/v1",
      "--model",
      "m",
      "--agent",
      "claude",
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown agent "claude"; expected builtin or opencode, qwen-code, codex/);
  });
});
