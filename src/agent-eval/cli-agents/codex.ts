/**
 * Codex: `codex exec --json --ephemeral`, the Responses API (`wire_api = "responses"`, which vLLM
 * also serves) through a model provider in a private CODEX_HOME `config.toml` whose `base_url` is
 * the metered URL and whose key comes from FC_EVAL_MAIN_API_KEY (never the user's login). Headless:
 * `approval_policy = "never"`, `sandbox_mode = "workspace-write"` (writes confined to the task's
 * tree and temp; the shell's network is off unless the `cli` arm's explorer needs its endpoint),
 * web search disabled. The guidance is `developer_instructions`; the `mcp` arm adds our server
 * under `[mcp_servers.fastcontext]` with `required = true` (otherwise `codex exec` may start the
 * first turn before the server has listed its tools) and only `explore` enabled.
 *
 * Events (JSONL): `item.completed` with `command_execution` (`command`, `exit_code`),
 * `mcp_tool_call` (`server`, `tool`, `arguments`), `file_change`, `agent_message`; `turn.completed`
 * with `usage`; `turn.failed` on failure (top-level `error` events are retry notes too). Codex runs commands as `bash -lc '…'`; the
 * inner command is recorded. Codex reports no per-call count: steps are its tool-call items plus one
 * final answer per turn (parallel calls in one reply count apart).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { explorerEnv, FASTCONTEXT_BIN } from "../arms.js";
import type { AgentAction } from "../main-agent.js";
import { guidanceFor } from "../prompts.js";
import { jsonLines } from "./spawn.js";
import { type CliAdapter, type CliAgentOptions, cliAction, isExploreTool } from "./types.js";

/** The environment variable the provider reads its key from. */
export const CODEX_KEY_ENV = "FC_EVAL_MAIN_API_KEY";

interface CodexItem {
  id?: string;
  type?: string;
  command?: string;
  exit_code?: number | null;
  server?: string;
  tool?: string;
  arguments?: unknown;
  changes?: Array<{ path?: string; kind?: string }>;
  text?: string;
  message?: string;
  status?: string;
}

interface CodexEvent {
  type?: string;
  item?: CodexItem;
  usage?: { input_tokens?: number; output_tokens?: number };
  error?: { message?: string };
  message?: string;
}

/** A TOML basic string (JSON's escapes are TOML's). */
function toml(value: string): string {
  return JSON.stringify(value);
}

function tomlTable(entries: Record<string, string>): string {
  return `{ ${Object.entries(entries)
    .map(([k, v]) => `${toml(k)} = ${toml(v)}`)
    .join(", ")} }`;
}

/** The `config.toml` of one run (exported for tests). */
export function codexConfig(options: CliAgentOptions): string {
  const guidance = guidanceFor(options.arm);
  const shellNeedsNetwork = options.arm === "cli" && options.explorer.baseUrl !== undefined;
  const lines = [
    "# Written by fastcontext eval agent for one run; deleted afterwards.",
    `model = ${toml(options.model)}`,
    `model_provider = "fc"`,
    `approval_policy = "never"`,
    `sandbox_mode = "workspace-write"`,
    `web_search = "disabled"`,
    "check_for_update_on_startup = false",
    ...(guidance ? [`developer_instructions = ${toml(guidance)}`] : []),
    "",
    "[analytics]",
    "enabled = false",
    "",
    "[feedback]",
    "enabled = false",
    "",
    "[history]",
    `persistence = "none"`,
    "",
    "[sandbox_workspace_write]",
    `network_access = ${shellNeedsNetwork}`,
    "",
    "[shell_environment_policy]",
    `inherit = "all"`,
    `set = ${tomlTable(options.env)}`,
    "",
    "[model_providers.fc]",
    `name = "fastcontext eval (metered)"`,
    `base_url = ${toml(options.baseUrl)}`,
    `wire_api = "responses"`,
    `env_key = ${toml(CODEX_KEY_ENV)}`,
    "",
  ];
  if (options.arm === "mcp")
    lines.push(
      "[mcp_servers.fastcontext]",
      `command = ${toml(process.execPath)}`,
      `args = [${[FASTCONTEXT_BIN, "mcp", "--allow-root", options.cwd].map(toml).join(", ")}]`,
      `cwd = ${toml(options.cwd)}`,
      `env = ${tomlTable(explorerEnv(options.explorer))}`,
      "required = true",
      `enabled_tools = ["explore"]`,
      "startup_timeout_sec = 60",
      "tool_timeout_sec = 600",
      "",
    );
  return lines.join("\n");
}

/** `bash -lc 'cmd'` or `bash -lc "cmd"` (as Codex reports commands) → `cmd`; anything else unchanged. */
export function unwrapShell(command: string): string {
  const single = /^(?:\S*\/)?(?:ba|z)?sh -l?c '((?:[^']|'\\'')*)'$/s.exec(command);
  if (single) return single[1]!.replaceAll("'\\''", "'");
  const double = /^(?:\S*\/)?(?:ba|z)?sh -l?c "((?:[^"\\]|\\.)*)"$/s.exec(command);
  return double ? double[1]!.replace(/\\([\\"$`])/g, "$1") : command;
}

export const codex: CliAdapter = {
  name: "codex",
  defaultBin: "codex",
  prepare(options, home) {
    const codexHome = join(home, ".codex");
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(join(codexHome, "config.toml"), codexConfig(options));
    return {
      bin: options.bin ?? "codex",
      argv: [
        "exec",
        "--json",
        "--ephemeral",
        "--skip-git-repo-check",
        "--color",
        "never",
        "-C",
        options.cwd,
        "-m",
        options.model,
        options.prompt,
      ],
      env: {
        ...options.env,
        HOME: home,
        CODEX_HOME: codexHome,
        [CODEX_KEY_ENV]: options.apiKey ?? "unused",
      },
    };
  },
  parse(stdout) {
    const events = jsonLines<CodexEvent>(stdout);
    const actions: AgentAction[] = [];
    let prompt = 0;
    let completion = 0;
    let turns = 0;
    let finalText: string | null = null;
    let error: string | undefined;
    let lastError: string | undefined;
    for (const e of events) {
      if (e.type === "turn.completed") {
        turns += 1;
        prompt += e.usage?.input_tokens ?? 0;
        completion += e.usage?.output_tokens ?? 0;
      } else if (e.type === "turn.failed") error = `codex turn failed: ${e.error?.message ?? "no message"}`;
      // Top-level `error` events are also retry notes ("Reconnecting…"): fatal only if no turn ended.
      else if (e.type === "error") lastError = `codex: ${e.message ?? "error"}`;
      if (e.type !== "item.completed" || !e.item) continue;
      const item = e.item;
      if (item.type === "command_execution" && typeof item.command === "string")
        actions.push(
          cliAction("bash", unwrapShell(item.command), typeof item.exit_code === "number" ? item.exit_code : null),
        );
      else if (item.type === "mcp_tool_call" && item.tool)
        actions.push(
          cliAction(
            isExploreTool(item.tool) ? "explore" : `${item.server ?? "mcp"}.${item.tool}`,
            JSON.stringify(item.arguments ?? {}),
            item.status === "failed" ? 1 : null,
          ),
        );
      else if (item.type === "file_change")
        actions.push(cliAction("apply_patch", JSON.stringify(item.changes ?? []), item.status === "failed" ? 1 : null));
      else if (item.type === "agent_message" && typeof item.text === "string") finalText = item.text;
    }
    if (!error && turns === 0) error = lastError ?? "codex reported no completed turn";
    return {
      actions,
      steps: actions.length + turns,
      promptTokens: prompt,
      completionTokens: completion,
      finalText,
      ...(error ? { error } : {}),
      events,
    };
  },
};
