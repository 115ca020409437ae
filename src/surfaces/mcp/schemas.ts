/**
 * The MCP contract of fastcontext: input and output schemas of the `explore` and `health` tools
 * (zod objects; the SDK publishes them as JSON Schema in `tools/list` and validates against them),
 * the thoroughness presets, and the mapping from an `ExploreResult` to `structuredContent`.
 * Pure: no I/O, no SDK imports.
 */
import { z } from "zod";
import type { ExploreResult, StopReason } from "../../core/types.js";

/** Stop reasons as a zod enum; the check below fails to compile when `StopReason` gains a value. */
const STOP_REASON_VALUES = [
  "answered",
  "max_turns",
  "token_budget",
  "deadline",
  "aborted",
  "model_error",
  "no_answer",
] as const satisfies readonly StopReason[];
type UnlistedStopReason = Exclude<StopReason, (typeof STOP_REASON_VALUES)[number]>;
export const ALL_STOP_REASONS_LISTED: [UnlistedStopReason] extends [never] ? true : false = true;

export const THOROUGHNESS = ["quick", "medium", "thorough"] as const;
export type Thoroughness = (typeof THOROUGHNESS)[number];

/**
 * What each thoroughness level means. `maxTurns` caps the model's turns; `citedLines` is the
 * embedded explorer's budget of cited lines (it plans a fixed two turns, so that is the knob it
 * has). Each applies to the policy that has it; under `fallback` both do. Without `thoroughness`
 * the server's configuration applies (max_turns 12, cited_lines 150); an explicit `max_turns`
 * wins (and is reported as having no effect when the server runs the embedded explorer).
 */
export const THOROUGHNESS_PRESETS: Readonly<Record<Thoroughness, { maxTurns: number; citedLines: number }>> = {
  quick: { maxTurns: 4, citedLines: 60 },
  medium: { maxTurns: 8, citedLines: 150 },
  thorough: { maxTurns: 16, citedLines: 300 },
};

export const ExploreInput = z.object({
  query: z
    .string()
    .min(3)
    .max(8000)
    .describe(
      "The question about the code, in full sentences, with the names, error texts and symptoms you already know.",
    ),
  repo_path: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe(
      "Absolute path of the repository root to explore. Default: the client's first workspace root, else the server's working directory.",
    ),
  max_turns: z.number().int().min(1).max(50).optional().describe("Maximum exploration turns (overrides thoroughness)."),
  thoroughness: z
    .enum(THOROUGHNESS)
    .optional()
    .describe(
      "quick (one location: ≈4 model turns or ≈60 cited lines), medium (most questions: ≈8 turns / ≈150 lines) or thorough (cross-cutting questions: ≈16 turns / ≈300 lines).",
    ),
});
export type ExploreArgs = z.infer<typeof ExploreInput>;

const CitationOut = z.object({
  path: z.string().describe("Path relative to `root`, forward slashes."),
  start: z.number().int().min(1),
  end: z.number().int().min(1),
  reason: z.string().optional(),
  verification: z
    .enum(["read", "grep", "trimmed", "unverified"])
    .describe("Which observation covers the range; `trimmed` = cut to the lines actually seen."),
  verified: z.boolean().describe("Same as `observed` (kept for existing callers)."),
  observed: z
    .boolean()
    .describe(
      "True when every cited line was shown to the explorer by a tool result: the lines exist and were seen. Not a judgement of relevance.",
    ),
  confidence: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe(
      "Calibrated probability that the lines answer the question; null when the explorer cannot tell (the model policy).",
    ),
});

export const ExploreOutput = z.object({
  root: z.string().describe("Absolute, realpath-resolved repository root the paths are relative to."),
  citations: z.array(CitationOut).describe("Best first."),
  explanation: z.string(),
  stop_reason: z.enum(STOP_REASON_VALUES),
  partial: z
    .boolean()
    .describe("True when a budget ran out or nothing verified was found: the citations are what was found so far."),
  warnings: z.array(z.string()),
  fallback: z.object({ from: z.string(), reason: z.string() }).optional(),
  stats: z.object({
    policy: z.string(),
    model: z.string().optional(),
    turns: z.number().int(),
    tool_calls: z.number().int(),
    tokens_in: z.number().int(),
    tokens_out: z.number().int(),
    elapsed_ms: z.number().int(),
    model_ms: z.number().int(),
    tool_ms: z.number().int(),
  }),
});
export type ExploreStructured = z.infer<typeof ExploreOutput>;

export const HealthInput = z.object({
  probe_model: z.boolean().optional().describe("Also ask the model endpoint for its models (default true)."),
});

export const HealthOutput = z.object({
  version: z.string(),
  transport: z.enum(["stdio", "http"]),
  policy: z.enum(["model", "embedded"]),
  embedded: z.boolean().describe("True when explorations run on the embedded explorer (no model)."),
  fallback: z.boolean().describe("True when the embedded explorer answers if the model comes back empty."),
  endpoint: z.object({
    base_url: z.string().nullable(),
    model: z.string().nullable().describe("Configured model id, or the only one the endpoint serves."),
    reachable: z.boolean().nullable().describe("null when not probed (no endpoint, or probe_model false)."),
    served: z.array(z.string()),
    error: z.string().optional(),
  }),
  ripgrep: z.object({
    path: z.string().nullable(),
    version: z.string().nullable(),
    engine: z
      .enum(["ripgrep", "fallback"])
      .describe("What Grep uses: ripgrep, or the built-in fallback when no rg binary runs."),
  }),
  allowed_roots: z.array(z.string()),
  default_repo: z.string().nullable(),
  concurrency: z.object({ limit: z.number().int(), running: z.number().int() }),
});
export type HealthStructured = z.infer<typeof HealthOutput>;

/** `structuredContent` of a finished exploration (snake_case on the wire, like the inputs). */
export function toStructured(result: ExploreResult): ExploreStructured {
  return {
    root: result.root,
    citations: result.citations.map((c) => ({
      path: c.path,
      start: c.start,
      end: c.end,
      ...(c.reason ? { reason: c.reason } : {}),
      verification: c.verification ?? (c.verified ? "read" : "unverified"),
      verified: c.verified,
      observed: c.verified,
      confidence: typeof c.confidence === "number" ? c.confidence : null,
    })),
    explanation: result.explanation,
    stop_reason: result.stopReason,
    partial: result.partial,
    warnings: result.warnings,
    ...(result.fallback ? { fallback: { from: result.fallback.from, reason: result.fallback.reason } } : {}),
    stats: {
      policy: result.policy,
      ...(result.model ? { model: result.model } : {}),
      turns: result.turns,
      tool_calls: result.toolCalls,
      tokens_in: result.tokens.input,
      tokens_out: result.tokens.output,
      elapsed_ms: Math.round(result.timings.totalMs),
      model_ms: Math.round(result.timings.modelMs),
      tool_ms: Math.round(result.timings.toolMs),
    },
  };
}
