/**
 * The library API of fastcontext (`import { explore } from "fastcontext-agent"`). It is small on
 * purpose; everything here is a stable contract, documented in the README ("Library API"):
 *
 * - `explore(options)`: answer one question about a repository with the model policy, the embedded
 *   explorer or the model with the embedded fallback; resolves to an `ExploreResult` and, while it
 *   runs, hands every `ExploreEvent` of the run's one stream to `onEvent`.
 * - `resolveConfig(settings)`: the validated configuration the explorers run on (config.toml keys).
 * - `openToolbox(repo)`: the three tools the model uses (Read, Glob, Grep) on a sandboxed
 *   `Workspace`, for callers that explore with their own loop.
 * - The result and event types every surface (CLI, MCP, TUI, eval) reads.
 *
 * Heavy modules (the explorers, tree-sitter, the tokenizer) load on first use, not on import.
 */
import type { Config, ConfigKey } from "./config/schema.js";
import type { ExploreEvent, ExploreResult } from "./core/types.js";
import type { ChatMessage } from "./llm/types.js";
import type { Toolbox, ToolboxOptions } from "./tools/toolbox.js";
import type { WorkspaceOptions } from "./workspace/workspace.js";

export type { Config, ConfigKey } from "./config/schema.js";
export type {
  Citation,
  ExploreEvent,
  ExploreRequest,
  ExploreResult,
  Explorer,
  LineSpan,
  PhaseTimings,
  PolicyName,
  StopReason,
  TokenUsage,
  ToolCallRequest,
  ToolData,
  ToolErrorCode,
  ToolResult,
  Verification,
} from "./core/types.js";
export { STOP_REASONS } from "./core/types.js";
export type { ToolName } from "./tools/definitions.js";
export { TOOL_NAMES } from "./tools/definitions.js";
export type { Toolbox, ToolboxOptions, TurnOptions } from "./tools/toolbox.js";

import { ConfigError } from "./util/errors.js";

export { CancelledError, ConfigError, EndpointError, EXIT, FatalError } from "./util/errors.js";
export { VERSION } from "./version.js";
export type { Workspace, WorkspaceOptions } from "./workspace/workspace.js";

/** Settings as in `config.toml` (snake_case keys, e.g. `{ base_url, model, max_turns }`). */
export type Settings = Partial<Record<ConfigKey, unknown>>;

export interface ResolveConfigOptions {
  /**
   * Also read what the CLI reads: `FC_*` environment variables, the project's
   * `.fastcontext/config.toml` (searched upward from `cwd`) and the user's config file. Off by
   * default, so a library call depends only on its arguments.
   */
  useEnvironment?: boolean;
  /** Where the project config is searched from (default: the current directory). */
  cwd?: string;
}

/**
 * The validated configuration for `settings` (defaults for everything not given). Throws a
 * `ConfigError` naming the key for an invalid value or an unknown key.
 */
export async function resolveConfig(settings: Settings = {}, options: ResolveConfigOptions = {}): Promise<Config> {
  if (options.useEnvironment) {
    const { loadConfig } = await import("./config/load.js");
    return loadConfig({ flags: settings, ...(options.cwd ? { cwd: options.cwd } : {}) }).config;
  }
  const { CONFIG_KEYS, ConfigSchema } = await import("./config/schema.js");
  const unknown = Object.keys(settings).find((key) => !(CONFIG_KEYS as string[]).includes(key));
  if (unknown !== undefined)
    throw new ConfigError(`unknown setting "${unknown}"; known settings: ${CONFIG_KEYS.join(", ")}`);
  const given = Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
  const parsed = ConfigSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(`invalid value for ${String(issue?.path[0] ?? "settings")}: ${issue?.message ?? "invalid"}`);
}

export interface ExploreOptions {
  /** The question, in plain words. */
  query: string;
  /** Repository root (default: the current directory); realpath-resolved, never written to. */
  repo?: string;
  /** `auto` (the default): the model when `base_url` is set, else the embedded explorer. */
  policy?: "auto" | "model" | "embedded";
  /** Settings as in config.toml; `fallback: true` lets the embedded explorer answer when the model does not. */
  settings?: Settings;
  /** See `ResolveConfigOptions.useEnvironment` (default false). */
  useEnvironment?: boolean;
  /** Ends the run: it resolves with `stopReason: "aborted"`. */
  signal?: AbortSignal;
  /** Every event of the run's single stream, in order (one `run_start`, one `run_end`). Must not throw. */
  onEvent?: (event: ExploreEvent) => void;
  /** Every message of the model conversation (what `--traj` records). */
  onMessage?: (message: ChatMessage, meta?: Record<string, unknown>) => void;
}

/**
 * Explore a repository and answer `query` with ranked citations. Problems of the exploration
 * itself (the model failing, a budget running out) resolve with `partial`/`stopReason`/`error`;
 * it rejects only for bad settings or repository (`ConfigError`), an unreachable model server
 * with no fallback (`EndpointError`) and cancellation before the run began (`CancelledError`).
 */
export async function explore(options: ExploreOptions): Promise<ExploreResult> {
  const config = await resolveConfig(options.settings, options.useEnvironment ? { useEnvironment: true } : {});
  const { createExplorer, resolvePolicy } = await import("./explore/factory.js");
  const policy = resolvePolicy(config, options.policy);
  const explorer = createExplorer(config, policy, options.onMessage ? { onMessage: options.onMessage } : {});
  return explorer({
    query: options.query,
    root: options.repo ?? process.cwd(),
    maxTurns: config.max_turns,
    deadlineMs: config.deadline_s * 1000,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}

export interface OpenToolboxOptions {
  workspace?: WorkspaceOptions;
  toolbox?: ToolboxOptions;
}

/**
 * The Read, Glob and Grep tools on a workspace rooted at `repo`: `toolbox.runTurn([{ id, name,
 * arguments }])` runs calls exactly as the model's would run and returns the text the model gets
 * plus structured data. Nothing outside the root is read; secret files are withheld by default.
 */
export async function openToolbox(repo: string, options: OpenToolboxOptions = {}): Promise<Toolbox> {
  const [{ Workspace }, { Toolbox }] = await Promise.all([
    import("./workspace/workspace.js"),
    import("./tools/toolbox.js"),
  ]);
  return new Toolbox(await Workspace.open(repo, options.workspace), options.toolbox);
}

// The corpus harness (src/corpus/, being built) is exported here once it lands.
