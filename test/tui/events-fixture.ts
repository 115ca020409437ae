/** A small scripted run (two tool turns and an answer) as the model loop would emit it. */
import type { ExploreEvent, ExploreResult } from "../../src/core/types.js";

export const ROOT = "/work/demo";
export const T0 = 1_700_000_000_000;

/** The result the fixture run ends with. */
export function fixtureResult(): ExploreResult {
  return {
    query: "where is the session token validated?",
    root: ROOT,
    policy: "model",
    citations: [
      { path: "src/auth.ts", start: 3, end: 9, reason: "validates the session token", verified: true, verification: "read" },
      { path: "src/routes.ts", start: 12, end: 14, verified: true, verification: "grep" },
    ],
    explanation: "The token is checked in validateToken.",
    stopReason: "answered",
    partial: false,
    turns: 3,
    toolCalls: 3,
    tokens: { input: 9100, output: 240 },
    timings: { totalMs: 4200, modelMs: 3000, toolMs: 40, otherMs: 1160 },
    warnings: [],
    dropped: [{ path: "src/old.ts", start: 1, end: 4, reason: "never shown by a tool" }],
    model: "fake-model",
  };
}

/** The events of the fixture run, in order. */
export function fixtureEvents(): ExploreEvent[] {
  const at = (ms: number) => T0 + ms;
  return [
    { type: "run_start", runId: "run_x", query: "where is the session token validated?", root: ROOT, policy: "model", model: "fake-model", maxTurns: 12, contextWindow: 32768, at: at(0) },
    { type: "turn_start", turn: 1, at: at(10) },
    { type: "model_request", turn: 1, messages: 2, promptTokens: 2100, finalTurn: false, at: at(10) },
    { type: "model_delta", turn: 1, channel: "content", text: "Searching." },
    { type: "model_response", turn: 1, content: "Searching.", toolCalls: [{ id: "c1", name: "Grep", arguments: '{"pattern":"validateToken"}' }, { id: "c2", name: "Glob", arguments: '{"pattern":"**/*.ts"}' }], usage: { promptTokens: 2000, completionTokens: 40 }, ms: 900, at: at(910) },
    { type: "budget", turn: 1, usedTokens: 2040, window: 32768, at: at(910) },
    { type: "tool_start", turn: 1, index: 0, call: { id: "c1", name: "Grep", args: { pattern: "validateToken", path: `${ROOT}/src`, output_mode: "content" } }, at: at(911) },
    { type: "tool_start", turn: 1, index: 1, call: { id: "c2", name: "Glob", args: { pattern: "**/*.ts" } }, at: at(911) },
    { type: "tool_end", turn: 1, index: 1, callId: "c2", name: "Glob", ms: 3, chars: 60, tokens: 20, lines: 3, truncated: false, cached: false, preview: "", at: at(914) },
    { type: "tool_end", turn: 1, index: 0, callId: "c1", name: "Grep", ms: 5, chars: 240, tokens: 80, lines: 6, truncated: false, cached: false, preview: "", at: at(916) },
    { type: "turn_start", turn: 2, at: at(920) },
    { type: "model_request", turn: 2, messages: 5, promptTokens: 2400, finalTurn: false, at: at(920) },
    { type: "model_response", turn: 2, content: "", reasoning: "let me read it", toolCalls: [{ id: "c3", name: "Read", arguments: "{}" }], usage: { promptTokens: 2300, completionTokens: 60 }, ms: 1000, at: at(1920) },
    { type: "tool_start", turn: 2, index: 0, call: { id: "c3", name: "Read", args: { path: `${ROOT}/src/auth.ts` } }, at: at(1921) },
    { type: "tool_end", turn: 2, index: 0, callId: "c3", name: "Read", ms: 2, chars: 5000, tokens: 1500, lines: 120, truncated: true, cached: false, preview: "", at: at(1923) },
    { type: "turn_start", turn: 3, at: at(1930) },
    { type: "model_request", turn: 3, messages: 7, promptTokens: 4000, finalTurn: false, at: at(1930) },
    { type: "model_response", turn: 3, content: "The token is checked in validateToken.\n<final_answer>\n/work/demo/src/auth.ts:3-9\n</final_answer>", toolCalls: [], usage: { promptTokens: 4800, completionTokens: 140 }, ms: 1100, at: at(3030) },
    { type: "budget", turn: 3, usedTokens: 4940, window: 32768, at: at(3030) },
    { type: "answer", citations: fixtureResult().citations, explanation: "The token is checked in validateToken.", dropped: fixtureResult().dropped ?? [], at: at(3040) },
    { type: "run_end", result: fixtureResult(), at: at(4200) },
  ];
}
