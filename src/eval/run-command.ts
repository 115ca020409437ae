/**
 * The `eval` run itself: resolves flags into a run (tasks, mirrors, cache, output directory), runs
 * it, and writes `summary.json`, `summary.md` and `report.html`. Progress goes to stderr; stdout
 * gets the summary (Markdown, or JSON with `--json`).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, EXIT } from "../util/errors.js";
import { numberFlag } from "../util/subcommand.js";
import { VERSION } from "../version.js";
import type { EvalDeps } from "./explorers.js";
import { parsePolicy } from "./explorers.js";
import { describeCheckout } from "./git.js";
import { cleanStaleTemps, defaultCacheDir } from "./materialize.js";
import { normalizePath } from "./metrics.js";
import { findMirror, type MirrorSources, parseMirrorFlags } from "./mirrors.js";
import { createProgress, SILENT_PROGRESS } from "./progress.js";
import { renderReportHtml } from "./report-html.js";
import { runEval } from "./runner.js";
import { type EvalSummary, summarize } from "./summary.js";
import { renderSummaryMd } from "./summary-md.js";
import { loadTasks } from "./tasks.js";

/** Flags of `fastcontext eval`, as commander hands them over. */
export interface EvalFlags {
  tasks?: string;
  mirrors?: string;
  mirror?: string[];
  repoDir?: string;
  policy?: string;
  concurrency?: string;
  limit?: string;
  only?: string;
  out?: string;
  cache?: string;
  retryErrors?: boolean;
  maxTurns?: string;
  deadline?: string;
  taskTimeout?: string;
  baseUrl?: string;
  model?: string;
  config?: string;
  resamples?: string;
  seed?: string;
  json?: boolean;
  quiet?: boolean;
}

function isInside(parent: string, child: string): boolean {
  const rel = relative(resolve(parent), resolve(child));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function stamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/**
 * `eval-out/<timestamp>-<policy>` under the current directory, or under the XDG state directory
 * when the current directory is inside a repository being evaluated (never write into it).
 */
export function defaultOutDir(policy: string, avoid: readonly string[], now = new Date(), cwd = process.cwd()): string {
  const name = `${stamp(now)}-${policy}`;
  if (!avoid.some((dir) => isInside(dir, cwd))) return join(cwd, "eval-out", name);
  const state =
    process.env.XDG_STATE_HOME && process.env.XDG_STATE_HOME !== ""
      ? process.env.XDG_STATE_HOME
      : join(homedir(), ".local", "state");
  return join(state, "fastcontext", "eval-out", name);
}

/** The fastcontext checkout this code runs from, described by git; null for an installed package. */
async function fastcontextCommit(): Promise<string | null> {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  return existsSync(join(root, ".git")) ? describeCheckout(root) : null;
}

function writeAtomic(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** Run `fastcontext eval` with parsed flags. Returns the exit code. */
export async function runEvalCommand(flags: EvalFlags, deps: EvalDeps, commandLine: string): Promise<number> {
  const startedAt = new Date();
  if (!flags.tasks)
    throw new ConfigError(
      "eval needs --tasks FILE.jsonl (see `fastcontext eval mine` to build tasks from a repository)",
    );
  const policy = parsePolicy(flags.policy ?? "embedded");
  let tasks = loadTasks(flags.tasks);
  if (flags.only) {
    const only = new Set(
      flags.only
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    );
    tasks = tasks.filter((t) => only.has(t.instance_id));
  }
  const limit = numberFlag("--limit", flags.limit, 1);
  if (limit !== undefined) tasks = tasks.slice(0, limit);
  if (tasks.length === 0) throw new ConfigError(`no task selected from ${flags.tasks}`);

  const mirrors: MirrorSources = {
    ...(flags.mirrors ? { mirrorsDir: flags.mirrors } : {}),
    ...(flags.mirror?.length ? { explicit: parseMirrorFlags(flags.mirror) } : {}),
    ...(flags.repoDir ? { repoDir: flags.repoDir } : {}),
  };
  // Resolve every repository up front: a missing mirror is a configuration mistake, not 48 task errors.
  const gitDirs = [...new Set(tasks.map((t) => t.repo))].map((repo) => findMirror(repo, mirrors));
  const avoid = [...gitDirs, ...(flags.repoDir ? [flags.repoDir] : [])];
  const cacheDir = resolve(flags.cache ?? defaultCacheDir());
  const outDir = resolve(flags.out ?? defaultOutDir(policy, avoid, startedAt));
  for (const dir of avoid)
    if (isInside(dir, outDir) || isInside(dir, cacheDir))
      throw new ConfigError(
        `refusing to write into ${dir}, a repository being evaluated; choose another --out or --cache`,
      );

  const maxTurns = numberFlag("--max-turns", flags.maxTurns, 1);
  const deadlineS = numberFlag("--deadline", flags.deadline, 1);
  const explorer = await deps.getExplorer(policy, {
    ...(maxTurns !== undefined ? { maxTurns } : {}),
    ...(deadlineS !== undefined ? { deadlineS } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.config ? { configFile: flags.config } : {}),
  });
  cleanStaleTemps(cacheDir);
  mkdirSync(outDir, { recursive: true });

  const controller = new AbortController();
  const onSignal = () => {
    process.stderr.write(
      "\neval: interrupted; finishing the summary of the tasks already scored (re-run the same command to resume)\n",
    );
    controller.abort();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const concurrency = numberFlag("--concurrency", flags.concurrency, 1) ?? 2;
  const taskTimeoutS = numberFlag("--task-timeout", flags.taskTimeout, 1);
  let outcome;
  try {
    outcome = await runEval({
      tasks,
      policy,
      explorer,
      mirrors,
      cacheDir,
      outDir,
      concurrency,
      retryErrors: flags.retryErrors !== false,
      ...(maxTurns !== undefined ? { maxTurns } : {}),
      ...(deadlineS !== undefined ? { deadlineMs: deadlineS * 1000 } : {}),
      ...(taskTimeoutS !== undefined ? { taskTimeoutMs: taskTimeoutS * 1000 } : {}),
      progress: flags.quiet ? SILENT_PROGRESS : createProgress(process.stderr),
      signal: controller.signal,
    });
  } finally {
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }

  const finishedAt = new Date();
  const summary: EvalSummary = summarize(
    outcome.records,
    {
      policy,
      tasks_file: resolve(flags.tasks),
      out_dir: outDir,
      command: commandLine,
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      wall_s_total: Math.round((finishedAt.getTime() - startedAt.getTime()) / 10) / 100,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      fastcontext_version: VERSION,
      fastcontext_commit: await fastcontextCommit(),
      concurrency,
      cpus: availableParallelism(),
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    },
    tasks.length,
    {
      ...(flags.resamples ? { resamples: numberFlag("--resamples", flags.resamples, 100) } : {}),
      ...(flags.seed ? { seed: numberFlag("--seed", flags.seed, 0) } : {}),
    },
  );
  const gold = new Map(tasks.map((t) => [t.instance_id, new Set(t.gold_files.map(normalizePath))]));
  const markdown = renderSummaryMd(summary);
  writeAtomic(join(outDir, "summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
  writeAtomic(join(outDir, "summary.md"), markdown);
  writeAtomic(join(outDir, "report.html"), renderReportHtml(summary, outcome.records, gold));
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else if (!flags.quiet) process.stdout.write(markdown);
  if (!flags.quiet)
    process.stderr.write(`eval: results in ${outDir} (summary.md, summary.json, report.html, results.jsonl)\n`);
  return outcome.interrupted && controller.signal.aborted ? EXIT.cancelled : EXIT.ok;
}
