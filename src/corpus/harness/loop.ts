/**
 * One Context-1 rollout: observe → infer → act until the model replies without a tool call (its
 * answer) or a limit is reached. Each turn's observation ends with the token usage line; past the
 * hard cutoff only `prune_chunks` runs; pruned chunks leave the view and stay in the trajectory.
 * The answer is validated against the chunks the run showed. Never throws for a model, tool or
 * budget problem: every ending is a stop reason, with partial results when the model gave none.
 */
import { createEmitter, type Emit, newRunId, previewText } from "../../core/events.js";
import type { ExploreEvent, StopReason } from "../../core/types.js";
import type { ChatClient } from "../../llm/client.js";
import { isLlmError } from "../../llm/errors.js";
import { malformedCallResult, toAssistantMessage } from "../../llm/history.js";
import type { AssistantTurn, ChatMessage, ChatRequestOptions } from "../../llm/types.js";
import { TokenCounter } from "../../tokens/counter.js";
import type { Retriever } from "../retriever.js";
import type { CorpusChunk, CorpusResult, CorpusStore } from "../types.js";
import { parseAnswer, validateAnswer } from "./answer.js";
import { type CorpusBudget, hardCutoffError, SOFT_THRESHOLD_MESSAGE, usageLine } from "./budget.js";
import { callFromReasoning, type HarnessProfile, profileForModel } from "./profile.js";
import { FINAL_TURN_MESSAGE, MISSING_ANSWER_MESSAGE, queryMessage, systemPrompt } from "./prompt.js";
import { buildCorpusResult } from "./result.js";
import {
  CORPUS_TOOL_DEFINITIONS,
  grepCorpus,
  pruneIds,
  readDocument,
  searchCorpus,
  TOOL_NAMES,
  type ToolContext,
  type ToolOutcome,
} from "./tools.js";
import { ContextView, type ViewMessage } from "./view.js";

export interface CorpusRunInput {
  query: string;
  store: CorpusStore;
  retriever: Retriever;
  corpus: { name: string; root: string; backend: string };
  client: ChatClient;
  budget: CorpusBudget;
  maxTurns: number;
  maxDocuments: number;
  profile?: HarnessProfile;
  sampling?: Omit<ChatRequestOptions, "tool_choice">;
  signal?: AbortSignal;
  /** Absolute time (Date.now() based) by which the run must end. */
  deadline?: number;
  onEvent?: (event: ExploreEvent) => void;
  /** Every message as appended (pruning never rewrites these), for trajectories. */
  onMessage?: (message: ChatMessage, meta?: Record<string, unknown>) => void;
}

/** Consecutive rejected calls past the hard cutoff before the harness asks for the answer. */
const MAX_REJECTED_TURNS = 2;

function parseArgs(raw: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

export async function runCorpusSearch(input: CorpusRunInput): Promise<CorpusResult> {
  const started = performance.now();
  const emit: Emit = createEmitter(input.onEvent);
  const profile = input.profile ?? profileForModel(input.client.model);
  const counter = new TokenCounter("o200k");
  const tools = CORPUS_TOOL_DEFINITIONS;
  const view = new ContextView(counter, JSON.stringify(tools));
  const { budget } = input;
  const seen = new Set<string>();
  const seenOrder: CorpusChunk[] = [];
  const warnings: string[] = [];
  const tokens = { input: 0, output: 0 };
  const timings = { modelMs: 0, toolMs: 0 };
  let turn = 0;
  let toolCalls = 0;
  let stop: StopReason | undefined;
  let finalReason: "max_turns" | "token_budget" | undefined;
  let nudged = false;
  let rejectedTurns = 0;
  let answerText = "";
  let failure: CorpusResult["error"];

  const record = (m: ViewMessage, meta?: Record<string, unknown>) => input.onMessage?.({ ...m } as ChatMessage, meta);
  const push = (m: ViewMessage, chunkIds: string[] = []) => {
    view.push(m, chunkIds);
    record(m);
  };
  push({ role: "system", content: systemPrompt(input.maxDocuments, profile.oneCallPerTurn) });
  push({ role: "user", content: queryMessage(input.query) });
  emit({
    type: "run_start",
    runId: newRunId(),
    query: input.query,
    root: input.corpus.root,
    policy: "model",
    model: input.client.model,
    maxTurns: input.maxTurns,
    contextWindow: budget.totalTokens,
  });

  const execute = async (name: string, args: Record<string, unknown>, used: number): Promise<ToolOutcome> => {
    if (name !== "prune_chunks" && used >= budget.hardCutoff * budget.totalTokens) {
      const error = hardCutoffError(used, budget.totalTokens);
      return { text: error, shown: [], error: "hard cutoff" };
    }
    const ctx: ToolContext = {
      store: input.store,
      retriever: input.retriever,
      budget,
      query: input.query,
      seen,
      available: budget.totalTokens - budget.reserveTokens - used,
    };
    const text = (key: string) => (typeof args[key] === "string" ? (args[key] as string).trim() : "");
    switch (name) {
      case "search_corpus":
        return text("query") ? searchCorpus(ctx, text("query")) : invalid("search_corpus needs a query string");
      case "grep_corpus":
        return text("pattern") ? grepCorpus(ctx, text("pattern")) : invalid("grep_corpus needs a pattern string");
      case "read_document":
        return text("doc_id") ? readDocument(ctx, text("doc_id")) : invalid("read_document needs a doc_id string");
      case "prune_chunks": {
        const ids = pruneIds(args.chunk_ids);
        if (!ids || ids.length === 0) return invalid("prune_chunks needs chunk_ids, a list of chunk ids");
        const before = await view.tokens();
        const done = view.prune(ids);
        const freed = before - (await view.tokens());
        const parts = [`Pruned ${done.pruned.length} chunk(s), freeing ${freed.toLocaleString("en-US")} tokens.`];
        if (done.alreadyPruned.length) parts.push(`Already pruned: ${done.alreadyPruned.join(", ")}.`);
        if (done.unknown.length) parts.push(`Not in your context: ${done.unknown.join(", ")}.`);
        return { text: parts.join(" "), shown: [] };
      }
      default:
        return invalid(`there is no tool named "${name}"; the tools are ${TOOL_NAMES.join(", ")}`);
    }
  };

  while (stop === undefined) {
    if (input.signal?.aborted) {
      stop = "aborted";
      break;
    }
    if (input.deadline !== undefined && Date.now() >= input.deadline) {
      stop = "deadline";
      break;
    }
    turn++;
    if (turn > input.maxTurns && finalReason === undefined) {
      finalReason = "max_turns";
      push({ role: "user", content: FINAL_TURN_MESSAGE });
      emit({ type: "notice", level: "info", message: "final turn (max turns)" });
    }
    const finalTurn = finalReason !== undefined;
    const used = await view.tokens();
    emit({ type: "turn_start", turn });
    emit({ type: "model_request", turn, messages: view.messages.length, promptTokens: used, finalTurn });
    const t0 = performance.now();
    let reply: AssistantTurn;
    try {
      reply = await input.client.chat(
        view.messages as ChatMessage[],
        tools,
        { ...input.sampling, max_completion_tokens: input.sampling?.max_completion_tokens ?? budget.reserveTokens },
        {
          ...(input.signal ? { signal: input.signal } : {}),
          onDelta: (channel, text) => emit({ type: "model_delta", turn, channel, text }),
          onRetry: (attempt, delayMs, reason) => emit({ type: "model_retry", turn, attempt, delayMs, reason }),
        },
      );
    } catch (error) {
      timings.modelMs += performance.now() - t0;
      if (input.signal?.aborted) stop = "aborted";
      else {
        stop = "model_error";
        const message = isLlmError(error) ? error.message : String(error);
        const endpoint = isLlmError(error) && (error.kind === "network" || error.kind === "timeout");
        failure = { kind: endpoint ? "endpoint" : "model", message };
        emit({ type: "notice", level: "warn", message: `model request failed: ${message}` });
      }
      break;
    }
    const modelMs = performance.now() - t0;
    timings.modelMs += modelMs;
    if (reply.usage) {
      tokens.input += reply.usage.promptTokens;
      tokens.output += reply.usage.completionTokens;
    }
    let calls = reply.toolCalls;
    if (calls.length === 0 && reply.malformed.length === 0 && parseAnswer(reply.content).length === 0) {
      const recovered = callFromReasoning(reply.reasoning, TOOL_NAMES);
      if (recovered) {
        calls = [recovered];
        emit({ type: "notice", level: "info", message: `recovered a ${recovered.name} call from the reasoning` });
      }
    }
    const turnReply: AssistantTurn = { ...reply, toolCalls: calls };
    const assistant: ViewMessage = toAssistantMessage(turnReply);
    if (profile.sendReasoning && reply.reasoning) assistant.reasoning = reply.reasoning;
    view.push(assistant);
    record(assistant, {
      reasoning: reply.reasoning,
      usage: reply.usage,
      finishReason: reply.finishReason,
      source: reply.source,
    });
    emit({
      type: "model_response",
      turn,
      content: reply.content,
      ...(reply.reasoning ? { reasoning: reply.reasoning } : {}),
      toolCalls: calls.map((c) => ({ id: c.id, name: c.name, arguments: c.arguments })),
      ...(reply.usage ? { usage: reply.usage } : {}),
      ms: modelMs,
    });

    if (calls.length + reply.malformed.length > 0) {
      const tt = performance.now();
      const results: Array<{ message: ViewMessage; chunkIds: string[] }> = [];
      let rejected = 0;
      for (const [index, call] of calls.entries()) {
        const args = parseArgs(call.arguments);
        emit({ type: "tool_start", turn, index, call: { id: call.id, name: call.name, args } });
        const c0 = performance.now();
        let outcome: ToolOutcome;
        if (finalTurn)
          outcome = {
            text: "Error: no more tool calls are allowed: give your final answer now.",
            shown: [],
            error: "final turn",
          };
        else {
          try {
            outcome = await execute(call.name, args, await view.tokens());
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            outcome = { text: `Error: the ${call.name} call failed: ${message}`, shown: [], error: message };
          }
        }
        if (outcome.error === "hard cutoff") rejected++;
        for (const chunk of outcome.shown) {
          seen.add(chunk.id);
          seenOrder.push(chunk);
        }
        const message: ViewMessage = { role: "tool", content: outcome.text, tool_call_id: call.id };
        if (profile.nameToolMessages) message.name = call.name;
        const ids = outcome.shown.map((c) => c.id);
        view.push(message, ids);
        results.push({ message, chunkIds: ids });
        emit({
          type: "tool_end",
          turn,
          index,
          callId: call.id,
          name: call.name,
          ms: performance.now() - c0,
          chars: outcome.text.length,
          tokens: counter.estimate(outcome.text),
          lines: outcome.text.split("\n").length,
          truncated: false,
          cached: false,
          ...(outcome.error ? { error: outcome.error } : {}),
          preview: previewText(outcome.text),
        });
      }
      for (const bad of reply.malformed) {
        const message: ViewMessage = { role: "tool", content: malformedCallResult(bad.error), tool_call_id: bad.id };
        if (profile.nameToolMessages && bad.name) message.name = bad.name;
        view.push(message);
        results.push({ message, chunkIds: [] });
      }
      toolCalls += calls.length + reply.malformed.length;
      const after = await view.tokens();
      let line = usageLine(after, budget.totalTokens);
      if (budget.softThreshold !== undefined && after >= budget.softThreshold * budget.totalTokens)
        line += `\n${SOFT_THRESHOLD_MESSAGE}`;
      view.appendToLast(line);
      for (const r of results) record(r.message, r.chunkIds.length ? { chunks: r.chunkIds } : undefined);
      emit({ type: "budget", turn, usedTokens: after, window: budget.totalTokens });
      timings.toolMs += performance.now() - tt;
      rejectedTurns = rejected > 0 && rejected === calls.length ? rejectedTurns + 1 : 0;
      if (finalTurn) {
        stop = finalReason ?? "max_turns";
        warnings.push("the model kept calling tools after it was asked for its final answer");
      } else if (rejectedTurns >= MAX_REJECTED_TURNS) {
        finalReason = "token_budget";
        push({ role: "user", content: FINAL_TURN_MESSAGE.replace("the turn limit", "the context budget") });
        emit({ type: "notice", level: "warn", message: "final turn (token budget)" });
      }
      continue;
    }

    // No call: this is the answer, or a reply that forgot it.
    if (parseAnswer(reply.content).length === 0) {
      if (!nudged && !finalTurn) {
        nudged = true;
        push({ role: "user", content: MISSING_ANSWER_MESSAGE });
        continue;
      }
      stop = finalReason ?? "no_answer";
      break;
    }
    answerText = reply.content;
    stop = finalReason ?? "answered";
  }

  const answer = parseAnswer(answerText);
  const docOfChunk = new Map(seenOrder.map((c) => [c.id, c.doc]));
  const validated = validateAnswer(
    answer,
    new Set(seenOrder.map((c) => c.doc)),
    (id) => docOfChunk.get(id),
    input.maxDocuments,
  );
  const result = buildCorpusResult({
    query: input.query,
    corpus: input.corpus,
    policy: "model",
    model: input.client.model,
    entries: validated.entries,
    dropped: validated.dropped,
    seen: seenOrder,
    pruned: seenOrder.map((c) => c.id).filter((id) => view.isPruned(id)),
    stopReason: stop ?? "no_answer",
    maxDocuments: input.maxDocuments,
    turns: turn,
    toolCalls,
    tokens,
    timings: { totalMs: performance.now() - started, ...timings },
    warnings,
    ...(failure ? { error: failure } : {}),
  });
  emit({ type: "answer", citations: result.citations, explanation: result.explanation, dropped: result.dropped ?? [] });
  emit({ type: "run_end", result });
  return result;
}

function invalid(message: string): ToolOutcome {
  return { text: `Error: ${message}.`, shown: [], error: message };
}
