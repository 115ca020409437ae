/**
 * `corpus ask` without a model: the retriever answers in the same result shape. The query is
 * decomposed into sub-queries (its clauses and questions, plus the whole query), each is searched
 * with the hybrid retriever, the lists are fused by RRF and de-duplicated by document, and each
 * document's justification is its best-matching sentence. Deterministic; no endpoint needed.
 */

import { buildCorpusResult } from "./harness/result.js";
import type { Retriever } from "./retriever.js";
import { termsOf } from "./store/bm25.js";
import { rrfFuse } from "./store/rrf.js";
import type { CorpusChunk, CorpusResult } from "./types.js";

/** Hits taken per sub-query before fusion. */
const PER_QUERY = 30;

/** The whole query plus its clauses: split at question marks, semicolons, and "and"/"or" between clauses. */
export function decomposeQuery(query: string): string[] {
  const parts = query
    .split(/[?;\n]+|,\s+(?:and|or|but)\s+|\s+(?:and also|as well as|and then)\s+|\.\s+/i)
    .map((p) => p.trim())
    .filter((p) => termsOf(p).length >= 2);
  return [...new Set([query.trim(), ...parts])];
}

/** The sentence of `text` sharing the most terms with the query (at most 300 characters). */
export function bestSentence(text: string, query: string): string {
  const wanted = new Set(termsOf(query));
  let best = "";
  let bestScore = -1;
  for (const sentence of text.replace(/\s+/g, " ").split(/(?<=[.!?])\s+/)) {
    const s = sentence.trim();
    if (s.length < 20) continue;
    const score = new Set(termsOf(s).filter((t) => wanted.has(t))).size;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best.length > 300 ? `${best.slice(0, 297)}…` : best;
}

export async function embeddedAsk(input: {
  query: string;
  retriever: Retriever;
  corpus: CorpusResult["corpus"];
  maxDocuments: number;
}): Promise<CorpusResult> {
  const started = performance.now();
  const subQueries = decomposeQuery(input.query);
  const lists = await Promise.all(subQueries.map((q) => input.retriever.search(q, PER_QUERY)));
  const chunks = new Map<string, CorpusChunk>();
  for (const list of lists) for (const hit of list) chunks.set(hit.chunk.id, hit.chunk);
  const fusedChunks = rrfFuse(lists.map((l) => l.map((h) => h.chunk.id)));
  // Documents by their best chunk's fused rank; their other shown chunks are kept as evidence.
  const docOrder: string[] = [];
  const best = new Map<string, CorpusChunk>();
  for (const { key } of fusedChunks) {
    const chunk = chunks.get(key);
    if (!chunk) continue;
    if (!best.has(chunk.doc)) {
      best.set(chunk.doc, chunk);
      docOrder.push(chunk.doc);
    }
  }
  const top = docOrder.slice(0, input.maxDocuments);
  const seen = fusedChunks
    .map(({ key }) => chunks.get(key))
    .filter((c): c is CorpusChunk => c !== undefined && top.includes(c.doc));
  const totalMs = performance.now() - started;
  return buildCorpusResult({
    query: input.query,
    corpus: input.corpus,
    policy: "embedded",
    entries: top.map((doc) => ({ doc, justification: bestSentence(best.get(doc)?.text ?? "", input.query) })),
    dropped: [],
    seen,
    pruned: [],
    stopReason: "answered",
    maxDocuments: input.maxDocuments,
    turns: 0,
    toolCalls: subQueries.length,
    tokens: { input: 0, output: 0 },
    timings: { totalMs, modelMs: 0, toolMs: totalMs },
    warnings: [],
  });
}
