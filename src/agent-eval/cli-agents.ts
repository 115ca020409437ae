/**
 * Real agent CLIs as the main agent, run headless against the metered endpoint, so users can A/B
 * the agent they actually use. Each adapter (one module under `cli-agents/`) writes the CLI's own
 * configuration into a private temporary home (never the user's), wires the arm (the `fastcontext`
 * shim on PATH for `cli`, our MCP server in the CLI's MCP config for `mcp`, the delegation guidance
 * as extra instructions), and reads the CLI's event output into the same `AgentRun` record the
 * built-in agent produces. This module runs one to its end.
 *
 * Adapters:
 * - `opencode`: `opencode run --format json`, chat completions (an OpenAI-compatible provider entry).
 * - `qwen-code`: `qwen -p … --output-format stream-json`, chat completions (its OpenAI auth type).
 * - `codex`: `codex exec --json`, the Responses API (a `wire_api = "responses"` model provider).
 *
 * Every CLI reaches the model through the proxy on 127.0.0.1, so it cannot run inside a network
 * namespace: these runs need `--allow-network` (said, not assumed). Tokens in the record come from
 * the proxy; the CLI's own counts are kept in the trajectory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codex } from "./cli-agents/codex.js";
import { opencode } from "./cli-agents/opencode.js";
import { qwenCode } from "./cli-agents/qwen-code.js";
import { cliEnv, spawnCapture, stderrTail } from "./cli-agents/spawn.js";
import type { CliAdapter, CliAgentName, CliAgentOptions } from "./cli-agents/types.js";
import type { AgentExit, AgentRun } from "./main-agent.js";

export { codexConfig } from "./cli-agents/codex.js";
export { opencodeConfig } from "./cli-agents/opencode.js";
export { qwenSettings } from "./cli-agents/qwen-code.js";
export type { CliAgentName, CliAgentOptions } from "./cli-agents/types.js";

const ADAPTERS: Record<CliAgentName, CliAdapter> = { opencode, "qwen-code": qwenCode, codex };

export const CLI_AGENTS: readonly CliAgentName[] = ["opencode", "qwen-code", "codex"];

/** Run an agent CLI headless to its end; never throws for the agent's own failure. */
export async function runCliAgent(options: CliAgentOptions): Promise<AgentRun> {
  const started = Date.now();
  const adapter = ADAPTERS[options.agent];
  const home = mkdtempSync(join(tmpdir(), "fc-agent-home-"));
  try {
    const invocation = adapter.prepare(options, home);
    const { code, stdout, stderr, timedOut } = await spawnCapture(invocation.bin, invocation.argv, {
      cwd: options.cwd,
      env: cliEnv(invocation.env),
      timeoutMs: options.wallTimeMs,
    });
    const outcome = adapter.parse(stdout);
    let exit: AgentExit = "submitted";
    let error: string | undefined;
    if (timedOut) exit = "time_limit";
    else if (code !== 0) {
      exit = "model_error";
      error = `${adapter.name} exited with ${code}: ${outcome.error ?? stderrTail(stderr)}`;
    } else if (outcome.error) {
      exit = "model_error";
      error = outcome.error;
    }
    return {
      exit,
      submission: null,
      steps: outcome.steps,
      actions: outcome.actions,
      promptTokens: outcome.promptTokens,
      completionTokens: outcome.completionTokens,
      cost: 0,
      formatErrors: 0,
      wallMs: Date.now() - started,
      ...(error ? { error } : {}),
      messages: outcome.events,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
