/**
 * What each arm gives the main agent besides `bash`:
 * - `without`: nothing.
 * - `cli`: a `fastcontext` command on PATH (the FastContext rig's wiring: the agent runs
 *   `fastcontext -q "…" --citation` in its shell). A shim in a temporary directory runs this
 *   package's own CLI with the explorer's settings in its environment.
 * - `mcp`: an `explore` tool answered by this package's MCP server over stdio, through the official
 *   MCP client, exactly as a coding agent that loads the server would call it.
 *
 * The explorer is the embedded one unless an explorer endpoint is given; its model traffic then
 * goes through its own meter so explorer tokens are counted apart from the main agent's.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExtraTool } from "./main-agent.js";
import type { ArmName } from "./prompts.js";

/** The package's own CLI entry point. */
export const FASTCONTEXT_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bin", "fastcontext.js");

export interface ExplorerSettings {
  /** Metered base URL of the explorer's model; absent = the embedded explorer. */
  baseUrl?: string;
  model?: string;
  apiKey?: string;
}

export interface ArmSetup {
  /** Environment for the agent's shell (PATH with the shim for `cli`). */
  env: Record<string, string>;
  extraTools: ExtraTool[];
  /** True when the explorer needs the network from inside the agent's shell (`cli` with a model). */
  needsNetwork: boolean;
  close(): Promise<void>;
}

/** Environment that points our CLI or MCP server at the explorer. */
export function explorerEnv(explorer: ExplorerSettings): Record<string, string> {
  const env: Record<string, string> = {};
  if (explorer.baseUrl) {
    env.FC_POLICY = "model";
    env.FC_BASE_URL = explorer.baseUrl;
    if (explorer.model) env.FC_MODEL = explorer.model;
    if (explorer.apiKey) env.FC_API_KEY = explorer.apiKey;
  } else env.FC_POLICY = "embedded";
  return env;
}

/** Prepare an arm for one task whose tree is `root`. */
export async function setUpArm(arm: ArmName, root: string, explorer: ExplorerSettings): Promise<ArmSetup> {
  if (arm === "without") return { env: {}, extraTools: [], needsNetwork: false, close: async () => {} };
  if (arm === "cli") {
    const dir = mkdtempSync(join(tmpdir(), "fc-agent-shim-"));
    const shim = join(dir, "fastcontext");
    writeFileSync(
      shim,
      `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(FASTCONTEXT_BIN)} "$@"\n`,
    );
    chmodSync(shim, 0o755);
    return {
      env: { PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`, ...explorerEnv(explorer) },
      extraTools: [],
      needsNetwork: explorer.baseUrl !== undefined,
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  return setUpMcpArm(root, explorer);
}

async function setUpMcpArm(root: string, explorer: ExplorerSettings): Promise<ArmSetup> {
  // Loaded here: only the `mcp` arm needs the MCP client.
  const { Client, StdioClientTransport } = await import("./mcp-client.js");
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^FC_/.test(k)) env[k] = v;
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [FASTCONTEXT_BIN, "mcp", "--allow-root", root],
    cwd: root,
    env: { ...env, ...explorerEnv(explorer) },
    stderr: "ignore",
  });
  const client = new Client({ name: "fastcontext-eval-agent", version: "1.0.0" });
  await client.connect(transport);
  const listed = await client.listTools();
  const explore = listed.tools.find((t) => t.name === "explore");
  if (!explore) {
    await client.close();
    throw new Error("the MCP server offers no explore tool");
  }
  const tool: ExtraTool = {
    name: "explore",
    description: explore.description ?? "Explore the repository and return verified citations.",
    parameters: stripRepoPath(explore.inputSchema as Record<string, unknown>),
    async call(args, signal) {
      const result = await client.callTool(
        { name: "explore", arguments: { ...args, repo_path: root } },
        { signal, timeout: 600_000 },
      );
      const content = Array.isArray(result.content) ? result.content : [];
      const text = content
        .map((c) =>
          c && typeof c === "object" && (c as { type?: unknown }).type === "text"
            ? String((c as { text?: unknown }).text ?? "")
            : "",
        )
        .filter(Boolean)
        .join("\n");
      return result.isError ? `Error: ${text}` : text;
    },
  };
  return { env: {}, extraTools: [tool], needsNetwork: false, close: () => client.close() };
}

/** The agent works in its tree: the tool's `repo_path` is filled in by the harness, not the model. */
function stripRepoPath(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = { ...((schema.properties ?? {}) as Record<string, unknown>) };
  delete properties.repo_path;
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => r !== "repo_path") : undefined;
  return { ...schema, properties, ...(required ? { required } : {}) };
}
