/**
 * `fastcontext eval agent`: the main-agent A/B. Parses flags, starts the metering proxies, runs the
 * arms, writes `agent-results.jsonl`, `agent-summary.{json,md}` and `agent-report.html` into the
 * output directory, and prints the Markdown summary (or JSON) on stdout; progress goes to stderr.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { defaultCacheDir } from "../eval/materialize.js";
import { type MirrorSources, parseMirrorFlags } from "../eval/mirrors.js";
import { loadTasks } from "../eval/tasks.js";
import { ConfigError, EXIT } from "../util/errors.js";
import { collect, numberFlag } from "../util/subcommand.js";
import { CLI_AGENTS, type CliAgentName } from "./cli-agents.js";
import { startMeteringProxy } from "./metering-proxy.js";
import { ARMS, type ArmName } from "./prompts.js";
import { renderAgentReportHtml } from "./report-html.js";
import { runAgentEval } from "./runner.js";
import { renderAgentSummaryMd, summarizeAgentRun } from "./summary.js";

interface AgentFlags {
  tasks?: string;
  mirrors?: string;
  mirror?: string[];
  repoDir?: string;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  arms: string;
  agent: string;
  agentBin?: string;
  explorerBaseUrl?: string;
  explorerModel?: string;
  limit?: string;
  only?: string;
  out?: string;
  cache?: string;
  concurrency: string;
  stepLimit: string;
  costLimit?: string;
  priceIn?: string;
  priceOut?: string;
  timeLimit: string;
  commandTimeout: string;
  temperature?: string;
  testCmd?: string;
  allowNetwork?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function parseArms(text: string): ArmName[] {
  const arms = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const arm of arms)
    if (!(ARMS as readonly string[]).includes(arm))
      throw new ConfigError(`unknown arm "${arm}"; the arms are ${ARMS.join(", ")}`);
  if (arms.length === 0) throw new ConfigError("--arms needs at least one arm");
  return [...new Set(arms)] as ArmName[];
}

/** Add `eval agent` under the `eval` command. */
export function registerAgentEvalCommand(evalCmd: Command, setExitCode: (code: number) => void): void {
  evalCmd
    .command("agent")
    .description(
      "Main-agent A/B: run a Mini-SWE-Agent-style main agent on each task without exploration, with `fastcontext` as a shell command and with the MCP explore tool; compare tokens, localization and (with --test-cmd) resolution",
    )
    .option("--tasks <file>", "tasks JSONL (the eval schema)")
    .option("--mirrors <dir>", "directory of bare git mirrors")
    .option("--mirror <owner/name=path>", "git repository for one owner/name (repeatable)", collect)
    .option("--repo-dir <dir>", "local git repository used for every task")
    .option("--base-url <url>", "the MAIN model's OpenAI-compatible endpoint")
    .option("--model <id>", "the main model id")
    .option("--api-key <key>", "API key of the main model's endpoint (or FC_AGENT_API_KEY)")
    .option("--arms <list>", "arms to run, the first is the baseline", "without,cli,mcp")
    .option(
      "--agent <name>",
      `main agent: builtin (a Mini-SWE-Agent-style loop) or ${CLI_AGENTS.join(", ")}`,
      "builtin",
    )
    .option("--agent-bin <path>", "the agent CLI's executable (default: its name on PATH)")
    .option("--explorer-base-url <url>", "the explorer's model endpoint (default: the embedded explorer)")
    .option("--explorer-model <id>", "the explorer's model id")
    .option("--limit <n>", "only the first N tasks")
    .option("--only <ids>", "only these instance ids (comma-separated)")
    .option("--out <dir>", "output directory; re-using one resumes it", "eval-out/agent")
    .option("--cache <dir>", "cache of exported trees")
    .option("--concurrency <n>", "task+arm runs at once", "1")
    .option("--step-limit <n>", "main-model calls per run (0 = unlimited)", "50")
    .option("--cost-limit <usd>", "dollars per run (needs --price-in/--price-out)")
    .option("--price-in <usd>", "dollars per million prompt tokens, for the cost estimate")
    .option("--price-out <usd>", "dollars per million completion tokens")
    .option("--time-limit <seconds>", "wall-clock limit of one run", "1800")
    .option("--command-timeout <seconds>", "limit of one shell command", "60")
    .option("--temperature <t>", "main model temperature")
    .option("--test-cmd <cmd>", "run in the tree after the agent; exit 0 = resolved ({id} = task id)")
    .option("--allow-network", "let the agent's shell use the network (default: a network namespace without it)")
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(async (flags: AgentFlags) => setExitCode(await runAgentEvalCommand(flags)));
}

async function runAgentEvalCommand(flags: AgentFlags): Promise<number> {
  if (!flags.tasks) throw new ConfigError("eval agent needs --tasks FILE");
  if (!flags.baseUrl) throw new ConfigError("eval agent needs --base-url: the main model's endpoint");
  if (!flags.model) throw new ConfigError("eval agent needs --model: the main model id");
  const arms = parseArms(flags.arms);
  const agentName = flags.agent ?? "builtin";
  if (agentName !== "builtin" && !(CLI_AGENTS as readonly string[]).includes(agentName))
    throw new ConfigError(`unknown agent "${agentName}"; expected builtin or ${CLI_AGENTS.join(", ")}`);
  const agent =
    agentName === "builtin"
      ? ({ name: "builtin" } as const)
      : { name: agentName as CliAgentName, ...(flags.agentBin ? { bin: flags.agentBin } : {}) };
  let tasks = loadTasks(flags.tasks);
  if (flags.only) {
    const only = new Set(flags.only.split(",").map((s) => s.trim()));
    tasks = tasks.filter((t) => only.has(t.instance_id));
  }
  const limit = numberFlag("--limit", flags.limit, 1);
  if (limit !== undefined) tasks = tasks.slice(0, limit);
  if (tasks.length === 0) throw new ConfigError("no tasks selected");
  const mirrors: MirrorSources = {
    ...(flags.mirrors ? { mirrorsDir: flags.mirrors } : {}),
    ...(flags.mirror?.length ? { explicit: parseMirrorFlags(flags.mirror) } : {}),
    ...(flags.repoDir ? { repoDir: flags.repoDir } : {}),
  };
  const priceIn = numberFlag("--price-in", flags.priceIn, 0);
  const priceOut = numberFlag("--price-out", flags.priceOut, 0);
  const price =
    priceIn !== undefined || priceOut !== undefined ? { prompt: priceIn ?? 0, completion: priceOut ?? 0 } : undefined;
  const costLimit = numberFlag("--cost-limit", flags.costLimit, 0);
  if (costLimit !== undefined && !price) throw new ConfigError("--cost-limit needs --price-in and --price-out");
  const temperature = numberFlag("--temperature", flags.temperature, 0);
  const apiKey = flags.apiKey ?? process.env.FC_AGENT_API_KEY;
  const outDir = resolve(flags.out ?? "eval-out/agent");
  const mainProxy = await startMeteringProxy(flags.baseUrl);
  const explorerProxy = flags.explorerBaseUrl ? await startMeteringProxy(flags.explorerBaseUrl) : undefined;
  try {
    const records = await runAgentEval({
      tasks,
      arms,
      agent,
      mirrors,
      cacheDir: resolve(flags.cache ?? defaultCacheDir()),
      outDir,
      main: {
        proxy: mainProxy,
        model: flags.model,
        ...(apiKey ? { apiKey } : {}),
        ...(temperature !== undefined ? { temperature } : {}),
      },
      ...(explorerProxy
        ? { explorer: { proxy: explorerProxy, ...(flags.explorerModel ? { model: flags.explorerModel } : {}) } }
        : {}),
      stepLimit: numberFlag("--step-limit", flags.stepLimit, 0) ?? 50,
      ...(costLimit !== undefined ? { costLimit } : {}),
      ...(price ? { price } : {}),
      wallTimeMs: (numberFlag("--time-limit", flags.timeLimit, 1) ?? 1800) * 1000,
      commandTimeoutMs: (numberFlag("--command-timeout", flags.commandTimeout, 1) ?? 60) * 1000,
      ...(flags.testCmd ? { testCmd: flags.testCmd } : {}),
      ...(flags.allowNetwork ? { allowNetwork: true } : {}),
      concurrency: numberFlag("--concurrency", flags.concurrency, 1) ?? 1,
      onRecord: (r, done, total) => {
        if (!flags.quiet)
          process.stderr.write(
            `eval agent: ${done}/${total} ${r.instance_id} [${r.arm}] ${r.exit}, ${r.steps} steps, ${r.main_tokens} main tokens${r.error ? ` (${r.error})` : ""}\n`,
          );
      },
    });
    const summary = summarizeAgentRun(records, arms, price);
    const md = renderAgentSummaryMd(summary);
    writeFileSync(join(outDir, "agent-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(join(outDir, "agent-summary.md"), md);
    writeFileSync(
      join(outDir, "agent-report.html"),
      renderAgentReportHtml(summary, records, arms, process.argv.slice(1).join(" ")),
    );
    process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : md);
    return records.some((r) => r.exit === "error") ? EXIT.partial : 0;
  } finally {
    await mainProxy.close();
    await explorerProxy?.close();
  }
}
