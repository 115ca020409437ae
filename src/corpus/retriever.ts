/**
 * Hybrid retrieval, as Context-1's `search_corpus` does it: BM25 and dense search in parallel
 * (dense only when the store holds vectors and an embedding endpoint is configured), fused by RRF,
 * the top 50 fused candidates reranked when a rerank endpoint is configured. Exclusions pass down
 * to both legs so de-duplicated chunks never come back. A failing endpoint degrades to BM25 with
 * a warning instead of failing the search.
 */
import type { EmbeddingClient, RerankClient } from "./endpoints.js";
import { rrfFuse } from "./store/rrf.js";
import type { ChunkHit, CorpusStore } from "./types.js";

/** Candidates taken from each leg and reranked (Context-1: top 50). */
export const CANDIDATES = 50;

export interface RetrieverOptions {
  store: CorpusStore;
  embeddings?: EmbeddingClient;
  reranker?: RerankClient;
  /** Told once per distinct problem (an endpoint down...). */
  onWarning?: (message: string) => void;
}

export type RetrievalMode = "bm25" | "hybrid";

export class Retriever {
  private vectorsKnown: boolean | undefined;
  private readonly warned = new Set<string>();

  constructor(private readonly options: RetrieverOptions) {}

  private warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.onWarning?.(message);
  }

  async mode(): Promise<RetrievalMode> {
    this.vectorsKnown ??= await this.options.store.hasVectors();
    return this.vectorsKnown && this.options.embeddings ? "hybrid" : "bm25";
  }

  /** Ranked chunks for `query`, best first, at most `limit`, none of `excludeIds`. */
  async search(query: string, limit: number, excludeIds?: ReadonlySet<string>): Promise<ChunkHit[]> {
    const { store } = this.options;
    const opts = { limit: Math.max(limit, CANDIDATES), ...(excludeIds ? { excludeIds } : {}) };
    const dense = (await this.mode()) === "hybrid" ? this.denseLeg(query, opts) : Promise.resolve([]);
    const [text, vector] = await Promise.all([store.searchText(query, opts), dense]);
    let ranked: ChunkHit[];
    if (vector.length === 0) ranked = text;
    else {
      const byId = new Map<string, ChunkHit>();
      for (const hit of [...text, ...vector]) if (!byId.has(hit.chunk.id)) byId.set(hit.chunk.id, hit);
      ranked = rrfFuse([text.map((h) => h.chunk.id), vector.map((h) => h.chunk.id)])
        .slice(0, CANDIDATES)
        .flatMap(({ key, score }) => {
          const hit = byId.get(key);
          return hit ? [{ chunk: hit.chunk, score }] : [];
        });
    }
    ranked = await this.rerank(query, ranked.slice(0, CANDIDATES));
    return ranked.slice(0, limit);
  }

  private async denseLeg(query: string, opts: { limit: number; excludeIds?: ReadonlySet<string> }) {
    try {
      const [vector] = await this.options.embeddings!.embed([query]);
      return vector ? await this.options.store.searchVector(vector, opts) : [];
    } catch (error) {
      this.warn(`dense search is off for this run (${error instanceof Error ? error.message : String(error)})`);
      return [];
    }
  }

  /** Rerank chunks by the rerank endpoint's scores (kept as they are without one). */
  async rerank(query: string, hits: ChunkHit[]): Promise<ChunkHit[]> {
    const reranker = this.options.reranker;
    if (!reranker || hits.length < 2) return hits;
    try {
      const scores = await reranker.scores(
        query,
        hits.map((h) => h.chunk.text),
      );
      return hits
        .map((hit, i) => ({ chunk: hit.chunk, score: scores[i] ?? Number.NEGATIVE_INFINITY }))
        .sort((a, b) => b.score - a.score);
    } catch (error) {
      this.warn(`reranking is off for this run (${error instanceof Error ? error.message : String(error)})`);
      return hits;
    }
  }
}
