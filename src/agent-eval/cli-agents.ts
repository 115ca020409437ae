/**
 * Real agent CLIs as the main agent, run headless against the metered endpoint, so users can A/B
 * the agent they actually use. Each adapter writes the CLI's own configuration into a private
 * temporary home (never the user's), wires the arm (the `fastcontext` shim on PATH for `cli`, our
 * MCP server in the CLI's MCP config for `mcp`, the delegation guidance as extra instructions),
 * runs the CLI in the task's tree and turns its event output into the same `AgentRun` record the
 * built-in agent produces.
 *
 * Adapters: `opencode` (`opencode run --format json`, chat completions through an
 * OpenAI-compatible provider entry). The CLI reaches the model through the proxy on 127.0.0.1, so
 * it cannot run inside a network namespace: these runs need `--allow-network` (said, not assumed).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExplorerSettings, explorerEnv, FASTCONTEXT_BIN } from "./arms.js";
import type { AgentAction, AgentExit, AgentRun } from "./main-agent.js";
import { type ArmName, guidanceFor } from "./prompts.js";

export type CliAgentName = "opencode";

export const CLI_AGENTS: readonly CliAgentName[] = ["opencode"];

export interface CliAgentOptions {
  agent: CliAgentName;
  /** The CLI's executable (default: the name on PATH). */
  bin?: string;
  arm: ArmName;
  /** The task's work tree. */
  cwd: string;
  /** Metered base URL of the main model (ends where `/chat/completions` is appended). */
  baseUrl: string;
  model: string;
  apiKey?: string;
  prompt: string;
  explorer: ExplorerSettings;
  /** Environment for the agent (PATH with the shim for `cli`). */
  env: Record<string, string>;
  wallTimeMs: number;
}

interface OpencodeEvent {
  type?: string;
  part?: {
    tool?: string;
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

/** Run opencode headless to its end; never throws for the agent's own failure. */
export async function runCliAgent(options: CliAgentOptions): Promise<AgentRun> {
  const started = Date.now();
  const home = mkdtempSync(join(tmpdir(), "fc-agent-home-"));
  try {
    const instructions = join(home, "fastcontext-guidance.md");
    writeFileSync(instructions, `${guidanceFor(options.arm) || "Fix the issue in this repository."}\n`);
    const configFile = join(home, "opencode.json");
    writeFileSync(configFile, `${JSON.stringify(opencodeConfig(options, instructions), null, 2)}\n`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(FC_|OPENCODE_)/.test(k)) env[k] = v;
    Object.assign(env, options.env, {
      HOME: home,
      XDG_CONFIG_HOME: join(home, "config"),
      XDG_DATA_HOME: join(home, "data"),
      XDG_CACHE_HOME: join(home, "cache"),
      XDG_STATE_HOME: join(home, "state"),
      OPENCODE_CONFIG: configFile,
      OPENCODE_DISABLE_AUTOUPDATE: "1",
    });
    const argv = [
      "run",
      "--format",
      "json",
      "--auto",
      "--dir",
      options.cwd,
      "-m",
      `fc/${options.model}`,
      options.prompt,
    ];
    const { code, stdout, stderr, timedOut } = await spawnCapture(options.bin ?? "opencode", argv, {
      cwd: options.cwd,
      env,
      timeoutMs: options.wallTimeMs,
    });
    const events: OpencodeEvent[] = [];
    for (const line of stdout.split("\n")) {
      if (!line.trim().startsWith("{")) continue;
      try {
        events.push(JSON.parse(line) as OpencodeEvent);
      } catch {
        // A line that is not an event (opencode prints none, but a plugin might).
      }
    }
    const actions: AgentAction[] = events
      .filter((e) => e.type === "tool_use" && e.part?.tool)
      .map((e) => {
        const input = e.part?.state?.input ?? {};
        const isBash = e.part?.tool === "bash";
        return {
          // MCP tools come back as `<server>_<tool>`: our explore tool is `fastcontext_explore`.
          tool: isBash ? "bash" : /(^|_)explore$/.test(e.part!.tool!) ? "explore" : e.part!.tool!,
          input: isBash && typeof input.command === "string" ? input.command : JSON.stringify(input),
          returncode: typeof e.part?.state?.metadata?.exit === "number" ? e.part.state.metadata.exit : null,
          ms: 0,
          outputChars: 0,
        };
      });
    const steps = events.filter((e) => e.type === "step_finish");
    let exit: AgentExit = "submitted";
    let error: string | undefined;
    if (timedOut) exit = "time_limit";
    else if (code !== 0) {
      exit = "model_error";
      error = `opencode exited with ${code}: ${stderr.trim().split("\n").slice(-3).join(" ").slice(0, 300)}`;
    }
    return {
      exit,
      submission: null,
      steps: steps.length,
      actions,
      promptTokens: steps.reduce((s, e) => s + (e.part?.tokens?.input ?? 0), 0),
      completionTokens: steps.reduce((s, e) => s + (e.part?.tokens?.output ?? 0), 0),
      cost: 0,
      formatErrors: 0,
      wallMs: Date.now() - started,
      ...(error ? { error } : {}),
      messages: events,
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function spawnCapture(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      if (stdout.length < 64 * 1024 * 1024) stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr = (stderr + d.toString("utf8")).slice(-64 * 1024);
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // Gone already.
      }
    }, options.timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}\n${e.message}`, timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, timedOut });
    });
  });
}
