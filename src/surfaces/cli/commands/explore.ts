/**
 * The main job: `fastcontext -q "question" [--repo DIR]` explores and prints the verified
 * `<final_answer>` block (or `--json` the result object, `--stream-json` every event as JSON lines).
 * Progress goes to stderr; stdout carries only the answer.
 */
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.js";
import type { ConfigKey } from "../../../config/schema.js";
import type { ExploreEvent, ExploreResult } from "../../../core/types.js";
import { TrajectoryWriter, defaultTrajectoryFile } from "../../../core/trajectory.js";
import { createExplorer, resolvePolicy } from "../../../explore/factory.js";
import { EXIT, ConfigError } from "../../../util/errors.js";
import { VERSION } from "../../../version.js";
import type { CliContext } from "../context.js";
import { progressLine, renderAnswer } from "../render.js";

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
  quiet?: boolean;
  traj?: string | boolean;
  fallback?: boolean;
  config?: string;
  systemPrompt?: string;
}

function num(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ConfigError(`${flag} expects a number, got "${value}"`);
  return n;
}

/** Exit code for a finished run (documented in README "Exit codes"). */
export function exitCodeFor(result: ExploreResult): number {
  if (result.stopReason === "aborted") return EXIT.cancelled;
  if (result.error?.kind === "endpoint" && result.citations.length === 0) return EXIT.endpoint;
  if (result.citations.length === 0) return EXIT.noAnswer;
  return result.partial ? EXIT.partial : EXIT.ok;
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
    .option("--max-turns <n>", "maximum model turns (default 12)")
    .option("--max-context <n>", "context window in tokens, or auto")
    .option("--deadline <seconds>", "wall-clock limit of the exploration")
    .option("--cited-lines <n>", "embedded explorer: budget of cited lines")
    .option("--fallback", "when the model's answer is empty or invalid, answer with the embedded explorer")
    .option("--json", "print the result object as JSON")
    .option("--stream-json", "print every event as a JSON line (the last one carries the result)")
    .option("--citation", "print only the <final_answer> block")
    .option("-t, --traj [file]", "write a JSONL trajectory (default file under the XDG state directory)")
    .option("--config <file>", "config file to use instead of the discovered ones")
    .option("--system-prompt <file>", "replacement system prompt template")
    .option("-v, --verbose", "progress on stderr")
    .option("--quiet", "no warnings on stderr");
}

export async function runExplore(queryArgs: string[], flags: ExploreFlags, ctx: CliContext): Promise<void> {
  const query = (flags.query ?? queryArgs.join(" ")).trim();
  if (query === "") throw new ConfigError('no question given: fastcontext -q "where is X handled?"');
  const configFlags: Partial<Record<ConfigKey, unknown>> = {
    base_url: flags.baseUrl,
    model: flags.model,
    api_key: flags.apiKey,
    profile: flags.profile,
    temperature: num("--temperature", flags.temperature),
    max_turns: num("--max-turns", flags.maxTurns),
    max_context: flags.maxContext === undefined || flags.maxContext === "auto" ? flags.maxContext : num("--max-context", flags.maxContext),
    deadline_s: num("--deadline", flags.deadline),
    cited_lines: num("--cited-lines", flags.citedLines),
    fallback: flags.fallback,
    system_prompt: flags.systemPrompt,
  };
  const { config } = loadConfig({ flags: configFlags, ...(flags.config ? { configFile: flags.config } : {}) });
  const policy = resolvePolicy(config, flags.policy);
  const root = flags.repo ?? process.cwd();

  const listeners: Array<(e: ExploreEvent) => void> = [];
  let traj: TrajectoryWriter | undefined;
  if (flags.traj) {
    traj = new TrajectoryWriter(typeof flags.traj === "string" ? flags.traj : defaultTrajectoryFile(config.traj_dir));
    traj.write({ kind: "header", version: 1, fastcontext: VERSION, startedAt: new Date().toISOString(), query, root, policy, ...(config.model ? { model: config.model } : {}) });
    const writer = traj;
    listeners.push((e) => {
      if (e.type !== "model_delta") writer.write({ kind: "event", event: e });
    });
  }
  const startedAt = Date.now();
  let stopTui: (() => Promise<void>) | undefined;
  if (flags.verbose) {
    listeners.push((e) => {
      const line = progressLine(e, startedAt);
      if (line) process.stderr.write(`${line}\n`);
    });
  } else if (!flags.quiet) {
    listeners.push((e) => {
      if (e.type === "notice" && e.level === "warn") process.stderr.write(`fastcontext: ${e.message}\n`);
    });
  }
  if (flags.streamJson) listeners.push((e) => process.stdout.write(`${JSON.stringify(e)}\n`));

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const explorer = createExplorer(config, policy, traj ? { onMessage: (message, meta) => traj!.write({ kind: "message", message, ...(meta ? { meta } : {}) }) } : {});
    const result = await explorer({ query, root, signal: controller.signal, maxTurns: config.max_turns, deadlineMs: config.deadline_s * 1000, onEvent: (e) => listeners.forEach((l) => l(e)) });
    await stopTui?.();
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (!flags.streamJson) process.stdout.write(renderAnswer(result, flags.citation === true));
    if (!flags.quiet && !flags.json && !flags.streamJson) {
      for (const w of result.warnings) process.stderr.write(`fastcontext: ${w}\n`);
      if (result.partial) process.stderr.write(`fastcontext: partial result (${result.stopReason})${result.error ? `: ${result.error.message}` : ""}\n`);
    }
    if (traj) process.stderr.write(flags.quiet ? "" : `fastcontext: trajectory written to ${traj.file}\n`);
    ctx.setExitCode(exitCodeFor(result));
  } finally {
    await stopTui?.().catch(() => undefined);
    traj?.close();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

export function registerExploreCommand(program: Command, ctx: CliContext): void {
  addExploreOptions(program.argument("[query...]", "the question to answer about the repository")).action(async (queryArgs: string[], flags: ExploreFlags) => {
    await runExplore(queryArgs, flags, ctx);
  });
}
