/**
 * A corpus run's result, in the shape every surface already renders: each ranked document is
 * also a citation of its file's shown line span, so `--json`, trajectories, replay and the TUI
 * show corpus runs unchanged. A run that ended without an answer returns the documents it saw, in
 * the order it saw them, as a partial result.
 */
import type { Citation, LineSpan, PolicyName, StopReason, TokenUsage } from "../../core/types.js";
import type { CorpusChunk, CorpusResult, RankedDocument } from "../types.js";

export interface ResultParts {
  query: string;
  corpus: CorpusResult["corpus"];
  policy: PolicyName;
  model?: string;
  entries: Array<{ doc: string; justification: string }>;
  dropped: Array<{ id: string; reason: string }>;
  /** Chunks shown, in order (pruned included). */
  seen: CorpusChunk[];
  pruned: string[];
  stopReason: StopReason;
  maxDocuments: number;
  turns: number;
  toolCalls: number;
  tokens: TokenUsage;
  timings: { totalMs: number; modelMs: number; toolMs: number };
  warnings: string[];
  rollouts?: number;
  error?: CorpusResult["error"];
}

export function buildCorpusResult(parts: ResultParts): CorpusResult {
  const byDoc = new Map<string, CorpusChunk[]>();
  for (const chunk of parts.seen) {
    const list = byDoc.get(chunk.doc);
    if (list) {
      if (!list.some((c) => c.id === chunk.id)) list.push(chunk);
    } else byDoc.set(chunk.doc, [chunk]);
  }
  const warnings = [...parts.warnings];
  let entries = parts.entries;
  let stopReason = parts.stopReason;
  if (entries.length === 0 && byDoc.size > 0 && stopReason !== "answered") {
    entries = [...byDoc.keys()].slice(0, parts.maxDocuments).map((doc) => ({ doc, justification: "" }));
    warnings.push("no final answer: the documents are listed in the order the search showed them");
  }
  if (stopReason === "answered" && entries.length === 0) stopReason = "no_answer";
  const documents: RankedDocument[] = entries.map(({ doc, justification }) => {
    const chunks = byDoc.get(doc) ?? [];
    return {
      id: doc,
      path: chunks[0]?.path ?? doc,
      title: chunks[0]?.title ?? doc,
      justification,
      chunks: chunks.map((c) => c.id),
    };
  });
  const citations: Citation[] = documents.map((d) => {
    const chunks = byDoc.get(d.id) ?? [];
    const start = Math.min(...chunks.map((c) => c.startLine), Number.POSITIVE_INFINITY);
    const end = Math.max(...chunks.map((c) => c.endLine), 0);
    return {
      path: d.path,
      start: Number.isFinite(start) ? start : 1,
      end: Math.max(end, Number.isFinite(start) ? start : 1),
      ...(d.justification ? { reason: d.justification } : {}),
      verified: chunks.length > 0,
      verification: chunks.length > 0 ? "read" : "unverified",
    };
  });
  const dropped: Array<LineSpan & { reason: string }> = parts.dropped.map((d) => ({
    path: d.id,
    start: 0,
    end: 0,
    reason: d.reason,
  }));
  if (parts.dropped.length > 0)
    warnings.push(
      `${parts.dropped.length} answer document(s) removed: ${parts.dropped.map((d) => `${d.id} (${d.reason})`).join(", ")}`,
    );
  const seenDocs = [...byDoc.keys()];
  const { totalMs, modelMs, toolMs } = parts.timings;
  return {
    query: parts.query,
    root: parts.corpus.root,
    policy: parts.policy,
    citations,
    explanation: "",
    stopReason,
    partial: stopReason !== "answered",
    turns: parts.turns,
    toolCalls: parts.toolCalls,
    tokens: parts.tokens,
    timings: { totalMs, modelMs, toolMs, otherMs: Math.max(0, totalMs - modelMs - toolMs) },
    warnings,
    ...(dropped.length ? { dropped } : {}),
    ...(parts.model ? { model: parts.model } : {}),
    ...(parts.error ? { error: parts.error } : {}),
    corpus: parts.corpus,
    documents,
    trace: {
      seenChunks: [...new Set(parts.seen.map((c) => c.id))],
      seenDocs,
      prunedChunks: parts.pruned,
      droppedDocs: parts.dropped,
    },
    rollouts: parts.rollouts ?? 1,
  };
}

/** The `<Document>` block of a result (the product `corpus ask` prints). */
export function renderDocuments(result: CorpusResult): string {
  return result.documents
    .map((d) => `<Document id=${d.id}><Justification>${d.justification}</Justification></Document>`)
    .join("\n");
}
