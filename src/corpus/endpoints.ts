/**
 * Optional dense retrieval: an OpenAI-compatible `/v1/embeddings` endpoint (vLLM, llama.cpp, TEI,
 * Ollama) and a `/v1/rerank` endpoint (vLLM, TEI, llama.cpp: `{query, documents}` →
 * `results[{index, relevance_score}]`). Without them the corpus runs on BM25 alone. Errors are
 * thrown as `Error` with the endpoint's own message; callers decide whether to fall back.
 */
import { joinUrl, normalizeBaseUrl } from "../llm/url.js";

export interface EndpointConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs?: number;
}

async function postJson(config: EndpointConfig, path: string, body: unknown): Promise<unknown> {
  const url = joinUrl(normalizeBaseUrl(config.baseUrl), path);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(config.timeoutMs ?? 60_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${path} answered with something that is not JSON: ${text.slice(0, 120)}`);
  }
}

/** Embeds texts in batches; returns one vector per text, in order. */
export class EmbeddingClient {
  constructor(
    readonly config: EndpointConfig,
    readonly batchSize = 64,
  ) {}

  async embed(texts: string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.batchSize) {
      const batch = texts.slice(i, i + this.batchSize);
      const json = (await postJson(this.config, "embeddings", { model: this.config.model, input: batch })) as {
        data?: Array<{ index?: number; embedding?: unknown }>;
      };
      const data = json.data ?? [];
      if (data.length !== batch.length)
        throw new Error(`the embeddings endpoint returned ${data.length} vectors for ${batch.length} inputs`);
      const ordered = [...data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      for (const item of ordered) {
        if (!Array.isArray(item.embedding) || !item.embedding.every((x) => typeof x === "number"))
          throw new Error("the embeddings endpoint returned a vector that is not a list of numbers");
        out.push(item.embedding as number[]);
      }
    }
    return out;
  }
}

/** Scores documents against a query; returns relevance scores aligned with `documents`. */
export class RerankClient {
  constructor(readonly config: EndpointConfig) {}

  async scores(query: string, documents: string[]): Promise<number[]> {
    if (documents.length === 0) return [];
    const json = (await postJson(this.config, "rerank", { model: this.config.model, query, documents })) as {
      results?: Array<{ index?: number; relevance_score?: number; score?: number }>;
    };
    const scores = new Array<number>(documents.length).fill(Number.NEGATIVE_INFINITY);
    for (const r of json.results ?? []) {
      const score = r.relevance_score ?? r.score;
      if (typeof r.index === "number" && typeof score === "number" && r.index < documents.length)
        scores[r.index] = score;
    }
    return scores;
  }
}
