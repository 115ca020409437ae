/**
 * The live view's state as a pure reducer: `ExploreEvent`s in, a `ViewState` out. No terminal, no
 * clock, no I/O — the Ink component and the tests read the same state. A turn is "done" once its
 * model reply and every tool call it asked for have ended; done turns never change again, which is
 * what lets the view print them once (Ink `<Static>`) while the open turn stays live.
 */
import type { Citation, ExploreEvent, LineSpan, PolicyName, StopReason } from "../../core/types.js";
import { fallbackMessage } from "../render.js";

/** One tool call of a turn, as shown on its row. */
export interface CallView {
  index: number;
  id: string;
  name: string;
  args: Record<string, unknown> | string;
  startedAt: number;
  /** Set when the call finished. */
  end?: {
    ms: number;
    lines: number;
    chars: number;
    tokens: number;
    truncated: boolean;
    cached: boolean;
    error?: string;
  };
}

/** A notice (info or warning) from the run. */
export interface NoticeView {
  level: "info" | "warn";
  message: string;
  at: number;
}

/** One model turn: the request, the reply and the tool calls it made. */
export interface TurnView {
  turn: number;
  finalTurn: boolean;
  requestedAt: number;
  /** Messages in the prompt and the projected prompt size when the request went out. */
  messages: number;
  promptEstimate: number;
  /** Characters streamed so far (content and reasoning) while the reply is in flight. */
  streamedChars: number;
  /** Set when the model answered. */
  response?: {
    ms: number;
    content: string;
    reasoningChars: number;
    calls: number;
    promptTokens?: number;
    completionTokens?: number;
  };
  calls: CallView[];
  retries: string[];
  notices: NoticeView[];
  done: boolean;
}

/** The final answer as the view shows it. */
export interface AnswerView {
  citations: Citation[];
  explanation: string;
  dropped: Array<LineSpan & { reason: string }>;
}

/** How the run ended. */
export interface EndView {
  stopReason: StopReason;
  partial: boolean;
  turns: number;
  toolCalls: number;
  totalMs: number;
  tokensIn: number;
  tokensOut: number;
  warnings: string[];
  error?: string;
  at: number;
}

/** Everything the view renders. */
export interface ViewState {
  run?: {
    runId: string;
    query: string;
    root: string;
    policy: PolicyName;
    model?: string;
    maxTurns: number;
    startedAt: number;
  };
  /** Usable context window in tokens, 0 when unknown. */
  contextWindow: number;
  /** Tokens of the window in use: the last prompt + completion, or the projection of the next prompt. */
  usedTokens: number;
  /** True while `usedTokens` is our projection rather than the server's count. */
  usedIsEstimate: boolean;
  /** Cumulative tokens the server reported. */
  tokensIn: number;
  tokensOut: number;
  turns: TurnView[];
  /** Notices that arrived between turns; they open the next turn, or stay above the answer. */
  notices: NoticeView[];
  /** Set while a model request has no reply yet. */
  waiting?: { turn: number; since: number };
  answer?: AnswerView;
  end?: EndView;
  /** Timestamp of the latest event that carried one (replay's clock). */
  lastAt: number;
}

/** The state before any event. */
export function initialViewState(): ViewState {
  return {
    contextWindow: 0,
    usedTokens: 0,
    usedIsEstimate: true,
    tokensIn: 0,
    tokensOut: 0,
    turns: [],
    notices: [],
    lastAt: 0,
  };
}

/** Apply one event. Returns a new state; the old one (and every done turn) is left untouched. */
export function reduceView(state: ViewState, event: ExploreEvent): ViewState {
  const next: ViewState = { ...state, lastAt: "at" in event ? Math.max(state.lastAt, event.at) : state.lastAt };
  switch (event.type) {
    case "run_start":
      return {
        ...next,
        run: {
          runId: event.runId,
          query: event.query,
          root: event.root,
          policy: event.policy,
          maxTurns: event.maxTurns,
          startedAt: event.at,
          ...(event.model ? { model: event.model } : {}),
        },
        contextWindow: event.contextWindow ?? next.contextWindow,
      };
    case "turn_start": {
      const closed = next.turns.map((t) => (t.done ? t : { ...t, done: true }));
      const turn: TurnView = {
        turn: event.turn,
        finalTurn: false,
        requestedAt: event.at,
        messages: 0,
        promptEstimate: 0,
        streamedChars: 0,
        calls: [],
        retries: [],
        notices: next.notices,
        done: false,
      };
      return { ...next, turns: [...closed, turn], notices: [] };
    }
    case "model_request": {
      const withTurn = ensureTurn(next, event.turn, event.at);
      const updated = updateTurn(withTurn, event.turn, (t) => ({
        ...t,
        finalTurn: event.finalTurn,
        requestedAt: event.at,
        messages: event.messages,
        promptEstimate: event.promptTokens,
      }));
      // Before the first reply the projection is all we know about the window in use.
      const estimate =
        updated.usedIsEstimate || event.promptTokens > updated.usedTokens
          ? { usedTokens: event.promptTokens, usedIsEstimate: true }
          : {};
      return { ...updated, ...estimate, waiting: { turn: event.turn, since: event.at } };
    }
    case "model_delta":
      return updateTurn(next, event.turn, (t) => ({ ...t, streamedChars: t.streamedChars + event.text.length }));
    case "model_retry":
      return updateTurn(next, event.turn, (t) => ({
        ...t,
        retries: [...t.retries, `retry ${event.attempt} in ${Math.round(event.delayMs)} ms: ${event.reason}`],
      }));
    case "model_response": {
      const usage = event.usage;
      const updated = updateTurn(next, event.turn, (t) => ({
        ...t,
        response: {
          ms: event.ms,
          content: event.content,
          reasoningChars: event.reasoning?.length ?? 0,
          calls: event.toolCalls.length,
          ...(usage ? { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens } : {}),
        },
        done: event.toolCalls.length === 0,
      }));
      const { waiting: _answered, ...rest } = updated;
      if (!usage) return rest;
      const counted =
        usage.promptTokens > 0
          ? { usedTokens: usage.promptTokens + usage.completionTokens, usedIsEstimate: false }
          : {};
      return {
        ...rest,
        ...counted,
        tokensIn: rest.tokensIn + usage.promptTokens,
        tokensOut: rest.tokensOut + usage.completionTokens,
      };
    }
    case "budget":
      return {
        ...next,
        usedTokens: event.usedTokens,
        usedIsEstimate: false,
        contextWindow: event.window > 0 ? event.window : next.contextWindow,
      };
    case "tool_start":
      return updateTurn(next, event.turn, (t) => ({
        ...t,
        calls: [
          ...t.calls.filter((c) => c.index !== event.index),
          { index: event.index, id: event.call.id, name: event.call.name, args: event.call.args, startedAt: event.at },
        ].sort((a, b) => a.index - b.index),
      }));
    case "tool_end":
      return updateTurn(next, event.turn, (t) => {
        const end = {
          ms: event.ms,
          lines: event.lines,
          chars: event.chars,
          tokens: event.tokens,
          truncated: event.truncated,
          cached: event.cached,
          ...(event.error ? { error: event.error } : {}),
        };
        const known = t.calls.some((c) => c.index === event.index);
        const calls = known
          ? t.calls.map((c) => (c.index === event.index ? { ...c, end } : c))
          : [
              ...t.calls,
              { index: event.index, id: event.callId, name: event.name, args: {}, startedAt: event.at - event.ms, end },
            ].sort((a, b) => a.index - b.index);
        const finished = t.response !== undefined && calls.length >= t.response.calls && calls.every((c) => c.end);
        return { ...t, calls, done: t.done || finished };
      });
    case "notice": {
      const notice: NoticeView = { level: event.level, message: event.message, at: event.at };
      const open = next.turns.at(-1);
      if (open && !open.done) return updateTurn(next, open.turn, (t) => ({ ...t, notices: [...t.notices, notice] }));
      return { ...next, notices: [...next.notices, notice] };
    }
    case "fallback": {
      // The run goes on under the other policy: the header says so, and a warning says why.
      const switched = next.run ? { ...next, run: { ...next.run, policy: event.to } } : next;
      return reduceView(switched, { type: "notice", level: "warn", message: fallbackMessage(event), at: event.at });
    }
    case "answer":
      return {
        ...closeAll(next),
        answer: { citations: event.citations, explanation: event.explanation, dropped: event.dropped },
      };
    case "run_end": {
      const r = event.result;
      const closed = closeAll(next);
      const { waiting: _over, ...rest } = closed;
      return {
        ...rest,
        answer: closed.answer ?? { citations: r.citations, explanation: r.explanation, dropped: r.dropped ?? [] },
        // The result's totals are the authority (a replayed trajectory may lack usage events).
        tokensIn: Math.max(closed.tokensIn, r.tokens.input),
        tokensOut: Math.max(closed.tokensOut, r.tokens.output),
        end: {
          stopReason: r.stopReason,
          partial: r.partial,
          turns: r.turns,
          toolCalls: r.toolCalls,
          totalMs: r.timings.totalMs,
          tokensIn: r.tokens.input,
          tokensOut: r.tokens.output,
          warnings: r.warnings,
          ...(r.error ? { error: r.error.message } : {}),
          at: event.at,
        },
      };
    }
  }
}

/** Seconds the open model request has been waiting at `now` (0 when none is). */
export function waitingSeconds(state: ViewState, now: number): number {
  return state.waiting ? Math.max(0, (now - state.waiting.since) / 1000) : 0;
}

/** Milliseconds since the run started (the recorded total once it ended). */
export function elapsedMs(state: ViewState, now: number): number {
  if (state.end) return state.end.totalMs;
  return state.run ? Math.max(0, now - state.run.startedAt) : 0;
}

/** The finished turns, in order; always a prefix of `state.turns`. */
export function doneTurns(state: ViewState): TurnView[] {
  const firstOpen = state.turns.findIndex((t) => !t.done);
  return firstOpen < 0 ? state.turns : state.turns.slice(0, firstOpen);
}

/** The turns still in progress (normally at most one). */
export function openTurns(state: ViewState): TurnView[] {
  const firstOpen = state.turns.findIndex((t) => !t.done);
  return firstOpen < 0 ? [] : state.turns.slice(firstOpen);
}

function closeAll(state: ViewState): ViewState {
  return state.turns.every((t) => t.done)
    ? state
    : { ...state, turns: state.turns.map((t) => (t.done ? t : { ...t, done: true })) };
}

/** A turn the events refer to even though its `turn_start` was not seen (a replay that starts mid-run). */
function ensureTurn(state: ViewState, turn: number, at: number): ViewState {
  if (state.turns.some((t) => t.turn === turn)) return state;
  return reduceView(state, { type: "turn_start", turn, at });
}

function updateTurn(state: ViewState, turn: number, change: (t: TurnView) => TurnView): ViewState {
  const i = state.turns.findIndex((t) => t.turn === turn);
  // Done turns are frozen (already printed); late events for them only move the footer.
  if (i < 0 || state.turns[i]!.done) return state;
  let turns = state.turns.slice();
  const changed = change(turns[i]!);
  turns[i] = changed;
  // Done turns must stay a prefix: finishing this one finishes any earlier one left open.
  if (changed.done) turns = turns.map((t, j) => (j < i && !t.done ? { ...t, done: true } : t));
  return { ...state, turns };
}
