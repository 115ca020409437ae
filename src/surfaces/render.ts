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
