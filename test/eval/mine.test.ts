import assert from "node:assert/strict";
import { basename } from "node:path";
import { describe, it } from "node:test";
import { mineTasks } from "../../src/eval/mine.js";
import { editFacts, hunkRanges, parseUnifiedDiff } from "../../src/eval/mine-diff.js";
import { isMinableSource, messageQualifies, messageToQuery } from "../../src/eval/mine-rules.js";
import { parseTask } from "../../src/eval/tasks.js";
import { makeRepo, numberedLines } from "./support.js";

describe("mine rules", () => {
  it("accepts issue references and fix descriptions, rejects housekeeping", () => {
    assert.equal(messageQualifies("Handle empty headers (#123)"), "issue");
    assert.equal(messageQualifies("Support proxies\n\nCloses GH-77"), "issue");
    assert.equal(messageQualifies("PROJ-42 handle timeouts"), "issue");
    assert.equal(messageQualifies("Fix crash on empty input"), "fix");
    assert.equal(messageQualifies("Avoid regression in the loader"), "fix");
    assert.equal(messageQualifies("Add colour option"), null);
    assert.equal(messageQualifies("Use utf-8 everywhere"), null, "utf-8 is not a Jira key");
    assert.equal(messageQualifies("Merge branch 'fix-x'"), null);
    assert.equal(messageQualifies("Bump version to 2.0 (#99)"), null);
  });

  it("strips trailers and cherry-pick notes from the query", () => {
    const message =
      "Fix crash (#12)\n\nThe parser indexed an empty list.\n\n(cherry picked from commit abc123)\nSigned-off-by: Dev <d@x>\nCo-authored-by: Other <o@x>\nChange-Id: I1234";
    assert.equal(messageToQuery(message), "Fix crash (#12)\n\nThe parser indexed an empty list.");
  });

  it("keeps source files and drops tests, docs, lockfiles, generated and vendored paths", () => {
    for (const p of ["src/app.py", "lib/x/y.ts", "main.go"]) assert.ok(isMinableSource(p), p);
    for (const p of [
      "tests/test_app.py",
      "src/app_test.go",
      "src/x.test.ts",
      "testing/util.py",
      "conftest.py",
      "docs/conf.py",
      "README.md",
      "package-lock.json",
      "vendor/lib.go",
      "third_party/x.c",
      "proto/x_pb2.py",
      "dist/app.min.js",
    ]) {
      assert.ok(!isMinableSource(p), p);
    }
  });
});

describe("mine diff parsing", () => {
  const diff = [
    "diff --git a/src/app.py b/src/app.py",
    "--- a/src/app.py",
    "+++ b/src/app.py",
    "@@ -10,2 +10,2 @@ def f():",
    "-a",
    "-b",
    "+c",
    "+d",
    "@@ -20,0 +21 @@",
    "+inserted",
    "@@ -30 +31,0 @@",
    "-gone",
  ].join("\n");

  it("turns -U0 hunks into deleted lines and insertion points", () => {
    const files = parseUnifiedDiff(diff);
    assert.equal(files.length, 1);
    assert.equal(files[0]?.path, "src/app.py");
    assert.deepEqual(editFacts(files[0]!.hunks), { deleted: [10, 11, 30], insertAfter: [20], added: 3 });
    assert.deepEqual(hunkRanges(files[0]!.hunks), [
      [10, 11],
      [20, 20],
      [30, 30],
    ]);
  });
});

describe("mineTasks on a real repository", () => {
  const app = (edit: (lines: string[]) => void) => {
    const lines = numberedLines(40, "code").split("\n").slice(0, 40);
    lines[4] = "def parse_header(value):";
    edit(lines);
    return `${lines.join("\n")}\n`;
  };
  const { dir, shas } = makeRepo([
    {
      message: "Initial import",
      files: {
        "src/app.py": app(() => undefined),
        "src/util.py": numberedLines(10, "util"),
        "src/a1.py": "1\n",
        "src/a2.py": "2\n",
        "src/a3.py": "3\n",
        "src/a4.py": "4\n",
        "tests/test_app.py": "def test():\n    pass\n",
        "docs/guide.md": "guide\n",
      },
    },
    {
      message:
        "Fix crash in parse_header when the header is empty (#12)\n\nThe parser indexed an empty list.\n\nSigned-off-by: Dev <d@x>",
      files: {
        "src/app.py": app((l) => {
          l[9] = "    if not value:";
          l[10] = "        return None";
          l.splice(20, 0, "    # handle the empty case");
        }),
        "tests/test_app.py": "def test():\n    assert parse_header('') is None\n",
      },
    },
    { message: "Add colour option", files: { "src/util.py": numberedLines(10, "colour") } },
    { message: "Fix typo in the guide", files: { "docs/guide.md": "guide, fixed\n" } },
    { message: "Fix bug: add missing import", files: { "src/a1.py": "import os\n1\n" } },
    {
      message: "Fix #40: touch everything",
      files: { "src/a1.py": "x\n", "src/a2.py": "x\n", "src/a3.py": "x\n", "src/a4.py": "x\n" },
    },
    {
      message: "Closes GH-7: wrong default in util and app",
      files: {
        "src/util.py": numberedLines(10, "colour").replace("colour 3", "default 3"),
        "src/app.py": app((l) => {
          l[9] = "    if not value:";
          l[10] = "        return None";
          l.splice(20, 0, "    # handle the empty case");
          l[0] = "changed 1";
        }),
      },
    },
  ]);

  it("mines the fix commits only, newest first, with pre-image gold and the parent as base", async () => {
    const { tasks, stats, repo } = await mineTasks({ repo: dir, name: "acme/widget" });
    assert.equal(repo, "acme/widget");
    assert.equal(stats.examined, 7);
    assert.deepEqual(
      tasks.map((t) => t.fix_commit),
      [shas[6], shas[1]],
    );

    const fix = tasks[1]!;
    assert.equal(fix.instance_id, `widget-${shas[1]!.slice(0, 7)}`);
    assert.equal(fix.base_commit, shas[0]);
    assert.equal(
      fix.problem_statement,
      "Fix crash in parse_header when the header is empty (#12)\n\nThe parser indexed an empty list.",
    );
    assert.deepEqual(fix.gold_files, ["src/app.py"]);
    const loc = fix.locations[0]!;
    assert.equal(loc.file_lines, 40);
    assert.deepEqual(loc.deleted_lines, [10, 11]);
    assert.deepEqual(loc.insert_after, [20]);
    assert.deepEqual(loc.edit_ranges, [
      [10, 11],
      [20, 21],
    ]);
    assert.deepEqual(loc.hunk_ranges, [
      [7, 14],
      [18, 23],
    ]);
    assert.equal(loc.function_spans, null);
    assert.ok(!fix.problem_statement.includes("return None"), "the query never contains the fix");

    const two = tasks[0]!;
    assert.deepEqual(two.gold_files, ["src/app.py", "src/util.py"]);
    assert.equal(two.base_commit, shas[5]);

    // The output is a valid task for `eval`.
    const parsed = parseTask(JSON.parse(JSON.stringify(fix)));
    assert.deepEqual(parsed.locations[0]?.edit_ranges, [
      [10, 11],
      [20, 21],
    ]);
  });

  it("honours --limit and names a repository without a remote local/<dir>", async () => {
    const { tasks, repo } = await mineTasks({ repo: dir, limit: 1 });
    assert.equal(tasks.length, 1);
    assert.equal(repo, `local/${basename(dir)}`);
  });
});
