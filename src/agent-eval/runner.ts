/**
 * Runs the main-agent A/B: for every task and arm, a fresh copy of the task's base tree (made a git
 * repository so the agent can `git diff`), the arm's wiring, the agent, then the outcomes — tokens
 * from the metering proxy, localization from the commands and the diff, resolution from the user's
 * test command when given — appended as one record to `agent-results.jsonl`. The copy is deleted
 * afterwards. Resumable (a task+arm with a clean record is skipped) and concurrent.
 */
import { spawnSync } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { materializeTree } from "../eval/materialize.js";
import { findMirror, type MirrorSources } from "../eval/mirrors.js";
import type { EvalTask } from "../eval/tasks.js";
import { setUpArm } from "./arms.js";
import { type CliAgentName, runCliAgent } from "./cli-agents.js";
import { filesEdited, filesRead, type Localization, scoreLocalization } from "./localization.js";
import { type AgentExit, type AgentRun, runMainAgent } from "./main-agent.js";
import type { MeterCounts, MeteringProxy } from "./metering-proxy.js";
import { type ArmName, instancePrompt, systemPromptFor } from "./prompts.js";
import { networkIsolation, runShellCommand } from "./shell.js";

export const AGENT_RESULTS_FILE = "agent-results.jsonl";

export interface AgentRecord {
  instance_id: string;
  repo: string;
  arm: ArmName;
  agent: string;
  exit: AgentExit | "error";
  submitted: boolean;
  steps: number;
  actions: number;
  /** Calls of the explorer (`fastcontext` commands for `cli`, `explore` calls for `mcp`). */
  explorer_calls: number;
  main: MeterCounts;
  explorer: MeterCounts | null;
  main_tokens: number;
  explorer_tokens: number;
  wall_s: number;
  localization: Localization | null;
  /** The test command's verdict; null when no `--test-cmd` was given. */
  resolved: boolean | null;
  patch_lines: number;
  network_isolated: boolean;
  error: string | null;
}

export interface AgentEvalOptions {
  tasks: readonly EvalTask[];
  arms: readonly ArmName[];
  /** The main agent: the built-in loop (default) or a real agent CLI. */
  agent?: { name: "builtin" } | { name: CliAgentName; bin?: string };
  mirrors: MirrorSources;
  cacheDir: string;
  outDir: string;
  main: { proxy: MeteringProxy; model: string; apiKey?: string; temperature?: number };
  /** The explorer's model through its own proxy; absent = the embedded explorer. */
  explorer?: { proxy: MeteringProxy; model?: string; apiKey?: string };
  stepLimit?: number;
  costLimit?: number;
  price?: { prompt: number; completion: number };
  wallTimeMs?: number;
  commandTimeoutMs?: number;
  /** Run after the agent in its tree; exit 0 = resolved. `{id}` is replaced by the task id. */
  testCmd?: string;
  allowNetwork?: boolean;
  concurrency?: number;
  onRecord?: (record: AgentRecord, done: number, total: number) => void;
  /** Tree for a task (default: the task's mirror, exported into the cache). */
  resolveTree?: (task: EvalTask) => Promise<string>;
}

export function readAgentRecords(file: string): AgentRecord[] {
  if (!existsSync(file)) return [];
  const out: AgentRecord[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AgentRecord);
    } catch {
      // A line cut by an interrupted run: that task+arm runs again.
    }
  }
  return out;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`git ${args[0]} failed in the work tree: ${(r.stderr || "").trim()}`);
  return r.stdout;
}

/** A disposable git work tree holding a copy of `root`. */
function makeWorkTree(root: string): string {
  const work = mkdtempSync(join(tmpdir(), "fc-agent-work-"));
  cpSync(root, work, { recursive: true, verbatimSymlinks: true });
  const id = ["-c", "user.name=fastcontext-eval", "-c", "user.email=eval@localhost", "-c", "commit.gpgsign=false"];
  git(work, ["init", "-q"]);
  git(work, ["add", "-A", "-f"]);
  git(work, [...id, "commit", "-q", "--no-verify", "-m", "base", "--allow-empty"]);
  return work;
}

function emptyMeter(): MeterCounts {
  return { requests: 0, promptTokens: 0, completionTokens: 0, missingUsage: 0, errors: 0, ms: 0 };
}

async function runOne(task: EvalTask, arm: ArmName, options: AgentEvalOptions): Promise<AgentRecord> {
  const started = Date.now();
  const meterName = `${task.instance_id}/${arm}`;
  const record: AgentRecord = {
    instance_id: task.instance_id,
    repo: task.repo,
    arm,
    agent: options.agent?.name ?? "builtin",
    exit: "error",
    submitted: false,
    steps: 0,
    actions: 0,
    explorer_calls: 0,
    main: emptyMeter(),
    explorer: null,
    main_tokens: 0,
    explorer_tokens: 0,
    wall_s: 0,
    localization: null,
    resolved: null,
    patch_lines: 0,
    network_isolated: false,
    error: null,
  };
  let work: string | undefined;
  let close: (() => Promise<void>) | undefined;
  try {
    const root = options.resolveTree ? await options.resolveTree(task) : await defaultTree(task, options);
    work = makeWorkTree(root);
    const explorer = options.explorer
      ? {
          baseUrl: options.explorer.proxy.baseUrl(`${meterName}/explorer`),
          ...(options.explorer.model ? { model: options.explorer.model } : {}),
          ...(options.explorer.apiKey ? { apiKey: options.explorer.apiKey } : {}),
        }
      : {};
    const external = options.agent && options.agent.name !== "builtin" ? options.agent : undefined;
    if (external && !options.allowNetwork)
      throw new Error(
        `${external.name} reaches the model through the metering proxy, so its shell cannot run without network; pass --allow-network`,
      );
    // An external CLI loads our MCP server itself: the harness wires only the shim and environment.
    const setup = await setUpArm(external && arm === "mcp" ? "without" : arm, work, explorer);
    close = setup.close;
    const isolate = !(options.allowNetwork || setup.needsNetwork);
    if (isolate && networkIsolation().prefix === null) {
      const why = (networkIsolation() as { why: string }).why;
      throw new Error(`${why}; pass --allow-network to run the agent's shell with the network`);
    }
    record.network_isolated = isolate;
    const shell = {
      cwd: work,
      timeoutMs: options.commandTimeoutMs ?? 60_000,
      env: { ...setup.env, GIT_PAGER: "cat", PAGER: "cat" },
      isolateNetwork: isolate,
    };
    const run: AgentRun = external
      ? await runCliAgent({
          agent: external.name,
          ...(external.bin ? { bin: external.bin } : {}),
          arm,
          cwd: work,
          baseUrl: options.main.proxy.baseUrl(`${meterName}/main`),
          model: options.main.model,
          ...(options.main.apiKey ? { apiKey: options.main.apiKey } : {}),
          prompt: instancePrompt(task.problem_statement),
          explorer,
          env: setup.env,
          wallTimeMs: options.wallTimeMs ?? 1_800_000,
        })
      : await runMainAgent({
          baseUrl: options.main.proxy.baseUrl(`${meterName}/main`),
          model: options.main.model,
          ...(options.main.apiKey ? { apiKey: options.main.apiKey } : {}),
          ...(options.main.temperature !== undefined ? { temperature: options.main.temperature } : {}),
          systemPrompt: systemPromptFor(arm),
          instancePrompt: instancePrompt(task.problem_statement),
          shell,
          extraTools: setup.extraTools,
          ...(options.stepLimit !== undefined ? { stepLimit: options.stepLimit } : {}),
          ...(options.costLimit !== undefined ? { costLimit: options.costLimit } : {}),
          ...(options.price ? { price: options.price } : {}),
          ...(options.wallTimeMs !== undefined ? { wallTimeMs: options.wallTimeMs } : {}),
        });
    record.exit = run.exit;
    record.submitted = run.exit === "submitted";
    record.steps = run.steps;
    record.actions = run.actions.length;
    record.explorer_calls = run.actions.filter(
      (a) => a.tool === "explore" || (a.tool === "bash" && /(^|[\s;&|(])fastcontext\s/.test(a.input)),
    ).length;
    if (run.error) record.error = run.error;
    const commands = run.actions.filter((a) => a.tool === "bash").map((a) => a.input);
    const diffU0 = git(work, ["diff", "-U0", "--no-color", "--no-ext-diff"]);
    const patch = git(work, ["diff", "--no-color", "--no-ext-diff"]);
    record.patch_lines = patch ? patch.split("\n").length : 0;
    record.localization = scoreLocalization(task, filesRead(commands, work), filesEdited(diffU0));
    if (options.testCmd) {
      const test = await runShellCommand(options.testCmd.replaceAll("{id}", task.instance_id), {
        ...shell,
        timeoutMs: Math.max(shell.timeoutMs, 600_000),
      });
      record.resolved = test.returncode === 0;
    }
    writeTrajectory(options.outDir, task, arm, { messages: run.messages, patch, actions: run.actions });
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
  } finally {
    await close?.().catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  }
  record.main = options.main.proxy.counts(`${meterName}/main`);
  record.main_tokens = record.main.promptTokens + record.main.completionTokens;
  if (options.explorer) {
    record.explorer = options.explorer.proxy.counts(`${meterName}/explorer`);
    record.explorer_tokens = record.explorer.promptTokens + record.explorer.completionTokens;
  }
  record.wall_s = (Date.now() - started) / 1000;
  return record;
}

function writeTrajectory(outDir: string, task: EvalTask, arm: ArmName, data: unknown): void {
  const dir = join(outDir, "trajectories");
  mkdirSync(dir, { recursive: true });
  const name = `${task.instance_id.replace(/[^\w.-]+/g, "_")}.${arm}.json`;
  writeFileSync(join(dir, name), `${JSON.stringify(data, null, 1)}\n`);
}

async function defaultTree(task: EvalTask, options: AgentEvalOptions): Promise<string> {
  const gitDir = findMirror(task.repo, options.mirrors);
  const tree = await materializeTree({ gitDir, repo: task.repo, commit: task.base_commit, cacheDir: options.cacheDir });
  return tree.root;
}

/** Run every task × arm not yet recorded cleanly; returns the latest record of each pair, in order. */
export async function runAgentEval(options: AgentEvalOptions): Promise<AgentRecord[]> {
  mkdirSync(options.outDir, { recursive: true });
  const file = join(options.outDir, AGENT_RESULTS_FILE);
  const key = (id: string, arm: string) => `${id}\0${arm}`;
  const latest = new Map(readAgentRecords(file).map((r) => [key(r.instance_id, r.arm), r]));
  const todo: Array<{ task: EvalTask; arm: ArmName }> = [];
  for (const task of options.tasks)
    for (const arm of options.arms) {
      const prior = latest.get(key(task.instance_id, arm));
      if (!prior || prior.error !== null) todo.push({ task, arm });
    }
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < todo.length) {
      const item = todo[next++]!;
      const record = await runOne(item.task, item.arm, options);
      appendFileSync(file, `${JSON.stringify(record)}\n`);
      latest.set(key(record.instance_id, record.arm), record);
      done += 1;
      options.onRecord?.(record, done, todo.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, todo.length)) }, worker));
  const out: AgentRecord[] = [];
  for (const task of options.tasks)
    for (const arm of options.arms) {
      const r = latest.get(key(task.instance_id, arm));
      if (r) out.push(r);
    }
  return out;
}
