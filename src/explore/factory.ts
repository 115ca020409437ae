/**
 * Picks the explorer for a configuration: the model loop when an endpoint is configured (or asked
 * for), the embedded explorer otherwise, and the embedded explorer as the fallback when the
 * model's answer comes back empty or invalid (`fallback = true`).
 */
import { loadConfig } from "../config/load.js";
import type { Config } from "../config/schema.js";
import { RunStream } from "../core/run-stream.js";
import type { ExploreResult, Explorer, PolicyName } from "../core/types.js";
import { createEmbeddedExplorer } from "../embedded/explorer.js";
import type { ChatMessage } from "../llm/types.js";
import { ConfigError, causeChain, EndpointError } from "../util/errors.js";
import { createModelExplorer } from "./model-explorer.js";

/** The least time the fallback explorer is given, even when the model used up the deadline. */
const FALLBACK_MIN_MS = 1000;

export interface ExplorerOptions {
  onMessage?: (message: ChatMessage, meta?: Record<string, unknown>) => void;
  /** Warnings about the request itself (e.g. a setting this policy ignores), put first in the result's warnings. */
  notes?: string[];
}

export function resolvePolicy(config: Config, override?: string): Exclude<PolicyName, "bm25"> {
  const policy = override ?? config.policy;
  if (policy === "model" || policy === "embedded") return policy;
  if (policy !== "auto") throw new ConfigError(`unknown policy "${policy}"; expected auto, model or embedded`);
  return config.base_url ? "model" : "embedded";
}

/** Why a model result should be handed to the fallback, or null when it stands. */
export function fallbackReason(result: ExploreResult): string | null {
  if (result.stopReason === "aborted") return null;
  if (result.citations.length === 0)
    return result.error
      ? `the model run failed: ${result.error.message}`
      : `the model returned no verified citation (${result.stopReason})`;
  return null;
}

export function createExplorer(
  config: Config,
  policy: Exclude<PolicyName, "bm25">,
  options: ExplorerOptions = {},
): Explorer {
  const explorer = createPolicyExplorer(config, policy, options);
  const notes = options.notes ?? [];
  if (notes.length === 0) return explorer;
  // The run owns its ending, so the notes are in the run_end result as well as the returned one.
  return async (request) => {
    const stream = new RunStream(request.onEvent);
    const result = await explorer({ ...request, onEvent: stream.stage() });
    const noted = { ...result, warnings: [...notes, ...result.warnings.filter((w) => !notes.includes(w))] };
    stream.end(noted);
    return noted;
  };
}

function createPolicyExplorer(config: Config, policy: Exclude<PolicyName, "bm25">, options: ExplorerOptions): Explorer {
  const embedded = createEmbeddedExplorer({
    citedLines: config.cited_lines,
    secrets: { allowAll: config.allow_secrets, allow: config.secret_allow },
    grepEngine: config.grep_engine,
    toolTimeoutMs: config.tool_timeout_s * 1000,
    maxCitations: config.max_citations,
  });
  if (policy === "embedded") return embedded;
  const model = createModelExplorer({ config, ...(options.onMessage ? { onMessage: options.onMessage } : {}) });
  if (!config.fallback) return model;
  return async (request) => {
    const started = Date.now();
    // The run owns its stream: one run_start, turns counted across both explorers, one run_end
    // carrying the merged result.
    const stream = new RunStream(request.onEvent);
    let first: ExploreResult | undefined;
    let why: string | null;
    let causes: string[] = [];
    try {
      first = await model({ ...request, onEvent: stream.stage() });
      why = fallbackReason(first);
    } catch (error) {
      // The server could not even be asked (model discovery failed): exactly what --fallback is for.
      if (!(error instanceof EndpointError) || request.signal?.aborted) throw error;
      why = error.message;
      causes = causeChain(error);
    }
    if (first && (!why || request.signal?.aborted)) {
      stream.end(first);
      return first;
    }
    stream.fallback("model", "embedded", why ?? "");
    // The fallback gets what is left of the deadline (at least a second to work with).
    const left =
      request.deadlineMs === undefined
        ? undefined
        : Math.max(FALLBACK_MIN_MS, request.deadlineMs - (Date.now() - started));
    const second = await embedded({
      ...request,
      onEvent: stream.stage(first?.turns ?? 0),
      ...(left !== undefined ? { deadlineMs: left } : {}),
    });
    const merged = mergeFallback(
      first,
      second,
      { reason: why ?? "", causes: causes.length ? causes : (first?.error?.causes ?? []) },
      config.model,
    );
    stream.end(merged);
    return merged;
  };
}

/** The run's result when the embedded explorer answered for the model: its answer, both runs' costs. */
export function mergeFallback(
  first: ExploreResult | undefined,
  second: ExploreResult,
  why: { reason: string; causes: string[] },
  configuredModel?: string,
): ExploreResult {
  const none = {
    turns: 0,
    toolCalls: 0,
    tokens: { input: 0, output: 0 },
    warnings: [],
    timings: { totalMs: 0, modelMs: 0, toolMs: 0, otherMs: 0 },
  };
  const head = first ?? none;
  const model = first?.model ?? configuredModel;
  return {
    ...second,
    fallback: { from: "model", reason: why.reason, ...(why.causes.length ? { causes: why.causes } : {}) },
    turns: head.turns + second.turns,
    toolCalls: head.toolCalls + second.toolCalls,
    tokens: head.tokens,
    warnings: [...head.warnings, ...second.warnings],
    ...(model ? { model } : {}),
    timings: {
      totalMs: head.timings.totalMs + second.timings.totalMs,
      modelMs: head.timings.modelMs,
      toolMs: head.timings.toolMs + second.timings.toolMs,
      otherMs: head.timings.otherMs + second.timings.otherMs,
    },
  };
}

/** Explorers for `fastcontext eval`: the configuration is loaded the usual way, with the eval flags on top. */
export async function explorerForEval(
  policy: PolicyName,
  options: { maxTurns?: number; deadlineS?: number; baseUrl?: string; model?: string; configFile?: string },
): Promise<Explorer> {
  if (policy === "bm25") throw new ConfigError("the bm25 policy is provided by the eval harness itself");
  const { config } = loadConfig({
    flags: {
      base_url: options.baseUrl,
      model: options.model,
      max_turns: options.maxTurns,
      deadline_s: options.deadlineS,
    },
    ...(options.configFile ? { configFile: options.configFile } : {}),
  });
  // Fail before any task runs rather than recording the same error for every task.
  if (policy === "model" && !config.base_url)
    throw new ConfigError('the "model" policy needs an endpoint: pass --base-url (or set FC_BASE_URL)');
  return createExplorer(config, policy);
}
