/**
 * `eval compare A B`: pairs two runs task by task, bootstraps the per-task differences and gives a
 * verdict per metric that refuses to call noise a win: "better" or "worse" only when the 95%
 * interval of the mean difference excludes zero. Also lists the tasks that flipped.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ConfigError } from "../util/errors.js";
import {
  type BootstrapOptions,
  DEFAULT_RESAMPLES,
  DEFAULT_SEED,
  type Interval,
  mean,
  pairedBootstrap,
} from "./bootstrap.js";
import { latestById, RESULTS_FILE, readResults } from "./results.js";
import { type TaskRow, taskRow } from "./summary.js";

/** One run's per-task rows, from a run directory, a summary.json or a results.jsonl. */
export interface RunRows {
  label: string;
  policy: string;
  rows: TaskRow[];
}

export type Verdict = "better" | "worse" | "no significant difference";

export interface MetricComparison {
  metric: ComparedMetric;
  label: string;
  /** Tasks in the comparison (function_hit: tasks with function spans). */
  n: number;
  a: number;
  b: number;
  /** Mean of b − a with its 95% paired-bootstrap interval. */
  diff: Interval;
  higherIsBetter: boolean;
  /** Verdict for B against A. */
  verdict: Verdict;
}

export interface Flips {
  metric: "file_acc_at_1" | "line_hit_edit";
  /** Hit in A, miss in B. */
  hitToMiss: string[];
  /** Miss in A, hit in B. */
  missToHit: string[];
}

export interface CompareResult {
  a: { label: string; policy: string; n: number };
  b: { label: string; policy: string; n: number };
  nPaired: number;
  onlyA: string[];
  onlyB: string[];
  metrics: MetricComparison[];
  flips: Flips[];
  /** Paired tasks whose answer was built on searches cut at the tool time limit, per run. */
  timeLimited: { a: number; b: number };
  bootstrap: { resamples: number; seed: number };
}

type ComparedMetric =
  | "file_acc_at_1"
  | "file_acc_at_3"
  | "file_acc_at_5"
  | "mrr"
  | "line_hit_edit"
  | "line_recall_edit"
  | "line_f1_edit"
  | "line_f1_hunk"
  | "function_hit"
  | "cited_lines"
  | "wall_s";

const COMPARED: ReadonlyArray<[ComparedMetric, string, boolean]> = [
  ["file_acc_at_1", "File Acc@1", true],
  ["file_acc_at_3", "File Acc@3", true],
  ["file_acc_at_5", "File Acc@5", true],
  ["mrr", "File MRR", true],
  ["line_hit_edit", "Line hit (edit)", true],
  ["line_recall_edit", "Line recall (edit)", true],
  ["line_f1_edit", "Line F1 (edit)", true],
  ["line_f1_hunk", "Line F1 (hunk)", true],
  ["function_hit", "Function hit", true],
  ["cited_lines", "Cited lines", false],
  ["wall_s", "Wall time (s)", false],
];

/** Shallow check of summary.json's `tasks` (rows written by this module's sibling `summary.ts`). */
function isTaskRows(value: unknown): value is TaskRow[] {
  // Reading one optional field of an object of unknown shape.
  return (
    Array.isArray(value) &&
    value.every(
      (r) => typeof r === "object" && r !== null && typeof (r as { instance_id?: unknown }).instance_id === "string",
    )
  );
}

/** Load a run for comparison: a run directory, its summary.json, or its results.jsonl. */
export function loadRun(path: string): RunRows {
  if (!existsSync(path)) throw new ConfigError(`${path} does not exist`);
  const file = statSync(path).isDirectory() ? join(path, RESULTS_FILE) : path;
  const label = statSync(path).isDirectory() ? basename(path) : basename(dirname(path)) || basename(path);
  if (file.endsWith(".json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new ConfigError(`${file} is not valid JSON`, { cause: error });
    }
    // Only `tasks` and `policy` are read, each checked before use.
    const summary =
      typeof parsed === "object" && parsed !== null ? (parsed as { tasks?: unknown; policy?: unknown }) : {};
    if (isTaskRows(summary.tasks)) return { label, policy: String(summary.policy ?? "?"), rows: summary.tasks };
    // An older or foreign summary without per-task rows: fall back to the results next to it.
    const sibling = join(dirname(file), RESULTS_FILE);
    if (!existsSync(sibling)) throw new ConfigError(`${file} has no per-task rows and no ${RESULTS_FILE} next to it`);
    return loadRun(sibling);
  }
  if (!existsSync(file)) throw new ConfigError(`${path} holds no ${RESULTS_FILE}`);
  const records = [...latestById(readResults(file)).values()];
  if (records.length === 0) throw new ConfigError(`${file} holds no task records`);
  return { label, policy: records[0]?.policy ?? "?", rows: records.map(taskRow) };
}

function value(row: TaskRow, metric: ComparedMetric): number {
  return row[metric];
}

function verdictOf(diff: Interval, higherIsBetter: boolean): Verdict {
  if (diff.lo > 0) return higherIsBetter ? "better" : "worse";
  if (diff.hi < 0) return higherIsBetter ? "worse" : "better";
  return "no significant difference";
}

/** Compare run B against run A on the tasks both scored. */
export function compareRuns(a: RunRows, b: RunRows, options: BootstrapOptions = {}): CompareResult {
  const boot = { resamples: options.resamples ?? DEFAULT_RESAMPLES, seed: options.seed ?? DEFAULT_SEED };
  const byIdB = new Map(b.rows.map((r) => [r.instance_id, r]));
  const idsA = new Set(a.rows.map((r) => r.instance_id));
  const pairs = a.rows.flatMap((ra) => {
    const rb = byIdB.get(ra.instance_id);
    return rb ? [[ra, rb] as const] : [];
  });
  const metrics = COMPARED.map(([metric, label, higherIsBetter]): MetricComparison => {
    const pool =
      metric === "function_hit" ? pairs.filter(([ra, rb]) => ra.function_applicable && rb.function_applicable) : pairs;
    const va = pool.map(([ra]) => value(ra, metric));
    const vb = pool.map(([, rb]) => value(rb, metric));
    const diff = pairedBootstrap(va, vb, boot);
    return {
      metric,
      label,
      n: pool.length,
      a: mean(va),
      b: mean(vb),
      diff,
      higherIsBetter,
      verdict: pool.length === 0 ? "no significant difference" : verdictOf(diff, higherIsBetter),
    };
  });
  const flips = (["file_acc_at_1", "line_hit_edit"] as const).map(
    (metric): Flips => ({
      metric,
      hitToMiss: pairs.filter(([ra, rb]) => ra[metric] > 0 && rb[metric] === 0).map(([ra]) => ra.instance_id),
      missToHit: pairs.filter(([ra, rb]) => ra[metric] === 0 && rb[metric] > 0).map(([ra]) => ra.instance_id),
    }),
  );
  return {
    a: { label: a.label, policy: a.policy, n: a.rows.length },
    b: { label: b.label, policy: b.policy, n: b.rows.length },
    nPaired: pairs.length,
    onlyA: a.rows.filter((r) => !byIdB.has(r.instance_id)).map((r) => r.instance_id),
    onlyB: b.rows.filter((r) => !idsA.has(r.instance_id)).map((r) => r.instance_id),
    metrics,
    flips,
    timeLimited: {
      a: pairs.filter(([ra]) => ra.time_limited === true).length,
      b: pairs.filter(([, rb]) => rb.time_limited === true).length,
    },
    bootstrap: boot,
  };
}

function show(m: MetricComparison, x: number): string {
  return m.higherIsBetter && m.metric !== "mrr" ? `${(x * 100).toFixed(1)}%` : x.toFixed(m.metric === "mrr" ? 3 : 2);
}

function showDiff(m: MetricComparison, i: Interval): string {
  const f = (x: number) =>
    m.higherIsBetter && m.metric !== "mrr"
      ? `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)}`
      : `${x >= 0 ? "+" : ""}${x.toFixed(m.metric === "mrr" ? 3 : 2)}`;
  return `${f(i.mean)} [${f(i.lo)}, ${f(i.hi)}]`;
}

/** The comparison as Markdown, ending with a plain-words conclusion. */
export function renderCompareMd(r: CompareResult): string {
  const A = `A = ${r.a.label} (${r.a.policy})`;
  const B = `B = ${r.b.label} (${r.b.policy})`;
  const out = [
    `# fastcontext eval compare`,
    "",
    `${A}, ${B}. ${r.nPaired} paired tasks; differences are B − A with 95% paired-bootstrap intervals (${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}).`,
    "",
  ];
  if (r.onlyA.length + r.onlyB.length > 0)
    out.push(
      `Not paired: ${r.onlyA.length} task(s) only in A, ${r.onlyB.length} only in B (left out of every number below).`,
      "",
    );
  if (r.timeLimited.a + r.timeLimited.b > 0)
    out.push(
      `Caution: ${r.timeLimited.a} paired task(s) of A and ${r.timeLimited.b} of B were answered on searches cut at the tool time limit; those answers depend on the machine's load, so a difference there may be the load's, not the code's. Re-run both alone.`,
      "",
    );
  out.push("| metric | n | A | B | B − A [95% CI] | verdict for B |", "|---|---|---|---|---|---|");
  for (const m of r.metrics)
    out.push(
      `| ${m.label}${m.higherIsBetter ? "" : " (lower is better)"} | ${m.n} | ${show(m, m.a)} | ${show(m, m.b)} | ${showDiff(m, m.diff)} | ${m.verdict} |`,
    );
  out.push("", "## Tasks that flipped", "");
  for (const f of r.flips) {
    const name = f.metric === "file_acc_at_1" ? "File Acc@1" : "Line hit (edit)";
    out.push(
      `- ${name}: ${f.missToHit.length} miss→hit${f.missToHit.length ? ` (${f.missToHit.join(", ")})` : ""}; ${f.hitToMiss.length} hit→miss${f.hitToMiss.length ? ` (${f.hitToMiss.join(", ")})` : ""}`,
    );
  }
  out.push("", "## Verdict", "", conclusion(r), "");
  return out.join("\n");
}

/** One paragraph in plain words. */
export function conclusion(r: CompareResult): string {
  if (r.nPaired === 0) return "The two runs share no task: nothing can be concluded.";
  const names = (v: Verdict) => r.metrics.filter((m) => m.verdict === v).map((m) => m.label);
  const better = names("better");
  const worse = names("worse");
  const parts: string[] = [];
  if (better.length) parts.push(`B is better than A on ${better.join(", ")}`);
  if (worse.length) parts.push(`B is worse than A on ${worse.join(", ")}`);
  const rest = names("no significant difference");
  const tail = rest.length
    ? `${parts.length ? "; on" : "On"} ${rest.join(", ")} the difference is within noise (the 95% interval includes zero): no significant difference`
    : "";
  return `${parts.join("; ")}${tail}.`;
}
