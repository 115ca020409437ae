/**
 * How a received turn goes back into the conversation. Reasoning and usage are never re-sent; the
 * content is the visible text only (calls parsed from text travel as structured `tool_calls`).
 */
import type { AssistantTurn, ChatMessage, WireToolCall } from "./types.js";

/** Name used in the history for a malformed call whose tool name could not be recovered. */
export const UNKNOWN_TOOL_NAME = "unknown";

/**
 * The assistant message to append after `turn`: valid calls first, then malformed ones (with `{}`
 * arguments, since servers such as vLLM parse re-sent arguments as JSON). Answer each call with one
 * tool message in this same order.
 */
export function toAssistantMessage(turn: AssistantTurn): ChatMessage {
  const calls: WireToolCall[] = [
    ...turn.toolCalls.map(
      (call): WireToolCall => ({
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      }),
    ),
    ...turn.malformed.map(
      (bad): WireToolCall => ({
        id: bad.id,
        type: "function",
        function: { name: bad.name ?? UNKNOWN_TOOL_NAME, arguments: "{}" },
      }),
    ),
  ];
  const content = turn.content.length > 0 ? turn.content : null;
  return calls.length > 0
    ? { role: "assistant", content, tool_calls: calls }
    : { role: "assistant", content: content ?? "" };
}

/** The error text a malformed call gets as its tool result (the reference harness's wording). */
export function malformedCallResult(error: string): string {
  return `<system-reminder>Error: malformed tool call: ${error}</system-reminder>`;
}
