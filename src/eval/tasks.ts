/**
 * Evaluation tasks: the record format of `shared/eval/*.jsonl` (see its README) and of the tasks
 * `eval mine` writes. Loading validates the fields the harness needs and fills in the gold ranges
 * a record may leave out; nothing here looks at `patch` except to keep it.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "../util/errors.js";

/** An inclusive 1-based line range `[start, end]`. */
export type Range = [number, number];

/** A function around an edit: `[qualified name ("path:Class.method"), start, end]`. */
export type FunctionSpan = [string, number, number];

/** Where the accepted fix changed one file, in pre-image line numbers. */
export interface GoldLocation {
  path: string;
  status: string;
  /** Length of the file at `base_commit` (0 when unknown). */
  file_lines: number;
  deleted_lines: number[];
  insert_after: number[];
  /** Strict gold: merged deleted lines plus both neighbours of each pure insertion. */
  edit_ranges: Range[];
  /** Each hunk's pre-image extent including its context lines. */
  hunk_ranges: Range[];
  /** Innermost def/class around each edit; null or empty when unknown. */
  function_spans: FunctionSpan[] | null;
}

/** One localization task. Extra fields of the source record are kept in `extra` and written back unchanged. */
export interface EvalTask {
  instance_id: string;
  /** `owner/name`. */
  repo: string;
  base_commit: string;
  /** The query, verbatim. */
  problem_statement: string;
  gold_files: string[];
  locations: GoldLocation[];
  created_at?: string;
}

const RangeSchema = z.tuple([z.number().int(), z.number().int()]);

const LocationSchema = z.object({
  path: z.string().min(1),
  status: z.string().default("modified"),
  file_lines: z.number().int().nonnegative().default(0),
  deleted_lines: z.array(z.number().int()).default([]),
  insert_after: z.array(z.number().int()).default([]),
  edit_ranges: z.array(RangeSchema).optional(),
  hunk_ranges: z.array(RangeSchema).optional(),
  function_spans: z
    .array(z.tuple([z.string(), z.number().int(), z.number().int()]))
    .nullable()
    .optional(),
});

const TaskSchema = z.object({
  instance_id: z.string().min(1),
  repo: z.string().regex(/^[^/\s]+\/[^/\s]+$/, "expected owner/name"),
  base_commit: z.string().regex(/^[0-9a-f]{7,40}$/i, "expected a commit sha"),
  problem_statement: z.string(),
  gold_files: z.array(z.string()).optional(),
  locations: z.array(LocationSchema).min(1),
  created_at: z.string().optional(),
});

/** Merge sorted-or-not line numbers into inclusive ranges. */
export function linesToRanges(lines: Iterable<number>): Range[] {
  const sorted = [...new Set(lines)].sort((a, b) => a - b);
  const out: Range[] = [];
  for (const line of sorted) {
    const last = out[out.length - 1];
    if (last && line === last[1] + 1) last[1] = line;
    else out.push([line, line]);
  }
  return out;
}

/**
 * The strict gold of the README: deleted lines plus both neighbours of each pure insertion
 * (`insert_after: k` means between lines k and k+1), clipped to the file.
 */
export function deriveEditRanges(deleted: number[], insertAfter: number[], fileLines: number): Range[] {
  const lines = new Set(deleted);
  for (const k of insertAfter) {
    if (k >= 1) lines.add(k);
    if (fileLines === 0 || k + 1 <= fileLines) lines.add(k + 1);
  }
  return linesToRanges([...lines].filter((l) => l >= 1));
}

/** Parse one JSONL line into a task; throws with the field that is wrong. */
export function parseTask(raw: unknown): EvalTask {
  const parsed = TaskSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid task: ${issue ? `${issue.path.join(".")}: ${issue.message}` : "unknown error"}`);
  }
  const t = parsed.data;
  const locations: GoldLocation[] = t.locations.map((l) => ({
    path: l.path,
    status: l.status,
    file_lines: l.file_lines,
    deleted_lines: l.deleted_lines,
    insert_after: l.insert_after,
    edit_ranges: l.edit_ranges ?? deriveEditRanges(l.deleted_lines, l.insert_after, l.file_lines),
    hunk_ranges: l.hunk_ranges ?? l.edit_ranges ?? deriveEditRanges(l.deleted_lines, l.insert_after, l.file_lines),
    function_spans: l.function_spans ?? null,
  }));
  return {
    instance_id: t.instance_id,
    repo: t.repo,
    base_commit: t.base_commit,
    problem_statement: t.problem_statement,
    gold_files: t.gold_files ?? locations.map((l) => l.path),
    locations,
    ...(t.created_at ? { created_at: t.created_at } : {}),
  };
}

/** Read a tasks JSONL file. Blank lines are skipped; a bad line is a ConfigError naming its line number. */
export function loadTasks(file: string): EvalTask[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read tasks file ${file}`, { cause: error });
  }
  const tasks: EvalTask[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let task: EvalTask;
    try {
      task = parseTask(JSON.parse(line));
    } catch (error) {
      throw new ConfigError(`${file}:${i + 1}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (seen.has(task.instance_id))
      throw new ConfigError(`${file}:${i + 1}: duplicate instance_id ${task.instance_id}`);
    seen.add(task.instance_id);
    tasks.push(task);
  });
  return tasks;
}
