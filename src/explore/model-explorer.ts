/**
 * The model policy as an Explorer: builds the workspace, toolbox and chat client from the
 * configuration, finds the context window, and runs the model loop.
 */
import { effectiveSampling } from "../config/profiles.js";
import type { Config } from "../config/schema.js";
import { type ModelLoopConfig, runModelLoop } from "../core/model-loop.js";
import type { ExploreRequest, ExploreResult, Explorer } from "../core/types.js";
import { createChatClient } from "../llm/client.js";
import { poolOf } from "../llm/endpoint-pool.js";
import { detectContextWindow, listModels } from "../llm/models.js";
import type { ChatMessage } from "../llm/types.js";
import { TokenCounter, type TokenizerFamily } from "../tokens/counter.js";
import { Toolbox } from "../tools/toolbox.js";
import { CancelledError, ConfigError, EndpointError, headline } from "../util/errors.js";
import { createLogger } from "../util/log.js";
import { Workspace } from "../workspace/workspace.js";

const log = createLogger("explore.model");

export interface ModelExplorerOptions {
  config: Config;
  /** Receives every appended message (trajectories). */
  onMessage?: (message: ChatMessage, meta?: Record<string, unknown>) => void;
}

/** Resolve the model id: configured, or the only one the server serves. */
export async function resolveModelId(config: Config, signal?: AbortSignal): Promise<string> {
  if (config.model) return config.model;
  if (!config.base_url) throw new ConfigError("no model endpoint configured: set --base-url (or FC_BASE_URL)");
  let served: string[];
  try {
    const options = { ...(signal ? { signal } : {}), timeoutMs: 10_000 };
    // Replicas serve the same model: the first one that answers says which.
    served = await poolOf(config.base_url).discover((url) => listModels(url, config.api_key, options));
  } catch (error) {
    throw new EndpointError(`cannot list the models at ${config.base_url}: ${headline(error)}`, {
      cause: error,
      hint: "check that the server is running and --base-url is right (`fastcontext doctor` tests it), or use --fallback",
    });
  }
  if (served.length === 1) return served[0]!;
  if (served.length === 0) throw new ConfigError(`the endpoint ${config.base_url} serves no model; set --model`);
  throw new ConfigError(`the endpoint serves several models; choose one with --model: ${served.join(", ")}`);
}

const windowCache = new Map<string, Promise<number>>();

async function contextWindow(config: Config, model: string, timeoutMs: number): Promise<number> {
  if (config.max_context !== "auto") return config.max_context;
  const key = `${config.base_url}|${model}`;
  let pending = windowCache.get(key);
  if (!pending) {
    pending = detectContextWindow(poolOf(config.base_url!).preferredUrl(), config.api_key, model, {
      timeoutMs: Math.max(1, Math.min(5000, timeoutMs)),
    }).then((info) => {
      if (info.window <= 0) {
        log.warn("context window unknown: the token budget is off (set max_context)", { source: info.source });
        // Not remembered: the server may just have been starting; the next exploration asks again.
        windowCache.delete(key);
      }
      return info.window;
    });
    windowCache.set(key, pending);
  }
  return pending;
}

/** One counter per tokenizer for the whole process: the tokenizer is loaded once, not per exploration. */
const counters = new Map<TokenizerFamily, TokenCounter>();
function sharedCounter(family: TokenizerFamily): TokenCounter {
  let counter = counters.get(family);
  if (!counter) {
    counter = new TokenCounter(family);
    counters.set(family, counter);
  }
  return counter;
}

export function createModelExplorer(options: ModelExplorerOptions): Explorer {
  const { config } = options;
  return async (request: ExploreRequest): Promise<ExploreResult> => {
    if (!config.base_url)
      throw new ConfigError("no model endpoint configured: set --base-url (or FC_BASE_URL), or use --policy embedded");
    // The deadline covers the whole exploration, model discovery included.
    const deadline = Date.now() + (request.deadlineMs ?? config.deadline_s * 1000);
    let model: string;
    try {
      model = await resolveModelId(config, request.signal);
    } catch (error) {
      if (request.signal?.aborted)
        throw new CancelledError("cancelled while contacting the model server", { cause: error });
      throw error;
    }
    const { profile, sampling, maxCompletionTokens } = effectiveSampling({ ...config, model });
    const ws = await Workspace.open(request.root, {
      secrets: { allowAll: config.allow_secrets, allow: config.secret_allow },
    });
    const toolbox = new Toolbox(ws, {
      config: { toolTimeoutMs: config.tool_timeout_s * 1000, grepEngine: config.grep_engine },
      counter: sharedCounter(profile.tokenizer),
      ...(config.tool_descriptions ? { descriptionsDir: config.tool_descriptions } : {}),
    });
    const client = createChatClient({
      baseUrl: config.base_url,
      model,
      ...(config.api_key ? { apiKey: config.api_key } : {}),
      timeoutMs: config.request_timeout_s * 1000,
      maxRetries: config.max_retries,
      maxResponseBytes: config.max_response_bytes,
    });
    const loopConfig: ModelLoopConfig = {
      maxTurns: request.maxTurns ?? config.max_turns,
      concurrency: config.concurrency,
      perTurnTokens: config.max_turn_output_tokens,
      perResultTokens: config.max_result_output_tokens,
      contextWindow: await contextWindow(config, model, deadline - Date.now()),
      ...(config.context_reserve ? { contextReserve: config.context_reserve } : {}),
      maxCompletionTokens,
      maxCitations: config.max_citations,
      sampling,
      finalNudge: config.final_nudge,
      ...(config.system_prompt ? { systemPromptFile: config.system_prompt } : {}),
      maxCorrections: 1,
    };
    return runModelLoop({
      query: request.query,
      toolbox,
      client,
      config: loopConfig,
      deadline,
      ...(request.signal ? { signal: request.signal } : {}),
      ...(request.onEvent ? { onEvent: request.onEvent } : {}),
      ...(options.onMessage ? { onMessage: options.onMessage } : {}),
    });
  };
}
