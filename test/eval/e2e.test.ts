/**
 * End to end through the real CLI: build a small repository with a fix commit, mine it into a task,
 * run `eval` for each policy under test, check the report files, resume, and compare.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { PolicyName } from "../../src/core/types.js";
import { git, makeRepo, tempDir } from "./support.js";

/** The policies the e2e runs. */
const POLICIES_UNDER_TEST: PolicyName[] = ["bm25", "embedded"];

const BIN = fileURLToPath(new URL("../../bin/fastcontext.js", import.meta.url));
const cacheHome = tempDir("fc-xdg-");

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...process.env, XDG_CACHE_HOME: cacheHome, FC_LOG_LEVEL: "warn" } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const SUMMARY_KEYS = [
  "n",
  "file_acc_at_1",
  "file_acc_at_3",
  "file_acc_at_5",
  "mrr",
  "line_hit_edit",
  "line_f1_edit",
  "line_f1_hunk",
  "cited_lines_median",
  "wall_s_p50",
  "errors",
  "peak_rss_mb",
  "wall_s_total",
  "command",
  "per_repo",
  "ci",
];

describe("eval end to end", () => {
  const filler = (name: string, n: number) =>
    Array.from({ length: n }, (_, i) => `def ${name}_${i}(x):\n    return x + ${i}\n`).join("");
  const headersV1 = `${filler("helper", 20)}def parse_header(value):\n    parts = value.split(";")\n    return parts[0].strip()\n${filler("tail", 20)}`;
  const headersV2 = headersV1.replace(
    '    parts = value.split(";")\n    return parts[0].strip()',
    '    if not value:\n        return None\n    return value.split(";")[0].strip()',
  );
  const { dir } = makeRepo([
    {
      message: "Initial import",
      files: {
        "src/widget/headers.py": headersV1,
        "src/widget/render.py": filler("render", 30),
        "src/widget/colours.py": filler("colour", 30),
        "README.md": "widget\n",
      },
    },
    {
      message:
        "Fix crash in parse_header when the header value is empty (#12)\n\nparse_header raised IndexError on an empty header value.",
      files: {
        "src/widget/headers.py": headersV2,
        "tests/test_headers.py": "def test_empty():\n    assert parse_header('') is None\n",
      },
    },
  ]);
  const work = tempDir();
  const tasksFile = join(work, "tasks.jsonl");
  const statusBefore = git(dir, "status", "--porcelain");

  it("mines the fix commit into a task", async () => {
    const r = await cli(["eval", "mine", "--repo", dir, "--name", "acme/widget", "--out", tasksFile], work);
    assert.equal(r.code, 0, r.stderr);
    const tasks = readFileSync(tasksFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { gold_files: string[]; problem_statement: string });
    assert.equal(tasks.length, 1);
    assert.deepEqual(tasks[0]?.gold_files, ["src/widget/headers.py"]);
    assert.match(r.stderr, /1 task written/);
  });

  for (const policy of POLICIES_UNDER_TEST) {
    it(`runs eval with the ${policy} policy and writes sane reports`, async () => {
      const out = join(work, `out-${policy}`);
      const r = await cli(["eval", "--tasks", tasksFile, "--repo-dir", dir, "--policy", policy, "--out", out], work);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`# fastcontext eval: ${policy}`));
      assert.match(r.stderr, /\[1\/1\] widget-/, "one progress line per task when stderr is not a TTY");

      const records = readFileSync(join(out, "results.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(records.length, 1);
      const rec = records[0]!;
      for (const key of [
        "instance_id",
        "repo",
        "policy",
        "citations",
        "scores",
        "cost",
        "stop_reason",
        "partial",
        "error",
      ])
        assert.ok(key in rec, key);
      assert.equal(rec.error, null);
      assert.equal(rec.policy, policy);

      const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as Record<string, unknown>;
      for (const key of SUMMARY_KEYS) assert.ok(key in summary, `summary.json lacks ${key}`);
      assert.equal(summary.n, 1);
      assert.equal(summary.errors, 0);
      for (const key of ["file_acc_at_1", "file_acc_at_5", "mrr", "line_hit_edit", "line_f1_edit"]) {
        const v = summary[key];
        assert.ok(typeof v === "number" && v >= 0 && v <= 1, `${key} = ${String(v)}`);
      }
      if (policy === "bm25") {
        assert.equal(summary.file_acc_at_1, 1, "the only file naming parse_header ranks first");
        assert.equal(summary.line_hit_edit, 1);
      }
      assert.ok((summary.per_repo as Record<string, { n: number }>)["acme/widget"]?.n === 1);

      const md = readFileSync(join(out, "summary.md"), "utf8");
      assert.match(md, /\| File Acc@1 \| \d+\.\d% \[\d+\.\d, \d+\.\d\] \|/);
      assert.match(md, /acme\/widget \| 1 \|/);
      const html = readFileSync(join(out, "report.html"), "utf8");
      assert.match(html, /^<!doctype html>/);
      assert.ok((html.match(/<svg /g) ?? []).length >= 4, "bars, scatter and two histograms");
      assert.ok(
        !/<script|<link|https?:\/\/|@import|url\(/i.test(html),
        "self-contained: no script, stylesheet link or URL",
      );
      assert.match(html, /widget-[0-9a-f]{7}/);
    });
  }

  it("resumes without re-running scored tasks, compares runs, and never writes into the evaluated repository", async () => {
    const policy = POLICIES_UNDER_TEST[0]!;
    const out = join(work, `out-${policy}`);
    const again = await cli(
      ["eval", "--tasks", tasksFile, "--repo-dir", dir, "--policy", policy, "--out", out, "--quiet"],
      work,
    );
    assert.equal(again.code, 0, again.stderr);
    assert.equal(readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").length, 1);

    const cmp = await cli(["eval", "compare", out, join(out, "summary.json")], work);
    assert.equal(cmp.code, 0, cmp.stderr);
    assert.match(cmp.stdout, /1 paired tasks/);
    assert.match(cmp.stdout, /no significant difference/);

    assert.equal(git(dir, "status", "--porcelain"), statusBefore);
    assert.equal(existsSync(join(dir, "eval-out")), false);
  });

  it("fails clearly for a model policy without an endpoint and for a missing mirror", async () => {
    const r = await cli(
      ["eval", "--tasks", tasksFile, "--repo-dir", dir, "--policy", "model", "--out", join(work, "m")],
      work,
    );
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"model" policy needs an endpoint/);
    const m = await cli(
      ["eval", "--tasks", tasksFile, "--mirrors", work, "--policy", "bm25", "--out", join(work, "x")],
      work,
    );
    assert.equal(m.code, 2);
    assert.match(m.stderr, /no mirror for acme\/widget/);
  });
});
