/**
 * The model-driven explore loop: speaks the FastContext protocol to any OpenAI-compatible server,
 * runs each turn's tool calls concurrently, de-duplicates repeated calls, keeps the conversation
 * inside the context window, forces a final answer when a budget runs out, validates citations
 * against what the tools showed (with at most one correction turn) and always ends with an explicit
 * stop reason. It never writes to stdout and never throws for a model, tool or budget problem;
 * surfaces render its events.
 *
 * A run is a small state machine. Each turn goes through explicit phases, each one a function of
 * the run (`ModelRun`: what stays fixed, plus the conversation and the accounting) and its state
 * (`LoopState`: everything that decides what happens next) that returns the next phase (the data
 * and the run's start and end are in model-run.ts):
 *
 *   request ──(calls, not the final turn)──▶ tools ──▶ request
 *      │                                                   ▲
 *      └──(no calls, or the final turn)──▶ settle ──(nudge, correction, refusal)──┘
 *                                            └──▶ done(stop reason) ──▶ finishRun
 */
import type { ChatClient } from "../llm/client.js";
import { isLlmError } from "../llm/errors.js";
import { toAssistantMessage } from "../llm/history.js";
import type { AssistantTurn, ChatMessage, ChatRequestOptions } from "../llm/types.js";
import type { Toolbox } from "../tools/toolbox.js";
import { causeChain, errorMessage, headline } from "../util/errors.js";
import { correctionMessage, validateCitations } from "./citations.js";
import { parseFinalAnswer } from "./final-answer.js";
import {
  append,
  done,
  type FinalReason,
  finishRun,
  graceMs,
  initialState,
  type LoopState,
  type ModelRun,
  type Phase,
  REQUEST,
  remaining,
  startRun,
  type TurnReply,
  timerSignal,
  warn,
} from "./model-run.js";
import { type CallAnswer, failedCallAnswers, runToolCalls } from "./tool-calls.js";
import type { ExploreEvent, ExploreResult, StopReason, ToolCallRequest } from "./types.js";

export type { FinalReason, LoopState, ModelRun, Phase, TurnReply } from "./model-run.js";
export { finishRun, initialState, startRun } from "./model-run.js";

export interface ModelLoopConfig {
  maxTurns: number;
  /** Tool calls run at once within a turn. */
  concurrency: number;
  perTurnTokens: number;
  perResultTokens: number;
  /** Usable context window (0 = unknown). */
  contextWindow: number;
  contextReserve?: number;
  maxCompletionTokens: number;
  maxCitations: number;
  /** Sampling and vendor fields sent with every request. */
  sampling: Omit<ChatRequestOptions, "tool_choice" | "max_completion_tokens">;
  /**
   * How the max-turns final turn is asked for: a user message (safe everywhere) or the RL-style
   * assistant nudge (only where a trailing assistant message is closed, not prefilled: vLLM, SGLang).
   */
  finalNudge: "user" | "assistant";
  systemPromptFile?: string;
  /** Correction turns for citations of unseen lines (the reference harness allowed up to 2). */
  maxCorrections: number;
}

export const DEFAULT_LOOP_CONFIG: ModelLoopConfig = {
  maxTurns: 12,
  concurrency: 8,
  perTurnTokens: 12_000,
  perResultTokens: 0,
  contextWindow: 0,
  maxCompletionTokens: 4096,
  maxCitations: 25,
  sampling: {},
  finalNudge: "user",
  maxCorrections: 1,
};

export interface ModelLoopInput {
  query: string;
  toolbox: Toolbox;
  client: ChatClient;
  config: ModelLoopConfig;
  signal?: AbortSignal;
  /** Absolute time (Date.now() based) by which the run must end. */
  deadline?: number;
  onEvent?: (event: ExploreEvent) => void;
  /** Every message appended to the conversation, for trajectories. */
  onMessage?: (message: ChatMessage, meta?: Record<string, unknown>) => void;
}

export const MAX_TURNS_MESSAGE =
  "Max number of turns reached. Please provide the final answer based on the information you have gathered.";
export const FINALIZE_MESSAGES: Record<"token_budget" | "deadline", string> = {
  token_budget:
    "The context limit is close: this is your last turn. Do not call any more tools. Give your final answer now, based only on what you have already read, citing only line ranges you have seen, in a <final_answer> block.",
  deadline:
    "Time is almost up: this is your last turn. Do not call any more tools. Give your final answer now, based only on what you have already read, citing only line ranges you have seen, in a <final_answer> block.",
};
export const RL_NUDGE = "Stop exploring and return the final answer directly.";
export const MISSING_ANSWER_MESSAGE =
  "Your reply has no <final_answer> block. Give your final answer now: an optional brief explanation, then a <final_answer> block with one absolute path and line range per line.";
export const NO_TOOLS_NOW =
  "<system-reminder>No more tool calls are allowed in this turn: give your final answer now.</system-reminder>";

/** Less time than this before the grace turn's share: no regular turn is started. */
const MIN_REGULAR_TURN_MS = 100;

/**
 * `endpoint`: the server could not be reached or kept failing (network, timeouts, retryable HTTP
 * statuses after the retries); `model`: it answered, but refused the request or sent something unusable.
 */
function errorKind(error: unknown): "endpoint" | "model" {
  if (!isLlmError(error)) return "model";
  if (error.kind === "network" || error.kind === "timeout") return "endpoint";
  if (error.kind === "http" && error.retryable) return "endpoint";
  return "model";
}

/** The message that asks for the final answer. */
export function finalMessage(reason: FinalReason): string {
  return reason === "max_turns" ? MAX_TURNS_MESSAGE : FINALIZE_MESSAGES[reason];
}

/** Make the coming turn the last: ask for the answer (a user message, or the RL nudge where configured). */
export function startFinalTurn(run: ModelRun, state: LoopState, reason: FinalReason): void {
  state.finalReason = reason;
  if (run.config.finalNudge === "assistant" && reason === "max_turns")
    append(run, { role: "assistant", content: RL_NUDGE });
  else append(run, { role: "user", content: finalMessage(reason) });
  run.emit({ type: "notice", level: "info", message: `final turn (${reason.replace("_", " ")})` });
}

/** Whether the turn about to start must be the last, and why: turns, then time, then the context budget. */
export async function finalTurnDue(run: ModelRun, state: LoopState): Promise<FinalReason | undefined> {
  if (state.turn > run.config.maxTurns) return "max_turns";
  // A regular turn needs some time of its own before the grace turn's share begins.
  if (remaining(run.input.deadline) - graceMs(run, state) < MIN_REGULAR_TURN_MS) return "deadline";
  if (await run.budget.mustFinalize()) return "token_budget";
  return undefined;
}

/** What a failed model request means for the run. */
export type RequestFailure =
  /** A regular turn ran out of its time: the grace turn follows. */
  | { kind: "final_turn"; notice: string }
  | { kind: "stop"; stop: StopReason; failure?: NonNullable<ExploreResult["error"]>; notice?: string };

/**
 * Classify a failed request. `aborted`: the caller's signal fired; `timedOut`: the turn's own
 * timer did (the deadline minus the grace turn's share, or the deadline on the final turn).
 */
export function requestFailure(
  error: unknown,
  at: { aborted: boolean; timedOut: boolean; finalTurn: boolean },
): RequestFailure {
  if (at.aborted) return { kind: "stop", stop: "aborted" };
  if (at.timedOut)
    return at.finalTurn
      ? { kind: "stop", stop: "deadline" }
      : { kind: "final_turn", notice: "the model did not answer before the deadline" };
  if (isLlmError(error) && error.contextOverflow) {
    // The server refused the prompt as too long: the window is spent, whatever our count said.
    const message = `the model server refused the prompt as too long for its context window: ${error.message}`;
    return { kind: "stop", stop: "token_budget", failure: { kind: "model", message }, notice: message };
  }
  // Reported through `error` (not `warnings`): surfaces print it once. The message says what
  // failed; the transport's detail goes to `causes`.
  const causes = causeChain(error);
  return {
    kind: "stop",
    stop: "model_error",
    failure: { kind: errorKind(error), message: headline(error), ...(causes.length ? { causes } : {}) },
    notice: `model request failed: ${errorMessage(error)}`,
  };
}

/**
 * Step 1, request the turn: end the run on an abort or a spent deadline, otherwise start the next
 * turn (the final one when a budget says so), send the conversation and record the reply. Next:
 * `tools` when a regular turn's reply calls tools, `settle` otherwise.
 */
export async function requestTurn(run: ModelRun, state: LoopState): Promise<Phase> {
  const { input, config, emit } = run;
  if (input.signal?.aborted) return done("aborted");
  if (remaining(input.deadline) <= 0) return done("deadline");
  state.turn++;
  const turn = state.turn;
  if (state.finalReason === undefined) {
    const reason = await finalTurnDue(run, state);
    if (reason) startFinalTurn(run, state, reason);
  }
  const finalReason = state.finalReason;
  const finalTurn = finalReason !== undefined;
  emit({ type: "turn_start", turn });
  emit({
    type: "model_request",
    turn,
    messages: run.messages.length,
    promptTokens: run.budget.estimate(),
    finalTurn,
  });
  // A regular turn must end early enough to leave the grace turn its time.
  const turnTimer = timerSignal(
    finalTurn ? remaining(input.deadline) : remaining(input.deadline) - graceMs(run, state),
  );
  const signal = input.signal ? AbortSignal.any([input.signal, turnTimer.signal]) : turnTimer.signal;
  const startedAt = performance.now();
  let reply: AssistantTurn;
  try {
    reply = await input.client.chat(
      run.messages,
      run.tools,
      // The final turn keeps the tools in the prompt (prompt cache) and forbids calling them.
      {
        ...config.sampling,
        max_completion_tokens: config.maxCompletionTokens,
        ...(finalTurn ? { tool_choice: "none" as const } : {}),
      },
      {
        signal,
        onDelta: (channel, text) => emit({ type: "model_delta", turn, channel, text }),
        onRetry: (attempt, delayMs, reason) => emit({ type: "model_retry", turn, attempt, delayMs, reason }),
      },
    );
  } catch (error) {
    run.timings.modelMs += performance.now() - startedAt;
    turnTimer.clear();
    const outcome = requestFailure(error, {
      aborted: input.signal?.aborted === true,
      timedOut: turnTimer.fired(),
      finalTurn,
    });
    if (outcome.kind === "final_turn") {
      emit({ type: "notice", level: "info", message: outcome.notice });
      startFinalTurn(run, state, "deadline");
      return REQUEST;
    }
    if (outcome.failure) state.failure = outcome.failure;
    if (outcome.notice) emit({ type: "notice", level: "warn", message: outcome.notice });
    return done(outcome.stop);
  }
  turnTimer.clear();
  const calls = recordReply(run, turn, reply, performance.now() - startedAt);
  const next: TurnReply = { reply, calls, parsed: parseFinalAnswer(reply.content), finalReason, startedAt };
  const hasCalls = calls.length > 0 || reply.malformed.length > 0;
  return hasCalls && !finalTurn ? { kind: "tools", ...next } : { kind: "settle", ...next };
}

/** Account for a reply (time, tokens, budget), emit it and append it to the conversation. */
function recordReply(run: ModelRun, turn: number, reply: AssistantTurn, ms: number): ToolCallRequest[] {
  run.timings.modelMs += ms;
  // Some servers send a usage chunk of zeros (or a stray partial one): only a real prompt count
  // may replace our own count of the conversation.
  const usage = reply.usage && reply.usage.promptTokens > 0 ? reply.usage : undefined;
  if (reply.usage) {
    run.tokens.input += reply.usage.promptTokens;
    run.tokens.output += reply.usage.completionTokens;
  }
  if (usage) run.budget.recordUsage(usage.promptTokens, usage.completionTokens);
  const calls: ToolCallRequest[] = reply.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
  run.emit({
    type: "model_response",
    turn,
    content: reply.content,
    ...(reply.reasoning ? { reasoning: reply.reasoning } : {}),
    toolCalls: calls,
    ...(reply.usage ? { usage: reply.usage } : {}),
    ms,
  });
  if (usage && run.config.contextWindow > 0)
    run.emit({
      type: "budget",
      turn,
      usedTokens: usage.promptTokens + usage.completionTokens,
      window: run.config.contextWindow,
    });
  append(
    run,
    toAssistantMessage(reply),
    { reasoning: reply.reasoning, usage: reply.usage, finishReason: reply.finishReason, source: reply.source },
    usage !== undefined,
  );
  return calls;
}

/**
 * Step 2, run the tools: the reply's calls, within the time left before the grace turn's share,
 * answered in the model's order. A toolbox that throws gives every call an error result. Next: `request`.
 */
export async function runTools(run: ModelRun, state: LoopState, phase: TurnReply): Promise<Phase> {
  const { input, config, emit } = run;
  const { calls, reply } = phase;
  const toolsStarted = performance.now();
  // Tools may not run into the grace turn's time either.
  const toolTimer = timerSignal(remaining(input.deadline) - graceMs(run, state));
  const signal = input.signal ? AbortSignal.any([input.signal, toolTimer.signal]) : toolTimer.signal;
  let results: CallAnswer[];
  try {
    results = await runToolCalls(
      {
        toolbox: input.toolbox,
        cache: run.cache,
        observations: run.ledger,
        emit,
        concurrency: config.concurrency,
        perResultTokens: config.perResultTokens,
        perTurnTokens: run.perTurnCap,
      },
      calls,
      reply.malformed,
      state.turn,
      signal,
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    warn(run, `tool execution failed: ${message}`);
    emit({ type: "notice", level: "warn", message: `tool execution failed: ${message}` });
    results = failedCallAnswers(calls, reply.malformed, message);
  } finally {
    toolTimer.clear();
  }
  state.toolCalls += calls.length + reply.malformed.length;
  run.timings.toolMs += performance.now() - toolsStarted;
  for (const r of results) append(run, { role: "tool", content: r.text, tool_call_id: r.id });
  state.lastTurnMs = performance.now() - phase.startedAt;
  return REQUEST;
}

/**
 * Step 3, settle the answer of a reply with no calls to run (or a final turn's reply). Calls on
 * the final turn without an answer are refused, once more, then the run ends partial. A missing
 * `<final_answer>` block is asked for once. An answer is validated against what the tools showed;
 * citations of unseen lines get a correction turn while one is allowed. Next: `request` or `done`.
 */
export async function settleAnswer(run: ModelRun, state: LoopState, phase: TurnReply): Promise<Phase> {
  const { config, emit } = run;
  const { reply, calls, parsed } = phase;
  const finalTurn = phase.finalReason !== undefined;
  const ws = run.input.toolbox.ws;
  if ((calls.length > 0 || reply.malformed.length > 0) && !parsed.found) {
    // The final turn asked for no tools and got some anyway: answer each call with a refusal,
    // nudge once more, then give up with a partial result.
    const reason = phase.finalReason ?? "max_turns";
    for (const call of [...calls, ...reply.malformed])
      append(run, { role: "tool", content: NO_TOOLS_NOW, tool_call_id: call.id });
    state.refusals++;
    emit({ type: "notice", level: "warn", message: "the model called tools on its final turn" });
    if (state.refusals >= 2) {
      warn(run, "the model kept calling tools after it was asked for its final answer");
      return done(reason);
    }
    append(run, { role: "user", content: finalMessage(reason) });
    return REQUEST;
  }
  state.lastTurnMs = performance.now() - phase.startedAt;
  if (!parsed.found) {
    if (!state.nudgedForAnswer && !finalTurn) {
      state.nudgedForAnswer = true;
      append(run, { role: "user", content: MISSING_ANSWER_MESSAGE });
      return REQUEST;
    }
    if (state.validation) {
      // Asked to correct its answer, the model did not give one again: its first answer's
      // verified citations stand.
      warn(
        run,
        "the model did not repeat its answer after the correction request; its earlier verified citations are kept",
      );
      return done(phase.finalReason ?? "answered");
    }
    state.explanation = parsed.explanation.slice(0, 2000);
    return done(phase.finalReason ?? "no_answer");
  }
  state.explanation = parsed.explanation.slice(0, 2000);
  if (state.toolCalls === 0)
    warn(run, "the model answered without calling any tool; its citations could not be verified");
  const canCorrect = state.corrections < config.maxCorrections && !finalTurn && state.turn <= config.maxTurns;
  // While a correction turn is still possible, mostly-unseen ranges are questioned rather than trimmed.
  const validation = await validateCitations(ws, parsed.citations, {
    maxCitations: config.maxCitations,
    requireObserved: true,
    minCoverageToTrim: canCorrect ? 0.5 : 0,
    ledger: run.ledger,
  });
  state.validation = validation;
  if (validation.unseen.length > 0 && canCorrect) {
    state.corrections++;
    emit({
      type: "notice",
      level: "info",
      message: `${validation.unseen.length} citation(s) cite unseen lines; asking the model to check them`,
    });
    append(run, { role: "user", content: correctionMessage(ws, validation.unseen) });
    return REQUEST;
  }
  if (validation.unseen.length > 0)
    warn(run, `${validation.unseen.length} citation(s) removed: they cite lines no tool showed`);
  if (validation.dropped.length > 0)
    warn(
      run,
      `${validation.dropped.length} citation(s) removed: missing files, secrets, out-of-range lines or over the cap`,
    );
  return done(phase.finalReason ?? "answered");
}

/** One step of the machine. */
export function step(run: ModelRun, state: LoopState, phase: Phase): Promise<Phase> {
  switch (phase.kind) {
    case "request":
      return requestTurn(run, state);
    case "tools":
      return runTools(run, state, phase);
    case "settle":
      return settleAnswer(run, state, phase);
    case "done":
      return Promise.resolve(phase);
  }
}

export async function runModelLoop(input: ModelLoopInput): Promise<ExploreResult> {
  const run = startRun(input);
  const state = initialState();
  let phase: Phase = REQUEST;
  while (phase.kind !== "done") phase = await step(run, state, phase);
  return finishRun(run, state, phase.stop);
}
