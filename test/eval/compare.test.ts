import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { compareRuns, conclusion, loadRun, type RunRows, renderCompareMd } from "../../src/eval/compare.js";
import { RATE_METRICS, type RateMetric } from "../../src/eval/metrics.js";
import type { TaskRow } from "../../src/eval/summary.js";
import { tempDir } from "./support.js";

function row(
  id: string,
  values: Partial<Record<RateMetric, number>> & { cited_lines?: number; wall_s?: number } = {},
): TaskRow {
  const rates = Object.fromEntries(RATE_METRICS.map((m) => [m, values[m] ?? 0])) as Record<RateMetric, number>;
  return {
    instance_id: id,
    repo: "o/n",
    ...rates,
    function_applicable: true,
    first_gold_rank: 0,
    cited_lines: values.cited_lines ?? 100,
    wall_s: values.wall_s ?? 1,
    error: null,
    stop_reason: "answered",
  };
}

const ids = Array.from({ length: 40 }, (_, i) => `t${i}`);
const run = (label: string, f: (id: string, i: number) => TaskRow): RunRows => ({
  label,
  policy: "p",
  rows: ids.map(f),
});
const verdict = (r: ReturnType<typeof compareRuns>, metric: string) =>
  r.metrics.find((m) => m.metric === metric)?.verdict;

describe("compareRuns", () => {
  it("calls a large consistent gain better and the reverse worse", () => {
    const a = run("a", (id) => row(id, { file_acc_at_1: 0 }));
    const b = run("b", (id, i) => row(id, { file_acc_at_1: i % 4 === 0 ? 0 : 1 }));
    assert.equal(verdict(compareRuns(a, b), "file_acc_at_1"), "better");
    assert.equal(verdict(compareRuns(b, a), "file_acc_at_1"), "worse");
  });

  it("refuses to call noise a win: one flip in 40 tasks is no significant difference", () => {
    const a = run("a", (id, i) => row(id, { file_acc_at_1: i % 2 }));
    const b = run("b", (id, i) => row(id, { file_acc_at_1: i === 0 ? 1 : i % 2 }));
    const r = compareRuns(a, b);
    assert.equal(verdict(r, "file_acc_at_1"), "no significant difference");
    const m = r.metrics.find((x) => x.metric === "file_acc_at_1")!;
    assert.ok(m.diff.lo <= 0 && m.diff.hi > 0);
    assert.deepEqual(r.flips[0], { metric: "file_acc_at_1", hitToMiss: [], missToHit: ["t0"] });
    assert.match(conclusion(r), /within noise/);
    assert.match(renderCompareMd(r), /\| File Acc@1 \| 40 \| 50\.0% \| 52\.5% \| \+2\.5 \[/);
  });

  it("treats lower cost as better and pairs only shared tasks", () => {
    const a = run("a", (id) => row(id, { cited_lines: 300 }));
    const b: RunRows = {
      label: "b",
      policy: "p",
      rows: [...ids.slice(0, 30).map((id) => row(id, { cited_lines: 50 })), row("extra")],
    };
    const r = compareRuns(a, b);
    assert.equal(r.nPaired, 30);
    assert.equal(r.onlyA.length, 10);
    assert.deepEqual(r.onlyB, ["extra"]);
    assert.equal(verdict(r, "cited_lines"), "better");
    assert.equal(verdict(r, "file_acc_at_1"), "no significant difference");
  });

  it("warns when a run's answers were built on searches cut at the time limit", () => {
    const a = run("a", (id, i) => ({ ...row(id), time_limited: i < 2 }));
    const b = run("b", (id) => row(id));
    const r = compareRuns(a, b);
    assert.deepEqual(r.timeLimited, { a: 2, b: 0 });
    assert.match(renderCompareMd(r), /Caution: 2 paired task\(s\) of A and 0 of B/);
    assert.doesNotMatch(renderCompareMd(compareRuns(b, b)), /Caution/);
  });

  it("loads a run from a directory, a results.jsonl or a summary.json", () => {
    const dir = tempDir();
    const rows = ids.slice(0, 3).map((id) => row(id, { file_acc_at_1: 1 }));
    writeFileSync(join(dir, "summary.json"), JSON.stringify({ policy: "bm25", tasks: rows }));
    assert.deepEqual(loadRun(join(dir, "summary.json")).rows, rows);
    assert.throws(() => loadRun(dir), /results\.jsonl/);
  });
});
