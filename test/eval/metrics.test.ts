import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { accAtK, distinctPaths, lineSet, normalizePath, scoreCitations } from "../../src/eval/metrics.js";
import { deriveEditRanges, parseTask } from "../../src/eval/tasks.js";
import { makeTask } from "./support.js";

const cite = (path: string, start: number, end = start) => ({ path, start, end });
const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} != ${expected}`);

describe("normalizePath", () => {
  it("strips ./ and leading slashes and turns backslashes into slashes", () => {
    assert.equal(normalizePath("./src/a.py"), "src/a.py");
    assert.equal(normalizePath("/src/a.py"), "src/a.py");
    assert.equal(normalizePath("././/src//a.py"), "src/a.py");
    assert.equal(normalizePath("src\\pkg\\a.py"), "src/pkg/a.py");
    assert.equal(normalizePath("src/./a.py"), "src/a.py");
  });
});

describe("scoreCitations: line level (gold edit 10-12,20 = 4 lines; hunk 7-15,17-23 = 16 lines)", () => {
  const task = makeTask();

  it("scores a partial overlap against edit and hunk ranges", () => {
    const s = scoreCitations([cite("src/a.py", 11, 20)], task);
    // 10 cited lines; edit ∩ = {11,12,20}; hunk ∩ = 11-15 and 17-20 = 9.
    close(s.line_precision_edit, 3 / 10);
    close(s.line_recall_edit, 3 / 4);
    close(s.line_f1_edit, (2 * 0.3 * 0.75) / (0.3 + 0.75));
    close(s.line_precision_hunk, 9 / 10);
    close(s.line_recall_hunk, 9 / 16);
    close(s.line_f1_hunk, (2 * 0.9 * 0.5625) / (0.9 + 0.5625));
    assert.equal(s.line_hit_edit, 1);
    assert.equal(s.line_hit_hunk, 1);
    assert.equal(s.cited_lines, 10);
  });

  it("counts duplicate and overlapping citations once, whatever their path spelling", () => {
    const s = scoreCitations(
      [cite("./src/a.py", 10, 12), cite("src/a.py", 11, 12), cite("/src/a.py", 12, 13), cite("src\\a.py", 10, 10)],
      task,
    );
    assert.equal(s.cited_lines, 4); // 10,11,12,13
    close(s.line_precision_edit, 3 / 4);
    close(s.line_recall_edit, 3 / 4);
    assert.equal(s.cited_files, 1);
    assert.equal(s.file_precision, 1);
    assert.equal(s.file_acc_at_1, 1);
  });

  it("misses when the lines are in the right file but outside the gold", () => {
    const s = scoreCitations([cite("src/a.py", 30, 40)], task);
    assert.equal(s.line_hit_edit, 0);
    assert.equal(s.line_recall_edit, 0);
    assert.equal(s.line_f1_edit, 0);
    assert.equal(s.file_acc_at_1, 1);
    assert.equal(s.function_hit, 0);
  });

  it("swaps an inverted span instead of dropping it", () => {
    const s = scoreCitations([cite("src/a.py", 12, 10)], task);
    assert.equal(s.cited_lines, 3);
    close(s.line_recall_edit, 3 / 4);
  });
});

describe("scoreCitations: file level", () => {
  const task = makeTask();

  it("computes Acc@k and MRR over distinct paths in rank order (repeated files count once)", () => {
    const s = scoreCitations(
      [
        cite("b.py", 1, 2),
        cite("b.py", 5, 6),
        cite("c.py", 1),
        cite("./b.py", 9),
        cite("d.py", 1),
        cite("src/a.py", 10),
      ],
      task,
    );
    // distinct: b, c, d, src/a.py → gold at rank 4
    assert.deepEqual([s.file_acc_at_1, s.file_acc_at_3, s.file_acc_at_5], [0, 0, 1]);
    close(s.mrr, 1 / 4);
    assert.equal(s.first_gold_rank, 4);
    close(s.file_precision, 1 / 4);
    assert.equal(s.file_recall, 1);
    close(s.file_f1, (2 * 0.25) / 1.25);
  });

  it("gives MRR 0 and Acc 0 when the gold file is absent", () => {
    const s = scoreCitations([cite("b.py", 1)], task);
    assert.equal(s.mrr, 0);
    assert.equal(s.first_gold_rank, 0);
    assert.equal(s.file_acc_at_5, 0);
  });

  it("needs every gold file in the top k when a task has several", () => {
    const two = makeTask({ gold_files: ["src/a.py", "src/b.py"] });
    const s = scoreCitations([cite("src/b.py", 1), cite("x.py", 1), cite("src/a.py", 10)], two);
    assert.deepEqual([s.file_acc_at_1, s.file_acc_at_3], [0, 1]);
    assert.equal(s.mrr, 1);
    close(s.file_recall, 1);
    close(s.file_precision, 2 / 3);
    assert.equal(accAtK(["a"], new Set<string>(), 1), 0, "no gold file: never a hit");
  });
});

describe("scoreCitations: empty answers and function spans", () => {
  it("scores an empty answer 0 everywhere without NaN", () => {
    const s = scoreCitations([], makeTask());
    for (const [key, value] of Object.entries(s)) {
      if (typeof value === "number") {
        assert.ok(Number.isFinite(value), `${key} is not finite`);
        assert.equal(value, 0, key);
      }
    }
    assert.equal(s.function_applicable, true);
  });

  it("hits a function when any citation overlaps its span", () => {
    assert.equal(scoreCitations([cite("src/a.py", 1, 5)], makeTask()).function_hit, 1);
    assert.equal(scoreCitations([cite("src/a.py", 15, 16)], makeTask()).function_hit, 0);
    assert.equal(scoreCitations([cite("src/other.py", 5, 14)], makeTask()).function_hit, 0);
  });

  it("marks tasks without function spans as not applicable (not NaN, not null)", () => {
    for (const spans of [null, []] as const) {
      const s = scoreCitations(
        [cite("src/a.py", 1, 100)],
        makeTask({ location: { function_spans: spans === null ? null : [] } }),
      );
      assert.equal(s.function_applicable, false);
      assert.equal(s.function_hit, 0);
    }
  });
});

describe("insert-only gold", () => {
  it("derives edit ranges from both neighbours of an insertion, clipped to the file", () => {
    assert.deepEqual(deriveEditRanges([], [30], 100), [[30, 31]]);
    assert.deepEqual(deriveEditRanges([], [0], 100), [[1, 1]]);
    assert.deepEqual(deriveEditRanges([], [100], 100), [[100, 100]]);
    assert.deepEqual(deriveEditRanges([5, 6, 7, 9], [7], 100), [[5, 9]]);
  });

  it("scores a citation touching one neighbour of a pure insertion as a hit with recall 1/2", () => {
    const task = parseTask({
      instance_id: "x-1",
      repo: "o/n",
      base_commit: "abcdef1",
      problem_statement: "q",
      locations: [{ path: "m.py", file_lines: 50, deleted_lines: [], insert_after: [30], hunk_ranges: [[28, 33]] }],
    });
    assert.deepEqual(task.locations[0]?.edit_ranges, [[30, 31]]);
    assert.deepEqual(task.gold_files, ["m.py"]);
    const s = scoreCitations([cite("m.py", 31, 40)], task);
    assert.equal(s.line_hit_edit, 1);
    close(s.line_recall_edit, 1 / 2);
    close(s.line_recall_hunk, 3 / 6);
  });
});

describe("helpers", () => {
  it("distinctPaths keeps first-cited order", () => {
    assert.deepEqual(distinctPaths([cite("b", 1), cite("./a", 1), cite("b", 2)]), ["b", "a"]);
  });
  it("lineSet clamps to line 1 and keys by normalized path", () => {
    assert.deepEqual([...lineSet([cite("./x", 0, 2)])], ["x\u00001", "x\u00002"]);
  });
});
