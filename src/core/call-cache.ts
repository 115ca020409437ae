/**
 * Repeated tool calls within a run: an identical call (same tool, same arguments after
 * canonicalization) is not executed again; the model gets a pointer to the earlier result, and a
 * note once it has repeated the same call three times. Only a call that ran and succeeded is
 * stored (`store` after the result): a failed, timed-out or cancelled call runs again when repeated.
 */
import type { ToolCallRequest } from "./types.js";

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A stable key for a call: tool name plus canonical JSON of its arguments. */
export function callKey(call: ToolCallRequest): string {
  let args: unknown = call.arguments;
  if (typeof args === "string") {
    try {
      args = JSON.parse(args);
    } catch {
      // Unparseable arguments: the raw text is the key (the call fails the same way each time).
    }
  }
  return `${call.name}:${canonical(args)}`;
}

export class CallCache {
  private readonly seen = new Map<string, { turn: number; count: number }>();

  /** The text to answer a repeated call with, or undefined for a new call. */
  lookup(call: ToolCallRequest, turn: number): string | undefined {
    const entry = this.seen.get(callKey(call));
    if (!entry) return undefined;
    entry.count++;
    const where = entry.turn === turn ? "earlier in this turn" : `in turn ${entry.turn}`;
    let text = `<system-reminder>This exact ${call.name} call was already made ${where}; its result is above and has not changed.`;
    if (entry.count >= 3)
      text += ` You have now repeated it ${entry.count} times: it will not return anything new. Try a different search or give your final answer.`;
    return `${text}</system-reminder>`;
  }

  /** Remember a call that has run and succeeded in `turn`. */
  store(call: ToolCallRequest, turn: number): void {
    const key = callKey(call);
    if (!this.seen.has(key)) this.seen.set(key, { turn, count: 1 });
  }
}
