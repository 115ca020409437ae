/**
 * The model-driven explore loop: speaks the FastContext protocol to any OpenAI-compatible server,
 * runs each turn's tool calls concurrently, de-duplicates repeated calls, keeps the conversation
 * inside the context window, forces a final answer when a budget runs out, validates citations
 * against what the tools showed (with at most one correction turn) and always ends with an explicit
 * stop reason. It never writes to stdout; surfaces render its events.
 */
import type { ChatClient } from "../llm/client.js";
import { isLlmError } from "../llm/errors.js";
import { malformedCallResult, toAssistantMessage } from "../llm/history.js";
import type { AssistantTurn, ChatMessage, ChatRequestOptions } from "../llm/types.js";
import type { ToolCallRequest, ToolResult } from "./types.js";
import type { Toolbox } from "../tools/toolbox.js";
import { ContextBudget } from "./budget.js";
import { CallCache } from "./call-cache.js";
import { correctionMessage, validateCitations, type ValidationResult } from "./citations.js";
import { createEmitter, newRunId, previewText, type Emit } from "./events.js";
import { parseFinalAnswer } from "./final-answer.js";
import { loadSystemPrompt, queryMessage } from "./prompt.js";
import type { Citation, ExploreEvent, ExploreResult, LineSpan, StopReason } from "./types.js";

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
  /** How the last turn is asked for: a user message (safe everywhere) or the RL-style assistant nudge. */
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

export const MAX_TURNS_MESSAGE = "Max number of turns reached. Please provide the final answer based on the information you have gathered.";
const FINALIZE_MESSAGES: Record<"token_budget" | "deadline", string> = {
  token_budget:
    "The context limit is close: this is your last turn. Do not call any more tools. Give your final answer now, based only on what you have already read, citing only line ranges you have seen, in a <final_answer> block.",
  deadline:
    "Time is almost up: this is your last turn. Do not call any more tools. Give your final answer now, based only on what you have already read, citing only line ranges you have seen, in a <final_answer> block.",
};
const RL_NUDGE = "Stop exploring and return the final answer directly.";
const MISSING_ANSWER_MESSAGE =
  "Your reply has no <final_answer> block. Give your final answer now: an optional brief explanation, then a <final_answer> block with one absolute path and line range per line.";
const NO_TOOLS_NOW = "<system-reminder>No more tool calls are allowed in this turn: give your final answer now.</system-reminder>";

type FinalReason = "max_turns" | "token_budget" | "deadline";

/** Remaining ms before the deadline, or Infinity. */
function remaining(deadline: number | undefined): number {
  return deadline === undefined ? Number.POSITIVE_INFINITY : deadline - Date.now();
}

export async function runModelLoop(input: ModelLoopInput): Promise<ExploreResult> {
  const started = performance.now();
  const { toolbox, client, config } = input;
  const ws = toolbox.ws;
  const emit: Emit = createEmitter(input.onEvent);
  const runId = newRunId();
  const timings = { modelMs: 0, toolMs: 0, otherMs: 0 };
  const tokens = { input: 0, output: 0 };
  const warnings: string[] = [];
  const messages: ChatMessage[] = [];
  const append = (m: ChatMessage, meta?: Record<string, unknown>) => {
    messages.push(m);
    input.onMessage?.(m, meta);
  };
  const tools = toolbox.definitions();
  append({ role: "system", content: loadSystemPrompt(ws.root, config.systemPromptFile) });
  append({ role: "user", content: queryMessage(input.query) });
  const budget = new ContextBudget(
    { window: config.contextWindow, maxCompletionTokens: config.maxCompletionTokens, perTurnTokens: config.perTurnTokens, ...(config.contextReserve ? { reserve: config.contextReserve } : {}) },
    toolbox.counter,
    messages.map((m) => m.content ?? "").join("\n") + JSON.stringify(tools),
  );
  // Per-turn output can never be allowed to overflow a small window on its own.
  const perTurnCap = config.contextWindow > 0 && config.perTurnTokens > 0 ? Math.min(config.perTurnTokens, Math.floor(config.contextWindow * 0.25)) : config.perTurnTokens;
  emit({ type: "run_start", runId, query: input.query, root: ws.root, policy: "model", model: client.model, maxTurns: config.maxTurns, ...(config.contextWindow ? { contextWindow: config.contextWindow } : {}) });

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

  const finish = (reason: StopReason): ExploreResult => {
    const citations: Citation[] = lastValidation?.citations ?? [];
    const dropped: Array<LineSpan & { reason: string }> = [...(lastValidation?.dropped ?? []), ...(lastValidation?.unseen ?? []).map((u) => ({ path: u.path, start: u.start, end: u.end, reason: "never shown by a tool" }))];
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
      timings: { totalMs, modelMs: timings.modelMs, toolMs: timings.toolMs, otherMs: Math.max(0, totalMs - timings.modelMs - timings.toolMs) },
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
    turn++;
    // Decide whether this must be the last turn.
    if (finalReason === undefined) {
      if (turn > config.maxTurns) finalReason = "max_turns";
      else if (remaining(input.deadline) < Math.max(2000, lastTurnMs * 1.5)) finalReason = "deadline";
      else if (await budget.mustFinalize()) finalReason = "token_budget";
      if (finalReason !== undefined) {
        const text = finalReason === "max_turns" ? MAX_TURNS_MESSAGE : FINALIZE_MESSAGES[finalReason];
        if (config.finalNudge === "assistant" && finalReason === "max_turns") append({ role: "assistant", content: RL_NUDGE });
        else append({ role: "user", content: text });
        budget.append(text);
        emit({ type: "notice", level: "info", message: `final turn (${finalReason.replace("_", " ")})` });
      }
    }
    if (remaining(input.deadline) <= 0) {
      stop = "deadline";
      break;
    }
    emit({ type: "turn_start", turn });
    emit({ type: "model_request", turn, messages: messages.length, promptTokens: budget.estimate(), finalTurn: finalReason !== undefined });
    const requestSignals = [input.signal, Number.isFinite(remaining(input.deadline)) ? AbortSignal.timeout(Math.max(1, remaining(input.deadline))) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    const t0 = performance.now();
    let reply: AssistantTurn;
    try {
      reply = await client.chat(
        messages,
        tools,
        { ...config.sampling, max_completion_tokens: config.maxCompletionTokens, ...(finalReason !== undefined ? { tool_choice: "none" as const } : {}) },
        {
          ...(requestSignals.length ? { signal: requestSignals.length === 1 ? requestSignals[0]! : AbortSignal.any(requestSignals) } : {}),
          onDelta: (channel, text) => emit({ type: "model_delta", turn, channel, text }),
          onRetry: (attempt, delayMs, reason) => emit({ type: "model_retry", turn, attempt, delayMs, reason }),
        },
      );
    } catch (error) {
      timings.modelMs += performance.now() - t0;
      if (input.signal?.aborted) stop = "aborted";
      else if (remaining(input.deadline) <= 0) stop = "deadline";
      else {
        stop = "model_error";
        const message = isLlmError(error) ? error.message : String(error);
        const unreachable = isLlmError(error) && (error.kind === "network" || error.kind === "timeout");
        failure = { kind: unreachable ? "endpoint" : "model", message };
        warnings.push(`model request failed: ${message}`);
        emit({ type: "notice", level: "warn", message: `model request failed: ${message}` });
      }
      break;
    }
    const modelMs = performance.now() - t0;
    timings.modelMs += modelMs;
    if (reply.usage) {
      tokens.input += reply.usage.promptTokens;
      tokens.output += reply.usage.completionTokens;
      budget.recordUsage(reply.usage.promptTokens, reply.usage.completionTokens);
    } else {
      budget.append(reply.content);
    }
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
    if (reply.usage && config.contextWindow > 0) emit({ type: "budget", turn, usedTokens: reply.usage.promptTokens + reply.usage.completionTokens, window: config.contextWindow });
    append(toAssistantMessage(reply), { reasoning: reply.reasoning, usage: reply.usage, finishReason: reply.finishReason, source: reply.source });

    const hasCalls = calls.length > 0 || reply.malformed.length > 0;
    if (hasCalls && finalReason !== undefined) {
      // The final turn asked for no tools and got some anyway: answer each call with a refusal,
      // nudge once more, then give up with a partial result.
      for (const call of [...calls, ...reply.malformed]) append({ role: "tool", content: NO_TOOLS_NOW, tool_call_id: call.id });
      graceTurns++;
      if (graceTurns >= 2) {
        stop = finalReason;
        break;
      }
      const again = finalReason === "max_turns" ? MAX_TURNS_MESSAGE : FINALIZE_MESSAGES[finalReason];
      append({ role: "user", content: again });
      continue;
    }
    if (hasCalls) {
      const tt = performance.now();
      const results = await runCalls(calls, reply.malformed, turn);
      toolCalls += calls.length + reply.malformed.length;
      timings.toolMs += performance.now() - tt;
      for (const r of results) {
        append({ role: "tool", content: r.text, tool_call_id: r.id });
        budget.append(r.text);
      }
      lastTurnMs = performance.now() - t0;
      continue;
    }
    lastTurnMs = performance.now() - t0;

    // A reply without tool calls is the answer.
    const parsed = parseFinalAnswer(reply.content);
    explanation = parsed.explanation.slice(0, 2000);
    if (!parsed.found) {
      if (!nudgedForAnswer && finalReason === undefined && turn < config.maxTurns + 2) {
        nudgedForAnswer = true;
        append({ role: "user", content: MISSING_ANSWER_MESSAGE });
        continue;
      }
      stop = finalReason ?? "no_answer";
      break;
    }
    if (toolCalls === 0) {
      warnings.push("the model answered without calling any tool; its citations could not be verified");
    }
    lastValidation = await validateCitations(ws, parsed.citations, { maxCitations: config.maxCitations, requireObserved: true });
    if (lastValidation.unseen.length > 0 && corrections < config.maxCorrections && finalReason === undefined && turn <= config.maxTurns) {
      corrections++;
      emit({ type: "notice", level: "info", message: `${lastValidation.unseen.length} citation(s) cite unseen lines; asking the model to check them` });
      append({ role: "user", content: correctionMessage(ws, lastValidation.unseen) });
      continue;
    }
    if (lastValidation.unseen.length > 0) warnings.push(`${lastValidation.unseen.length} citation(s) removed: they cite lines no tool showed`);
    if (lastValidation.dropped.length > 0) warnings.push(`${lastValidation.dropped.length} citation(s) removed: missing files or out-of-range lines`);
    stop = finalReason ?? "answered";
  }
  return finish(stop);

  async function runCalls(calls: ToolCallRequest[], malformed: AssistantTurn["malformed"], turnNo: number): Promise<Array<{ id: string; text: string }>> {
    const out: Array<{ id: string; text: string } | undefined> = new Array(calls.length);
    const fresh: Array<{ index: number; call: ToolCallRequest }> = [];
    calls.forEach((call, index) => {
      const hit = cache.lookup(call, turnNo);
      if (hit) {
        out[index] = { id: call.id, text: hit };
        emit({ type: "tool_start", turn: turnNo, index, call: { id: call.id, name: call.name, args: toolbox.displayArgs(call) } });
        emit({ type: "tool_end", turn: turnNo, index, callId: call.id, name: call.name, ms: 0, chars: hit.length, tokens: toolbox.counter.estimate(hit), lines: 1, truncated: false, cached: true, preview: previewText(hit) });
      } else {
        fresh.push({ index, call });
        cache.store(call, turnNo);
      }
    });
    const results: ToolResult[] = await toolbox.runTurn(
      fresh.map((f) => f.call),
      {
        concurrency: config.concurrency,
        perResultTokens: config.perResultTokens,
        perTurnTokens: perTurnCap,
        ...(input.signal ? { signal: input.signal } : {}),
        onStart: (i, call, args) => emit({ type: "tool_start", turn: turnNo, index: fresh[i]!.index, call: { id: call.id, name: call.name, args } }),
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
      out[f.index] = { id: f.call.id, text: results[i]!.text };
    });
    const ordered = out.map((o, i) => o ?? { id: calls[i]!.id, text: "" });
    for (const bad of malformed) ordered.push({ id: bad.id, text: malformedCallResult(bad.error) });
    return ordered;
  }
}
