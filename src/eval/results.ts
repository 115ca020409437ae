/**
 * The per-task record of an eval run and the `results.jsonl` file that holds them. Appending one
 * line per finished task makes a run resumable: the last record of an instance wins, and a torn
 * last line (a killed run) is ignored.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { PolicyName, StopReason } from "../core/types.js";
import type { TaskScores } from "./metrics.js";

/** What an answer cost. */
export interface TaskCost {
  /** Distinct (path, line) pairs cited. */
  cited_lines: number;
  /** Wall time of the explorer alone (tree export excluded). */
  wall_s: number;
  tool_calls: number;
  turns: number;
  tokens_in: number;
  tokens_out: number;
}

/** A citation as recorded (rank order). */
export interface RecordedCitation {
  path: string;
  start: number;
  end: number;
  reason: string | null;
  verified: boolean;
  /** The explorer's calibrated confidence, when it gives one. */
  confidence?: number;
}

/** One line of `results.jsonl`. */
export interface TaskRecord {
  instance_id: string;
  repo: string;
  base_commit: string;
  policy: PolicyName;
  citations: RecordedCitation[];
  scores: TaskScores;
  cost: TaskCost;
  /** Null when the task failed before the explorer returned. */
  stop_reason: StopReason | null;
  partial: boolean;
  /** What went wrong (tree export, explorer exception, result error); null for a clean run. */
  error: string | null;
  warnings: string[];
  /** Seconds spent exporting the tree (0 when reused from the cache). */
  materialize_s: number;
  finished_at: string;
}

export const RESULTS_FILE = "results.jsonl";

function isRecord(value: unknown): value is TaskRecord {
  if (typeof value !== "object" || value === null) return false;
  // Field checks on an object of unknown shape; the guard below decides.
  const v = value as Record<string, unknown>;
  return (
    typeof v.instance_id === "string" &&
    typeof v.policy === "string" &&
    typeof v.scores === "object" &&
    typeof v.cost === "object" &&
    Array.isArray(v.citations)
  );
}

/** Every valid record of a results file in order (missing file: none). Lines that do not parse are skipped. */
export function readResults(file: string): TaskRecord[] {
  if (!existsSync(file)) return [];
  const out: TaskRecord[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value)) out.push(value);
    } catch {
      // A torn line from an interrupted run: that task simply runs again.
    }
  }
  return out;
}

/** The last record of each instance. */
export function latestById(records: readonly TaskRecord[]): Map<string, TaskRecord> {
  const map = new Map<string, TaskRecord>();
  for (const r of records) map.set(r.instance_id, r);
  return map;
}

/** Append one record as a single line (one write call, so lines never interleave). */
export function appendResult(file: string, record: TaskRecord): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/**
 * End the file with a newline if a killed run left a torn last line, so the next record starts on a
 * line of its own instead of being glued to the fragment.
 */
export function repairTail(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file);
  if (text.length > 0 && text[text.length - 1] !== 0x0a) appendFileSync(file, "\n");
}
