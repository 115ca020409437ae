/**
 * The `bm25` policy: an Explorer that ranks files with Okapi BM25 (issue text as the query) and
 * cites the top files by their best window. No model, no tools, no turns: it is the floor every
 * run is compared against, so it must stay plain and untuned.
 */
import { realpathSync } from "node:fs";
import type { Citation, ExploreRequest, ExploreResult, Explorer } from "../core/types.js";
import { bestWindow, isCodePath, listSourceFiles, rankFiles, type SourceFile } from "./bm25-index.js";

export interface Bm25Options {
  /** Files cited (default 5). */
  topFiles?: number;
  /** Lines per cited window; files no longer than this are cited whole (default 60). */
  windowLines?: number;
  /** File lister (default `listSourceFiles` over code files, all text files when a tree has none). */
  listFiles?: (root: string) => SourceFile[];
}

/** Code files of the tree, or every text file when it has no code at all. */
export function defaultBm25Files(root: string): SourceFile[] {
  const code = listSourceFiles(root, isCodePath);
  return code.length > 0 ? code : listSourceFiles(root);
}

/** Create the bm25 explorer. Its citations are verified: it read every line it cites. */
export function createBm25Explorer(options: Bm25Options = {}): Explorer {
  const topFiles = options.topFiles ?? 5;
  const windowLines = options.windowLines ?? 60;
  const listFiles = options.listFiles ?? defaultBm25Files;
  return async (request: ExploreRequest): Promise<ExploreResult> => {
    const started = Date.now();
    const root = realpathSync(request.root);
    request.onEvent?.({
      type: "run_start",
      runId: `bm25-${started}`,
      query: request.query,
      root,
      policy: "bm25",
      maxTurns: 0,
      at: started,
    });
    const files = listFiles(root);
    const { ranked, weights } = rankFiles(files, request.query);
    const citations: Citation[] = ranked.slice(0, topFiles).map((hit) => {
      const window = bestWindow(hit.text, weights, windowLines);
      return {
        path: hit.file.rel,
        start: window.start,
        end: window.end,
        reason: `bm25 ${hit.score.toFixed(2)}; terms: ${hit.matched.slice(0, 5).join(", ")}`,
        verified: true,
        verification: "read",
      };
    });
    const totalMs = Date.now() - started;
    const answered = citations.length > 0;
    const result: ExploreResult = {
      query: request.query,
      root,
      policy: "bm25",
      citations,
      explanation: answered ? `BM25 over ${files.length} files` : "no file shares a term with the query",
      stopReason: answered ? "answered" : "no_answer",
      partial: !answered,
      turns: 0,
      toolCalls: 0,
      tokens: { input: 0, output: 0 },
      timings: { totalMs, modelMs: 0, toolMs: 0, otherMs: totalMs },
      warnings: [],
    };
    request.onEvent?.({ type: "answer", citations, explanation: result.explanation, dropped: [], at: Date.now() });
    request.onEvent?.({ type: "run_end", result, at: Date.now() });
    return result;
  };
}
