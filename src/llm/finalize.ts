/**
 * Raw completion → `AssistantTurn`: pick the choices that matter, normalize native tool calls, move
 * `<think>` text to reasoning, and fall back to the content parser when the server's tool parser
 * was off or failed. Pure.
 */
import type { RawChoice, RawCompletion } from "./accumulate.js";
import { LlmError } from "./errors.js";
import { newCallId } from "./ids.js";
import { splitThink } from "./think.js";
import {
  type ContentParseOptions,
  looksLikeToolCallContent,
  normalizeArguments,
  normalizeToolName,
  parseToolCallsFromContent,
} from "./tool-call-parse.js";
import type { AssistantTurn, MalformedToolCall, ParsedToolCall } from "./types.js";

/** Build the turn. Throws `LlmError{kind:"parse"}` when the response had no choice at all. */
export function finalizeTurn(raw: RawCompletion, options: ContentParseOptions = {}): AssistantTurn {
  const primary = raw.choices[0];
  if (!primary) throw new LlmError("parse", "the model server returned a response without any choice");

  const content = raw.choices.map((choice) => choice.content).find((text) => text.length > 0) ?? "";
  const reasoning = unique(raw.choices.map((choice) => choice.reasoning.trim()));
  const native = normalizeNative(callChoices(raw.choices), options.knownTools);

  const think = splitThink(content);
  const turn: AssistantTurn = {
    content: think.content,
    reasoning: join([...reasoning, think.reasoning]),
    toolCalls: native.calls,
    malformed: native.malformed,
    finishReason: raw.choices.some((c) => c.finishReason === "tool_calls") ? "tool_calls" : primary.finishReason,
    source: native.calls.length + native.malformed.length > 0 ? "native" : "none",
  };
  if (raw.usage) turn.usage = raw.usage;
  if (raw.model) turn.model = raw.model;

  if (turn.source === "none" && looksLikeToolCallContent(think.content)) {
    const parsed = parseToolCallsFromContent(think.content, options);
    turn.content = parsed.text;
    turn.reasoning = join([turn.reasoning, parsed.reasoning]);
    turn.toolCalls = parsed.calls;
    turn.malformed = parsed.malformed;
    if (parsed.calls.length + parsed.malformed.length > 0) {
      turn.source = "content";
      // As the RL client did: a `stop` that carried calls is a tool-call turn.
      if (turn.finishReason === "stop" || turn.finishReason === null) turn.finishReason = "tool_calls";
    }
  }
  return turn;
}

/**
 * One choice is the norm. Some routers split a reply into two choices (text, then calls): then the
 * calls of choices that finished with `tool_calls` are concatenated, or of all choices if none did.
 */
function callChoices(choices: RawChoice[]): RawChoice[] {
  if (choices.length <= 1) return choices;
  const flagged = choices.filter((choice) => choice.finishReason === "tool_calls" && choice.toolCalls.length > 0);
  return flagged.length > 0 ? flagged : choices;
}

function normalizeNative(
  choices: RawChoice[],
  knownTools?: string[],
): { calls: ParsedToolCall[]; malformed: MalformedToolCall[] } {
  const calls: ParsedToolCall[] = [];
  const malformed: MalformedToolCall[] = [];
  const seen = new Set<string>();
  for (const call of choices.flatMap((choice) => choice.toolCalls)) {
    // Missing or repeated ids would break the call→result pairing, so they are synthesized.
    const id = call.id && !seen.has(call.id) ? call.id : newCallId();
    seen.add(id);
    if (!call.name.trim()) {
      malformed.push({ id, raw: call.arguments, error: "the tool call has no name" });
      continue;
    }
    const name = normalizeToolName(call.name, knownTools);
    const args = normalizeArguments(call.arguments);
    if (args.ok) calls.push({ id, name, arguments: args.json });
    else malformed.push({ id, name, raw: call.arguments, error: args.error });
  }
  return { calls, malformed };
}

function unique(parts: string[]): string[] {
  return [...new Set(parts.filter(Boolean))];
}

function join(parts: string[]): string {
  return parts.filter(Boolean).join("\n\n");
}
