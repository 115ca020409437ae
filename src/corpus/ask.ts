/**
 * `corpus ask`: open a corpus, build its retriever (dense and rerank legs when endpoints are
 * configured), and answer with the model harness (N rollouts fused by RRF) when a model endpoint
 * is given, else with the embedded retriever. The one entry point the CLI and MCP surfaces call.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { ExploreEvent } from "../core/types.js";
import { createChatClient } from "../llm/client.js";
import { listModels } from "../llm/models.js";
import type { ChatMessage } from "../llm/types.js";
import { ConfigError, EndpointError } from "../util/errors.js";
import { embeddedAsk } from "./embedded-ask.js";
import { EmbeddingClient, type EndpointConfig, RerankClient } from "./endpoints.js";
import { budgetProblem, type CorpusBudget, DEFAULT_BUDGET } from "./harness/budget.js";
import { runCorpusSearch } from "./harness/loop.js";
import { profileForModel } from "./harness/profile.js";
import { fuseRollouts } from "./harness/rollouts.js";
import { readCorpusInfo, resolveCorpus } from "./paths.js";
import { Retriever } from "./retriever.js";
import { EmbeddedStore } from "./store/embedded-store.js";
import type { CorpusResult } from "./types.js";

export interface AskOptions {
  query: string;
  /** Corpus name or indexed directory (default: the current directory's corpus). */
  corpus?: string;
  /** The searcher model; without it the embedded retriever answers. */
  model?: { baseUrl: string; model?: string; apiKey?: string; temperature?: number };
  embeddings?: EndpointConfig;
  reranker?: EndpointConfig;
  budget?: Partial<CorpusBudget>;
  maxTurns?: number;
  maxDocuments?: number;
  rollouts?: number;
  profile?: "harmony" | "generic";
  deadlineMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: ExploreEvent) => void;
  onMessage?: (message: ChatMessage, meta?: Record<string, unknown>) => void;
  env?: NodeJS.ProcessEnv;
}

export const DEFAULT_MAX_TURNS = 32;
export const DEFAULT_MAX_DOCUMENTS = 10;

/** Open a corpus store by name or directory; a ConfigError (exit 2) when it was never indexed. */
export function openCorpus(spec: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  const { name, storeDir } = resolveCorpus(spec, env);
  if (!existsSync(join(storeDir, "meta.json")))
    throw new ConfigError(
      `no corpus "${name}" is indexed (looked in ${storeDir}); run: fastcontext corpus index <dir> --name ${name}`,
    );
  const info = readCorpusInfo(storeDir);
  const store = EmbeddedStore.open(storeDir);
  return { name, storeDir, store, root: info?.root ?? storeDir };
}

export async function askCorpus(options: AskOptions): Promise<CorpusResult> {
  const query = options.query.trim();
  if (query === "") throw new ConfigError('no question given: fastcontext corpus ask -q "…"');
  const budget: CorpusBudget = { ...DEFAULT_BUDGET, ...options.budget };
  const problem = budgetProblem(budget);
  if (problem) throw new ConfigError(problem);
  const maxDocuments = options.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  const rollouts = options.rollouts ?? 1;
  if (!Number.isInteger(rollouts) || rollouts < 1 || rollouts > 16)
    throw new ConfigError(`--rollouts expects an integer from 1 to 16, got ${rollouts}`);
  const { name, store, root } = openCorpus(options.corpus, options.env);
  const warnings: string[] = [];
  const retriever = new Retriever({
    store,
    ...(options.embeddings ? { embeddings: new EmbeddingClient(options.embeddings) } : {}),
    ...(options.reranker ? { reranker: new RerankClient(options.reranker) } : {}),
    onWarning: (message) => {
      warnings.push(message);
      options.onEvent?.({ type: "notice", level: "warn", message, at: Date.now() });
    },
  });
  const corpus = { name, root, backend: store.backend };
  if (!options.model) {
    const result = await embeddedAsk({ query, retriever, corpus, maxDocuments });
    result.warnings.push(...warnings);
    return result;
  }
  let model = options.model.model;
  if (!model) {
    let served: string[];
    try {
      served = await listModels(options.model.baseUrl, options.model.apiKey);
    } catch (error) {
      throw new EndpointError(
        `cannot list the models of ${options.model.baseUrl}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (served.length !== 1)
      throw new ConfigError(
        served.length === 0
          ? "the model server lists no model; pass --model"
          : `the server serves ${served.length} models (${served.slice(0, 5).join(", ")}); pass --model`,
      );
    model = served[0];
  }
  const client = createChatClient({
    baseUrl: options.model.baseUrl,
    model: model ?? "",
    ...(options.model.apiKey ? { apiKey: options.model.apiKey } : {}),
  });
  const profile = profileForModel(client.model, options.profile);
  const deadline = options.deadlineMs ? Date.now() + options.deadlineMs : undefined;
  const runs = await Promise.all(
    Array.from({ length: rollouts }, () =>
      runCorpusSearch({
        query,
        store,
        retriever,
        corpus,
        client,
        budget,
        maxTurns: options.maxTurns ?? DEFAULT_MAX_TURNS,
        maxDocuments,
        profile,
        ...(options.model?.temperature !== undefined ? { sampling: { temperature: options.model.temperature } } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(deadline ? { deadline } : {}),
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        ...(options.onMessage ? { onMessage: options.onMessage } : {}),
      }),
    ),
  );
  const result = fuseRollouts(runs, maxDocuments);
  result.warnings.push(...warnings);
  return result;
}
