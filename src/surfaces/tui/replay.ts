/**
 * Turning a recorded trajectory back into the run's event stream, for `fastcontext replay`. A
 * trajectory written by `--traj` carries the events themselves; an older one (or one from the
 * reference harness) has only messages, from which turns, tool calls and the answer are rebuilt —
 * with no timings, and with citations marked unverified since nothing checked them.
 */

import { parseFinalAnswer } from "../../core/final-answer.js";
import type { TrajectoryRecord } from "../../core/trajectory.js";
import type { Citation, ExploreEvent, ExploreResult, PolicyName } from "../../core/types.js";
import { isRecord } from "../../llm/json.js";

type Header = Extract<TrajectoryRecord, { kind: "header" }>;

interface WireCall {
  id?: unknown;
  function?: unknown;
}

/** A message as found in a file: every field optional and of unknown type, read defensively. */
interface LooseMessage {
  role?: unknown;
  content?: unknown;
  tool_calls?: unknown;
  tool_call_id?: unknown;
  /** The reference harness kept usage on the message itself. */
  usage?: unknown;
}

/** The events of a trajectory: recorded ones when present, otherwise rebuilt from its messages. */
export function eventsFromTrajectory(records: unknown[]): { events: ExploreEvent[]; rebuilt: boolean } {
  const normalized = records.map(normalizeRecord).filter((r): r is TrajectoryRecord => r !== undefined);
  if (normalized.length === 0) return { events: [], rebuilt: false };
  const recorded = normalized.flatMap((r) => (r.kind === "event" ? [r.event] : []));
  if (recorded.length > 0) return { events: recorded, rebuilt: false };
  const header = normalized.find((r): r is Header => r.kind === "header");
  const messages = normalized.flatMap((r) => (r.kind === "message" ? [r] : []));
  return { events: rebuildEvents(header, messages), rebuilt: true };
}

/** Accept `{kind,…}` records and bare `{role,…}` message lines (the reference harness's format). */
function normalizeRecord(record: unknown): TrajectoryRecord | undefined {
  if (typeof record !== "object" || record === null) return undefined;
  if ("kind" in record) {
    const kind = (record as { kind: unknown }).kind;
    if (kind === "header" || kind === "event" || kind === "message") return record as TrajectoryRecord; // shape checked by kind; fields read defensively below
    return undefined;
  }
  if ("role" in record) return { kind: "message", message: record };
  return undefined;
}

function rebuildEvents(
  header: Header | undefined,
  records: Array<Extract<TrajectoryRecord, { kind: "message" }>>,
): ExploreEvent[] {
  const at = header ? Date.parse(header.startedAt) || 0 : 0;
  const messages = records.map((r): LooseMessage => (isRecord(r.message) ? r.message : {}));
  const query = header?.query ?? firstUserText(messages);
  const root = header?.root ?? workspaceFromPrompt(messages);
  const policy: PolicyName = header?.policy === "embedded" || header?.policy === "bm25" ? header.policy : "model";
  const events: ExploreEvent[] = [];
  events.push({
    type: "run_start",
    runId: "replay",
    query,
    root,
    policy,
    maxTurns: 0,
    at,
    ...(header?.model ? { model: header.model } : {}),
  });
  events.push({
    type: "notice",
    level: "info",
    message:
      "this trajectory has no recorded events: turns rebuilt from its messages (no timings; citations unverified)",
    at,
  });

  let turn = 0;
  let toolCalls = 0;
  let lastContent = "";
  let tokensIn = 0;
  let tokensOut = 0;
  const pending = new Map<string, { turn: number; index: number; name: string }>();
  messages.forEach((m, position) => {
    if (m.role === "assistant") {
      turn++;
      const content = typeof m.content === "string" ? m.content : "";
      const calls: WireCall[] = Array.isArray(m.tool_calls) ? m.tool_calls.filter(isRecord) : [];
      const meta = records[position]?.meta;
      const usage = usageOf(meta?.usage ?? m.usage);
      if (usage) {
        tokensIn += usage.promptTokens;
        tokensOut += usage.completionTokens;
      }
      events.push({ type: "turn_start", turn, at });
      events.push({ type: "model_request", turn, messages: position, promptTokens: 0, finalTurn: false, at });
      const requests = calls.map((c, i) => {
        const fn = isRecord(c.function) ? c.function : {};
        return {
          id: typeof c.id === "string" ? c.id : `call_${turn}_${i}`,
          name: typeof fn.name === "string" ? fn.name : "?",
          arguments: typeof fn.arguments === "string" ? fn.arguments : "{}",
        };
      });
      const reasoning = typeof meta?.reasoning === "string" && meta.reasoning ? { reasoning: meta.reasoning } : {};
      events.push({
        type: "model_response",
        turn,
        content,
        toolCalls: requests,
        ms: 0,
        at,
        ...reasoning,
        ...(usage ? { usage } : {}),
      });
      requests.forEach((call, index) => {
        pending.set(call.id, { turn, index, name: call.name });
        events.push({
          type: "tool_start",
          turn,
          index,
          call: { id: call.id, name: call.name, args: parseArgs(call.arguments) },
          at,
        });
      });
      toolCalls += requests.length;
      if (content) lastContent = content;
    } else if (m.role === "tool" && typeof m.tool_call_id === "string") {
      const call = pending.get(m.tool_call_id);
      if (!call) return;
      pending.delete(m.tool_call_id);
      const text = typeof m.content === "string" ? m.content : "";
      events.push({
        type: "tool_end",
        turn: call.turn,
        index: call.index,
        callId: m.tool_call_id,
        name: call.name,
        ms: 0,
        chars: text.length,
        tokens: 0,
        lines: text.split("\n").length,
        truncated: /Output truncated|Results are truncated|Results truncated/.test(text),
        cached: false,
        preview: text.slice(0, 600),
        at,
      });
    }
  });

  const parsed = parseFinalAnswer(lastContent);
  const citations: Citation[] = parsed.citations.flatMap((c) =>
    (c.ranges.length > 0 ? c.ranges : [{ start: 1, end: 1 }]).map((range) => ({
      path: relative(c.path, root),
      start: range.start,
      end: range.end,
      verified: false,
      verification: "unverified" as const,
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  );
  events.push({ type: "answer", citations, explanation: parsed.explanation, dropped: [], at });
  const result: ExploreResult = {
    query,
    root,
    policy,
    citations,
    explanation: parsed.explanation,
    stopReason: parsed.found ? "answered" : "no_answer",
    partial: !parsed.found,
    turns: turn,
    toolCalls,
    tokens: { input: tokensIn, output: tokensOut },
    timings: { totalMs: 0, modelMs: 0, toolMs: 0, otherMs: 0 },
    warnings: ["rebuilt from messages: citations were not verified"],
    ...(header?.model ? { model: header.model } : {}),
  };
  events.push({ type: "run_end", result, at });
  return events;
}

function firstUserText(messages: LooseMessage[]): string {
  const user = messages.find((m) => m.role === "user" && typeof m.content === "string");
  const text = typeof user?.content === "string" ? user.content : "";
  return text.replace(/^<query>([\s\S]*)<\/query>$/, "$1").trim();
}

/** The `Workspace Path:` line of the system prompt ("" when there is none). */
function workspaceFromPrompt(messages: LooseMessage[]): string {
  const system = messages.find((m) => m.role === "system" && typeof m.content === "string");
  const match = typeof system?.content === "string" ? /Workspace Path:\s*(\S+)/.exec(system.content) : null;
  return match?.[1]?.replace(/\/+$/, "") ?? "";
}

function usageOf(value: unknown): { promptTokens: number; completionTokens: number } | undefined {
  if (!isRecord(value)) return undefined;
  const u = value;
  const prompt = u.promptTokens ?? u.prompt_tokens;
  const completion = u.completionTokens ?? u.completion_tokens;
  return typeof prompt === "number" && typeof completion === "number"
    ? { promptTokens: prompt, completionTokens: completion }
    : undefined;
}

function parseArgs(text: string): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : text;
  } catch {
    return text;
  }
}

function relative(path: string, root: string): string {
  return root && path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** Options of `playEvents`. */
export interface PlayOptions {
  /** 0 or undefined: all at once. Otherwise pace by the recorded timestamps, `speed` times faster. */
  speed?: number;
  signal?: AbortSignal;
}

/** Feed `events` to `sink`, instantly or paced by their recorded times. */
export async function playEvents(
  events: ExploreEvent[],
  sink: (event: ExploreEvent) => void,
  options: PlayOptions = {},
): Promise<void> {
  const speed = options.speed ?? 0;
  let previous: number | undefined;
  for (const event of events) {
    if (options.signal?.aborted) return;
    const at = "at" in event ? event.at : undefined;
    if (speed > 0 && at !== undefined && previous !== undefined && at > previous) {
      await sleep((at - previous) / speed, options.signal);
      if (options.signal?.aborted) return;
    }
    if (at !== undefined) previous = at;
    sink(event);
  }
}

/**
 * The view's clock during a replay: the recorded time of the last event fed, plus the wall time
 * since then scaled by `speed` (instant replays stay on the recorded time).
 */
export function replayClock(speed: number): { clock: (state: { lastAt: number }) => number; mark(): void } {
  let wall = Date.now();
  return {
    clock: (state) => (speed > 0 ? state.lastAt + (Date.now() - wall) * speed : state.lastAt),
    mark: () => {
      wall = Date.now();
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
