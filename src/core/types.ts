/**
 * Shared contracts of fastcontext: what every explorer (model-driven or embedded) produces and what
 * every surface (CLI, TUI, MCP, eval) consumes. Pure types; no I/O here. The tool-level contracts
 * (calls, results, line spans) live below, in contracts/tools.ts, and are re-exported here.
 */
import type { LineSpan, ToolCallRequest, Verification } from "../contracts/tools.js";

export type {
  GrepFileHits,
  GrepMatchLine,
  LineSpan,
  SkipStats,
  ToolCallRequest,
  ToolData,
  ToolErrorCode,
  ToolResult,
  Verification,
} from "../contracts/tools.js";
export { emptySkipStats } from "../contracts/tools.js";

/**
 * One entry of the final answer, in rank order. Two separate facts: whether the lines were
 * *observed* (`verified`: a tool showed every cited line to the explorer, so the range exists and
 * was seen) and how likely they are *relevant* (`confidence`). An observed citation can still be
 * off target: a question about something the repository does not contain may get observed
 * citations with low or unknown confidence.
 */
export interface Citation extends LineSpan {
  /** The model's (or the embedded explorer's) short reason, without parentheses. */
  reason?: string;
  /**
   * Observed: true when every cited line was shown to the explorer by a tool result. It says the
   * lines exist and were seen, not that they answer the question (that is `confidence`).
   */
  verified: boolean;
  /** Which kind of observation covers it; "trimmed" means the range was cut to what was seen. */
  verification?: Verification;
  /**
   * Relevance: calibrated probability in [0, 1] that the cited lines hold what was asked, or null
   * when the policy cannot tell. The embedded explorer fills it from its calibrated ranker; the
   * model policy has only what the model's answer says, which carries no confidence, so null.
   */
  confidence?: number | null;
}

/** Why a run ended. `answered` is the only normal ending; every other one sets `partial: true`. */
export type StopReason =
  | "answered"
  | "max_turns"
  | "token_budget"
  | "deadline"
  | "aborted"
  | "model_error"
  | "no_answer";

export const STOP_REASONS: readonly StopReason[] = [
  "answered",
  "max_turns",
  "token_budget",
  "deadline",
  "aborted",
  "model_error",
  "no_answer",
];

/** Which explorer produced a result. */
export type PolicyName = "model" | "embedded" | "bm25";

export interface TokenUsage {
  input: number;
  output: number;
}

export interface PhaseTimings {
  totalMs: number;
  /** Time spent waiting on the model server (0 for the embedded explorer). */
  modelMs: number;
  /** Wall time of tool execution (turns' tool phases, not the sum of concurrent calls). */
  toolMs: number;
  /** Planning/ranking time of the embedded explorer, validation time, etc. */
  otherMs: number;
}

/** The object every explorer returns; `--json` prints it, MCP returns it as structuredContent. */
export interface ExploreResult {
  query: string;
  /** Absolute, realpath-resolved workspace root. */
  root: string;
  policy: PolicyName;
  citations: Citation[];
  /** Text outside the `<final_answer>` block (at most a short paragraph). */
  explanation: string;
  stopReason: StopReason;
  partial: boolean;
  /** Set when another policy answered because the first one came back empty or invalid. */
  fallback?: { from: PolicyName; reason: string; causes?: string[] };
  turns: number;
  toolCalls: number;
  tokens: TokenUsage;
  timings: PhaseTimings;
  /** Things the caller should know (zero tool calls, dropped citations, budget notes...). */
  warnings: string[];
  /** Citations the model gave that did not survive validation, with the reason. */
  dropped?: Array<LineSpan & { reason: string }>;
  model?: string;
  /** Set when the run failed on something outside the exploration (endpoint down, bad config). */
  error?: {
    kind: "endpoint" | "model" | "config" | "internal";
    /** One sentence: what failed. */
    message: string;
    /** What lies underneath, outermost first (the transport's detail, the system error). */
    causes?: string[];
  };
}

/** What a caller asks of an explorer. */
export interface ExploreRequest {
  query: string;
  /** Repository root (any path; it is realpath-resolved by the workspace). */
  root: string;
  signal?: AbortSignal;
  maxTurns?: number;
  /** Absolute wall-clock budget for the whole run, in ms. */
  deadlineMs?: number;
  /** Receives every event of the run, in order. Must not throw. */
  onEvent?: (event: ExploreEvent) => void;
}

/** Any explorer: the model loop, the embedded explorer, the bm25 floor. */
export type Explorer = (request: ExploreRequest) => Promise<ExploreResult>;

/** One event of a run. CLI text, `--json`, the TUI, MCP progress and the eval all read this stream. */
export type ExploreEvent =
  | {
      type: "run_start";
      runId: string;
      query: string;
      root: string;
      policy: PolicyName;
      model?: string;
      maxTurns: number;
      contextWindow?: number;
      at: number;
    }
  | { type: "turn_start"; turn: number; at: number }
  | { type: "model_request"; turn: number; messages: number; promptTokens: number; finalTurn: boolean; at: number }
  | { type: "model_delta"; turn: number; channel: "content" | "reasoning"; text: string }
  | {
      type: "model_response";
      turn: number;
      content: string;
      reasoning?: string;
      toolCalls: ToolCallRequest[];
      usage?: { promptTokens: number; completionTokens: number };
      ms: number;
      at: number;
    }
  | { type: "model_retry"; turn: number; attempt: number; delayMs: number; reason: string; at: number }
  | {
      type: "tool_start";
      turn: number;
      index: number;
      call: { id: string; name: string; args: Record<string, unknown> | string };
      at: number;
    }
  | {
      type: "tool_end";
      turn: number;
      index: number;
      callId: string;
      name: string;
      ms: number;
      chars: number;
      tokens: number;
      lines: number;
      truncated: boolean;
      cached: boolean;
      error?: string;
      /** The text the model got, possibly shortened for display by the emitter. */
      preview: string;
      at: number;
    }
  | { type: "notice"; level: "info" | "warn"; message: string; at: number }
  /** The run handed over to another policy (`--fallback`); its turns continue the count. */
  | { type: "fallback"; from: PolicyName; to: PolicyName; reason: string; at: number }
  | { type: "budget"; turn: number; usedTokens: number; window: number; at: number }
  | {
      type: "answer";
      citations: Citation[];
      explanation: string;
      dropped: Array<LineSpan & { reason: string }>;
      at: number;
    }
  | { type: "run_end"; result: ExploreResult; at: number };
