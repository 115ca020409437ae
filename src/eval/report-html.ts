/**
 * `report.html`: one self-contained page (inline CSS and SVG, no script, no network) a person would
 * rather look at than read: headline numbers with intervals, per-repository bars, recall against
 * cited lines, cost distributions and a per-task table with the citations.
 */
import { normalizePath } from "./metrics.js";
import type { TaskRecord } from "./results.js";
import type { EvalSummary } from "./summary.js";
import { METRIC_LABELS, pct, withInterval } from "./summary-md.js";
import { esc, groupedBars, histogram, PALETTE, scatter } from "./svg-charts.js";

const CSS = `
:root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--card:#fff;--good:#2b8a3e;--bad:#c92a2a;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 24px 64px}
h1{font-size:26px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:17px;margin:36px 0 12px}
.sub{color:var(--muted);margin:0 0 24px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 16px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:26px;font-weight:650;margin-top:2px;font-variant-numeric:tabular-nums}
.card .ci{color:var(--muted);font-size:12px;font-variant-numeric:tabular-nums}
.panel{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:16px}
.row{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media(max-width:760px){.row{grid-template-columns:1fr}}
.note{color:var(--muted);font-size:12.5px;margin:8px 0 0}
table{border-collapse:collapse;width:100%;background:var(--card);font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em;background:#f1f5f9;position:sticky;top:0}
td.n{text-align:right}
.wrap{border:1px solid var(--line);border-radius:10px;overflow:auto;max-height:80vh}
.b{display:inline-block;min-width:22px;text-align:center;border-radius:6px;padding:0 6px;font-size:12px;font-weight:600}
.b1{background:#d3f9d8;color:var(--good)}.b0{background:#ffe3e3;color:var(--bad)}
.err{color:var(--bad);font-size:12px}
details summary{cursor:pointer;color:var(--accent)}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
ol.cites{margin:6px 0 0;padding-left:20px}
ol.cites li.gold code{background:#d3f9d8}
`;

function badge(x: number): string {
  return `<span class="b b${x > 0 ? 1 : 0}">${x > 0 ? "✓" : "✗"}</span>`;
}

function card(label: string, value: string, ci: string): string {
  return `<div class="card"><div class="k">${esc(label)}</div><div class="v">${esc(value)}</div><div class="ci">${esc(ci)}</div></div>`;
}

function cards(s: EvalSummary): string {
  const rate = (key: keyof EvalSummary["ci"], label: string) => {
    const i = s.ci[key];
    return card(label, pct(i.mean), `95% CI ${(i.lo * 100).toFixed(1)}–${(i.hi * 100).toFixed(1)}`);
  };
  return `<div class="cards">${[
    rate("file_acc_at_1", "File Acc@1"),
    rate("file_acc_at_5", "File Acc@5"),
    card("MRR", s.mrr.toFixed(3), `95% CI ${s.ci.mrr.lo.toFixed(3)}–${s.ci.mrr.hi.toFixed(3)}`),
    rate("line_hit_edit", "Line hit"),
    rate("line_f1_edit", "Line F1 (edit)"),
    rate("line_f1_hunk", "Line F1 (hunk)"),
    card("Cited lines", String(s.cited_lines_median), `median · p90 ${s.cited_lines_p90}`),
    card("Wall / task", `${s.wall_s_p50.toFixed(2)} s`, `median · p90 ${s.wall_s_p90.toFixed(2)} s`),
  ].join("")}</div>`;
}

function repoBars(s: EvalSummary): string {
  const groups = [...Object.entries(s.per_repo), ["all", s] as const].map(([repo, g]) => ({
    label: `${repo === "all" ? "all" : (repo.split("/")[1] ?? repo)}\nn=${g.n}`,
    values: (["file_acc_at_1", "file_acc_at_5", "line_hit_edit"] as const).map((k) => ({
      value: g[k],
      lo: g.ci[k].lo,
      hi: g.ci[k].hi,
    })),
  }));
  return groupedBars({
    title: "Per-repository file Acc@1, Acc@5 and line hit",
    groups,
    series: [
      { name: "File Acc@1", color: "#3b5bdb" },
      { name: "File Acc@5", color: "#91a7ff" },
      { name: "Line hit (edit)", color: "#f08c00" },
    ],
  });
}

function recallScatter(s: EvalSummary, records: readonly TaskRecord[]): string {
  const repos = Object.keys(s.per_repo);
  const color = (repo: string) => PALETTE[repos.indexOf(repo) % PALETTE.length] ?? PALETTE[0] ?? "#333";
  return scatter({
    title: "Line recall (edit) against cited lines",
    points: records.map((r) => ({
      x: r.cost.cited_lines,
      y: r.scores.line_recall_edit,
      color: color(r.repo),
      label: `${r.instance_id}: recall ${pct(r.scores.line_recall_edit)}, ${r.cost.cited_lines} lines`,
    })),
    xLabel: "cited lines (log scale)",
    yLabel: "line recall (edit)",
    logX: true,
    legend: repos.map((repo) => ({ name: repo.split("/")[1] ?? repo, color: color(repo) })),
  });
}

function costHistograms(s: EvalSummary, records: readonly TaskRecord[]): string {
  const wall = histogram({
    title: "Wall time per task",
    values: records.map((r) => r.cost.wall_s),
    xLabel: "wall time per task (s)",
    color: "#0c8599",
    markers: [{ value: s.wall_s_p50, label: `median ${s.wall_s_p50.toFixed(2)} s` }],
  });
  const lines = histogram({
    title: "Cited lines per task",
    values: records.map((r) => r.cost.cited_lines),
    xLabel: "cited lines per task",
    color: "#7048e8",
    markers: [{ value: s.cited_lines_median, label: `median ${s.cited_lines_median}` }],
  });
  return `<div class="row"><div class="panel">${wall}</div><div class="panel">${lines}</div></div>`;
}

function metricTable(s: EvalSummary): string {
  const rows = METRIC_LABELS.map(([key, label]) => {
    const note = key === "function_hit" ? ` <span class="ci">(n=${s.function_hit_n})</span>` : "";
    return `<tr><td>${esc(label)}${note}</td><td class="n">${esc(withInterval(s.ci[key], key !== "mrr"))}</td></tr>`;
  });
  return `<div class="wrap"><table><thead><tr><th>metric</th><th style="text-align:right">value [95% CI]</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function taskTable(records: readonly TaskRecord[], gold: ReadonlyMap<string, ReadonlySet<string>>): string {
  const rows = [...records]
    .sort((a, b) => a.repo.localeCompare(b.repo) || a.instance_id.localeCompare(b.instance_id))
    .map((r) => {
      const s = r.scores;
      const goldFiles = gold.get(r.instance_id) ?? new Set<string>();
      const cites = r.citations
        .map(
          (c) =>
            `<li${goldFiles.has(normalizePath(c.path)) ? ' class="gold"' : ""}><code>${esc(`${c.path}:${c.start}-${c.end}`)}</code>${c.reason ? ` <span class="ci">${esc(c.reason)}</span>` : ""}</li>`,
        )
        .join("");
      const detail =
        r.citations.length > 0
          ? `<details><summary>${r.citations.length} citation${r.citations.length === 1 ? "" : "s"}</summary><ol class="cites">${cites}</ol></details>`
          : '<span class="ci">no citations</span>';
      const err = r.error ? `<div class="err">${esc(r.error.split("\n")[0] ?? "")}</div>` : "";
      return `<tr><td><code>${esc(r.instance_id)}</code>${err}${detail}</td><td>${esc(r.repo)}</td><td class="n">${s.first_gold_rank || "–"}</td><td>${badge(s.file_acc_at_1)}</td><td>${badge(s.file_acc_at_5)}</td><td>${badge(s.line_hit_edit)}</td><td class="n">${pct(s.line_recall_edit)}</td><td class="n">${pct(s.line_f1_hunk)}</td><td class="n">${r.cost.cited_lines}</td><td class="n">${r.cost.wall_s.toFixed(2)}</td><td>${esc(r.stop_reason ?? "error")}</td></tr>`;
    });
  const head = [
    "task",
    "repository",
    "gold rank",
    "Acc@1",
    "Acc@5",
    "line hit",
    "recall (edit)",
    "F1 (hunk)",
    "cited lines",
    "wall s",
    "stop",
  ];
  return `<div class="wrap"><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/**
 * Render the report. `goldFiles` (instance id → gold paths) highlights gold files among the
 * citations; pass an empty map when the tasks are not at hand.
 */
export function renderReportHtml(
  s: EvalSummary,
  records: readonly TaskRecord[],
  goldFiles: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
): string {
  const title = `fastcontext eval · ${s.policy}`;
  const sub = `${s.n} tasks${s.n < s.n_selected ? ` of ${s.n_selected}` : ""} · ${s.errors} error${s.errors === 1 ? "" : "s"} · ${s.finished_at.slice(0, 16).replace("T", " ")} UTC · fastcontext ${s.fastcontext_version}${s.fastcontext_commit ? ` (${s.fastcontext_commit})` : ""}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${esc(title)}</h1>
<p class="sub">${esc(sub)}</p>
${cards(s)}
<p class="note">Macro averages over tasks with 95% bootstrap intervals (${s.bootstrap.resamples} resamples). Errored tasks count as misses. With ~50 tasks a rate near 50% is uncertain by about ±14 points: compare runs with <code>fastcontext eval compare</code>.</p>
<h2>By repository</h2>
<div class="panel">${repoBars(s)}<p class="note">Whiskers: 95% bootstrap intervals. Small repositories have wide intervals.</p></div>
<h2>Line recall against cited lines</h2>
<div class="panel">${recallScatter(s, records)}<p class="note">Up and to the left is better: the gold lines found with few lines handed back.</p></div>
<h2>Cost</h2>
${costHistograms(s, records)}
<h2>All metrics</h2>
${metricTable(s)}
<h2>Tasks</h2>
${taskTable(records, goldFiles)}
<p class="note">Command: <code>${esc(s.command)}</code> · whole run ${s.wall_s_total.toFixed(1)} s · peak RSS ${s.peak_rss_mb} MB · concurrency ${s.concurrency} on ${s.cpus} CPUs</p>
</main></body></html>
`;
}
