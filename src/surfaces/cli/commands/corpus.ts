/**
 * `fastcontext corpus …`: Context-1 style search over a document corpus.
 *   corpus index <dir> [--name N] [--full]   index Markdown, text, HTML, PDF, JSON/JSONL and code
 *   corpus ask -q "…" [--corpus N|DIR]       ranked <Document> entries (a model with --base-url,
 *                                            else the embedded retriever); --json for the result
 *   corpus eval --tasks FILE --corpus N      score the retriever or the harness on a task set
 * Exit codes as for the explorer: 0 answered, 1 partial, 2 usage/config, 3 endpoint, 4 no answer,
 * 130 cancelled. stdout carries only the product; progress and warnings go to stderr.
 */
import type { Command } from "commander";
import { defaultTrajectoryFile, TrajectoryWriter } from "../../../core/trajectory.js";
import type { ExploreEvent } from "../../../core/types.js";
import { ConfigError, EXIT } from "../../../util/errors.js";
import { type CliContext, intFlag, numberFlag } from "../../../util/subcommand.js";
import { VERSION } from "../../../version.js";

interface IndexFlags {
  name?: string;
  full?: boolean;
  embedUrl?: string;
  embedModel?: string;
  apiKey?: string;
  quiet?: boolean;
  json?: boolean;
}

interface AskFlags {
  query?: string;
  corpus?: string;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  temperature?: string;
  embedUrl?: string;
  embedModel?: string;
  rerankUrl?: string;
  rerankModel?: string;
  budget?: string;
  hardCutoff?: string;
  softThreshold?: string;
  maxTurns?: string;
  maxDocuments?: string;
  rollouts?: string;
  profile?: string;
  deadline?: string;
  json?: boolean;
  streamJson?: boolean;
  traj?: string | boolean;
  verbose?: boolean;
  tui?: boolean;
  quiet?: boolean;
}

function endpoint(url: string | undefined, model: string | undefined, apiKey: string | undefined, what: string) {
  if (!url) return undefined;
  if (!model) throw new ConfigError(`--${what}-url needs --${what}-model`);
  return { baseUrl: url, model, ...(apiKey ? { apiKey } : {}) };
}

async function runIndex(dir: string, flags: IndexFlags, ctx: CliContext): Promise<void> {
  const [{ indexCorpus }, paths, { EmbeddingClient }, { existsSync, statSync }] = await Promise.all([
    import("../../../corpus/indexer.js"),
    import("../../../corpus/paths.js"),
    import("../../../corpus/endpoints.js"),
    import("node:fs"),
  ]);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ConfigError(`not a directory: ${dir}`);
  const name = flags.name ? paths.cleanCorpusName(flags.name) : paths.defaultCorpusName(dir);
  const embed = endpoint(flags.embedUrl, flags.embedModel, flags.apiKey, "embed");
  const { startProgressBar } = await import("../../../corpus/progress.js");
  const bar = flags.quiet ? undefined : startProgressBar(process.stderr);
  const report = await indexCorpus({
    dir,
    name,
    storeDir: paths.corpusStoreDir(name),
    ...(embed ? { embeddings: new EmbeddingClient(embed) } : {}),
    ...(flags.full ? { full: true } : {}),
    ...(bar ? { onProgress: bar.update } : {}),
  }).finally(() => bar?.stop());
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else
    process.stdout.write(
      `corpus ${report.name}: ${report.documents} documents, ${report.chunks} chunks (${report.files.indexed} files indexed, ${report.files.unchanged} unchanged, ${report.files.removed} removed) in ${(report.ms / 1000).toFixed(1)} s\nstore: ${report.storeDir}\n`,
    );
  if (!flags.quiet)
    for (const p of report.problems.slice(0, 20)) process.stderr.write(`fastcontext: ${p.path}: ${p.problem}\n`);
  ctx.setExitCode(EXIT.ok);
}

async function runAsk(args: string[], flags: AskFlags, ctx: CliContext): Promise<void> {
  const query = (flags.query ?? args.join(" ")).trim();
  if (query === "") throw new ConfigError('no question given: fastcontext corpus ask -q "…"');
  const { askCorpus } = await import("../../../corpus/ask.js");
  const { renderDocuments } = await import("../../../corpus/harness/result.js");
  if (flags.profile !== undefined && flags.profile !== "harmony" && flags.profile !== "generic")
    throw new ConfigError(`--profile expects harmony or generic, got "${flags.profile}"`);
  const budget = {
    ...(flags.budget ? { totalTokens: intFlag("--budget", flags.budget, 32_768, 1024) } : {}),
    ...(flags.hardCutoff ? { hardCutoff: numberFlag("--hard-cutoff", flags.hardCutoff) as number } : {}),
    ...(flags.softThreshold ? { softThreshold: numberFlag("--soft-threshold", flags.softThreshold) as number } : {}),
  };
  const listeners: Array<(e: ExploreEvent) => void> = [];
  let traj: TrajectoryWriter | undefined;
  if (flags.traj) {
    traj = new TrajectoryWriter(typeof flags.traj === "string" ? flags.traj : defaultTrajectoryFile());
    traj.write({
      kind: "header",
      version: 1,
      fastcontext: VERSION,
      startedAt: new Date().toISOString(),
      query,
      root: flags.corpus ?? process.cwd(),
      policy: flags.baseUrl ? "model" : "embedded",
      ...(flags.model ? { model: flags.model } : {}),
      settings: { corpus: flags.corpus ?? null, rollouts: flags.rollouts ?? "1" },
    });
    const writer = traj;
    listeners.push((e) => {
      if (e.type !== "model_delta") writer.write({ kind: "event", event: e });
    });
  }
  let stopTui: (() => Promise<void>) | undefined;
  if (flags.tui) {
    const { startRunView } = await import("../../tui/live.js");
    const view = startRunView({ stream: process.stderr });
    listeners.push(view.onEvent);
    stopTui = view.stop;
  } else if (flags.verbose) {
    listeners.push((e) => {
      if (e.type === "tool_start")
        process.stderr.write(`turn ${e.turn}: ${e.call.name} ${JSON.stringify(e.call.args)}\n`);
      else if (e.type === "budget") process.stderr.write(`  tokens ${e.usedTokens}/${e.window}\n`);
      else if (e.type === "notice") process.stderr.write(`  ${e.message}\n`);
    });
  }
  if (flags.streamJson) listeners.push((e) => process.stdout.write(`${JSON.stringify(e)}\n`));
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const embed = endpoint(flags.embedUrl, flags.embedModel, flags.apiKey, "embed");
    const rerank = endpoint(flags.rerankUrl, flags.rerankModel, flags.apiKey, "rerank");
    const deadline = numberFlag("--deadline", flags.deadline, 1);
    const temperature = numberFlag("--temperature", flags.temperature);
    const result = await askCorpus({
      query,
      ...(flags.corpus ? { corpus: flags.corpus } : {}),
      ...(flags.baseUrl
        ? {
            model: {
              baseUrl: flags.baseUrl,
              ...(flags.model ? { model: flags.model } : {}),
              ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
              ...(temperature !== undefined ? { temperature } : {}),
            },
          }
        : {}),
      ...(embed ? { embeddings: embed } : {}),
      ...(rerank ? { reranker: rerank } : {}),
      budget,
      maxTurns: intFlag("--max-turns", flags.maxTurns, 32, 1),
      maxDocuments: intFlag("--max-documents", flags.maxDocuments, 10, 1),
      rollouts: intFlag("--rollouts", flags.rollouts, 1, 1),
      ...(flags.profile ? { profile: flags.profile as "harmony" | "generic" } : {}),
      ...(deadline ? { deadlineMs: deadline * 1000 } : {}),
      signal: controller.signal,
      onEvent: (e) => {
        for (const l of listeners) l(e);
      },
      ...(traj
        ? { onMessage: (message, meta) => traj?.write({ kind: "message", message, ...(meta ? { meta } : {}) }) }
        : {}),
    });
    await stopTui?.();
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (!flags.streamJson && result.documents.length > 0) process.stdout.write(`${renderDocuments(result)}\n`);
    if (!flags.quiet) {
      for (const w of result.warnings) process.stderr.write(`fastcontext: ${w}\n`);
      if (result.error) process.stderr.write(`fastcontext: ${result.error.message}\n`);
      if (result.partial) process.stderr.write(`fastcontext: partial result (${result.stopReason})\n`);
      if (traj) process.stderr.write(`fastcontext: trajectory written to ${traj.file}\n`);
    }
    ctx.setExitCode(
      result.stopReason === "aborted"
        ? EXIT.cancelled
        : result.documents.length === 0
          ? result.stopReason === "model_error"
            ? EXIT.endpoint
            : EXIT.noAnswer
          : result.partial
            ? EXIT.partial
            : EXIT.ok,
    );
  } finally {
    await stopTui?.().catch(() => undefined);
    traj?.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** Register `corpus` and its subcommands. */
export function registerCorpusCommand(program: Command, ctx: CliContext): void {
  const corpus = program.command("corpus").description("Context-1 style agentic search over a document corpus");
  corpus
    .command("index")
    .description("index a directory (Markdown, text, HTML, PDF, JSON/JSONL, code) into a corpus")
    .argument("<dir>", "directory to index")
    .option("--name <name>", "corpus name (default: the directory's name)")
    .option("--full", "rebuild from scratch instead of re-indexing changed files only")
    .option("--embed-url <url>", "OpenAI-compatible endpoint for /v1/embeddings (dense vectors)")
    .option("--embed-model <id>", "embedding model id")
    .option("--api-key <key>", "API key for the endpoints")
    .option("--json", "print the index report as JSON")
    .option("--quiet", "no progress bar or problems on stderr")
    .action(async (dir: string, flags: IndexFlags) => runIndex(dir, flags, ctx));
  corpus
    .command("ask")
    .description("find the documents that answer a query: ranked <Document> entries")
    .argument("[query...]", "the query (or -q)")
    .option("-q, --query <text>", "the query")
    .option("--corpus <name|dir>", "corpus name or indexed directory (default: the current directory)")
    .option(
      "--base-url <url>",
      "searcher model endpoint (OpenAI-compatible); without it the embedded retriever answers",
    )
    .option("--model <id>", "searcher model id (default: the only model served)")
    .option("--api-key <key>", "API key for the endpoints")
    .option("--temperature <t>", "sampling temperature")
    .option("--profile <name>", "harmony | generic (default: harmony for model ids with gpt-oss or context-1)")
    .option("--embed-url <url>", "/v1/embeddings endpoint for hybrid search (the corpus must be indexed with it)")
    .option("--embed-model <id>", "embedding model id")
    .option("--rerank-url <url>", "/v1/rerank endpoint")
    .option("--rerank-model <id>", "rerank model id")
    .option("--budget <tokens>", "context budget T (default 32768)")
    .option("--hard-cutoff <fraction>", "share of the budget past which only prune_chunks runs (default 0.95)")
    .option("--soft-threshold <fraction>", "share past which a 'prune or conclude' note is shown (default off)")
    .option("--max-turns <n>", "turn limit (default 32)")
    .option("--max-documents <n>", "documents in the answer (default 10)")
    .option("--rollouts <n>", "independent rollouts fused by RRF (Context-1 4x: 4)")
    .option("--deadline <seconds>", "wall-clock limit")
    .option("--json", "print the result object as JSON")
    .option("--stream-json", "print every event as a JSON line")
    .option("-t, --traj [file]", "write a JSONL trajectory (replay it with fastcontext replay)")
    .option("-v, --verbose", "progress on stderr")
    .option("--tui", "live view of the run on stderr")
    .option("--quiet", "no warnings on stderr")
    .action(async (args: string[], flags: AskFlags) => runAsk(args, flags, ctx));
  corpus
    .command("doctor")
    .description("check a harmony (gpt-oss / Context-1) server: eos 200012, tool parser, one call per generation")
    .requiredOption("--base-url <url>", "the model server")
    .requiredOption("--model <id>", "the served model id")
    .option("--api-key <key>", "API key")
    .option("--checkpoint <dir>", "local checkpoint folder holding generation_config.json")
    .option("--json", "print the checks as JSON")
    .action(async (flags: { baseUrl: string; model: string; apiKey?: string; checkpoint?: string; json?: boolean }) => {
      const { runHarmonyChecks } = await import("../../../doctor/harmony-checks.js");
      const checks = await runHarmonyChecks({
        baseUrl: flags.baseUrl,
        model: flags.model,
        ...(flags.apiKey ? { apiKey: flags.apiKey } : {}),
        ...(flags.checkpoint ? { checkpointDir: flags.checkpoint } : {}),
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else
        for (const c of checks)
          process.stdout.write(`${c.status.padEnd(4)} ${c.name}: ${c.detail}${c.fix ? `\n     fix: ${c.fix}` : ""}\n`);
      ctx.setExitCode(checks.some((c) => c.status === "fail") ? 1 : 0);
    });
  corpus
    .command("eval")
    .description("score corpus search on a task set (final-answer-found, recall, precision, F1, Recall@k, nDCG)")
    .option("--tasks <file>", "task manifest (JSON) built by corpus eval --build")
    .option("--build <dir>", "build a task manifest from the Markdown sections of a docs tree")
    .option("--out <file>", "where --build writes the manifest")
    .option("--git-dir <dir>", "with --build: also make doc-fix tasks from this repository's history")
    .option("--git-prefix <path>", "with --git-dir: the docs tree's path inside the repository (e.g. src/)")
    .option("--corpus <name|dir>", "corpus to search")
    .option("--base-url <url>", "searcher model endpoint; without it the embedded retriever is scored")
    .option("--model <id>", "searcher model id")
    .option("--k <n>", "cutoff of Recall@k and nDCG@k (default 10)")
    .option("--limit <n>", "score only the first n tasks")
    .option("--json", "print the report as JSON")
    .action(async (flags: Record<string, string | undefined>) => {
      const { runCorpusEvalCommand } = await import("../../../corpus/eval/command.js");
      await runCorpusEvalCommand(flags, ctx);
    });
}
