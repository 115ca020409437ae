/**
 * `summary.md`: the run summary as Markdown a person reads in a terminal or a pull request.
 * Pure rendering of an EvalSummary.
 */
import type { Interval } from "./bootstrap.js";
import type { RateMetric } from "./metrics.js";
import type { EvalSummary, GroupStats } from "./summary.js";

/** Human labels of the rate metrics, in display order. */
export const METRIC_LABELS: ReadonlyArray<[RateMetric, string]> = [
  ["file_acc_at_1", "File Acc@1"],
  ["file_acc_at_3", "File Acc@3"],
  ["file_acc_at_5", "File Acc@5"],
  ["mrr", "File MRR"],
  ["file_precision", "File precision"],
  ["file_recall", "File recall"],
  ["file_f1", "File F1"],
  ["line_hit_edit", "Line hit (edit)"],
  ["line_precision_edit", "Line precision (edit)"],
  ["line_recall_edit", "Line recall (edit)"],
  ["line_f1_edit", "Line F1 (edit)"],
  ["line_hit_hunk", "Line hit (hunk)"],
  ["line_precision_hunk", "Line precision (hunk)"],
  ["line_recall_hunk", "Line recall (hunk)"],
  ["line_f1_hunk", "Line F1 (hunk)"],
  ["function_hit", "Function hit"],
];

/** A rate as a percentage with one decimal. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** "41.7% [27.1, 56.3]" for rates; "0.444 [0.323, 0.565]" for MRR (`asRate` false). */
export function withInterval(i: Interval, asRate = true): string {
  if (!asRate) return `${i.mean.toFixed(3)} [${i.lo.toFixed(3)}, ${i.hi.toFixed(3)}]`;
  return `${pct(i.mean)} [${(i.lo * 100).toFixed(1)}, ${(i.hi * 100).toFixed(1)}]`;
}

function seconds(s: number): string {
  return s >= 100 ? `${s.toFixed(0)} s` : s >= 10 ? `${s.toFixed(1)} s` : `${s.toFixed(2)} s`;
}

function repoRow(name: string, g: GroupStats): string {
  return `| ${name} | ${g.n} | ${pct(g.file_acc_at_1)} | ${pct(g.file_acc_at_5)} | ${g.mrr.toFixed(3)} | ${pct(g.line_hit_edit)} | ${pct(g.line_f1_edit)} | ${pct(g.line_f1_hunk)} | ${g.cited_lines_median} | ${seconds(g.wall_s_p50)} | ${g.errors} |`;
}

/** Render the whole summary. */
export function renderSummaryMd(s: EvalSummary): string {
  const out: string[] = [];
  out.push(`# fastcontext eval: ${s.policy}`, "");
  out.push(
    `${s.n} task${s.n === 1 ? "" : "s"} scored${s.n < s.n_selected ? ` of ${s.n_selected} selected (run interrupted; re-run the same command to resume)` : ""}, ${s.errors} error${s.errors === 1 ? "" : "s"}, ${s.partial} partial${s.time_limited > 0 ? `, ${s.time_limited} answered on searches cut at the tool time limit (they depend on the machine's load: re-run alone before comparing)` : ""}. Rates are macro averages over tasks with 95% bootstrap intervals (${s.bootstrap.resamples} resamples, seed ${s.bootstrap.seed}); errored tasks count as misses.`,
    "",
  );
  out.push("| metric | value [95% CI] |", "|---|---|");
  for (const [key, label] of METRIC_LABELS) {
    const note = key === "function_hit" ? ` (n=${s.function_hit_n})` : "";
    out.push(`| ${label}${note} | ${withInterval(s.ci[key], key !== "mrr")} |`);
  }
  out.push("", "## Cost", "", "| | median | p90 | mean |", "|---|---|---|---|");
  out.push(`| cited lines | ${s.cited_lines_median} | ${s.cited_lines_p90} | ${s.cited_lines_mean} |`);
  out.push(`| wall time per task | ${seconds(s.wall_s_p50)} | ${seconds(s.wall_s_p90)} | ${seconds(s.wall_s_mean)} |`);
  out.push(
    "",
    `Tool calls ${s.tool_calls_mean} and turns ${s.turns_mean} per task on average; tokens in ${s.tokens_in_total}, out ${s.tokens_out_total} in total.`,
  );
  out.push(
    `Whole run: ${seconds(s.wall_s_total)} wall (tree exports included), peak RSS ${s.peak_rss_mb} MB, concurrency ${s.concurrency} on ${s.cpus} CPUs.`,
  );
  out.push(
    "",
    "## Per repository",
    "",
    "| repository | n | Acc@1 | Acc@5 | MRR | line hit | line F1 (edit) | line F1 (hunk) | cited lines (median) | wall p50 | errors |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const [repo, g] of Object.entries(s.per_repo)) out.push(repoRow(repo, g));
  out.push(repoRow("**all**", s));
  const reasons = Object.entries(s.stop_reasons)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  out.push("", `Stop reasons: ${reasons || "none"}.`);
  const failed = s.tasks.filter((t) => t.error !== null);
  if (failed.length > 0) {
    out.push("", "## Errors", "");
    for (const t of failed) out.push(`- \`${t.instance_id}\`: ${(t.error ?? "").split("\n")[0]}`);
  }
  out.push(
    "",
    "## Run",
    "",
    `- command: \`${s.command}\``,
    `- tasks: \`${s.tasks_file}\``,
    `- started ${s.started_at}, finished ${s.finished_at}`,
  );
  out.push(
    `- fastcontext ${s.fastcontext_version}${s.fastcontext_commit ? ` (${s.fastcontext_commit})` : ""}, node ${s.node} on ${s.platform}`,
    "",
  );
  return out.join("\n");
}
