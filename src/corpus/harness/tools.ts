/**
 * Context-1's four corpus tools. Every chunk shown is remembered: later searches, greps and reads
 * exclude it without the model seeing or managing that filter, so each call surfaces new chunks,
 * and a pruned chunk is never shown again. Results are cut to the per-call budget and to what is
 * left of the total after the reserve. Problems are tool results, never exceptions.
 */
import type { ToolDefinition } from "../../llm/types.js";
import type { Retriever } from "../retriever.js";
import type { CorpusChunk, CorpusStore } from "../types.js";
import type { CorpusBudget } from "./budget.js";

export const TOOL_NAMES = ["search_corpus", "grep_corpus", "read_document", "prune_chunks"] as const;
export type CorpusToolName = (typeof TOOL_NAMES)[number];

/** Matching chunks one grep returns (Context-1: up to 5). */
export const GREP_MAX_CHUNKS = 5;
/** Longest regex accepted (a guard against pathological patterns). */
const MAX_PATTERN_LENGTH = 500;

export const CORPUS_TOOL_DEFINITIONS: ToolDefinition[] = [
  {
    type: "function",
    function: {
      name: "search_corpus",
      description:
        "Hybrid search (BM25 and, when available, dense vectors, fused and reranked) over the corpus. Returns the best new chunks, each as <chunk id=… doc=… title=…>text</chunk>, within a token budget. Chunks already shown are never returned again, so repeat a search with different words to find more.",
      parameters: {
        type: "object",
        properties: { query: { type: "string", description: "what to look for, in natural words or keywords" } },
        required: ["query"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "grep_corpus",
      description: `Regular-expression search over every chunk (JavaScript syntax, case-sensitive unless you add (?i) at the start). Returns up to ${GREP_MAX_CHUNKS} new matching chunks. Use it for exact names, numbers and phrases.`,
      parameters: {
        type: "object",
        properties: { pattern: { type: "string", description: "the regular expression" } },
        required: ["pattern"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "read_document",
      description:
        "Read a document by its doc id (the doc=… of a chunk): its chunks not shown yet, most relevant first, cut to the remaining token budget.",
      parameters: {
        type: "object",
        properties: { doc_id: { type: "string", description: "the document id" } },
        required: ["doc_id"],
      },
    },
  },
  {
    type: "function",
    function: {
      name: "prune_chunks",
      description:
        "Remove chunks you no longer need from your context to free budget. They are replaced by [pruned: <id>] and will not be shown again; you may still cite their documents.",
      parameters: {
        type: "object",
        properties: {
          chunk_ids: { type: "array", items: { type: "string" }, description: "ids of chunks to remove" },
        },
        required: ["chunk_ids"],
      },
    },
  },
];

function attr(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** One chunk as the model sees it. */
export function renderChunk(chunk: CorpusChunk): string {
  return `<chunk id="${attr(chunk.id)}" doc="${attr(chunk.doc)}" title="${attr(chunk.title)}">\n${chunk.text.trim()}\n</chunk>`;
}

export interface ToolOutcome {
  text: string;
  /** Chunk ids this result shows. */
  shown: CorpusChunk[];
  error?: string;
}

/** Take chunks in order while they fit `budget` tokens (at least nothing; never a partial chunk). */
export function fitToBudget(chunks: CorpusChunk[], budget: number): { fit: CorpusChunk[]; left: number } {
  const fit: CorpusChunk[] = [];
  let used = 0;
  for (const chunk of chunks) {
    // The block's tags cost a few tokens beyond the chunk's own text.
    const cost = chunk.tokens + 24;
    if (used + cost > budget) continue;
    fit.push(chunk);
    used += cost;
  }
  return { fit, left: chunks.length - fit.length };
}

/** Compile a model-written regex; `(?i)` at the start means case-insensitive. */
export function compilePattern(pattern: string): RegExp | string {
  if (pattern.length === 0) return "the pattern is empty";
  if (pattern.length > MAX_PATTERN_LENGTH) return `the pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  let source = pattern;
  let flags = "u";
  if (source.startsWith("(?i)")) {
    source = source.slice(4);
    flags += "i";
  }
  try {
    return new RegExp(source, flags);
  } catch (error) {
    try {
      return new RegExp(source, flags.replace("u", ""));
    } catch {
      return `invalid regular expression: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}

export interface ToolContext {
  store: CorpusStore;
  retriever: Retriever;
  budget: CorpusBudget;
  /** The task's query, used to rank a document's chunks. */
  query: string;
  /** Every chunk id ever shown (pruned included): the hidden exclusion filter. */
  seen: Set<string>;
  /** Tokens left for results in this call (total minus reserve minus the current view). */
  available: number;
}

function none(what: string): string {
  return `No new chunks ${what}. Chunks already shown are not repeated: try other words, or give your final answer.`;
}

export async function searchCorpus(ctx: ToolContext, query: string): Promise<ToolOutcome> {
  const hits = await ctx.retriever.search(query, 50, ctx.seen);
  const budget = Math.min(ctx.budget.searchTokens, ctx.available);
  const { fit } = fitToBudget(
    hits.map((h) => h.chunk),
    budget,
  );
  if (fit.length === 0)
    return {
      text:
        hits.length === 0
          ? none("match this query")
          : "No chunk fits the remaining budget: prune chunks or give your final answer.",
      shown: [],
    };
  return { text: fit.map(renderChunk).join("\n"), shown: fit };
}

export async function grepCorpus(ctx: ToolContext, pattern: string): Promise<ToolOutcome> {
  const regex = compilePattern(pattern);
  if (typeof regex === "string") return { text: `Error: ${regex}`, shown: [], error: regex };
  const matches: CorpusChunk[] = [];
  for await (const batch of ctx.store.scan()) {
    for (const chunk of batch) {
      if (ctx.seen.has(chunk.id) || !regex.test(chunk.text)) continue;
      matches.push(chunk);
      if (matches.length >= GREP_MAX_CHUNKS) break;
    }
    if (matches.length >= GREP_MAX_CHUNKS) break;
  }
  const { fit } = fitToBudget(matches, Math.min(ctx.budget.searchTokens, ctx.available));
  if (fit.length === 0)
    return {
      text:
        matches.length === 0
          ? none("match this pattern")
          : "No chunk fits the remaining budget: prune chunks or give your final answer.",
      shown: [],
    };
  return { text: fit.map(renderChunk).join("\n"), shown: fit };
}

export async function readDocument(ctx: ToolContext, docId: string): Promise<ToolOutcome> {
  let chunks = await ctx.store.documentChunks(docId);
  if (chunks.length === 0) {
    // A chunk id where a doc id was meant.
    const chunk = await ctx.store.getChunk(docId);
    if (chunk) chunks = await ctx.store.documentChunks(chunk.doc);
  }
  if (chunks.length === 0) {
    const error = `no document has the id "${docId}" (use the doc=… value of a chunk)`;
    return { text: `Error: ${error}`, shown: [], error };
  }
  const fresh = chunks.filter((c) => !ctx.seen.has(c.id));
  const skipped = chunks.length - fresh.length;
  if (fresh.length === 0)
    return { text: `Every chunk of ${chunks[0]?.doc} has already been shown (${chunks.length} chunks).`, shown: [] };
  const ranked = (
    await ctx.retriever.rerank(
      ctx.query,
      fresh.map((chunk) => ({ chunk, score: 0 })),
    )
  ).map((h) => h.chunk);
  const { fit, left } = fitToBudget(ranked, Math.min(ctx.budget.readTokens, ctx.available));
  // Shown in document order, which reads better than rank order.
  fit.sort((a, b) => a.index - b.index);
  const notes: string[] = [];
  if (skipped > 0) notes.push(`${skipped} chunk(s) of this document were shown before and are not repeated`);
  if (left > 0) notes.push(`${left} chunk(s) did not fit the budget`);
  const text = [...fit.map(renderChunk), ...(notes.length ? [`(${notes.join("; ")})`] : [])].join("\n");
  return {
    text: fit.length ? text : `No chunk of ${docId} fits the remaining budget: prune chunks or give your final answer.`,
    shown: fit,
  };
}

/** The chunk ids of a prune call: a list, or one string of ids separated by commas or spaces. */
export function pruneIds(value: unknown): string[] | undefined {
  if (Array.isArray(value))
    return value.filter((v): v is string => typeof v === "string" && v.trim() !== "").map((v) => v.trim());
  if (typeof value === "string") return value.split(/[\s,]+/).filter(Boolean);
  return undefined;
}
