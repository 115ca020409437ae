/** The contract between the harness and one agent CLI adapter. */
import type { ExplorerSettings } from "../arms.js";
import type { AgentAction } from "../main-agent.js";
import type { ArmName } from "../prompts.js";

export type CliAgentName = "opencode" | "qwen-code" | "codex";

export interface CliAgentOptions {
  agent: CliAgentName;
  /** The CLI's executable (default: the name on PATH). */
  bin?: string;
  arm: ArmName;
  /** The task's work tree. */
  cwd: string;
  /** Metered base URL of the main model (the one `/chat/completions` or `/responses` is appended to). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  prompt: string;
  explorer: ExplorerSettings;
  /** Environment for the agent's shell (PATH with the shim and the explorer's settings for `cli`). */
  env: Record<string, string>;
  wallTimeMs: number;
}

/** How to start the CLI: written into the private `home` by `prepare`, which returns the command line. */
export interface CliInvocation {
  bin: string;
  argv: string[];
  /** Added to the scrubbed harness environment (HOME and the config directories included). */
  env: Record<string, string>;
}

/** What the CLI's event output says about the run. */
export interface CliOutcome {
  actions: AgentAction[];
  /** Model calls (or the closest the CLI reports; see each adapter). */
  steps: number;
  promptTokens: number;
  completionTokens: number;
  /** The CLI's final answer, when it reports one. */
  finalText: string | null;
  /** A failure the CLI reported in its events (it may still exit 0). */
  error?: string;
  events: unknown[];
}

export interface CliAdapter {
  name: CliAgentName;
  /** The executable's usual name on PATH. */
  defaultBin: string;
  prepare(options: CliAgentOptions, home: string): CliInvocation;
  parse(stdout: string): CliOutcome;
}

/** An action record for a CLI's tool call (timings and output sizes are not reported by the CLIs). */
export function cliAction(tool: string, input: string, returncode: number | null): AgentAction {
  return { tool, input, returncode, ms: 0, outputChars: 0 };
}

/** True for an MCP tool name that is our explore tool, however the CLI prefixes it. */
export function isExploreTool(name: string): boolean {
  return /(^|_)explore$/.test(name);
}
