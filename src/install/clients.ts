/**
 * Where and how each coding agent keeps its MCP servers, in its own file format:
 *
 * | client      | project file               | user file                                  | entry at                     |
 * |-------------|----------------------------|--------------------------------------------|------------------------------|
 * | claude-code | `.mcp.json`                | `~/.claude.json`                           | `mcpServers.<name>` (type stdio) |
 * | codex       | `.codex/config.toml`       | `$CODEX_HOME/config.toml` (~/.codex)       | `[mcp_servers.<name>]`       |
 * | opencode    | `opencode.json(c)`         | `$XDG_CONFIG_HOME/opencode/opencode.json`  | `mcp.<name>` (type local; `mcp.servers.<name>` in a V2-shaped file) |
 * | cursor      | `.cursor/mcp.json`         | `~/.cursor/mcp.json`                       | `mcpServers.<name>`          |
 * | vscode      | `.vscode/mcp.json`         | the profile's `User/mcp.json`              | `servers.<name>` (type stdio) |
 * | gemini-cli  | `.gemini/settings.json`    | `~/.gemini/settings.json`                  | `mcpServers.<name>`          |
 * | qwen-code   | `.qwen/settings.json`      | `~/.qwen/settings.json`                    | `mcpServers.<name>` (Gemini CLI's shape) |
 *
 * Timeouts: Codex stops a tool call after 60 s by default, so its entry sets `tool_timeout_sec`;
 * Gemini CLI's and Qwen Code's entries set `timeout` (ms). The others have no per-server call
 * timeout field. With `--url` each client gets its own HTTP entry shape (Streamable HTTP):
 * `type: "http"` + `url` (Claude Code, VS Code), `url` (Codex, Cursor), `type: "remote"` (opencode),
 * `httpUrl` (Gemini CLI, Qwen Code); headers go where each client reads them.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { isJsonObject, type JsonObject } from "./json-edit.js";
import type { Launcher } from "./launcher.js";

export const CLIENT_IDS = ["claude-code", "codex", "opencode", "cursor", "vscode", "gemini-cli", "qwen-code"] as const;
export type ClientId = (typeof CLIENT_IDS)[number];
export type Scope = "project" | "user";

/** Where the installer looks: the home directory, the project directory and the environment. */
export interface InstallPlaces {
  home: string;
  project: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
}

/** What goes into the entry: a launch command (stdio), or the URL of a running `fastcontext mcp --http`. */
export interface EntryInput {
  launcher: Launcher;
  env: Record<string, string>;
  /** Connect over Streamable HTTP to this URL instead of launching a process. */
  url?: string;
  /** HTTP headers for `url` (e.g. Authorization for a server bound beyond loopback). */
  headers?: Record<string, string>;
}

interface ClientBase {
  id: ClientId;
  label: string;
  /** The agent-instructions file the delegation note belongs in. */
  notesFile: string;
  /** What to do after installing (restart, approve, check), for the scope written. */
  nextStep(scope: Scope): string;
  file(scope: Scope, places: InstallPlaces): string;
}

export interface JsonClient extends ClientBase {
  format: "json";
  path: string[];
  entry(input: EntryInput): JsonObject;
  newFileHeader?: JsonObject;
  layout?: (doc: JsonObject, entry: JsonObject) => { path: string[]; entry: JsonObject };
}

export interface TomlClient extends ClientBase {
  format: "toml";
  section: string;
  entry(input: EntryInput): Record<string, unknown>;
}

export type ClientSpec = JsonClient | TomlClient;

/** Seconds/ms an exploration may take before a client gives up (explorations report progress). */
const CALL_TIMEOUT_S = 600;

const withEnv = (env: Record<string, string>, key = "env"): JsonObject =>
  Object.keys(env).length > 0 ? { [key]: env } : {};

const withHeaders = (headers: Record<string, string> | undefined, key = "headers"): JsonObject =>
  headers && Object.keys(headers).length > 0 ? { [key]: headers } : {};

/** Gemini CLI's entry, which Qwen Code (a Gemini CLI fork) reads as well. */
const geminiEntry = ({ launcher, env, url, headers }: EntryInput): JsonObject =>
  url
    ? { httpUrl: url, timeout: CALL_TIMEOUT_S * 1000, ...withHeaders(headers) }
    : { command: launcher.command, args: launcher.args, timeout: CALL_TIMEOUT_S * 1000, ...withEnv(env) };

function xdgConfig(places: InstallPlaces): string {
  const value = places.env.XDG_CONFIG_HOME;
  return value && value !== "" ? value : join(places.home, ".config");
}

function vscodeUserDir(places: InstallPlaces): string {
  if (places.platform === "darwin") return join(places.home, "Library", "Application Support", "Code", "User");
  if (places.platform === "win32")
    return join(places.env.APPDATA ?? join(places.home, "AppData", "Roaming"), "Code", "User");
  return join(xdgConfig(places), "Code", "User");
}

export const CLIENTS: Record<ClientId, ClientSpec> = {
  "claude-code": {
    id: "claude-code",
    label: "Claude Code",
    format: "json",
    notesFile: "CLAUDE.md",
    nextStep: (scope) =>
      scope === "project"
        ? "Start Claude Code in the project (it asks once before using servers from a project .mcp.json); `/mcp` or `claude mcp list` shows the server."
        : "Restart Claude Code; the server is available in every project (user scope, no approval prompt); `/mcp` or `claude mcp list` shows it.",
    file: (scope, p) => (scope === "project" ? join(p.project, ".mcp.json") : join(p.home, ".claude.json")),
    path: ["mcpServers"],
    entry: ({ launcher, env, url, headers }) =>
      url
        ? { type: "http", url, ...withHeaders(headers) }
        : { type: "stdio", command: launcher.command, args: launcher.args, ...withEnv(env) },
  },
  codex: {
    id: "codex",
    label: "Codex",
    format: "toml",
    notesFile: "AGENTS.md",
    nextStep: (scope) =>
      scope === "project"
        ? "Restart Codex; `codex mcp list` or `/mcp` shows the server (a project .codex/config.toml is read only for trusted projects)."
        : "Restart Codex; `codex mcp list` or `/mcp` shows the server.",
    file: (scope, p) =>
      scope === "project"
        ? join(p.project, ".codex", "config.toml")
        : join(p.env.CODEX_HOME && p.env.CODEX_HOME !== "" ? p.env.CODEX_HOME : join(p.home, ".codex"), "config.toml"),
    section: "mcp_servers",
    entry: ({ launcher, env, url, headers }) =>
      url
        ? {
            url,
            startup_timeout_sec: 30,
            tool_timeout_sec: CALL_TIMEOUT_S,
            ...(headers && Object.keys(headers).length > 0 ? { http_headers: headers } : {}),
          }
        : {
            command: launcher.command,
            args: launcher.args,
            startup_timeout_sec: 30,
            tool_timeout_sec: CALL_TIMEOUT_S,
            ...(Object.keys(env).length > 0 ? { env } : {}),
          },
  },
  opencode: {
    id: "opencode",
    label: "opencode",
    format: "json",
    notesFile: "AGENTS.md",
    nextStep: () => "Restart opencode; `opencode mcp list` shows the server.",
    file: (scope, p) => {
      if (scope === "user") return join(xdgConfig(p), "opencode", "opencode.json");
      const jsonc = join(p.project, "opencode.jsonc");
      return existsSync(jsonc) && !existsSync(join(p.project, "opencode.json"))
        ? jsonc
        : join(p.project, "opencode.json");
    },
    path: ["mcp"],
    // opencode 2 reads the V1 shape (`mcp.<name>` + `enabled`); a file already in the V2 shape
    // (`mcp.servers.<name>`, no `enabled` field) keeps it.
    layout: (doc, entry) => {
      const mcp = doc.mcp;
      const v2 = isJsonObject(mcp) && isJsonObject(mcp.servers);
      if (!v2) return { path: ["mcp"], entry };
      const { enabled: _enabled, ...rest } = entry;
      return { path: ["mcp", "servers"], entry: rest };
    },
    newFileHeader: { $schema: "https://opencode.ai/config.json" },
    entry: ({ launcher, env, url, headers }) =>
      url
        ? { type: "remote", url, enabled: true, ...withHeaders(headers) }
        : {
            type: "local",
            command: [launcher.command, ...launcher.args],
            enabled: true,
            ...withEnv(env, "environment"),
          },
  },
  cursor: {
    id: "cursor",
    label: "Cursor",
    format: "json",
    notesFile: "AGENTS.md",
    nextStep: () => "Open Cursor Settings → MCP and make sure the server is enabled.",
    file: (scope, p) => join(scope === "project" ? p.project : p.home, ".cursor", "mcp.json"),
    path: ["mcpServers"],
    entry: ({ launcher, env, url, headers }) =>
      url ? { url, ...withHeaders(headers) } : { command: launcher.command, args: launcher.args, ...withEnv(env) },
  },
  vscode: {
    id: "vscode",
    label: "VS Code",
    format: "json",
    notesFile: "AGENTS.md",
    nextStep: () => "In VS Code run `MCP: List Servers` to start it; the tools appear in the Chat view in agent mode.",
    file: (scope, p) =>
      scope === "project" ? join(p.project, ".vscode", "mcp.json") : join(vscodeUserDir(p), "mcp.json"),
    path: ["servers"],
    entry: ({ launcher, env, url, headers }) =>
      url
        ? { type: "http", url, ...withHeaders(headers) }
        : { type: "stdio", command: launcher.command, args: launcher.args, ...withEnv(env) },
  },
  "gemini-cli": {
    id: "gemini-cli",
    label: "Gemini CLI",
    format: "json",
    notesFile: "GEMINI.md",
    nextStep: (scope) =>
      `Restart Gemini CLI; \`/mcp\` shows the server.${scope === "project" ? ' Gemini CLI starts a project\'s servers only in a trusted folder: if `/mcp` says "Disabled: folder is untrusted", trust the folder (the prompt at start-up, or `/permissions`).' : ""}`,
    file: (scope, p) => join(scope === "project" ? p.project : p.home, ".gemini", "settings.json"),
    path: ["mcpServers"],
    entry: geminiEntry,
  },
  "qwen-code": {
    id: "qwen-code",
    label: "Qwen Code",
    format: "json",
    notesFile: "QWEN.md",
    nextStep: (scope) =>
      `Restart Qwen Code; \`/mcp\` shows the server.${scope === "project" ? " Like Gemini CLI, it may start a project's servers only once the folder is trusted." : ""}`,
    file: (scope, p) => join(scope === "project" ? p.project : p.home, ".qwen", "settings.json"),
    path: ["mcpServers"],
    entry: geminiEntry,
  },
};

export function isClientId(value: string): value is ClientId {
  return (CLIENT_IDS as readonly string[]).includes(value);
}
