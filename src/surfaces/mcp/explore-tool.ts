/**
 * The `explore` tool: checks the workspace against the allowlist, takes a concurrency slot, runs
 * the explorer with the client's abort signal, streams progress, and answers with
 * `structuredContent` plus a compact text rendering. Everything that goes wrong inside a call
 * becomes an `isError` result whose text tells the calling model what to do next.
 */
import type { CallToolResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import type { ExploreResult } from "../../core/types.js";
import { ignoredSettings } from "../../explore/ignored-settings.js";
import { ConfigError, EndpointError, errorMessage } from "../../util/errors.js";
import { createLogger } from "../../util/log.js";
import { renderAnswer, resultFacts } from "../render.js";
import { checkRepo } from "./allowlist.js";
import { ProgressReporter } from "./progress.js";
import type { McpRuntime, ServingPolicy } from "./runtime.js";
import { type ExploreArgs, ExploreInput, ExploreOutput, THOROUGHNESS_PRESETS, toStructured } from "./schemas.js";

const log = createLogger("mcp.explore");

/** Most warnings repeated in the text rendering (all of them are in structuredContent). */
const MAX_TEXT_WARNINGS = 5;

const DESCRIPTION_HEAD = [
  "Explore the repository to answer a question about its code and return ranked path:start-end citations (best first, at most about 25).",
  "Use it to find where a feature, error message, config value or call path lives before reading or editing; ask one concrete question in full sentences with the names you know.",
  "Each citation says whether its lines were actually shown to the explorer (`observed`); that is not a judgement that they answer the question: treat them as candidate evidence and read the top ones.",
  "If the answer is empty or partial, ask again with a sharper question rather than re-grepping the repository.",
];

/**
 * The tool description for the policy the server runs: `thoroughness` means turns for the model
 * and a cited-line budget for the embedded explorer (which plans a fixed two turns).
 */
export function exploreDescription(policy: ServingPolicy): string {
  const levels =
    policy === "embedded"
      ? "thoroughness: quick ≈ 60 cited lines, medium ≈ 150, thorough ≈ 300 (this server runs the model-free embedded explorer; max_turns has no effect on it)."
      : "thoroughness: quick ≈ 4 turns, medium ≈ 8, thorough ≈ 16 (default: the server's configuration).";
  return [...DESCRIPTION_HEAD, levels, "Read-only; may take from seconds to a few minutes and reports progress."].join(
    " ",
  );
}

/** Hooks a call has beyond the SDK context (the HTTP request's own abort signal, the client's roots). */
export interface CallEnvironment {
  /** The client's workspace roots as realpaths ([] when it offers none). */
  clientRoots: (ctx: ServerContext) => Promise<string[]>;
  /** Extra signals that end the call (e.g. the HTTP response closing). */
  signals: AbortSignal[];
}

/** An `isError` result carrying one message for the calling model. */
export function errorResult(message: string): CallToolResult {
  return { content: [{ type: "text", text: `fastcontext: ${message}` }], isError: true };
}

/**
 * The text rendering: explanation, `<final_answer>` block, then the facts structuredContent
 * carries (observed/confidence, stop reason, policy and cost, fallback), a status line and warnings.
 */
export function renderText(result: ExploreResult): string {
  const lines = [renderAnswer(result).trimEnd(), ...resultFacts(result)];
  if (result.citations.length === 0)
    lines.push(
      "No verified citation was found. Re-ask with sharper terms (identifiers, error text, directories), or search with your own tools.",
    );
  else if (result.partial)
    lines.push(
      `Partial result (${result.stopReason}): these are the citations found before the limit. Re-ask a narrower question for more.`,
    );
  for (const warning of result.warnings.slice(0, MAX_TEXT_WARNINGS)) lines.push(`warning: ${warning}`);
  if (result.warnings.length > MAX_TEXT_WARNINGS)
    lines.push(`(${result.warnings.length - MAX_TEXT_WARNINGS} more warnings in structuredContent)`);
  return lines.join("\n");
}

/** Map a finished run to the tool result (failures without any citation become `isError`). */
export function toToolResult(result: ExploreResult): CallToolResult {
  if (result.stopReason === "aborted" && result.citations.length === 0)
    return errorResult("the exploration was cancelled before it found anything.");
  if (result.citations.length === 0 && result.error) {
    const hint =
      result.error.kind === "endpoint"
        ? " Check that the model server is running (the health tool shows the endpoint), retry later, or search with your own tools meanwhile."
        : result.error.kind === "config"
          ? " This needs a change in the server's configuration; tell the user."
          : " Retry once; if it fails again, search with your own tools.";
    return errorResult(`the exploration failed (${result.error.kind}): ${result.error.message}.${hint}`);
  }
  return { content: [{ type: "text", text: renderText(result) }], structuredContent: toStructured(result) };
}

function describeFailure(error: unknown): string {
  if (error instanceof ConfigError)
    return `configuration problem: ${error.message}. This needs a change in the server's configuration; tell the user.`;
  if (error instanceof EndpointError)
    return `model endpoint problem: ${error.message}. Retry later, or search with your own tools meanwhile.`;
  return `internal error: ${errorMessage(error)}. The server keeps running; retry once, then search with your own tools.`;
}

/** Run one call (exported for tests that drive it without a transport). */
export async function runExploreCall(
  runtime: McpRuntime,
  env: CallEnvironment,
  args: ExploreArgs,
  ctx: ServerContext,
): Promise<CallToolResult> {
  const release = runtime.limiter.tryAcquire();
  if (!release) {
    return errorResult(
      `the server is busy: ${runtime.limiter.limit} explorations are already running (its limit). Retry in a few seconds, or search with your own tools meanwhile.`,
    );
  }
  const startedAt = Date.now();
  let reporter: ProgressReporter | undefined;
  try {
    const repo = checkRepo(runtime.allowlist, await env.clientRoots(ctx), args.repo_path);
    if (!repo.ok) return errorResult(repo.message);
    const preset = args.thoroughness ? THOROUGHNESS_PRESETS[args.thoroughness] : undefined;
    const config = preset ? { ...runtime.config, cited_lines: preset.citedLines } : runtime.config;
    const maxTurns = args.max_turns ?? preset?.maxTurns ?? config.max_turns;
    const notes = ignoredSettings(runtime.policy, config.fallback, { maxTurns: args.max_turns !== undefined });
    const signal = AbortSignal.any([ctx.mcpReq.signal, runtime.shutdown, ...env.signals]);
    const token = ctx.mcpReq._meta?.progressToken;
    if (token !== undefined) {
      reporter = new ProgressReporter({
        heartbeatMs: runtime.heartbeatMs,
        send: (update) =>
          ctx.mcpReq.notify({ method: "notifications/progress", params: { progressToken: token, ...update } }),
      });
    }
    const explorer = runtime.makeExplorer(config, runtime.policy);
    const result = await explorer({
      query: args.query,
      root: repo.root,
      signal,
      maxTurns,
      deadlineMs: config.deadline_s * 1000,
      ...(reporter ? { onEvent: (event) => reporter!.onEvent(event) } : {}),
    });
    log.info("explore finished", {
      root: repo.root,
      stop: result.stopReason,
      citations: result.citations.length,
      ms: Date.now() - startedAt,
    });
    return toToolResult(notes.length ? { ...result, warnings: [...notes, ...result.warnings] } : result);
  } catch (error) {
    log.warn("explore failed", { error: errorMessage(error) });
    return errorResult(describeFailure(error));
  } finally {
    reporter?.stop();
    release();
  }
}

/** Register `explore` on one server instance. */
export function registerExploreTool(server: McpServer, runtime: McpRuntime, env: CallEnvironment): void {
  server.registerTool(
    "explore",
    {
      title: "Explore the repository",
      description: exploreDescription(runtime.policy),
      inputSchema: ExploreInput,
      outputSchema: ExploreOutput,
      annotations: {
        title: "Explore the repository",
        readOnlyHint: true,
        idempotentHint: true,
        destructiveHint: false,
        openWorldHint: false,
      },
    },
    (args, ctx) => runExploreCall(runtime, env, args, ctx),
  );
}
