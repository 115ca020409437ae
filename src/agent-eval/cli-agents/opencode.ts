/**
 * opencode: `opencode run --format json --auto`, chat completions through an OpenAI-compatible
 * provider entry (`@ai-sdk/openai-compatible`) in a private `opencode.json` (OPENCODE_CONFIG), our
 * MCP server as a `local` MCP entry for the `mcp` arm, the guidance as an instructions file.
 * Events: `tool_use` parts (bash commands, `fastcontext_explore`), `step_finish` parts with tokens.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { explorerEnv, FASTCONTEXT_BIN } from "../arms.js";
import { guidanceFor } from "../prompts.js";
import { jsonLines } from "./spawn.js";
import { type CliAdapter, type CliAgentOptions, cliAction, isExploreTool } from "./types.js";

interface OpencodeEvent {
  type?: string;
  part?: {
    tool?: string;
    text?: string;
    state?: { status?: string; input?: Record<string, unknown>; metadata?: { exit?: number } };
    tokens?: { input?: number; output?: number };
  };
}

/** The opencode configuration for one run (exported for tests). */
export function opencodeConfig(options: CliAgentOptions, instructionsFile: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    model: `fc/${options.model}`,
    small_model: `fc/${options.model}`,
    provider: {
      fc: {
        npm: "@ai-sdk/openai-compatible",
        name: "fastcontext eval (metered)",
        options: { baseURL: options.baseUrl, apiKey: options.apiKey ?? "unused" },
        models: { [options.model]: { name: options.model, tool_call: true } },
      },
    },
    permission: { edit: "allow", bash: "allow", webfetch: "deny" },
    instructions: [instructionsFile],
  };
  if (options.arm === "mcp")
    config.mcp = {
      fastcontext: {
        type: "local",
        command: [process.execPath, FASTCONTEXT_BIN, "mcp", "--allow-root", options.cwd],
        environment: explorerEnv(options.explorer),
        enabled: true,
      },
    };
  return config;
}

export const opencode: CliAdapter = {
  name: "opencode",
  defaultBin: "opencode",
  prepare(options, home) {
    const instructions = join(home, "fastcontext-guidance.md");
    writeFileSync(instructions, `${guidanceFor(options.arm) || "Fix the issue in this repository."}\n`);
    const configFile = join(home, "opencode.json");
    writeFileSync(configFile, `${JSON.stringify(opencodeConfig(options, instructions), null, 2)}\n`);
    return {
      bin: options.bin ?? "opencode",
      argv: ["run", "--format", "json", "--auto", "--dir", options.cwd, "-m", `fc/${options.model}`, options.prompt],
      env: {
        ...options.env,
        HOME: home,
        XDG_CONFIG_HOME: join(home, "config"),
        XDG_DATA_HOME: join(home, "data"),
        XDG_CACHE_HOME: join(home, "cache"),
        XDG_STATE_HOME: join(home, "state"),
        OPENCODE_CONFIG: configFile,
        OPENCODE_DISABLE_AUTOUPDATE: "1",
      },
    };
  },
  parse(stdout) {
    const events = jsonLines<OpencodeEvent>(stdout);
    const actions = events
      .filter((e) => e.type === "tool_use" && e.part?.tool)
      .map((e) => {
        const tool = e.part!.tool!;
        const input = e.part?.state?.input ?? {};
        const exit = e.part?.state?.metadata?.exit;
        if (tool === "bash")
          return cliAction(
            "bash",
            typeof input.command === "string" ? input.command : JSON.stringify(input),
            typeof exit === "number" ? exit : null,
          );
        // MCP tools come back as `<server>_<tool>`: our explore tool is `fastcontext_explore`.
        return cliAction(isExploreTool(tool) ? "explore" : tool, JSON.stringify(input), null);
      });
    const steps = events.filter((e) => e.type === "step_finish");
    const texts = events.filter((e) => e.type === "text" && typeof e.part?.text === "string");
    return {
      actions,
      steps: steps.length,
      promptTokens: steps.reduce((s, e) => s + (e.part?.tokens?.input ?? 0), 0),
      completionTokens: steps.reduce((s, e) => s + (e.part?.tokens?.output ?? 0), 0),
      finalText: texts.length > 0 ? texts[texts.length - 1]!.part!.text! : null,
      events,
    };
  },
};
