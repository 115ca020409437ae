/**
 * "Context-1 (4x)": run N rollouts of the same query (concurrently, each with its own view and
 * de-duplication state) and fuse their ranked document lists by RRF. Justifications come from
 * the first rollout that ranked a document; the trace is the union of all rollouts'.
 */
import { rrfFuse } from "../store/rrf.js";
import type { CorpusResult } from "../types.js";

/** Fuse finished rollouts into one result. */
export function fuseRollouts(results: CorpusResult[], maxDocuments: number): CorpusResult {
  const first = results[0];
  if (!first) throw new Error("fuseRollouts needs at least one result");
  if (results.length === 1) return first;
  const fused = rrfFuse(results.map((r) => r.documents.map((d) => d.id))).slice(0, maxDocuments);
  const docs = new Map(
    results
      .flatMap((r) => r.documents)
      .reverse()
      .map((d) => [d.id, d]),
  );
  const citations = new Map(
    results.flatMap((r) => r.citations.map((c, i) => [r.documents[i]?.id ?? "", c] as const)).reverse(),
  );
  const documents = fused.flatMap(({ key }) => {
    const doc = docs.get(key);
    return doc ? [doc] : [];
  });
  const answered = results.filter((r) => r.stopReason === "answered");
  const sum = (f: (r: CorpusResult) => number) => results.reduce((s, r) => s + f(r), 0);
  const union = (f: (r: CorpusResult) => string[]) => [...new Set(results.flatMap(f))];
  return {
    ...first,
    documents,
    citations: documents.flatMap((d) => {
      const c = citations.get(d.id);
      return c ? [c] : [];
    }),
    stopReason: answered.length > 0 ? "answered" : first.stopReason,
    partial: answered.length === 0,
    turns: sum((r) => r.turns),
    toolCalls: sum((r) => r.toolCalls),
    tokens: { input: sum((r) => r.tokens.input), output: sum((r) => r.tokens.output) },
    timings: {
      totalMs: Math.max(...results.map((r) => r.timings.totalMs)),
      modelMs: sum((r) => r.timings.modelMs),
      toolMs: sum((r) => r.timings.toolMs),
      otherMs: sum((r) => r.timings.otherMs),
    },
    warnings: [
      ...new Set(results.flatMap((r, i) => r.warnings.map((w) => `rollout ${i + 1}: ${w}`))),
      ...(answered.length < results.length
        ? [`${results.length - answered.length} of ${results.length} rollouts gave no final answer`]
        : []),
    ],
    trace: {
      seenChunks: union((r) => r.trace.seenChunks),
      seenDocs: union((r) => r.trace.seenDocs),
      prunedChunks: union((r) => r.trace.prunedChunks),
      droppedDocs: results.flatMap((r) => r.trace.droppedDocs),
    },
    rollouts: results.length,
  };
}
