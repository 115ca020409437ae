/**
 * The data of one model run, apart from its steps (model-loop.ts): `ModelRun` (what stays fixed,
 * plus the conversation and the accounting), `LoopState` (what decides the next step), the
 * phases of a turn, and the run's start and end. No model requests and no tool calls here.
 */
import { ObservationLedger } from "../contracts/observations.js";
import type { AssistantTurn, ChatMessage } from "../llm/types.js";
import type { ToolDefinition } from "../tools/definitions.js";
import { ContextBudget } from "./budget.js";
import { CallCache } from "./call-cache.js";
import type { ValidationResult } from "./citations.js";
import { createEmitter, type Emit, newRunId } from "./events.js";
import type { ParsedAnswer } from "./final-answer.js";
import type { ModelLoopConfig, ModelLoopInput } from "./model-loop.js";
import { loadSystemPrompt, queryMessage } from "./prompt.js";
import type { Citation, ExploreResult, LineSpan, StopReason, TokenUsage, ToolCallRequest } from "./types.js";

/** Why a turn is the last one (the model is asked for its answer, tools are refused). */
export type FinalReason = "max_turns" | "token_budget" | "deadline";

/** The smallest share of the whole deadline kept for the final (grace) turn, and its cap. */
const GRACE_MIN_MS = 2000;
const GRACE_MAX_SHARE = 0.25;
/** Remaining ms before the deadline, or Infinity. */
export function remaining(deadline: number | undefined): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

/** Text of a message as the budget counts it: content plus each call's name and arguments. */
function messageText(m: ChatMessage): string {
  let text = m.content ?? "";
  if (m.role === "assistant") for (const c of m.tool_calls ?? []) text += `\n${c.function.name}${c.function.arguments}`;
  return text;
}

/** A timer-backed signal whose firing we can tell apart from the caller's abort. */
export function timerSignal(ms: number): { signal: AbortSignal; fired: () => boolean; clear: () => void } {
  const controller = new AbortController();
  let fired = false;
  const timer = Number.isFinite(ms)
    ? setTimeout(
        () => {
          fired = true;
          controller.abort(new Error("deadline"));
        },
        Math.max(1, ms),
      )
    : undefined;
  return { signal: controller.signal, fired: () => fired, clear: () => clearTimeout(timer) };
}

/** What a run holds from its start to its end: the fixed setup, the conversation and the accounting. */
export interface ModelRun {
  readonly input: ModelLoopInput;
  readonly config: ModelLoopConfig;
  readonly runId: string;
  readonly emit: Emit;
  /** The conversation sent to the model, in order. Grows only through `append`. */
  readonly messages: ChatMessage[];
  readonly tools: ToolDefinition[];
  readonly budget: ContextBudget;
  readonly cache: CallCache;
  /** What the tools showed during this run; the answer's citations are checked against it. */
  readonly ledger: ObservationLedger;
  /** Per-turn tool output cap, never more than a quarter of a known window. */
  readonly perTurnCap: number;
  /** The whole run's time budget in ms (Infinity without a deadline). */
  readonly totalMs: number;
  /** `performance.now()` at the start. */
  readonly started: number;
  readonly tokens: TokenUsage;
  readonly timings: { modelMs: number; toolMs: number };
  /** Distinct warnings, in the order they arose (see `warn`). */
  readonly warnings: string[];
}

/** Everything that decides the next step. Only the step functions (model-loop.ts) change it. */
export interface LoopState {
  /** Turns started so far (the current turn's number once `requestTurn` has begun it). */
  turn: number;
  /** Tool calls answered by a tool result (cached and malformed ones included). */
  toolCalls: number;
  /** Set once the run is on its final turn, with the reason it was asked for. */
  finalReason: FinalReason | undefined;
  /** Final-turn replies that called tools instead of answering. */
  refusals: number;
  /** Correction turns asked for so far. */
  corrections: number;
  /** The model was asked once for a missing `<final_answer>` block. */
  nudgedForAnswer: boolean;
  /** The last answer's validated citations. */
  validation: ValidationResult | undefined;
  explanation: string;
  /** Wall time of the last full turn (request and tools), which sizes the grace turn. */
  lastTurnMs: number;
  failure: ExploreResult["error"];
}

/** A model reply, received and recorded, with what the next step needs from its turn. */
export interface TurnReply {
  reply: AssistantTurn;
  calls: ToolCallRequest[];
  parsed: ParsedAnswer;
  /** The final turn's reason; undefined on a regular turn. */
  finalReason: FinalReason | undefined;
  /** `performance.now()` when the request went out. */
  startedAt: number;
}

/**
 * The phases of a turn. `request` starts a turn and asks the model; `tools` runs the reply's
 * calls; `settle` decides what a reply without calls to run means (the answer, a nudge, a
 * correction, a refusal of final-turn calls); `done` carries the stop reason.
 */
export type Phase =
  | { kind: "request" }
  | ({ kind: "tools" } & TurnReply)
  | ({ kind: "settle" } & TurnReply)
  | { kind: "done"; stop: StopReason };

/** The phase that ends the run with `stop`. */
export const done = (stop: StopReason): Phase => ({ kind: "done", stop });
/** The phase that starts the next turn. */
export const REQUEST: Phase = { kind: "request" };

export function initialState(): LoopState {
  return {
    turn: 0,
    toolCalls: 0,
    finalReason: undefined,
    refusals: 0,
    corrections: 0,
    nudgedForAnswer: false,
    validation: undefined,
    explanation: "",
    lastTurnMs: 0,
    failure: undefined,
  };
}

/** Set up a run: the budget, the system prompt and the query; emits `run_start`. */
export function startRun(input: ModelLoopInput): ModelRun {
  const { toolbox, config } = input;
  const tools = toolbox.definitions();
  const run: ModelRun = {
    input,
    config,
    runId: newRunId(),
    emit: createEmitter(input.onEvent),
    messages: [],
    tools,
    budget: new ContextBudget(
      {
        window: config.contextWindow,
        maxCompletionTokens: config.maxCompletionTokens,
        perTurnTokens: config.perTurnTokens,
        ...(config.contextReserve ? { reserve: config.contextReserve } : {}),
      },
      toolbox.counter,
      JSON.stringify(tools),
    ),
    cache: new CallCache(),
    ledger: new ObservationLedger(),
    // Per-turn output can never be allowed to overflow a small window on its own.
    perTurnCap:
      config.contextWindow > 0 && config.perTurnTokens > 0
        ? Math.min(config.perTurnTokens, Math.floor(config.contextWindow * 0.25))
        : config.perTurnTokens,
    totalMs: input.deadline === undefined ? Number.POSITIVE_INFINITY : input.deadline - Date.now(),
    started: performance.now(),
    tokens: { input: 0, output: 0 },
    timings: { modelMs: 0, toolMs: 0 },
    warnings: [],
  };
  append(run, { role: "system", content: loadSystemPrompt(toolbox.ws.root, config.systemPromptFile) });
  append(run, { role: "user", content: queryMessage(input.query) });
  run.emit({
    type: "run_start",
    runId: run.runId,
    query: input.query,
    root: toolbox.ws.root,
    policy: "model",
    model: input.client.model,
    maxTurns: config.maxTurns,
    ...(config.contextWindow ? { contextWindow: config.contextWindow } : {}),
  });
  return run;
}

/** Add a message to the conversation. It is counted, unless the server's usage already covers it (a reply). */
export function append(run: ModelRun, m: ChatMessage, meta?: Record<string, unknown>, coveredByUsage = false): void {
  run.messages.push(m);
  if (!coveredByUsage) run.budget.append(messageText(m));
  run.input.onMessage?.(m, meta);
}

export function warn(run: ModelRun, message: string): void {
  if (!run.warnings.includes(message)) run.warnings.push(message);
}

/** Time kept for the grace turn: the last turn's pace, at least 2 s, at most a quarter of the deadline. */
export function graceMs(run: ModelRun, state: LoopState): number {
  return Math.min(Math.max(GRACE_MIN_MS, state.lastTurnMs * 1.5), run.totalMs * GRACE_MAX_SHARE);
}

/** The result of a run that stopped for `reason`; emits `answer` and `run_end`. */
export function finishRun(run: ModelRun, state: LoopState, reason: StopReason): ExploreResult {
  const { input } = run;
  // The model's answer states no confidence: observed (verified) yes or no, relevance unknown.
  const citations: Citation[] = (state.validation?.citations ?? []).map((c) => ({ ...c, confidence: null }));
  const dropped: Array<LineSpan & { reason: string }> = [
    ...(state.validation?.dropped ?? []),
    ...(state.validation?.unseen ?? []).map((u) => ({
      path: u.path,
      start: u.start,
      end: u.end,
      reason: "never shown by a tool",
    })),
  ];
  const stopReason = reason === "answered" && citations.length === 0 ? "no_answer" : reason;
  const totalMs = performance.now() - run.started;
  const result: ExploreResult = {
    query: input.query,
    root: input.toolbox.ws.root,
    policy: "model",
    citations,
    explanation: state.explanation,
    stopReason,
    partial: stopReason !== "answered",
    turns: state.turn,
    toolCalls: state.toolCalls,
    tokens: run.tokens,
    timings: {
      totalMs,
      modelMs: run.timings.modelMs,
      toolMs: run.timings.toolMs,
      otherMs: Math.max(0, totalMs - run.timings.modelMs - run.timings.toolMs),
    },
    warnings: run.warnings,
    model: input.client.model,
    ...(dropped.length ? { dropped } : {}),
    ...(state.failure ? { error: state.failure } : {}),
  };
  run.emit({ type: "answer", citations, explanation: state.explanation, dropped });
  run.emit({ type: "run_end", result });
  return result;
}
