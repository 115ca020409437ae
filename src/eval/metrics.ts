/**
 * Scores one answer against one task, exactly as `shared/eval/README.md` defines the metrics.
 * Pure functions: no I/O, no randomness. Every score is a finite number in 0..1 (an empty answer
 * scores 0 everywhere); "not applicable" is a separate flag, never NaN or null.
 */
import type { LineSpan } from "../core/types.js";
import type { EvalTask, Range } from "./tasks.js";

/** Per-task scores. Rates are fractions in 0..1. */
export interface TaskScores {
  /** All gold files are among the first k distinct cited files (Lite has one gold file). */
  file_acc_at_1: number;
  file_acc_at_3: number;
  file_acc_at_5: number;
  /** 1 / rank of the first gold file among the distinct cited files; 0 when absent. */
  mrr: number;
  /** 1-based rank of the first gold file among distinct cited files, 0 when absent. */
  first_gold_rank: number;
  file_precision: number;
  file_recall: number;
  file_f1: number;
  line_precision_edit: number;
  line_recall_edit: number;
  line_f1_edit: number;
  /** Any cited line overlaps `edit_ranges`. */
  line_hit_edit: number;
  line_precision_hunk: number;
  line_recall_hunk: number;
  line_f1_hunk: number;
  line_hit_hunk: number;
  /** Any citation overlaps any gold function span; meaningful only when `function_applicable`. */
  function_hit: number;
  /** The task lists function spans (otherwise `function_hit` is 0 and excluded from averages). */
  function_applicable: boolean;
  /** Distinct (path, line) pairs cited. */
  cited_lines: number;
  /** Distinct cited files. */
  cited_files: number;
}

/** Rate metrics averaged over tasks (function_hit only over applicable tasks). */
export const RATE_METRICS = [
  "file_acc_at_1",
  "file_acc_at_3",
  "file_acc_at_5",
  "mrr",
  "file_precision",
  "file_recall",
  "file_f1",
  "line_precision_edit",
  "line_recall_edit",
  "line_f1_edit",
  "line_hit_edit",
  "line_precision_hunk",
  "line_recall_hunk",
  "line_f1_hunk",
  "line_hit_hunk",
  "function_hit",
] as const;
export type RateMetric = (typeof RATE_METRICS)[number];

/**
 * Canonical form of a repository-relative path: backslashes become `/`, leading `./` and `/` go,
 * repeated slashes collapse. Both citations and gold go through it before comparing.
 */
export function normalizePath(path: string): string {
  let p = path
    .trim()
    .replace(/\\/g, "/")
    .replace(/\/{2,}/g, "/");
  for (;;) {
    const next = p.replace(/^\.\//, "").replace(/^\//, "");
    if (next === p) break;
    p = next;
  }
  return p.replace(/\/\.\//g, "/");
}

/** Distinct normalized paths in first-cited order. */
export function distinctPaths(citations: readonly Pick<LineSpan, "path">[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const c of citations) {
    const p = normalizePath(c.path);
    if (p === "" || seen.has(p)) continue;
    seen.add(p);
    out.push(p);
  }
  return out;
}

/** Set of `path\0line` keys; duplicate and overlapping spans count once. Inverted spans are swapped. */
export function lineSet(spans: ReadonlyArray<{ path: string; start: number; end: number }>): Set<string> {
  const set = new Set<string>();
  for (const s of spans) {
    const path = normalizePath(s.path);
    const lo = Math.max(1, Math.min(s.start, s.end));
    const hi = Math.max(s.start, s.end);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
    for (let line = lo; line <= hi; line++) set.add(`${path}\0${line}`);
  }
  return set;
}

/** Gold line set of a task for `edit_ranges` or `hunk_ranges`. */
export function goldLineSet(task: EvalTask, which: "edit" | "hunk"): Set<string> {
  const spans: LineSpan[] = [];
  for (const loc of task.locations) {
    const ranges: Range[] = which === "edit" ? loc.edit_ranges : loc.hunk_ranges;
    for (const [start, end] of ranges) spans.push({ path: loc.path, start, end });
  }
  return lineSet(spans);
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

function intersectionSize(a: Set<string>, b: Set<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let n = 0;
  for (const x of small) if (large.has(x)) n++;
  return n;
}

/** Precision, recall, F1 and "hit" of a cited set against a gold set (all 0 when either is empty). */
export function setScores(
  cited: Set<string>,
  gold: Set<string>,
): { precision: number; recall: number; f1: number; hit: number } {
  const inter = intersectionSize(cited, gold);
  const precision = cited.size === 0 ? 0 : inter / cited.size;
  const recall = gold.size === 0 ? 0 : inter / gold.size;
  return { precision, recall, f1: f1(precision, recall), hit: inter > 0 ? 1 : 0 };
}

function overlaps(a: { start: number; end: number }, lo: number, hi: number): boolean {
  return Math.min(a.start, a.end) <= hi && Math.max(a.start, a.end) >= lo;
}

/** Whether all gold files are among the first k distinct cited paths. */
export function accAtK(distinct: readonly string[], goldFiles: ReadonlySet<string>, k: number): number {
  if (goldFiles.size === 0) return 0;
  const top = new Set(distinct.slice(0, k));
  for (const g of goldFiles) if (!top.has(g)) return 0;
  return 1;
}

/** Score a ranked list of citations against a task. */
export function scoreCitations(citations: readonly LineSpan[], task: EvalTask): TaskScores {
  const distinct = distinctPaths(citations);
  const goldFiles = new Set(task.gold_files.map(normalizePath));
  const rankIndex = distinct.findIndex((p) => goldFiles.has(p));
  const file = setScores(new Set(distinct), goldFiles);
  const cited = lineSet(citations);
  const edit = setScores(cited, goldLineSet(task, "edit"));
  const hunk = setScores(cited, goldLineSet(task, "hunk"));

  const spans = task.locations.flatMap((loc) =>
    (loc.function_spans ?? []).map(([, start, end]) => ({ path: normalizePath(loc.path), start, end })),
  );
  const functionHit = spans.some((span) =>
    citations.some((c) => normalizePath(c.path) === span.path && overlaps(c, span.start, span.end)),
  );

  return {
    file_acc_at_1: accAtK(distinct, goldFiles, 1),
    file_acc_at_3: accAtK(distinct, goldFiles, 3),
    file_acc_at_5: accAtK(distinct, goldFiles, 5),
    mrr: rankIndex < 0 ? 0 : 1 / (rankIndex + 1),
    first_gold_rank: rankIndex + 1,
    file_precision: file.precision,
    file_recall: file.recall,
    file_f1: file.f1,
    line_precision_edit: edit.precision,
    line_recall_edit: edit.recall,
    line_f1_edit: edit.f1,
    line_hit_edit: edit.hit,
    line_precision_hunk: hunk.precision,
    line_recall_hunk: hunk.recall,
    line_f1_hunk: hunk.f1,
    line_hit_hunk: hunk.hit,
    function_hit: functionHit ? 1 : 0,
    function_applicable: spans.length > 0,
    cited_lines: cited.size,
    cited_files: distinct.length,
  };
}

/** Scores of a task that produced no answer (an error or an empty result): zero everywhere. */
export function emptyScores(task: EvalTask): TaskScores {
  return scoreCitations([], task);
}
