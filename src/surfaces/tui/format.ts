/**
 * Text pieces of the live view (numbers, durations, call rows, the footer), shared by the Ink
 * component and the tests. Pure functions of the view state; no colours here (the component adds
 * them, and only when colour is on).
 */
import type { Citation, PolicyName } from "../../core/types.js";
import { type CallView, elapsedMs, type TurnView, type ViewState, waitingSeconds } from "./state.js";

/** `812`, `4.2k`, `32.8k`, `131k`. */
export function formatTokens(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 100_000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return `${Math.round(n / 1000)}k`;
}

/** `0.4 s`, `12 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.floor(s % 60)} s`;
}

/** A path argument shown relative to the workspace root (the model passes absolute ones). */
export function displayPath(value: string, root: string | undefined): string {
  if (!root) return value;
  if (value === root) return ".";
  return value.startsWith(`${root}/`) ? value.slice(root.length + 1) : value;
}

/** `pattern="x" path=src -i` style summary of a call's arguments, cut to `max` characters. */
export function argsSummary(args: Record<string, unknown> | string, root: string | undefined, max = 90): string {
  const text =
    typeof args === "string"
      ? args
      : Object.entries(args)
          .map(([key, value]) => {
            if (value === true) return key.startsWith("-") ? key : `${key}=true`;
            if (typeof value === "string") {
              const shown = key === "path" || key === "directory" ? displayPath(value, root) : value;
              return `${key}=${JSON.stringify(shown)}`;
            }
            return `${key}=${JSON.stringify(value)}`;
          })
          .join(" ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What a finished call returned (`12 lines · 1.4k chars · 3 ms · truncated`), or that it runs. */
export function callOutcome(call: CallView, now: number): string {
  const end = call.end;
  if (!end) return `running ${formatDuration(Math.max(0, now - call.startedAt))}`;
  if (end.cached) return "repeated call: answered from cache";
  if (end.error) return `error: ${oneLine(end.error, 70)}`;
  const parts = [
    `${end.lines} line${end.lines === 1 ? "" : "s"}`,
    `${formatTokens(end.chars)} chars`,
    `~${formatTokens(end.tokens)} tok`,
    `${Math.round(end.ms)} ms`,
  ];
  if (end.truncated) parts.push("truncated");
  return parts.join(" · ");
}

/** The heading of a turn: number, final-turn mark, model time and token counts. */
export function turnHeading(turn: TurnView, maxTurns: number | undefined, policy: PolicyName = "model"): string {
  const parts = [`turn ${turn.turn}${maxTurns ? `/${maxTurns}` : ""}${turn.finalTurn ? " (final)" : ""}`];
  const r = turn.response;
  if (r) {
    // The embedded explorer plans its calls itself: there is no model time to show.
    if (policy === "model") parts.push(`model ${formatDuration(r.ms)}`);
    if (r.promptTokens !== undefined)
      parts.push(`${formatTokens(r.promptTokens)} prompt + ${formatTokens(r.completionTokens ?? 0)} out tokens`);
    parts.push(
      r.calls > 0
        ? `${r.calls} tool call${r.calls === 1 ? "" : "s"}`
        : r.content.includes("<final_answer>")
          ? "answer"
          : "no tool call",
    );
  } else {
    parts.push(`${turn.messages} messages, ~${formatTokens(turn.promptEstimate)} tokens sent`);
  }
  return parts.join(" · ");
}

/** The model's visible text of a turn, on one line (empty when there is none). */
export function turnText(turn: TurnView, max = 110): string {
  const raw = turn.response?.content ?? "";
  // An answer turn's text is the answer's explanation, shown with the citations instead.
  if (raw.includes("<final_answer>")) return "";
  const content = raw.trim();
  return content ? oneLine(content, max) : "";
}

/** `src/a.ts:10-20 (reason)` with the verification mark the view shows before it. */
export function citationText(c: Citation): { mark: string; text: string; verified: boolean } {
  const mark = c.verified ? "✓" : "?";
  const how =
    c.verification && c.verification !== "read" && c.verified
      ? ` [${c.verification}]`
      : c.verified
        ? ""
        : " [unverified]";
  return { mark, text: `${c.path}:${c.start}-${c.end}${c.reason ? `  ${c.reason}` : ""}${how}`, verified: c.verified };
}

/** The footer: window use, cumulative tokens, elapsed time, turn, and the waiting indicator. */
export function footerParts(
  state: ViewState,
  now: number,
): { tokens: string; elapsed: string; turn: string; waiting?: string; status?: string } {
  const used = `${state.usedIsEstimate && state.usedTokens > 0 ? "~" : ""}${formatTokens(state.usedTokens)}`;
  const window =
    state.contextWindow > 0
      ? ` / ${formatTokens(state.contextWindow)} (${Math.round((100 * state.usedTokens) / state.contextWindow)}%)`
      : " / window unknown";
  const totals =
    state.tokensIn + state.tokensOut > 0
      ? ` · in ${formatTokens(state.tokensIn)} out ${formatTokens(state.tokensOut)}`
      : "";
  const current = state.turns.at(-1);
  const turn = current ? `turn ${current.turn}${state.run ? `/${state.run.maxTurns}` : ""}` : "starting";
  const policy = state.run?.policy ?? "model";
  const parts: { tokens: string; elapsed: string; turn: string; waiting?: string; status?: string } = {
    tokens: policy === "model" ? `tokens ${used}${window}${totals}` : `${policy} explorer: no model tokens`,
    elapsed: `elapsed ${formatDuration(elapsedMs(state, now))}`,
    turn,
  };
  if (state.waiting) {
    const streamed =
      current && current.turn === state.waiting.turn && current.streamedChars > 0
        ? `, ${formatTokens(current.streamedChars)} chars streamed`
        : "";
    parts.waiting = `waiting on the model for ${Math.floor(waitingSeconds(state, now))} s${streamed}`;
  }
  if (state.end) {
    const e = state.end;
    parts.status = `done: ${e.stopReason}${e.partial ? " (partial)" : ""} · ${e.turns} turn${e.turns === 1 ? "" : "s"} · ${e.toolCalls} tool call${e.toolCalls === 1 ? "" : "s"}`;
  }
  return parts;
}

/** The footer as one line of text. */
export function footerLine(state: ViewState, now: number): string {
  const f = footerParts(state, now);
  return [f.status ?? f.turn, f.tokens, f.elapsed, f.waiting].filter(Boolean).join(" · ");
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
