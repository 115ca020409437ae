/**
 * Qwen Code: `qwen -p PROMPT --output-format stream-json --approval-mode yolo`, chat completions
 * through its OpenAI auth type (OPENAI_BASE_URL = the metered URL, OPENAI_API_KEY, OPENAI_MODEL)
 * with a private HOME whose `.qwen/settings.json` selects that auth, turns off usage statistics,
 * update checks and chat recording, and — for the `mcp` arm — holds our MCP server under
 * `mcpServers` (Gemini CLI's shape), trusted and loaded eagerly (`alwaysLoadTools`: Qwen Code
 * otherwise hides MCP tools behind its `tool_search` bridge). The guidance goes in with
 * `--append-system-prompt`; `web_fetch` is excluded.
 *
 * Events (one JSON object a line): `assistant` messages whose content has `tool_use` blocks
 * (`run_shell_command` with `command`; our tool as `mcp__fastcontext__explore`), `user` messages
 * with `tool_result` blocks, and a final `result` with `usage`, `num_turns` and `is_error`.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { explorerEnv, FASTCONTEXT_BIN } from "../arms.js";
import type { AgentAction } from "../main-agent.js";
import { guidanceFor } from "../prompts.js";
import { jsonLines } from "./spawn.js";
import { type CliAdapter, type CliAgentOptions, cliAction, isExploreTool } from "./types.js";

interface QwenBlock {
  type?: string;
  id?: string;
  name?: string;
  input?: Record<string, unknown>;
  text?: string;
  tool_use_id?: string;
  is_error?: boolean;
}

interface QwenUsage {
  input_tokens?: number;
  output_tokens?: number;
}

interface QwenEvent {
  type?: string;
  subtype?: string;
  message?: { content?: QwenBlock[] | string; usage?: QwenUsage };
  usage?: QwenUsage;
  num_turns?: number;
  is_error?: boolean;
  result?: string;
  error?: { message?: string } | string;
}

/** The `.qwen/settings.json` of one run (exported for tests). */
export function qwenSettings(options: CliAgentOptions): Record<string, unknown> {
  const settings: Record<string, unknown> = {
    security: { auth: { selectedType: "openai" }, folderTrust: { enabled: false } },
    model: { name: options.model },
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdate: false, chatRecording: false },
    tools: { approvalMode: "yolo" },
  };
  if (options.arm === "mcp")
    settings.mcpServers = {
      fastcontext: {
        command: process.execPath,
        args: [FASTCONTEXT_BIN, "mcp", "--allow-root", options.cwd],
        env: explorerEnv(options.explorer),
        cwd: options.cwd,
        trust: true,
        alwaysLoadTools: true,
        includeTools: ["explore"],
        timeout: 600_000,
        discoveryTimeoutMs: 60_000,
      },
    };
  return settings;
}

export const qwenCode: CliAdapter = {
  name: "qwen-code",
  defaultBin: "qwen",
  prepare(options, home) {
    mkdirSync(join(home, ".qwen"), { recursive: true });
    writeFileSync(join(home, ".qwen", "settings.json"), `${JSON.stringify(qwenSettings(options), null, 2)}\n`);
    const guidance = guidanceFor(options.arm);
    return {
      bin: options.bin ?? "qwen",
      argv: [
        "-p",
        options.prompt,
        "--output-format",
        "stream-json",
        "--approval-mode",
        "yolo",
        "-m",
        options.model,
        "--exclude-tools",
        "web_fetch",
        ...(guidance ? ["--append-system-prompt", guidance] : []),
      ],
      env: {
        ...options.env,
        HOME: home,
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_CACHE_HOME: join(home, ".cache"),
        OPENAI_BASE_URL: options.baseUrl,
        OPENAI_API_KEY: options.apiKey ?? "unused",
        OPENAI_MODEL: options.model,
        QWEN_CODE_SUPPRESS_YOLO_WARNING: "1",
      },
    };
  },
  parse(stdout) {
    const events = jsonLines<QwenEvent>(stdout);
    const failed = new Set<string>();
    for (const e of events)
      if (e.type === "user" && Array.isArray(e.message?.content))
        for (const b of e.message.content)
          if (b.type === "tool_result" && b.is_error && b.tool_use_id) failed.add(b.tool_use_id);
    const actions: AgentAction[] = [];
    let modelCalls = 0;
    let prompt = 0;
    let completion = 0;
    let finalText: string | null = null;
    for (const e of events) {
      if (e.type !== "assistant") continue;
      const usage = e.message?.usage;
      // Qwen Code splits one reply into a message per block; only the last carries the usage.
      if ((usage?.input_tokens ?? 0) + (usage?.output_tokens ?? 0) > 0) modelCalls += 1;
      prompt += usage?.input_tokens ?? 0;
      completion += usage?.output_tokens ?? 0;
      for (const b of Array.isArray(e.message?.content) ? e.message.content : []) {
        if (b.type === "text" && b.text) finalText = b.text;
        if (b.type !== "tool_use" || !b.name) continue;
        const input = b.input ?? {};
        // Exit codes are not reported; a failed call is marked 1 (its output says how it failed).
        const returncode = b.id && failed.has(b.id) ? 1 : null;
        if (b.name === "run_shell_command" && typeof input.command === "string")
          actions.push(cliAction("bash", input.command, returncode));
        else actions.push(cliAction(isExploreTool(b.name) ? "explore" : b.name, JSON.stringify(input), returncode));
      }
    }
    const result = [...events].reverse().find((e) => e.type === "result");
    const outcome = {
      actions,
      steps: typeof result?.num_turns === "number" ? result.num_turns : modelCalls,
      promptTokens: result?.usage?.input_tokens ?? prompt,
      completionTokens: result?.usage?.output_tokens ?? completion,
      finalText: typeof result?.result === "string" ? result.result : finalText,
      events,
    };
    if (!result) return { ...outcome, error: "qwen printed no result event" };
    if (result.is_error) {
      const why = typeof result.error === "string" ? result.error : (result.error?.message ?? result.result ?? "");
      return { ...outcome, error: `qwen reported ${result.subtype ?? "an error"}: ${String(why).slice(0, 300)}` };
    }
    return outcome;
  },
};
