/**
 * Text renderings of a run shared by the surfaces: the answer block (CLI stdout, a drop-in for
 * callers of the original CLI, and the MCP text block), one-line progress (CLI stderr, the TUI's
 * plain mode, replays) and the fallback line. They read the same event/result types the JSON
 * output, the TUI and MCP use.
 */

import { renderFinalAnswer } from "../core/final-answer.js";
import type { ExploreEvent, ExploreResult, PolicyName } from "../core/types.js";

export function answerBlock(result: ExploreResult): string {
  return renderFinalAnswer(
    result.citations.map((c) => ({
      path: `${result.root}/${c.path}`,
      start: c.start,
      end: c.end,
      ...(c.reason ? { reason: c.reason } : {}),
    })),
  );
}

/** stdout text: the explanation (unless `citationOnly`), then the `<final_answer>` block. */
export function renderAnswer(result: ExploreResult, citationOnly = false): string {
  const parts: string[] = [];
  if (!citationOnly && result.explanation.trim() !== "") parts.push(result.explanation.trim());
  parts.push(answerBlock(result));
  return `${parts.join("\n\n")}\n`;
}

/**
 * The facts of a result as text lines, the same ones MCP's structuredContent carries (clients such
 * as Codex and Claude Code show the model one or the other): per-citation observation and
 * confidence, how the run ended, which policy answered at what cost, and the fallback.
 */
export function resultFacts(result: ExploreResult): string[] {
  const n = result.citations.length;
  const observed = result.citations.filter((c) => c.verified).length;
  const rated = result.citations.flatMap((c) => (typeof c.confidence === "number" ? [c.confidence] : []));
  const confidence =
    rated.length === 0
      ? "confidence: not rated (observed lines are not a judgement of relevance)"
      : `confidence: ${result.citations.map((c) => (typeof c.confidence === "number" ? c.confidence.toFixed(2) : "n/a")).join(", ")} (best first)`;
  const lines = [
    `observed: ${observed} of ${n} citation(s) were shown to the explorer by a tool; ${confidence}`,
    `stop_reason: ${result.stopReason}${result.partial ? " (partial)" : ""}; policy: ${result.policy}${result.model ? ` (${result.model})` : ""}; ${result.turns} turn(s), ${result.toolCalls} tool call(s), ${(result.timings.totalMs / 1000).toFixed(1)} s`,
  ];
  if (result.fallback)
    lines.push(
      `fallback: the ${result.policy} explorer answered instead of the ${result.fallback.from}: ${result.fallback.reason}`,
    );
  return lines;
}

/** The one line every surface shows when the run hands over to another policy. */
export function fallbackMessage(event: { from: PolicyName; to: PolicyName; reason: string }): string {
  return `falling back to the ${event.to} explorer: ${event.reason}`;
}

function argsSummary(args: Record<string, unknown> | string, max = 120): string {
  const text =
    typeof args === "string"
      ? args
      : Object.entries(args)
          .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : String(v)}`)
          .join(" ");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** One progress line per interesting event (null for events not worth a line). */
export function progressLine(event: ExploreEvent, startedAt: number): string | null {
  const t = `${((event.type === "model_delta" ? Date.now() : event.at) - startedAt) / 1000}`.replace(/(\.\d)\d*/, "$1");
  switch (event.type) {
    case "run_start":
      return `[${t}s] exploring ${event.root} (${event.policy}${event.model ? `: ${event.model}` : ""}, max ${event.maxTurns} turns)`;
    case "model_request":
      return `[${t}s] turn ${event.turn}: waiting on the model (${event.messages} messages, ~${event.promptTokens} tokens${event.finalTurn ? ", final turn" : ""})`;
    case "model_retry":
      return `[${t}s] turn ${event.turn}: retry ${event.attempt} in ${Math.round(event.delayMs)} ms (${event.reason})`;
    case "tool_end":
      return `[${t}s] turn ${event.turn}: ${event.name} ${event.cached ? "(repeated call, answered from cache)" : `${event.lines} lines${event.truncated ? ", truncated" : ""}${event.error ? `, error: ${event.error.slice(0, 80)}` : ""}`} (${Math.round(event.ms)} ms)`;
    case "tool_start":
      return `[${t}s] turn ${event.turn}: ${event.call.name} ${argsSummary(event.call.args)}`;
    case "notice":
      return `[${t}s] ${event.level === "warn" ? "warning: " : ""}${event.message}`;
    case "fallback":
      return `[${t}s] warning: ${fallbackMessage(event)}`;
    case "run_end": {
      const r = event.result;
      return `[${t}s] done: ${r.stopReason}${r.partial ? " (partial)" : ""}, ${r.citations.length} citation(s), ${r.turns} turn(s), ${r.toolCalls} tool call(s), ${r.tokens.input}+${r.tokens.output} tokens`;
    }
    default:
      return null;
  }
}
