/**
 * How `eval` gets an explorer for a policy. Explorers are injected by the CLI wiring; the default
 * provides only the built-in `bm25` floor and says clearly when another policy was not wired in.
 */
import type { Explorer, PolicyName } from "../core/types.js";
import { ConfigError } from "../util/errors.js";
import { createBm25Explorer } from "./bm25-policy.js";

export const POLICIES: readonly PolicyName[] = ["embedded", "model", "bm25"];

/** Options `eval` passes when it asks for an explorer (flags of the eval command). */
export interface EvalExplorerOptions {
  maxTurns?: number;
  /** Per-task exploration budget in seconds. */
  deadlineS?: number;
  /** Model endpoint and model id (model policy). */
  baseUrl?: string;
  model?: string;
  /** Config file to use instead of the discovered ones. */
  configFile?: string;
}

/** What `registerEvalCommand` needs from the rest of the program. */
export interface EvalDeps {
  /** An explorer for `policy`; rejects with a ConfigError for a policy it cannot provide. */
  getExplorer(policy: PolicyName, options: EvalExplorerOptions): Promise<Explorer>;
}

/** Parse `--policy`. */
export function parsePolicy(value: string): PolicyName {
  const policy = POLICIES.find((p) => p === value);
  if (!policy) throw new ConfigError(`unknown policy "${value}"; expected ${POLICIES.join(", ")}`);
  return policy;
}

/**
 * The default provider: bm25 itself, and a ConfigError for any other policy, so a missing wiring
 * fails before any task runs instead of recording 48 identical errors.
 */
export const DEFAULT_EVAL_DEPS: EvalDeps = {
  async getExplorer(policy) {
    if (policy === "bm25") return createBm25Explorer();
    throw new ConfigError(
      `the "${policy}" policy is not available to eval in this build (only bm25 is built in); wire it through registerEvalCommand's getExplorer`,
    );
  },
};

/**
 * Deps that serve bm25 themselves and defer everything else to `getExplorer`, so a caller that wires
 * only its own explorers still gets the floor.
 */
export function withBm25(getExplorer: EvalDeps["getExplorer"]): EvalDeps {
  return {
    getExplorer: (policy, options) =>
      policy === "bm25" ? Promise.resolve(createBm25Explorer()) : getExplorer(policy, options),
  };
}
