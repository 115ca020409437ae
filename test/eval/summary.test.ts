import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { timeLimitWarning } from "../../src/core/time-limit-warning.js";
import { scoreCitations } from "../../src/eval/metrics.js";
import { createProgress, progressBar } from "../../src/eval/progress.js";
import { renderReportHtml } from "../../src/eval/report-html.js";
import type { TaskRecord } from "../../src/eval/results.js";
import { type RunFacts, summarize } from "../../src/eval/summary.js";
import { renderSummaryMd } from "../../src/eval/summary-md.js";
import { makeTask } from "./support.js";

function rec(
  id: string,
  repo: string,
  citations: Array<{ path: string; start: number; end: number }>,
  extra: Partial<TaskRecord> = {},
  spans = true,
): TaskRecord {
  const task = makeTask({ instance_id: id, repo, location: spans ? {} : { function_spans: null } });
  const scores = scoreCitations(citations, task);
  return {
    instance_id: id,
    repo,
    base_commit: task.base_commit,
    policy: "bm25",
    citations: citations.map((c) => ({ ...c, reason: "r <b>", verified: true })),
    scores,
    cost: { cited_lines: scores.cited_lines, wall_s: 0.5, tool_calls: 0, turns: 0, tokens_in: 0, tokens_out: 0 },
    stop_reason: "answered",
    partial: false,
    error: null,
    warnings: [],
    materialize_s: 0,
    finished_at: "2026-01-01T00:00:00.000Z",
    ...extra,
  };
}

const facts: RunFacts = {
  policy: "bm25",
  tasks_file: "/t.jsonl",
  out_dir: "/o",
  command: "fastcontext eval --policy bm25",
  started_at: "2026-01-01T00:00:00.000Z",
  finished_at: "2026-01-01T00:01:00.000Z",
  wall_s_total: 60,
  peak_rss_mb: 100,
  fastcontext_version: "0.1.0",
  fastcontext_commit: "abc",
  concurrency: 2,
  cpus: 2,
  node: "20",
  platform: "linux-x64",
};

describe("summarize", () => {
  const records = [
    rec("a1", "o/a", [{ path: "src/a.py", start: 10, end: 12 }]),
    rec("a2", "o/a", [{ path: "x.py", start: 1, end: 1 }], {}, false),
    rec("b1", "o/b", [], { error: "explorer: boom", stop_reason: null, partial: true }),
  ];
  const s = summarize(records, facts, 4, { resamples: 500, seed: 3 });

  it("macro-averages with errors counted as misses and function hit over applicable tasks", () => {
    assert.equal(s.n, 3);
    assert.equal(s.n_selected, 4);
    assert.equal(s.errors, 1);
    assert.equal(s.file_acc_at_1, 0.3333);
    assert.equal(s.function_hit, 0.5, "1 hit of 2 applicable tasks");
    assert.equal(s.function_hit_n, 2);
    assert.equal(s.cited_lines_median, 1);
    assert.equal(s.wall_s_p50, 0.5);
    assert.deepEqual(s.stop_reasons, { answered: 2, error: 1 });
    assert.deepEqual(Object.keys(s.per_repo), ["o/a", "o/b"]);
    assert.equal(s.per_repo["o/a"]?.n, 2);
    assert.equal(s.per_repo["o/a"]?.file_acc_at_1, 0.5);
    assert.ok(s.ci.file_acc_at_1.lo <= s.file_acc_at_1 && s.file_acc_at_1 <= s.ci.file_acc_at_1.hi);
    assert.equal(s.tasks.length, 3);
    assert.deepEqual(summarize(records, facts, 4, { resamples: 500, seed: 3 }).ci, s.ci, "deterministic");
  });

  it("renders Markdown and a self-contained, escaped HTML report", () => {
    const md = renderSummaryMd(s);
    assert.match(md, /3 tasks scored of 4 selected/);
    assert.match(md, /\| Function hit \(n=2\) \|/);
    assert.match(md, /- `b1`: explorer: boom/);
    assert.match(md, /\| File MRR \| 0\.333 \[/);
    const html = renderReportHtml(s, records, new Map([["a1", new Set(["src/a.py"])]]));
    assert.ok(!html.includes("r <b>"), "reasons are escaped");
    assert.match(html, /<li class="gold"><code>src\/a\.py:10-12<\/code>/);
    assert.ok(!/<script|https?:\/\//.test(html));
  });
});

describe("answers on searches cut at the time limit", () => {
  it("are counted per run and per task, and the Markdown says what they mean", () => {
    const cut = rec("c1", "o/c", [{ path: "src/a.py", start: 10, end: 12 }], {
      warnings: [timeLimitWarning(3, 17, 10_000)],
    });
    const calm = rec("c2", "o/c", [{ path: "src/a.py", start: 10, end: 12 }], { warnings: ["something else"] });
    const s = summarize([cut, calm], facts, 2, { resamples: 100, seed: 1 });
    assert.equal(s.time_limited, 1);
    assert.equal(s.per_repo["o/c"]?.time_limited, 1);
    assert.deepEqual(
      s.tasks.map((t) => t.time_limited),
      [true, false],
    );
    assert.match(renderSummaryMd(s), /1 answered on searches cut at the tool time limit/);
    const none = summarize([calm], facts, 1, { resamples: 100, seed: 1 });
    assert.equal(none.time_limited, 0);
    assert.doesNotMatch(renderSummaryMd(none), /time limit/);
  });
});

describe("progress", () => {
  const sink = () => {
    let text = "";
    return { stream: { write: (s: string) => ((text += s), true) }, text: () => text };
  };
  const r = rec("a1", "o/a", [{ path: "src/a.py", start: 10, end: 12 }]);

  it("writes one line per task when not a TTY", () => {
    const out = sink();
    const p = createProgress(out.stream);
    p.start(2, 1);
    p.taskDone(r, 1, 2);
    p.end();
    assert.equal(
      out.text(),
      "eval: 2 tasks to run (1 already scored, skipped)\n[1/2] a1 file@1=1 file@5=1 line_hit=1 lines=3 0.50s\n",
    );
  });

  it("redraws a bar on a TTY", () => {
    const out = sink();
    const p = createProgress({ ...out.stream, isTTY: true, columns: 200 });
    p.start(2, 0);
    p.taskDone(r, 1, 2);
    assert.match(out.text(), /\r\x1b\[2K\[█{12}░{12}\] 1\/2 {2}50% acc@1 100%/);
    assert.equal(progressBar(0, 0, 4), "[████] 0/0 100%");
  });
});
