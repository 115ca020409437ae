/**
 * Registers `fastcontext eval` (run tasks and score them), `eval compare A B` (paired comparison of
 * two runs) and `eval mine --repo DIR` (tasks from a repository's own history) on the program.
 * Only parses flags and hands over; the work lives in the modules it calls.
 */
import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { registerAgentEvalCommand } from "../agent-eval/command.js";
import { ConfigError } from "../util/errors.js";
import { type CliContext, collect, numberFlag } from "../util/subcommand.js";
import { compareRuns, loadRun, renderCompareMd } from "./compare.js";
import { DEFAULT_EVAL_DEPS, type EvalDeps } from "./explorers.js";
import { mineTasks } from "./mine.js";
import { mineDocTasks } from "./mine-doc.js";
import { type EvalFlags, runEvalCommand } from "./run-command.js";

interface CompareFlags {
  json?: boolean;
  resamples?: string;
  seed?: string;
}

interface MineFlags {
  repo?: string;
  name?: string;
  rev?: string;
  maxCommits?: string;
  since?: string;
  limit?: string;
  maxFiles?: string;
  maxLines?: string;
  out?: string;
  kind?: string;
  seed?: string;
}

/** The command line as typed, for the summary (commander keeps the raw arguments on the root). */
function commandLine(cmd: Command): string {
  let root = cmd;
  while (root.parent) root = root.parent;
  // `rawArgs` is set by commander's parse but missing from its typings.
  const raw = (root as unknown as { rawArgs?: unknown }).rawArgs;
  const args = Array.isArray(raw) ? raw.filter((a): a is string => typeof a === "string") : process.argv.slice(2);
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return ["fastcontext", ...args.map(quote)].join(" ");
}

/** Add `eval`, `eval compare` and `eval mine` to the program. `deps` supplies explorers other than bm25. */
export function registerEvalCommand(program: Command, ctx: CliContext, deps: EvalDeps = DEFAULT_EVAL_DEPS): void {
  const evalCmd = program
    .command("eval")
    .description(
      "Score the explorer on localization tasks (file and line accuracy, cost); see also `eval compare` and `eval mine`",
    )
    .option("--tasks <file>", "tasks JSONL (the shared SWE-bench Lite schema, or from `eval mine`)")
    .option(
      "--mirrors <dir>",
      "directory of bare git mirrors (owner/name.git, owner/name, owner+name/repo, owner__name.git)",
    )
    .option("--mirror <owner/name=path>", "git repository for one owner/name (repeatable)", collect)
    .option("--repo-dir <dir>", "local git repository used for every task (mined tasks)")
    .option("--policy <policy>", "embedded | model | bm25", "embedded")
    .option("--concurrency <n>", "tasks run at once", "2")
    .option("--limit <n>", "only the first N tasks")
    .option("--only <ids>", "only these instance ids (comma-separated)")
    .option("--out <dir>", "output directory (default eval-out/<timestamp>-<policy>); re-using one resumes it")
    .option("--cache <dir>", "cache of exported trees (default $XDG_CACHE_HOME/fastcontext/eval-trees)")
    .option("--no-retry-errors", "when resuming, keep tasks that errored instead of running them again")
    .option("--max-turns <n>", "maximum model turns per task")
    .option("--deadline <seconds>", "exploration budget per task")
    .option("--task-timeout <seconds>", "hard limit per task; beyond it the task is recorded as an error", "600")
    .option("--base-url <url>", "model endpoint (model policy)")
    .option("--model <id>", "model id (model policy)")
    .option("--config <file>", "config file for the explorer")
    .option("--resamples <n>", "bootstrap resamples", "2000")
    .option("--seed <n>", "bootstrap seed", "1")
    .option("--json", "print summary.json to stdout instead of summary.md")
    .option("--quiet", "no progress and no summary on the terminal (files are still written)")
    .action(async (flags: EvalFlags, cmd: Command) => {
      ctx.setExitCode(await runEvalCommand(flags, deps, commandLine(cmd)));
    });

  evalCmd
    .command("compare")
    .description(
      "Compare run B against run A task by task (paired bootstrap); verdicts only where the 95% interval excludes zero",
    )
    .argument("<a>", "baseline run: an eval output directory, its summary.json or its results.jsonl")
    .argument("<b>", "candidate run, same forms")
    .option("--json", "print the comparison as JSON")
    .option("--resamples <n>", "bootstrap resamples", "2000")
    .option("--seed <n>", "bootstrap seed", "1")
    .action((a: string, b: string, flags: CompareFlags) => {
      const result = compareRuns(loadRun(a), loadRun(b), {
        resamples: numberFlag("--resamples", flags.resamples, 100) ?? 2000,
        seed: numberFlag("--seed", flags.seed, 0) ?? 1,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderCompareMd(result));
      ctx.setExitCode(0);
    });

  registerAgentEvalCommand(evalCmd, (code) => ctx.setExitCode(code));

  evalCmd
    .command("mine")
    .description(
      "Build tasks from a repository's history: fix/issue commits touching 1-3 source files (message = query, pre-image changed lines = gold)",
    )
    .option("--repo <dir>", "repository to mine (work tree or bare)")
    .option("--name <owner/name>", "repository name written into the tasks (default: from the origin remote)")
    .option("--rev <rev>", "history to walk", "HEAD")
    .option("--max-commits <n>", "commits examined, newest first", "2000")
    .option("--since <date>", "only commits after this date")
    .option("--limit <n>", "tasks produced at most")
    .option("--max-files <n>", "source files a commit may touch", "3")
    .option("--max-lines <n>", "changed source lines a commit may have", "200")
    .option("--out <file>", "write the tasks JSONL here (default stdout)")
    .option(
      "--kind <kind>",
      "commit (fix commits) | doc (doc comment's first sentence as query, the unit as gold)",
      "commit",
    )
    .option("--seed <n>", "sampling seed (--kind doc)", "1")
    .action(async (flags: MineFlags) => {
      if (!flags.repo) throw new ConfigError("eval mine needs --repo DIR");
      const limit = numberFlag("--limit", flags.limit, 1);
      if (flags.kind !== undefined && flags.kind !== "commit" && flags.kind !== "doc")
        throw new ConfigError(`--kind expects commit or doc, got "${flags.kind}"`);
      if (flags.kind === "doc") {
        if (!flags.name) throw new ConfigError("eval mine --kind doc needs --name owner/name");
        const { tasks, examined } = await mineDocTasks({
          repo: flags.repo,
          name: flags.name,
          ...(flags.rev ? { rev: flags.rev } : {}),
          ...(limit !== undefined ? { limit } : {}),
          seed: numberFlag("--seed", flags.seed, 0) ?? 1,
        });
        const jsonl = tasks.map((t) => JSON.stringify(t)).join("\n") + (tasks.length ? "\n" : "");
        if (flags.out) writeFileSync(flags.out, jsonl);
        else process.stdout.write(jsonl);
        process.stderr.write(
          `eval mine --kind doc: ${flags.name}: ${examined} documented units examined, ${tasks.length} tasks\n`,
        );
        ctx.setExitCode(tasks.length > 0 ? 0 : 1);
        return;
      }
      const { tasks, stats, repo } = await mineTasks({
        repo: flags.repo,
        ...(flags.name ? { name: flags.name } : {}),
        ...(flags.rev ? { rev: flags.rev } : {}),
        ...(flags.since ? { since: flags.since } : {}),
        ...(limit !== undefined ? { limit } : {}),
        maxCommits: numberFlag("--max-commits", flags.maxCommits, 1) ?? 2000,
        maxFiles: numberFlag("--max-files", flags.maxFiles, 1) ?? 3,
        maxChangedLines: numberFlag("--max-lines", flags.maxLines, 1) ?? 200,
      });
      const jsonl = tasks.map((t) => JSON.stringify(t)).join("\n") + (tasks.length ? "\n" : "");
      if (flags.out) writeFileSync(flags.out, jsonl);
      else process.stdout.write(jsonl);
      process.stderr.write(
        `eval mine: ${repo}: ${stats.examined} commits examined, ${stats.byMessage} with a fix/issue message, ${stats.tasks} task${stats.tasks === 1 ? "" : "s"}${flags.out ? ` written to ${flags.out}` : ""}\n`,
      );
      if (flags.out && tasks.length > 0)
        process.stderr.write(
          `eval mine: run them with: fastcontext eval --tasks ${flags.out} --repo-dir ${flags.repo} --policy bm25\n`,
        );
      ctx.setExitCode(tasks.length > 0 ? 0 : 1);
    });
}
