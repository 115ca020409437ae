/**
 * `fastcontext doctor`: check the serving setup and this machine, printing a fix for each problem.
 * Exit codes: 0 every check passed (warnings allowed), 1 a check failed, 2 usage error (bad flag,
 * bad config, unparsable base URL). `--json` prints the report object (its `checks` array holds
 * {name, status, detail, fix}).
 */
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.js";
import type { Config, ConfigKey } from "../../../config/schema.js";
import { renderCheck, renderHeading, renderSummary } from "../../../doctor/render.js";
import { runDoctor } from "../../../doctor/run.js";
import { parseBaseUrls } from "../../../llm/endpoint-pool.js";
import { normalizeBaseUrl } from "../../../llm/url.js";
import { ConfigError } from "../../../util/errors.js";
import type { CliContext } from "../../../util/subcommand.js";
import { colorEnabled } from "../../tui/terminal.js";

interface DoctorFlags {
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  profile?: string;
  maxContext?: string;
  config?: string;
  timeout?: string;
  json?: boolean;
  checkpoint?: string;
}

function seconds(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`--timeout expects a positive number of seconds, got "${value}"`);
  return n;
}

/** Run the doctor and print its report. */
export async function runDoctorCommand(flags: DoctorFlags, ctx: CliContext): Promise<void> {
  const timeoutMs = seconds(flags.timeout, 30) * 1000;
  let maxContext: number | "auto" | undefined;
  if (flags.maxContext !== undefined) {
    maxContext = flags.maxContext === "auto" ? "auto" : Number(flags.maxContext);
    if (maxContext !== "auto" && !(Number.isInteger(maxContext) && maxContext >= 0))
      throw new ConfigError(`--max-context expects a token count or auto, got "${flags.maxContext}"`);
  }
  const configFlags: Partial<Record<ConfigKey, unknown>> = {
    base_url: flags.baseUrl,
    model: flags.model,
    api_key: flags.apiKey,
    profile: flags.profile,
    max_context: maxContext,
  };
  const { config } = loadConfig({ flags: configFlags, ...(flags.config ? { configFile: flags.config } : {}) });
  let replicas: string[] = [];
  if (config.base_url) {
    try {
      replicas = parseBaseUrls(config.base_url);
      config.base_url = replicas[0] ?? normalizeBaseUrl(config.base_url);
    } catch (error) {
      throw new ConfigError(error instanceof Error ? error.message : String(error), { cause: error });
    }
  }
  if (replicas.length > 1) return runPoolDoctor(flags, ctx, config, replicas, timeoutMs);
  const color = !flags.json && colorEnabled(process.stdout);
  if (!flags.json)
    process.stdout.write(
      `${renderHeading({ ...(config.base_url ? { baseUrl: config.base_url } : {}), ...(config.model ? { model: config.model } : {}), profile: config.profile })}\n\n`,
    );
  const report = await runDoctor({
    config,
    timeoutMs,
    ...(flags.checkpoint ? { checkpoint: flags.checkpoint } : {}),
    ...(flags.json ? {} : { onCheck: (check) => process.stdout.write(`${renderCheck(check, color)}\n`) }),
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`\n${renderSummary(report)}\n`);
  ctx.setExitCode(report.exitCode);
}

/** One doctor report per replica of a pool, then the pool's verdict (healthy replicas; the worst exit code). */
async function runPoolDoctor(
  flags: DoctorFlags,
  ctx: CliContext,
  config: Config,
  replicas: string[],
  timeoutMs: number,
): Promise<void> {
  const color = !flags.json && colorEnabled(process.stdout);
  const reports: Array<{ base_url: string; report: Awaited<ReturnType<typeof runDoctor>> }> = [];
  for (const baseUrl of replicas) {
    if (!flags.json)
      process.stdout.write(
        `${renderHeading({ baseUrl, ...(config.model ? { model: config.model } : {}), profile: config.profile })}\n\n`,
      );
    const report = await runDoctor({
      config: { ...config, base_url: baseUrl },
      timeoutMs,
      ...(flags.json ? {} : { onCheck: (check) => process.stdout.write(`${renderCheck(check, color)}\n`) }),
    });
    if (!flags.json) process.stdout.write(`\n${renderSummary(report)}\n\n`);
    reports.push({ base_url: baseUrl, report });
  }
  const healthy = reports.filter((r) => r.report.exitCode === 0).length;
  const exitCode = Math.max(...reports.map((r) => r.report.exitCode));
  const pool = { replicas: replicas.length, healthy, exitCode };
  if (flags.json) process.stdout.write(`${JSON.stringify({ pool, replicas: reports }, null, 2)}\n`);
  else
    process.stdout.write(
      `pool: ${healthy} of ${replicas.length} replicas healthy${healthy > 0 && healthy < replicas.length ? " (requests go to the healthy ones; a failing replica is left out for a while)" : ""}\n`,
    );
  ctx.setExitCode(exitCode);
}

/** Register `doctor`. */
export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command("doctor")
    .description(
      "check the model endpoint (reachable, model id, window, tool calling, thinking) and this machine (ripgrep, tokenizer)",
    )
    .option("--base-url <url>", "OpenAI-compatible endpoint of the model server")
    .option("--model <id>", "model id (default: the only model the server serves)")
    .option("--api-key <key>", "API key for the endpoint")
    .option("--profile <name>", "model profile: auto, fastcontext-4b, qwen3, gpt-oss, openai")
    .option("--max-context <n>", "the window to judge instead of the detected one")
    .option("--config <file>", "config file to use instead of the discovered ones")
    .option("--timeout <seconds>", "time limit of each probe request (default 30)")
    .option("--checkpoint <dir>", "compare the server with this local checkpoint (context, parser, stop ids)")
    .option("--json", "print the report as JSON")
    .action(async (flags: DoctorFlags) => {
      await runDoctorCommand(flags, ctx);
    });
}
