/**
 * Runs an explorer over tasks: export each task's tree, ask the task's problem statement, score the
 * citations and append one record per task to `results.jsonl`. Resumable (tasks already scored are
 * skipped) and fault-tolerant (a failing task is recorded with its error; the run goes on).
 * Writes only into the output directory and the tree cache.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { ExploreResult, Explorer, PolicyName } from "../core/types.js";
import { ConfigError, errorMessage } from "../util/errors.js";
import { materializeTree } from "./materialize.js";
import { emptyScores, scoreCitations } from "./metrics.js";
import { findMirror, type MirrorSources } from "./mirrors.js";
import { type ProgressSink, SILENT_PROGRESS } from "./progress.js";
import { appendResult, latestById, RESULTS_FILE, readResults, repairTail, type TaskRecord } from "./results.js";
import type { EvalTask } from "./tasks.js";

export interface RunOptions {
  tasks: readonly EvalTask[];
  policy: PolicyName;
  explorer: Explorer;
  /** Where each task's repository history is found. */
  mirrors: MirrorSources;
  /** Cache of exported trees. */
  cacheDir: string;
  /** Output directory; `results.jsonl` is read (resume) and appended here. */
  outDir: string;
  /** Tasks run at once (default 2). */
  concurrency?: number;
  /** Re-run tasks whose last record has an error (default true). */
  retryErrors?: boolean;
  maxTurns?: number;
  /** Per-task exploration budget handed to the explorer, in ms. */
  deadlineMs?: number;
  /** Hard limit per task; an explorer that ignores its deadline is recorded as an error (default 10 min). */
  taskTimeoutMs?: number;
  progress?: ProgressSink;
  signal?: AbortSignal;
  /** Tree for a task (default: find the mirror, export into the cache). Tests inject failures here. */
  resolveTree?: (task: EvalTask) => Promise<ResolvedTree>;
}

/** A task's tree: where it is, how long its export took, and the files it lacks. */
export interface ResolvedTree {
  root: string;
  seconds: number;
  /** Paths left out because the mirror lacks their blobs; none of them is a gold file. */
  absent?: string[];
}

export interface RunOutcome {
  /** The latest record of every selected task that has one, in task order. */
  records: TaskRecord[];
  /** Tasks run in this invocation. */
  ran: number;
  /** Tasks skipped because they were already scored. */
  skipped: number;
  /** True when the run was interrupted before every task was scored. */
  interrupted: boolean;
}

function defaultResolveTree(options: RunOptions): (task: EvalTask) => Promise<ResolvedTree> {
  return async (task) => {
    const gitDir = findMirror(task.repo, options.mirrors);
    const tree = await materializeTree({
      gitDir,
      repo: task.repo,
      commit: task.base_commit,
      cacheDir: options.cacheDir,
    });
    // A task whose gold file is missing cannot be scored fairly: no explorer could cite it.
    const absentGold = task.gold_files.filter((path) => tree.absent.includes(path));
    if (absentGold.length > 0)
      throw new Error(`the mirror lacks the blob of gold file ${absentGold.join(", ")}; the task cannot be scored`);
    return { root: tree.root, seconds: tree.reused ? 0 : tree.ms / 1000, absent: tree.absent };
  };
}

/** Reject after `ms` unless `promise` settles first. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Reject first: an explorer that answers its abort at once must not win the race.
      reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`));
      onTimeout();
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function record(
  task: EvalTask,
  policy: PolicyName,
  result: ExploreResult | null,
  wallS: number,
  materializeS: number,
  error: string | null,
  treeWarnings: string[] = [],
): TaskRecord {
  const citations = result?.citations ?? [];
  const scores = result ? scoreCitations(citations, task) : emptyScores(task);
  return {
    instance_id: task.instance_id,
    repo: task.repo,
    base_commit: task.base_commit,
    policy,
    citations: citations.map((c) => ({
      path: c.path,
      start: c.start,
      end: c.end,
      reason: c.reason ?? null,
      verified: c.verified,
      ...("confidence" in c && typeof c.confidence === "number" ? { confidence: c.confidence } : {}),
    })),
    scores,
    cost: {
      cited_lines: scores.cited_lines,
      wall_s: Math.round(wallS * 1000) / 1000,
      tool_calls: result?.toolCalls ?? 0,
      turns: result?.turns ?? 0,
      tokens_in: result?.tokens.input ?? 0,
      tokens_out: result?.tokens.output ?? 0,
    },
    stop_reason: result?.stopReason ?? null,
    partial: result?.partial ?? true,
    error: error ?? (result?.error ? `${result.error.kind}: ${result.error.message}` : null),
    warnings: [...treeWarnings, ...(result?.warnings ?? [])],
    materialize_s: Math.round(materializeS * 1000) / 1000,
    finished_at: new Date().toISOString(),
  };
}

/** The record's note for a tree that lacks files: how many, and the first few. */
function absentWarning(absent: string[]): string[] {
  if (absent.length === 0) return [];
  const shown = absent.slice(0, 3).join(", ");
  const more = absent.length > 3 ? ` and ${absent.length - 3} more` : "";
  return [`tree: ${absent.length} file(s) left out, their blobs are not in the mirror: ${shown}${more}`];
}

/** Run one task to a record; never throws (except when the whole run is aborted). */
async function runTask(
  task: EvalTask,
  options: RunOptions,
  resolveTree: NonNullable<RunOptions["resolveTree"]>,
): Promise<TaskRecord> {
  let tree: ResolvedTree;
  try {
    tree = await resolveTree(task);
  } catch (error) {
    return record(task, options.policy, null, 0, 0, `tree: ${errorMessage(error)}`);
  }
  const warnings = absentWarning(tree.absent ?? []);
  const started = performance.now();
  // The task's own signal also fires on its timeout, so a well-behaved explorer stops working too.
  const taskAbort = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, taskAbort.signal]) : taskAbort.signal;
  try {
    const result = await withTimeout(
      options.explorer({
        query: task.problem_statement,
        root: tree.root,
        signal,
        ...(options.maxTurns !== undefined ? { maxTurns: options.maxTurns } : {}),
        ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      }),
      options.taskTimeoutMs ?? 600_000,
      "exploration",
      () => taskAbort.abort(),
    );
    return record(task, options.policy, result, (performance.now() - started) / 1000, tree.seconds, null, warnings);
  } catch (error) {
    return record(
      task,
      options.policy,
      null,
      (performance.now() - started) / 1000,
      tree.seconds,
      `explorer: ${errorMessage(error)}`,
      warnings,
    );
  }
}

/** Run the tasks not yet scored in `outDir`, `concurrency` at a time. */
export async function runEval(options: RunOptions): Promise<RunOutcome> {
  mkdirSync(options.outDir, { recursive: true });
  const file = join(options.outDir, RESULTS_FILE);
  repairTail(file);
  const previous = latestById(readResults(file));
  const other = [...previous.values()].find((r) => r.policy !== options.policy);
  if (other)
    throw new ConfigError(
      `${file} holds results of policy "${other.policy}", not "${options.policy}"; use another --out`,
    );

  const retryErrors = options.retryErrors ?? true;
  const todo = options.tasks.filter((t) => {
    const prev = previous.get(t.instance_id);
    return !prev || (retryErrors && prev.error !== null);
  });
  const progress = options.progress ?? SILENT_PROGRESS;
  const resolveTree = options.resolveTree ?? defaultResolveTree(options);
  progress.start(todo.length, options.tasks.length - todo.length);

  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < todo.length && !options.signal?.aborted) {
      const task = todo[next++];
      if (!task) break;
      const rec = await runTask(task, options, resolveTree);
      // An aborted task is not recorded, so a resumed run does it again.
      if (options.signal?.aborted) break;
      appendResult(file, rec);
      previous.set(rec.instance_id, rec);
      progress.taskDone(rec, ++done, todo.length);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 2, todo.length));
  await Promise.all(Array.from({ length: workers }, worker));
  progress.end();

  const records = options.tasks.map((t) => previous.get(t.instance_id)).filter((r): r is TaskRecord => r !== undefined);
  return {
    records,
    ran: done,
    skipped: options.tasks.length - todo.length,
    interrupted: records.length < options.tasks.length,
  };
}
