/**
 * The `corpus_search` MCP tool: Context-1 style search over an indexed corpus (`fastcontext corpus
 * index`), answering with ranked documents and their justifications. It uses the server's model
 * endpoint when the server runs the model policy, else the embedded retriever; it shares the
 * explore tool's concurrency limiter and shutdown signal. Problems become `isError` results.
 */
import type { CallToolResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import { askCorpus } from "../../corpus/ask.js";
import type { CorpusResult } from "../../corpus/types.js";
import { errorMessage } from "../../util/errors.js";
import type { McpRuntime } from "./runtime.js";

export const CorpusSearchInput = z.object({
  query: z.string().min(3).max(8000).describe("What to find in the corpus, in full sentences or keywords."),
  corpus: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "Corpus name given to `fastcontext corpus index --name`, or the indexed directory. Default: the server's working directory.",
    ),
  max_documents: z.number().int().min(1).max(50).optional().describe("Documents in the answer (default 10)."),
});
export type CorpusSearchArgs = z.infer<typeof CorpusSearchInput>;

export const CORPUS_SEARCH_DESCRIPTION = [
  "Search a document corpus indexed with `fastcontext corpus index` (Markdown, HTML, PDF, JSON records, code) and return the most relevant documents, ranked, each with a short justification and the chunk ids it rests on.",
  "Use it to find which documents answer a question before reading them. Read-only.",
].join(" ");

function renderText(result: CorpusResult): string {
  const lines = result.documents.map(
    (d, i) => `${i + 1}. ${d.id} — ${d.title}${d.justification ? `: ${d.justification}` : ""}`,
  );
  if (lines.length === 0) lines.push("No document was found. Re-ask with other words.");
  if (result.partial) lines.push(`Partial result (${result.stopReason}).`);
  for (const w of result.warnings.slice(0, 5)) lines.push(`warning: ${w}`);
  return lines.join("\n");
}

/** Run one call (exported for tests that drive it without a transport). */
export async function runCorpusSearchCall(
  runtime: McpRuntime,
  args: CorpusSearchArgs,
  ctx: Pick<ServerContext, "mcpReq">,
): Promise<CallToolResult> {
  const release = runtime.limiter.tryAcquire();
  if (!release)
    return {
      content: [
        {
          type: "text",
          text: `fastcontext: the server is busy (${runtime.limiter.limit} searches running); retry in a few seconds.`,
        },
      ],
      isError: true,
    };
  try {
    const config = runtime.config;
    const useModel = runtime.policy === "model" && config.base_url;
    const result = await askCorpus({
      query: args.query,
      ...(args.corpus ? { corpus: args.corpus } : {}),
      ...(args.max_documents ? { maxDocuments: args.max_documents } : {}),
      ...(useModel
        ? {
            model: {
              baseUrl: config.base_url as string,
              ...(config.model ? { model: config.model } : {}),
              ...(config.api_key ? { apiKey: config.api_key } : {}),
            },
          }
        : {}),
      deadlineMs: config.deadline_s * 1000,
      signal: AbortSignal.any([ctx.mcpReq.signal, runtime.shutdown]),
    });
    const structured = {
      corpus: result.corpus.name,
      policy: result.policy,
      stopReason: result.stopReason,
      partial: result.partial,
      documents: result.documents.map((d) => ({
        id: d.id,
        path: d.path,
        title: d.title,
        justification: d.justification,
        chunks: d.chunks,
      })),
      warnings: result.warnings,
    };
    return { content: [{ type: "text", text: renderText(result) }], structuredContent: structured };
  } catch (error) {
    return { content: [{ type: "text", text: `fastcontext: ${errorMessage(error)}` }], isError: true };
  } finally {
    release();
  }
}

/** Register `corpus_search` on one server instance. */
/**
 * Register `corpus_search`; `corpora` (the names indexed when the session started) are named in
 * the description so the agent knows what it may pass as `corpus`.
 */
export function registerCorpusTool(server: McpServer, runtime: McpRuntime, corpora: string[] = []): void {
  const shown = corpora.slice(0, 20);
  const known =
    shown.length > 0
      ? ` Indexed corpora: ${shown.join(", ")}${corpora.length > shown.length ? ` and ${corpora.length - shown.length} more` : ""}.`
      : "";
  server.registerTool(
    "corpus_search",
    {
      title: "Search a document corpus",
      description: CORPUS_SEARCH_DESCRIPTION + known,
      inputSchema: CorpusSearchInput,
      annotations: {
        title: "Search a document corpus",
        readOnlyHint: true,
        idempotentHint: true,
        destructiveHint: false,
        openWorldHint: false,
      },
    },
    (args, ctx) => runCorpusSearchCall(runtime, args, ctx),
  );
}
