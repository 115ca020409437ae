/**
 * The main job: `fastcontext -q "question" [--repo DIR]` explores and prints the verified
 * `<final_answer>` block (or `--json` the result object, `--stream-json` every event as JSON lines).
 * Progress, warnings and errors go to stderr; stdout carries only the answer.
 *
 * Exit codes (README "Exit codes"):
 *   0    answered: the model (or the embedded explorer) gave a validated answer.
 *   1    partial: a budget ran out (max_turns, token_budget, deadline) or the model failed after
 *        answering once; the surviving citations are printed.
 *   2    configuration or usage error (bad flag, bad config value or file, missing endpoint, bad repo).
 *   3    model endpoint error: unreachable, kept failing after the retries, or no usable reply (refused, oversized, malformed).
 *   4    no answer: the run ended without a single verified citation (an empty block is printed).
 *   70   internal error (a bug in fastcontext; FC_DEBUG=1 prints the stack).
 *   130  cancelled (SIGINT/SIGTERM).
 * What stdout carries: with 0, 1 and 4 the `<final_answer>` block (4: an empty one); with 2, 3 and
 * 130 nothing at all in text mode, like the original CLI on failure. `--json` prints the result
 * object whenever a run took place (3 and 130 included: `stopReason` and `error` say what happened);
 * a failure before the run (2, or 3 when the model list cannot be fetched) prints
 * `{"error": {message, hint?, causes}}` instead. On stderr every failure is one sentence (what
 * failed; what to do); `-v` adds the cause chain underneath.
 */
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.js";
import type { ConfigKey } from "../../../config/schema.js";
import { defaultTrajectoryFile, TrajectoryWriter } from "../../../core/trajectory.js";
import type { ExploreEvent, ExploreResult } from "../../../core/types.js";
import { useDiskIndexCache } from "../../../index-cache/install.js";
import { ConfigError, describeError, EXIT, FatalError } from "../../../util/errors.js";
import { type CliContext, numberFlag } from "../../../util/subcommand.js";
import { VERSION } from "../../../version.js";
import { progressLine, renderAnswer } from "../../render.js";

export interface ExploreFlags {
  query?: string;
  repo?: string;
  policy?: string;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  profile?: string;
  temperature?: string;
  maxTurns?: string;
  maxContext?: string;
  deadline?: string;
  citedLines?: string;
  json?: boolean;
  streamJson?: boolean;
  citation?: boolean;
  verbose?: boolean;
  tui?: boolean;
  quiet?: boolean;
  traj?: string | boolean;
  fallback?: boolean;
  config?: string;
  systemPrompt?: string;
}

/** Exit code for a finished run (see the header). */
export function exitCodeFor(result: ExploreResult): number {
  if (result.stopReason === "aborted") return EXIT.cancelled;
  if (result.citations.length === 0) return result.stopReason === "model_error" ? EXIT.endpoint : EXIT.noAnswer;
  return result.partial ? EXIT.partial : EXIT.ok;
}

/**
 * The closing stderr line for a run that did not end normally (null when it did): one sentence,
 * what failed and what to do. The causes follow with --verbose (and are in --json).
 */
export function statusLine(result: ExploreResult, code: number): string | null {
  const why = result.error ? `: ${result.error.message}` : "";
  if (code === EXIT.cancelled) return "cancelled";
  if (code === EXIT.endpoint)
    return result.error?.kind === "endpoint"
      ? `the model server failed${why}; check it with \`fastcontext doctor\`, retry, or use --fallback`
      : `the model gave no usable reply${why}; check the model and its settings with \`fastcontext doctor\``;
  if (code === EXIT.noAnswer)
    return `no answer (${result.stopReason})${why}; re-ask with sharper terms (identifiers, error text, directories)`;
  if (result.partial) return `partial result (${result.stopReason})${why}; the citations found so far are printed`;
  return null;
}

/** The causes under the result's error or fallback, one per line, for --verbose. */
function causeLines(result: ExploreResult): string[] {
  return [...(result.fallback?.causes ?? []), ...(result.error?.causes ?? [])].map((c) => `  caused by: ${c}`);
}

export function addExploreOptions(cmd: Command): Command {
  return cmd
    .option("-q, --query <text>", "the question (or pass it as the argument)")
    .option("--repo <dir>", "repository to explore (default: the current directory)")
    .option("--policy <policy>", "auto | model | embedded (auto: the model when --base-url is set)")
    .option("--base-url <url>", "OpenAI-compatible endpoint of the model server")
    .option("--model <id>", "model id (default: the only model the server serves)")
    .option("--api-key <key>", "API key for the endpoint")
    .option("--profile <name>", "model profile: auto, fastcontext-4b, qwen3, gpt-oss, openai")
    .option("--temperature <t>", "sampling temperature")
    .option("--max-turns <n>", "maximum model turns (default 12; the embedded explorer always plans two)")
    .option("--max-context <n>", "context window in tokens, or auto")
    .option("--deadline <seconds>", "wall-clock limit of the exploration")
    .option("--cited-lines <n>", "embedded explorer: budget of cited lines (the model chooses its own citations)")
    .option("--fallback", "when the model's answer is empty or invalid, answer with the embedded explorer")
    .option("--json", "print the result object as JSON")
    .option("--stream-json", "print every event as a JSON line (the last one carries the result)")
    .option("--citation", "print only the <final_answer> block")
    .option("-t, --traj [file]", "write a JSONL trajectory (default file under the XDG state directory)")
    .option("--config <file>", "config file to use instead of the discovered ones")
    .option("--system-prompt <file>", "replacement system prompt template")
    .option("-v, --verbose", "progress on stderr")
    .option("--tui", "live view of the run on stderr (plain progress lines when stderr is not a terminal)")
    .option("--quiet", "no warnings on stderr");
}

export async function runExplore(queryArgs: string[], flags: ExploreFlags, ctx: CliContext): Promise<void> {
  try {
    await explore(queryArgs, flags, ctx);
  } catch (error) {
    // --json callers get the failure as JSON too: what failed, what to do, and the cause chain.
    if (flags.json && error instanceof FatalError)
      process.stdout.write(`${JSON.stringify({ error: describeError(error) }, null, 2)}\n`);
    throw error;
  }
}

async function explore(queryArgs: string[], flags: ExploreFlags, ctx: CliContext): Promise<void> {
  const query = (flags.query ?? queryArgs.join(" ")).trim();
  if (query === "") throw new ConfigError('no question given: fastcontext -q "where is X handled?"');
  const configFlags: Partial<Record<ConfigKey, unknown>> = {
    base_url: flags.baseUrl,
    model: flags.model,
    api_key: flags.apiKey,
    profile: flags.profile,
    temperature: numberFlag("--temperature", flags.temperature),
    max_turns: numberFlag("--max-turns", flags.maxTurns),
    max_context:
      flags.maxContext === undefined || flags.maxContext === "auto"
        ? flags.maxContext
        : numberFlag("--max-context", flags.maxContext),
    deadline_s: numberFlag("--deadline", flags.deadline),
    cited_lines: numberFlag("--cited-lines", flags.citedLines),
    fallback: flags.fallback,
    system_prompt: flags.systemPrompt,
  };
  const { config } = loadConfig({ flags: configFlags, ...(flags.config ? { configFile: flags.config } : {}) });
  // Loaded here, not at start-up: `--version` and `--help` should not pay for the explorers.
  const [{ createExplorer, resolvePolicy }, { ignoredSettings }] = await Promise.all([
    import("../../../explore/factory.js"),
    import("../../../explore/ignored-settings.js"),
  ]);
  const policy = resolvePolicy(config, flags.policy);
  const notes = ignoredSettings(policy, config.fallback, {
    maxTurns: flags.maxTurns !== undefined,
    citedLines: flags.citedLines !== undefined,
  });
  const root = flags.repo ?? process.cwd();

  const listeners: Array<(e: ExploreEvent) => void> = [];
  let traj: TrajectoryWriter | undefined;
  if (flags.traj) {
    traj = new TrajectoryWriter(typeof flags.traj === "string" ? flags.traj : defaultTrajectoryFile(config.traj_dir));
    traj.write({
      kind: "header",
      version: 1,
      fastcontext: VERSION,
      startedAt: new Date().toISOString(),
      query,
      root,
      policy,
      ...(config.model ? { model: config.model } : {}),
    });
    const writer = traj;
    listeners.push((e) => {
      if (e.type !== "model_delta") writer.write({ kind: "event", event: e });
    });
  }
  const startedAt = Date.now();
  let stopTui: (() => Promise<void>) | undefined;
  if (flags.tui) {
    // The live view replaces the --verbose printer; it is stopped before the answer is printed.
    const { startRunView } = await import("../../tui/live.js");
    const view = startRunView({ stream: process.stderr });
    listeners.push(view.onEvent);
    stopTui = view.stop;
  } else if (flags.verbose) {
    listeners.push((e) => {
      const line = progressLine(e, startedAt);
      if (line) process.stderr.write(`${line}\n`);
    });
  }
  if (flags.streamJson) listeners.push((e) => process.stdout.write(`${JSON.stringify(e)}\n`));

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    useDiskIndexCache(); // repeated runs on one repository reuse its listing
    const explorer = createExplorer(config, policy, {
      notes,
      ...(traj
        ? { onMessage: (message, meta) => traj!.write({ kind: "message", message, ...(meta ? { meta } : {}) }) }
        : {}),
    });
    const result = await explorer({
      query,
      root,
      signal: controller.signal,
      maxTurns: config.max_turns,
      deadlineMs: config.deadline_s * 1000,
      onEvent: (e) => listeners.forEach((l) => l(e)),
    });
    await stopTui?.();
    const code = exitCodeFor(result);
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (!flags.streamJson && code !== EXIT.endpoint && code !== EXIT.cancelled)
      process.stdout.write(renderAnswer(result, flags.citation === true));
    if (!flags.quiet) {
      // Warnings once, at the end (--verbose also showed them live).
      for (const w of result.warnings) process.stderr.write(`fastcontext: ${w}\n`);
      if (result.fallback)
        process.stderr.write(
          `fastcontext: the ${result.policy} explorer answered instead of the ${result.fallback.from}: ${result.fallback.reason}\n`,
        );
      const status = statusLine(result, code);
      if (status) process.stderr.write(`fastcontext: ${status}\n`);
      if (flags.verbose) for (const line of causeLines(result)) process.stderr.write(`${line}\n`);
      if (traj) process.stderr.write(`fastcontext: trajectory written to ${traj.file}\n`);
    }
    ctx.setExitCode(code);
  } finally {
    await stopTui?.().catch(() => undefined);
    traj?.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

export function registerExploreCommand(program: Command, ctx: CliContext): void {
  addExploreOptions(program.argument("[query...]", "the question to answer about the repository")).action(
    async (queryArgs: string[], flags: ExploreFlags) => {
      await runExplore(queryArgs, flags, ctx);
    },
  );
}
