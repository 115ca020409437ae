/**
 * One turn's tool calls for the model loop: repeats of a call that already ran and succeeded are
 * answered from the call cache, repeats within the turn wait for their first, the rest run through
 * the toolbox concurrently, and malformed calls get an error result. Results come back in the
 * model's order, malformed ones last; every call gets a `tool_start`/`tool_end` pair.
 */

import type { ObservationSink } from "../contracts/observations.js";
import { malformedCallResult } from "../llm/history.js";
import type { MalformedToolCall } from "../llm/types.js";
import type { Toolbox } from "../tools/toolbox.js";
import { type CallCache, callKey } from "./call-cache.js";
import { type Emit, previewText, toolEndEvent } from "./events.js";
import type { ToolCallRequest, ToolResult } from "./types.js";

export interface ToolCallsContext {
  toolbox: Toolbox;
  cache: CallCache;
  /** The run's ledger: what each result showed is recorded there. */
  observations: ObservationSink;
  emit: Emit;
  /** Calls run at once. */
  concurrency: number;
  /** Token cap for one result (0 = none). */
  perResultTokens: number;
  /** Token cap for all results of the turn together (0 = none). */
  perTurnTokens: number;
}

/** What the model gets back for one call: the text of a `tool` message answering `id`. */
export interface CallAnswer {
  id: string;
  text: string;
}

export async function runToolCalls(
  ctx: ToolCallsContext,
  calls: readonly ToolCallRequest[],
  malformed: readonly MalformedToolCall[],
  turn: number,
  signal: AbortSignal,
): Promise<CallAnswer[]> {
  const { toolbox, cache, emit } = ctx;
  const out: Array<CallAnswer | undefined> = new Array(calls.length);
  const answered = (index: number, call: ToolCallRequest, text: string) => {
    out[index] = { id: call.id, text };
    emit({ type: "tool_start", turn, index, call: { id: call.id, name: call.name, args: toolbox.displayArgs(call) } });
    emit({
      type: "tool_end",
      turn,
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
    const hit = cache.lookup(call, turn);
    if (hit) return answered(index, call, hit);
    const key = callKey(call);
    const first = firstInTurn.get(key);
    if (first !== undefined) repeats.push({ index, call, of: first });
    else {
      firstInTurn.set(key, fresh.length);
      fresh.push({ index, call });
    }
  });
  // The toolbox numbers the fresh calls 0..n-1; events carry the call's place in the model's list.
  const placeOf = (i: number) => fresh[i]?.index ?? i;
  const results: ToolResult[] =
    fresh.length === 0
      ? []
      : await toolbox.runTurn(
          fresh.map((f) => f.call),
          {
            concurrency: ctx.concurrency,
            perResultTokens: ctx.perResultTokens,
            perTurnTokens: ctx.perTurnTokens,
            signal,
            observations: ctx.observations,
            onStart: (i, call, args) =>
              emit({ type: "tool_start", turn, index: placeOf(i), call: { id: call.id, name: call.name, args } }),
            onEnd: (i, call, result, ms) =>
              emit(toolEndEvent(turn, placeOf(i), call, result, ms, (text) => toolbox.counter.estimate(text))),
          },
        );
  fresh.forEach((f, i) => {
    const result = results[i];
    out[f.index] = { id: f.call.id, text: result?.text ?? "" };
    if (result && !result.error) cache.store(f.call, turn);
  });
  for (const repeat of repeats) {
    const first = results[repeat.of];
    // The first succeeded: point at it. It failed: the repeat gets the same failure, not a pointer.
    const pointer = first && !first.error ? cache.lookup(repeat.call, turn) : undefined;
    answered(repeat.index, repeat.call, pointer ?? first?.text ?? "");
  }
  const ordered = calls.map((call, i) => out[i] ?? { id: call.id, text: "" });
  for (const bad of malformed) ordered.push({ id: bad.id, text: malformedCallResult(bad.error) });
  return ordered;
}

/** When the toolbox itself throws: every call gets an error result, so the run neither ends nor hangs. */
export function failedCallAnswers(
  calls: readonly ToolCallRequest[],
  malformed: readonly MalformedToolCall[],
  message: string,
): CallAnswer[] {
  return [
    ...calls.map((c) => ({
      id: c.id,
      text: `<system-reminder>Error: the ${c.name} call failed: ${message}</system-reminder>`,
    })),
    ...malformed.map((bad) => ({ id: bad.id, text: malformedCallResult(bad.error) })),
  ];
}
