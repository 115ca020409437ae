/**
 * `fastcontext bench-endpoint`: measure an OpenAI-compatible endpoint the way the NVFP4 model cards
 * do (time to first token, decode tokens/s per stream and aggregate, prompt processing) at several
 * concurrencies, optionally against a second endpoint (`--vs`). Tables go to stdout (`--json`: the
 * result object), progress to stderr.
 * Exit codes: 0 measured, 1 some requests failed, 2 usage error, 3 an endpoint could not serve at all.
 */
import type { Command } from "commander";
import {
  type BenchSettings,
  type BenchTarget,
  BenchUnusableError,
  benchEndpoint,
  type EndpointBench,
} from "../../../bench-endpoint/run.js";
import { describeEndpoint, renderComparison, renderSingle } from "../../../bench-endpoint/table.js";
import { loadConfig } from "../../../config/load.js";
import { effectiveSampling } from "../../../config/profiles.js";
import type { Config, ConfigKey } from "../../../config/schema.js";
import { listModels } from "../../../llm/models.js";
import { normalizeBaseUrl } from "../../../llm/url.js";
import { ConfigError, EndpointError, EXIT } from "../../../util/errors.js";
import type { CliContext } from "../../../util/subcommand.js";

interface BenchFlags {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  profile?: string;
  config?: string;
  concurrency: string;
  runs: string;
  maxTokens: string;
  promptTokens: string;
  warmup: string;
  timeout: string;
  ignoreEos: boolean;
  vs?: string;
  vsModel?: string;
  vsApiKey?: string;
  label?: string;
  vsLabel?: string;
  json?: boolean;
  quiet?: boolean;
}

function int(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${flag} expects an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** Parse `1,4,16`. */
export function parseConcurrency(value: string): number[] {
  const levels = value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => int("--concurrency", part, 1));
  if (levels.length === 0) throw new ConfigError("--concurrency expects a list such as 1,4,16");
  return [...new Set(levels)];
}

function url(value: string, flag: string): string {
  try {
    return normalizeBaseUrl(value);
  } catch (error) {
    throw new ConfigError(`${flag}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The model to measure: the one asked for, or the only one the endpoint serves. */
async function resolveModel(
  baseUrl: string,
  apiKey: string | undefined,
  requested: string | undefined,
  flag: string,
): Promise<string> {
  if (requested) return requested;
  let served: string[];
  try {
    served = await listModels(baseUrl, apiKey, { timeoutMs: 10_000 });
  } catch (error) {
    throw new EndpointError(
      `cannot list the models at ${baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (served.length === 1) return served[0]!;
  throw new ConfigError(
    served.length === 0
      ? `${baseUrl} lists no model; pass ${flag}`
      : `${baseUrl} serves several models; choose one with ${flag}: ${served.join(", ")}`,
  );
}

function target(
  config: Config,
  baseUrl: string,
  model: string,
  apiKey: string | undefined,
  label: string,
): BenchTarget {
  const { profile, sampling } = effectiveSampling({ ...config, model });
  return { label, baseUrl, model, ...(apiKey ? { apiKey } : {}), sampling, tokenizer: profile.tokenizer };
}

/** Short distinct labels for two endpoints: the model names, else host:port, else A and B. */
function labels(a: { baseUrl: string; model: string }, b?: { baseUrl: string; model: string }): [string, string] {
  const name = (m: string) => m.split("/").at(-1) ?? m;
  const host = (u: string) => new URL(u).host;
  if (!b) return [name(a.model), ""];
  if (name(a.model) !== name(b.model)) return [name(a.model), name(b.model)];
  if (host(a.baseUrl) !== host(b.baseUrl)) return [host(a.baseUrl), host(b.baseUrl)];
  return ["A", "B"];
}

/** Run the benchmark and print it. */
export async function runBenchCommand(flags: BenchFlags, ctx: CliContext): Promise<void> {
  const settings: BenchSettings = {
    concurrency: parseConcurrency(flags.concurrency),
    runs: int("--runs", flags.runs, 1),
    maxTokens: int("--max-tokens", flags.maxTokens, 2),
    promptTokens: int("--prompt-tokens", flags.promptTokens, 0),
    warmup: int("--warmup", flags.warmup, 0),
    ignoreEos: flags.ignoreEos,
    timeoutMs: int("--timeout", flags.timeout, 1) * 1000,
  };
  const configFlags: Partial<Record<ConfigKey, unknown>> = {
    base_url: flags.baseUrl,
    model: flags.model,
    api_key: flags.apiKey,
    profile: flags.profile,
  };
  const { config } = loadConfig({ flags: configFlags, ...(flags.config ? { configFile: flags.config } : {}) });
  if (!config.base_url) throw new ConfigError("no endpoint to measure: pass --base-url (or set FC_BASE_URL)");
  // Several replicas: each is measured alone, then the pool as the client uses it (fewest in flight).
  const replicas = config.base_url
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((u) => url(u, "--base-url"));
  const baseA = replicas[0] ?? url(config.base_url, "--base-url");
  const modelA = await resolveModel(baseA, config.api_key, config.model, "--model");
  const second = flags.vs ? { baseUrl: url(flags.vs, "--vs"), apiKey: flags.vsApiKey ?? config.api_key } : undefined;
  const modelB = second ? await resolveModel(second.baseUrl, second.apiKey, flags.vsModel, "--vs-model") : undefined;
  const [labelA, labelB] = labels(
    { baseUrl: baseA, model: modelA },
    second && modelB ? { baseUrl: second.baseUrl, model: modelB } : undefined,
  );

  const targets =
    replicas.length > 1
      ? [
          ...replicas.map((r) => target(config, r, modelA, config.api_key, new URL(r).host)),
          target(config, replicas.join(","), modelA, config.api_key, `pool of ${replicas.length}`),
        ]
      : [target(config, baseA, modelA, config.api_key, flags.label ?? labelA)];
  if (second && modelB) targets.push(target(config, second.baseUrl, modelB, second.apiKey, flags.vsLabel ?? labelB));
  const progress = flags.quiet ? undefined : (message: string) => process.stderr.write(`${message}\n`);

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  const results: EndpointBench[] = [];
  try {
    // One endpoint after the other: they may share a GPU, and each deserves the machine to itself.
    for (const t of targets) results.push(await benchEndpoint(t, settings, progress, controller.signal));
  } catch (error) {
    if (error instanceof BenchUnusableError) throw new EndpointError(error.message, { cause: error });
    throw error;
  } finally {
    process.removeListener("SIGINT", onSignal);
  }
  if (controller.signal.aborted) {
    ctx.setExitCode(EXIT.cancelled);
    return;
  }

  const failed = results.some((r) => r.levels.some((l) => l.failed > 0));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ settings, endpoints: results }, null, 2)}\n`);
  } else {
    const [a, b] = replicas.length > 1 ? [] : results;
    const lines = [
      `fastcontext bench-endpoint · ${settings.runs} run${settings.runs === 1 ? "" : "s"} per level · ${settings.maxTokens} tokens per reply · medians (min–max)`,
      ...results.map(describeEndpoint),
      "",
    ];
    if (a && b) lines.push(renderComparison(a, b));
    else if (a) lines.push(renderSingle(a, settings.promptTokens));
    else for (const r of results) lines.push(`${r.label}:`, renderSingle(r, settings.promptTokens), "");
    for (const r of results)
      for (const l of r.levels) for (const e of l.errors) lines.push(`${r.label} concurrency ${l.concurrency}: ${e}`);
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  ctx.setExitCode(failed ? 1 : 0);
}

/** Register `bench-endpoint`. */
export function registerBenchEndpointCommand(program: Command, ctx: CliContext): void {
  program
    .command("bench-endpoint")
    .description(
      "measure an OpenAI-compatible endpoint: time to first token, decode tok/s per stream and aggregate, prompt tok/s",
    )
    .option("--base-url <url>", "the endpoint to measure")
    .option("--model <id>", "model id (default: the only model the server serves)")
    .option("--api-key <key>", "API key for the endpoint")
    .option(
      "--profile <name>",
      "model profile for the sampling fields sent (auto, fastcontext-4b, qwen3, gpt-oss, openai)",
    )
    .option("--config <file>", "config file to use instead of the discovered ones")
    .option("--concurrency <list>", "concurrent streams per level, comma-separated", "1,4,16")
    .option("--runs <n>", "runs per concurrency level", "3")
    .option("--max-tokens <n>", "tokens per decode reply", "256")
    .option("--prompt-tokens <n>", "length of the prompt-processing prompt (0: skip)", "2048")
    .option("--warmup <n>", "unmeasured requests first", "1")
    .option("--timeout <seconds>", "time limit of each request", "300")
    .option("--no-ignore-eos", "do not send ignore_eos (replies may then end before --max-tokens)")
    .option("--vs <url>", "a second endpoint to compare with (e.g. the BF16 build)")
    .option("--vs-model <id>", "model id at --vs (default: the only one it serves)")
    .option("--vs-api-key <key>", "API key for --vs (default: --api-key)")
    .option("--label <name>", "name of the first endpoint in the tables")
    .option("--vs-label <name>", "name of the second endpoint in the tables")
    .option("--json", "print the results as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (flags: BenchFlags) => {
      await runBenchCommand(flags, ctx);
    });
}
