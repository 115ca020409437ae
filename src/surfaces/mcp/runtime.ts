/**
 * What every MCP server instance of one process shares: the loaded configuration, the policy, the
 * allowlist, the concurrency limiter and the shutdown signal. The SDK builds a fresh `McpServer`
 * per stdio connection and per HTTP request; all of them read this one object.
 */
import type { Config } from "../../config/schema.js";
import type { Explorer, PolicyName } from "../../core/types.js";
import type { AllowlistConfig } from "./allowlist.js";
import type { ExploreLimiter } from "./limiter.js";

export type ServingPolicy = Exclude<PolicyName, "bm25">;

export interface McpRuntime {
  config: Config;
  policy: ServingPolicy;
  allowlist: AllowlistConfig;
  limiter: ExploreLimiter;
  transport: "stdio" | "http";
  /** Aborted when the server shuts down: every running exploration stops. */
  shutdown: AbortSignal;
  /** Longest silence between two progress notifications (ms). */
  heartbeatMs: number;
  /** Builds the explorer for one call (the factory's `createExplorer`, swappable in tests). */
  makeExplorer: (config: Config, policy: ServingPolicy) => Explorer;
}

/** Text for the `instructions` field of the initialize result (shown to the main agent by many clients). */
export const SERVER_INSTRUCTIONS = [
  "fastcontext explores a repository with read-only Read/Glob/Grep and returns verified path:start-end citations.",
  "Call `explore` with one concrete question (names, error texts, symptoms) to find where code lives before editing; pass repo_path (absolute repository root) when you work outside the default workspace.",
  "Treat the citations as ranked candidate evidence and read the top ones; if the answer is empty or partial, re-ask a sharper question instead of re-grepping the whole repository.",
  "`health` reports the model endpoint, the ripgrep binary and whether the embedded (model-free) explorer is in use.",
].join(" ");
