/**
 * Aggregates task records into the run summary (`summary.json`): macro averages over tasks, 95%
 * bootstrap intervals, a per-repository breakdown with counts, cost distribution and run facts.
 * An errored task counts as a miss (zero on every rate): an error is not a free pass.
 */
import { isTimeLimitWarning } from "../core/time-limit-warning.js";
import { bootstrapMean, DEFAULT_RESAMPLES, DEFAULT_SEED, type Interval, mean, quantile } from "./bootstrap.js";
import { RATE_METRICS, type RateMetric } from "./metrics.js";
import type { TaskRecord } from "./results.js";

/** Averages of one group of tasks (the whole run or one repository). */
export type GroupStats = Record<RateMetric, number> & {
  n: number;
  errors: number;
  partial: number;
  /** Answers built on searches cut short at the tool time limit (they depend on the machine's load). */
  time_limited: number;
  /** Tasks that list function spans (the denominator of `function_hit`). */
  function_hit_n: number;
  cited_lines_median: number;
  cited_lines_mean: number;
  cited_lines_p90: number;
  wall_s_p50: number;
  wall_s_p90: number;
  wall_s_mean: number;
  wall_s_sum: number;
  tool_calls_mean: number;
  turns_mean: number;
  tokens_in_mean: number;
  tokens_out_mean: number;
  tokens_in_total: number;
  tokens_out_total: number;
  /** 95% bootstrap intervals of the rate metrics. */
  ci: Record<RateMetric, Interval>;
};

/** Per-task values kept in the summary so `compare` can pair runs from summary.json alone. */
export type TaskRow = Record<RateMetric, number> & {
  instance_id: string;
  repo: string;
  function_applicable: boolean;
  first_gold_rank: number;
  cited_lines: number;
  wall_s: number;
  error: string | null;
  stop_reason: string | null;
  /** Some of its searches hit the tool time limit (absent in summaries written before it was added). */
  time_limited?: boolean;
};

/** Facts about the run itself. */
export interface RunFacts {
  policy: string;
  tasks_file: string;
  out_dir: string;
  command: string;
  started_at: string;
  finished_at: string;
  /** Wall time of the whole invocation, including tree exports. */
  wall_s_total: number;
  peak_rss_mb: number;
  fastcontext_version: string;
  fastcontext_commit: string | null;
  concurrency: number;
  cpus: number;
  node: string;
  platform: string;
}

/** The machine-readable summary: flat headline keys plus breakdowns. */
export type EvalSummary = GroupStats &
  RunFacts & {
    /** Tasks selected for this run (records may be fewer after an interruption). */
    n_selected: number;
    stop_reasons: Record<string, number>;
    per_repo: Record<string, GroupStats>;
    bootstrap: { resamples: number; seed: number; level: number };
    tasks: TaskRow[];
  };

export interface SummaryOptions {
  resamples?: number;
  seed?: number;
}

const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits;

function roundInterval(i: Interval): Interval {
  return { mean: round(i.mean), lo: round(i.lo), hi: round(i.hi) };
}

/** Averages, intervals and cost distribution of a group of records. */
export function groupStats(records: readonly TaskRecord[], options: SummaryOptions = {}): GroupStats {
  const boot = { resamples: options.resamples ?? DEFAULT_RESAMPLES, seed: options.seed ?? DEFAULT_SEED };
  // Filled for every key of RATE_METRICS just below.
  const rates = {} as Record<RateMetric, number>;
  const ci = {} as Record<RateMetric, Interval>;
  for (const metric of RATE_METRICS) {
    const pool = metric === "function_hit" ? records.filter((r) => r.scores.function_applicable) : records;
    const values = pool.map((r) => r.scores[metric]);
    rates[metric] = round(mean(values));
    ci[metric] = roundInterval(bootstrapMean(values, boot));
  }
  const cited = records.map((r) => r.cost.cited_lines);
  const wall = records.map((r) => r.cost.wall_s);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    n: records.length,
    errors: records.filter((r) => r.error !== null).length,
    partial: records.filter((r) => r.partial).length,
    time_limited: records.filter((r) => r.warnings.some(isTimeLimitWarning)).length,
    ...rates,
    function_hit_n: records.filter((r) => r.scores.function_applicable).length,
    cited_lines_median: round(quantile(cited, 0.5), 1),
    cited_lines_mean: round(mean(cited), 1),
    cited_lines_p90: round(quantile(cited, 0.9), 1),
    wall_s_p50: round(quantile(wall, 0.5), 3),
    wall_s_p90: round(quantile(wall, 0.9), 3),
    wall_s_mean: round(mean(wall), 3),
    wall_s_sum: round(sum(wall), 3),
    tool_calls_mean: round(mean(records.map((r) => r.cost.tool_calls)), 2),
    turns_mean: round(mean(records.map((r) => r.cost.turns)), 2),
    tokens_in_mean: round(mean(records.map((r) => r.cost.tokens_in)), 1),
    tokens_out_mean: round(mean(records.map((r) => r.cost.tokens_out)), 1),
    tokens_in_total: sum(records.map((r) => r.cost.tokens_in)),
    tokens_out_total: sum(records.map((r) => r.cost.tokens_out)),
    ci,
  };
}

/** The per-task row kept in the summary. */
export function taskRow(r: TaskRecord): TaskRow {
  // Filled for every key of RATE_METRICS on the next line.
  const rates = {} as Record<RateMetric, number>;
  for (const metric of RATE_METRICS) rates[metric] = round(r.scores[metric]);
  return {
    instance_id: r.instance_id,
    repo: r.repo,
    ...rates,
    function_applicable: r.scores.function_applicable,
    first_gold_rank: r.scores.first_gold_rank,
    cited_lines: r.cost.cited_lines,
    wall_s: r.cost.wall_s,
    error: r.error,
    stop_reason: r.stop_reason,
    time_limited: r.warnings.some(isTimeLimitWarning),
  };
}

/** Build the summary of a run from its records (in task order) and the facts of the invocation. */
export function summarize(
  records: readonly TaskRecord[],
  facts: RunFacts,
  nSelected: number,
  options: SummaryOptions = {},
): EvalSummary {
  const byRepo = new Map<string, TaskRecord[]>();
  for (const r of records) byRepo.set(r.repo, [...(byRepo.get(r.repo) ?? []), r]);
  const perRepo: Record<string, GroupStats> = {};
  for (const repo of [...byRepo.keys()].sort()) perRepo[repo] = groupStats(byRepo.get(repo) ?? [], options);
  const stopReasons: Record<string, number> = {};
  for (const r of records) {
    const key = r.stop_reason ?? "error";
    stopReasons[key] = (stopReasons[key] ?? 0) + 1;
  }
  return {
    ...groupStats(records, options),
    ...facts,
    n_selected: nSelected,
    stop_reasons: stopReasons,
    per_repo: perRepo,
    bootstrap: { resamples: options.resamples ?? DEFAULT_RESAMPLES, seed: options.seed ?? DEFAULT_SEED, level: 0.95 },
    tasks: records.map(taskRow),
  };
}
