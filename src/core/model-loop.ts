/**
 * The model-driven explore loop: speaks the FastContext protocol to any OpenAI-compatible server,
 * runs each turn's tool calls concurrently, de-duplicates repeated calls, keeps the conversation
 * inside the context window, forces a final answer when a budget runs out, validates citations
 * against what the tools showed (with at most one correction turn) and always ends with an explicit
 * stop reason. It never writes to stdout and never throws for a model, tool or budget problem;
 * surfaces render its events.
 */
import type { ChatClient } from "../llm/client.js";
import { isLlmError, type LlmError } from "../llm/errors.js";
import { malformedCallResult, toAssistantMessage } from "../llm/history.js";
import type { AssistantTurn, ChatMessage, ChatRequestOptions } from "../llm/types.js";
import type { Toolbox } from "../tools/toolbox.js";
import { causeChain, errorMessage, headline } from "../util/errors.js";
import { ContextBudget } from "./budget.js";
import { CallCache, callKey } from "./call-cache.js";
import { correctionMessage, type ValidationResult, validateCitations } from "./citations.js";
import { createEmitter, type Emit, newRunId, previewText } from "./events.js";
import { parseFinalAnswer } from "./final-answer.js";
import { loadSystemPrompt, queryMessage } from "./prompt.js";
import type {
  Citation,
  ExploreEvent,
  ExploreResult,
  LineSpan,
  StopReason,
  ToolCallRequest,
  ToolResult,
} from "./types.js";

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

type FinalReason = "max_turns" | "token_budget" | "deadline";

/** The smallest share of the whole deadline kept for the final (grace) turn, and its cap. */
const GRACE_MIN_MS = 2000;
const GRACE_MAX_SHARE = 0.25;
/** Less time than this before the grace turn's share: no regular turn is started. */
const MIN_REGULAR_TURN_MS = 100;

/** Remaining ms before the deadline, or Infinity. */
function remaining(deadline: number | undefined): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

/** Text of a message as the budget counts it: content plus each call's name and arguments. */
function messageText(m: ChatMessage): string {
  let text = m.content ?? "";
  if (m.role === "assistant") for (const c of m.tool_calls ?? []) text += `\n${c.function.name}${c.function.arguments}`;
  return text;
}

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

/** A timer-backed signal whose firing we can tell apart from the caller's abort. */
function timerSignal(ms: number): { signal: AbortSignal; fired: () => boolean; clear: () => void } {
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

export async function runModelLoop(input: ModelLoopInput): Promise<ExploreResult> {
  const started = performance.now();
  const startedAt = Date.now();
  const { toolbox, client, config } = input;
  const ws = toolbox.ws;
  const emit: Emit = createEmitter(input.onEvent);
  const runId = newRunId();
  const timings = { modelMs: 0, toolMs: 0, otherMs: 0 };
  const tokens = { input: 0, output: 0 };
  const warnings: string[] = [];
  const warn = (message: string) => {
    if (!warnings.includes(message)) warnings.push(message);
  };
  const messages: ChatMessage[] = [];
  const tools = toolbox.definitions();
  const budget = new ContextBudget(
    {
      window: config.contextWindow,
      maxCompletionTokens: config.maxCompletionTokens,
      perTurnTokens: config.perTurnTokens,
      ...(config.contextReserve ? { reserve: config.contextReserve } : {}),
    },
    toolbox.counter,
    JSON.stringify(tools),
  );
  // Every appended message is counted, except a reply whose size the server's usage already covers.
  const append = (m: ChatMessage, meta?: Record<string, unknown>, coveredByUsage = false) => {
    messages.push(m);
    if (!coveredByUsage) budget.append(messageText(m));
    input.onMessage?.(m, meta);
  };
  append({ role: "system", content: loadSystemPrompt(ws.root, config.systemPromptFile) });
  append({ role: "user", content: queryMessage(input.query) });
  // Per-turn output can never be allowed to overflow a small window on its own.
  const perTurnCap =
    config.contextWindow > 0 && config.perTurnTokens > 0
      ? Math.min(config.perTurnTokens, Math.floor(config.contextWindow * 0.25))
      : config.perTurnTokens;
  // Time kept for the grace turn: the last turn's pace, at least 2 s, at most a quarter of the deadline.
  const totalMs = input.deadline === undefined ? Number.POSITIVE_INFINITY : input.deadline - startedAt;
  const graceMs = (lastTurnMs: number) => Math.min(Math.max(GRACE_MIN_MS, lastTurnMs * 1.5), totalMs * GRACE_MAX_SHARE);
  emit({
    type: "run_start",
    runId,
    query: input.query,
    root: ws.root,
    policy: "model",
    model: client.model,
    maxTurns: config.maxTurns,
    ...(config.contextWindow ? { contextWindow: config.contextWindow } : {}),
  });

  const cache = new CallCache();
  let turn = 0;
  let toolCalls = 0;
  let finalReason: FinalReason | undefined;
  let graceTurns = 0;
  let corrections = 0;
  let nudgedForAnswer = false;
  let lastValidation: ValidationResult | undefined;
  let explanation = "";
  let stop: StopReason | undefined;
  let lastTurnMs = 0;
  let failure: ExploreResult["error"];

  const startFinalTurn = (reason: FinalReason) => {
    finalReason = reason;
    if (config.finalNudge === "assistant" && reason === "max_turns") append({ role: "assistant", content: RL_NUDGE });
    else append({ role: "user", content: reason === "max_turns" ? MAX_TURNS_MESSAGE : FINALIZE_MESSAGES[reason] });
    emit({ type: "notice", level: "info", message: `final turn (${reason.replace("_", " ")})` });
  };

  const finish = (reason: StopReason): ExploreResult => {
    // The model's answer states no confidence: observed (verified) yes or no, relevance unknown.
    const citations: Citation[] = (lastValidation?.citations ?? []).map((c) => ({ ...c, confidence: null }));
    const dropped: Array<LineSpan & { reason: string }> = [
      ...(lastValidation?.dropped ?? []),
      ...(lastValidation?.unseen ?? []).map((u) => ({
        path: u.path,
        start: u.start,
        end: u.end,
        reason: "never shown by a tool",
      })),
    ];
    let stopReason = reason;
    if (reason === "answered" && citations.length === 0) stopReason = "no_answer";
    const totalMs = performance.now() - started;
    const result: ExploreResult = {
      query: input.query,
      root: ws.root,
      policy: "model",
      citations,
      explanation,
      stopReason,
      partial: stopReason !== "answered",
      turns: turn,
      toolCalls,
      tokens,
      timings: {
        totalMs,
        modelMs: timings.modelMs,
        toolMs: timings.toolMs,
        otherMs: Math.max(0, totalMs - timings.modelMs - timings.toolMs),
      },
      warnings,
      model: client.model,
      ...(dropped.length ? { dropped } : {}),
      ...(failure ? { error: failure } : {}),
    };
    emit({ type: "answer", citations, explanation, dropped });
    emit({ type: "run_end", result });
    return result;
  };

  while (stop === undefined) {
    if (input.signal?.aborted) {
      stop = "aborted";
      break;
    }
    if (remaining(input.deadline) <= 0) {
      stop = "deadline";
      break;
    }
    turn++;
    // Decide whether this must be the last turn.
    if (finalReason === undefined) {
      if (turn > config.maxTurns) startFinalTurn("max_turns");
      // A regular turn needs some time of its own before the grace turn's share begins.
      else if (remaining(input.deadline) - graceMs(lastTurnMs) < MIN_REGULAR_TURN_MS) startFinalTurn("deadline");
      else if (await budget.mustFinalize()) startFinalTurn("token_budget");
    }
    const finalTurn = finalReason !== undefined;
    emit({ type: "turn_start", turn });
    emit({ type: "model_request", turn, messages: messages.length, promptTokens: budget.estimate(), finalTurn });
    // A regular turn must end early enough to leave the grace turn its time.
    const turnTimer = timerSignal(
      finalTurn ? remaining(input.deadline) : remaining(input.deadline) - graceMs(lastTurnMs),
    );
    const requestSignal = input.signal ? AbortSignal.any([input.signal, turnTimer.signal]) : turnTimer.signal;
    const t0 = performance.now();
    let reply: AssistantTurn;
    try {
      reply = await client.chat(
        messages,
        tools,
        // The final turn keeps the tools in the prompt (prompt cache) and forbids calling them.
        {
          ...config.sampling,
          max_completion_tokens: config.maxCompletionTokens,
          ...(finalTurn ? { tool_choice: "none" as const } : {}),
        },
        {
          signal: requestSignal,
          onDelta: (channel, text) => emit({ type: "model_delta", turn, channel, text }),
          onRetry: (attempt, delayMs, reason) => emit({ type: "model_retry", turn, attempt, delayMs, reason }),
        },
      );
    } catch (error) {
      timings.modelMs += performance.now() - t0;
      turnTimer.clear();
      if (input.signal?.aborted) stop = "aborted";
      else if (turnTimer.fired()) {
        if (finalTurn) stop = "deadline";
        else {
          emit({ type: "notice", level: "info", message: "the model did not answer before the deadline" });
          startFinalTurn("deadline");
          continue;
        }
      } else if (isLlmError(error) && (error as LlmError).contextOverflow) {
        // The server refused the prompt as too long: the window is spent, whatever our count said.
        stop = "token_budget";
        failure = {
          kind: "model",
          message: `the model server refused the prompt as too long for its context window: ${(error as LlmError).message}`,
        };
        emit({ type: "notice", level: "warn", message: failure.message });
      } else {
        stop = "model_error";
        // Reported through `error` (not `warnings`): surfaces print it once. The message says
        // what failed; the transport's detail goes to `causes`.
        const causes = causeChain(error);
        failure = { kind: errorKind(error), message: headline(error), ...(causes.length ? { causes } : {}) };
        emit({ type: "notice", level: "warn", message: `model request failed: ${errorMessage(error)}` });
      }
      break;
    }
    turnTimer.clear();
    const modelMs = performance.now() - t0;
    timings.modelMs += modelMs;
    // Some servers send a usage chunk of zeros (or a stray partial one): only a real prompt count
    // may replace our own count of the conversation.
    const usage = reply.usage && reply.usage.promptTokens > 0 ? reply.usage : undefined;
    if (reply.usage) {
      tokens.input += reply.usage.promptTokens;
      tokens.output += reply.usage.completionTokens;
    }
    if (usage) budget.recordUsage(usage.promptTokens, usage.completionTokens);
    const calls: ToolCallRequest[] = reply.toolCalls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments }));
    emit({
      type: "model_response",
      turn,
      content: reply.content,
      ...(reply.reasoning ? { reasoning: reply.reasoning } : {}),
      toolCalls: calls,
      ...(reply.usage ? { usage: reply.usage } : {}),
      ms: modelMs,
    });
    if (usage && config.contextWindow > 0)
      emit({
        type: "budget",
        turn,
        usedTokens: usage.promptTokens + usage.completionTokens,
        window: config.contextWindow,
      });
    append(
      toAssistantMessage(reply),
      { reasoning: reply.reasoning, usage: reply.usage, finishReason: reply.finishReason, source: reply.source },
      usage !== undefined,
    );

    const hasCalls = calls.length > 0 || reply.malformed.length > 0;
    const parsed = parseFinalAnswer(reply.content);
    if (hasCalls && finalTurn && !parsed.found) {
      // The final turn asked for no tools and got some anyway: answer each call with a refusal,
      // nudge once more, then give up with a partial result.
      for (const call of [...calls, ...reply.malformed])
        append({ role: "tool", content: NO_TOOLS_NOW, tool_call_id: call.id });
      graceTurns++;
      emit({ type: "notice", level: "warn", message: "the model called tools on its final turn" });
      if (graceTurns >= 2) {
        warn("the model kept calling tools after it was asked for its final answer");
        stop = finalReason ?? "max_turns";
        break;
      }
      append({
        role: "user",
        content: finalReason === "max_turns" ? MAX_TURNS_MESSAGE : FINALIZE_MESSAGES[finalReason!],
      });
      continue;
    }
    if (hasCalls && !finalTurn) {
      const tt = performance.now();
      // Tools may not run into the grace turn's time either.
      const toolTimer = timerSignal(remaining(input.deadline) - graceMs(lastTurnMs));
      const toolSignal = input.signal ? AbortSignal.any([input.signal, toolTimer.signal]) : toolTimer.signal;
      let results: Array<{ id: string; text: string }>;
      try {
        results = await runCalls(calls, reply.malformed, turn, toolSignal);
      } catch (error) {
        // A broken toolbox must not end (or hang) the run: every call gets an error result.
        const message = error instanceof Error ? error.message : String(error);
        warn(`tool execution failed: ${message}`);
        emit({ type: "notice", level: "warn", message: `tool execution failed: ${message}` });
        results = [
          ...calls.map((c) => ({
            id: c.id,
            text: `<system-reminder>Error: the ${c.name} call failed: ${message}</system-reminder>`,
          })),
          ...reply.malformed.map((bad) => ({ id: bad.id, text: malformedCallResult(bad.error) })),
        ];
      } finally {
        toolTimer.clear();
      }
      toolCalls += calls.length + reply.malformed.length;
      timings.toolMs += performance.now() - tt;
      for (const r of results) append({ role: "tool", content: r.text, tool_call_id: r.id });
      lastTurnMs = performance.now() - t0;
      continue;
    }
    lastTurnMs = performance.now() - t0;

    // A reply without tool calls (or a final turn that carries an answer) is the answer.
    if (!parsed.found) {
      if (!nudgedForAnswer && !finalTurn) {
        nudgedForAnswer = true;
        append({ role: "user", content: MISSING_ANSWER_MESSAGE });
        continue;
      }
      if (lastValidation) {
        // Asked to correct its answer, the model did not give one again: its first answer's
        // verified citations stand.
        warn(
          "the model did not repeat its answer after the correction request; its earlier verified citations are kept",
        );
        stop = finalReason ?? "answered";
      } else {
        explanation = parsed.explanation.slice(0, 2000);
        stop = finalReason ?? "no_answer";
      }
      break;
    }
    explanation = parsed.explanation.slice(0, 2000);
    if (toolCalls === 0) warn("the model answered without calling any tool; its citations could not be verified");
    const canCorrect = corrections < config.maxCorrections && !finalTurn && turn <= config.maxTurns;
    // While a correction turn is still possible, mostly-unseen ranges are questioned rather than trimmed.
    lastValidation = await validateCitations(ws, parsed.citations, {
      maxCitations: config.maxCitations,
      requireObserved: true,
      minCoverageToTrim: canCorrect ? 0.5 : 0,
    });
    if (lastValidation.unseen.length > 0 && canCorrect) {
      corrections++;
      emit({
        type: "notice",
        level: "info",
        message: `${lastValidation.unseen.length} citation(s) cite unseen lines; asking the model to check them`,
      });
      append({ role: "user", content: correctionMessage(ws, lastValidation.unseen) });
      continue;
    }
    if (lastValidation.unseen.length > 0)
      warn(`${lastValidation.unseen.length} citation(s) removed: they cite lines no tool showed`);
    if (lastValidation.dropped.length > 0)
      warn(
        `${lastValidation.dropped.length} citation(s) removed: missing files, secrets, out-of-range lines or over the cap`,
      );
    stop = finalReason ?? "answered";
  }
  return finish(stop);

  async function runCalls(
    calls: ToolCallRequest[],
    malformed: AssistantTurn["malformed"],
    turnNo: number,
    signal: AbortSignal,
  ): Promise<Array<{ id: string; text: string }>> {
    const out: Array<{ id: string; text: string } | undefined> = new Array(calls.length);
    const answered = (index: number, call: ToolCallRequest, text: string) => {
      out[index] = { id: call.id, text };
      emit({
        type: "tool_start",
        turn: turnNo,
        index,
        call: { id: call.id, name: call.name, args: toolbox.displayArgs(call) },
      });
      emit({
        type: "tool_end",
        turn: turnNo,
        index,
        callId: call.id,
        name: call.name,
        ms: 0,
        chars: text.length,
        tokens: toolbox.counter.estimate(text),
        lines: 1,
        truncated: false,
        cached: true,
        preview: previewText(text),
      });
    };
    // A call is remembered only once it has run and succeeded: a failed, timed-out or cancelled
    // call is never answered "its result is above". A repeat within the turn waits for the first.
    const fresh: Array<{ index: number; call: ToolCallRequest }> = [];
    const firstInTurn = new Map<string, number>();
    const repeats: Array<{ index: number; call: ToolCallRequest; of: number }> = [];
    calls.forEach((call, index) => {
      const hit = cache.lookup(call, turnNo);
      if (hit) return answered(index, call, hit);
      const key = callKey(call);
      const first = firstInTurn.get(key);
      if (first !== undefined) repeats.push({ index, call, of: first });
      else {
        firstInTurn.set(key, fresh.length);
        fresh.push({ index, call });
      }
    });
    const results: ToolResult[] =
      fresh.length === 0
        ? []
        : await toolbox.runTurn(
            fresh.map((f) => f.call),
            {
              concurrency: config.concurrency,
              perResultTokens: config.perResultTokens,
              perTurnTokens: perTurnCap,
              signal,
              onStart: (i, call, args) =>
                emit({
                  type: "tool_start",
                  turn: turnNo,
                  index: fresh[i]!.index,
                  call: { id: call.id, name: call.name, args },
                }),
              onEnd: (i, call, result, ms) =>
                emit({
                  type: "tool_end",
                  turn: turnNo,
                  index: fresh[i]!.index,
                  callId: call.id,
                  name: call.name,
                  ms,
                  chars: result.text.length,
                  tokens: toolbox.counter.estimate(result.text),
                  lines: result.text.split("\n").length,
                  truncated: result.truncated,
                  cached: false,
                  ...(result.error ? { error: result.error.message } : {}),
                  preview: previewText(result.text),
                }),
            },
          );
    fresh.forEach((f, i) => {
      const result = results[i];
      out[f.index] = { id: f.call.id, text: result?.text ?? "" };
      if (result && !result.error) cache.store(f.call, turnNo);
    });
    for (const repeat of repeats) {
      const first = results[repeat.of];
      // The first succeeded: point at it. It failed: the repeat gets the same failure, not a pointer.
      const pointer = first && !first.error ? cache.lookup(repeat.call, turnNo) : undefined;
      answered(repeat.index, repeat.call, pointer ?? first?.text ?? "");
    }
    const ordered = out.map((o, i) => o ?? { id: calls[i]!.id, text: "" });
    for (const bad of malformed) ordered.push({ id: bad.id, text: malformedCallResult(bad.error) });
    return ordered;
  }
}
