/**
 * Limits on what one model reply may carry once it is read (the byte cap on the wire is
 * transport.ts's): text no honest server can produce within the requested token budget ends the
 * attempt as `too_large`, and a tool call with oversized arguments becomes a malformed call, so
 * the model is told and the huge string never enters the conversation (every later request and
 * token count would carry it). Pure.
 */
import type { RawCompletion } from "./accumulate.js";
import { LlmError } from "./errors.js";
import type { AssistantTurn } from "./types.js";

/**
 * The most characters one completion token can stand for. Measured with both tokenizers (Qwen3 and
 * o200k): a run of spaces is 125 characters a token, dashes 64, code and prose about 4.
 */
export const MAX_CHARS_PER_TOKEN = 128;

/**
 * Largest argument string of one tool call. Read/Glob/Grep take a path, a pattern and a few
 * options: a few hundred characters; 64 KiB is far past any real call.
 */
export const MAX_TOOL_ARGUMENT_CHARS = 64 * 1024;

/** What a malformed call keeps of its raw text (for logs and trajectories). */
const RAW_KEPT_CHARS = 2000;

/** Characters of text, reasoning and call arguments in a raw completion. */
export function replyChars(raw: RawCompletion): number {
  let total = 0;
  for (const choice of raw.choices) {
    total += choice.content.length + choice.reasoning.length;
    for (const call of choice.toolCalls) total += call.name.length + call.arguments.length;
  }
  return total;
}

/**
 * Throw `too_large` when the reply holds more text than `maxCompletionTokens` tokens can (no check
 * without a token budget).
 */
export function checkReplySize(raw: RawCompletion, maxCompletionTokens: number | undefined): void {
  if (!maxCompletionTokens || maxCompletionTokens <= 0) return;
  const limit = maxCompletionTokens * MAX_CHARS_PER_TOKEN;
  const chars = replyChars(raw);
  if (chars > limit)
    throw new LlmError(
      "too_large",
      `the model's reply holds ${chars} characters, more than ${maxCompletionTokens} tokens (max_completion_tokens) can carry (${limit}): a misbehaving server`,
    );
}

/** Move calls whose arguments pass `MAX_TOOL_ARGUMENT_CHARS` to `malformed`, and cut long raw texts. */
export function limitToolArguments(turn: AssistantTurn): AssistantTurn {
  const oversized = turn.toolCalls.filter((call) => call.arguments.length > MAX_TOOL_ARGUMENT_CHARS);
  const longRaw = turn.malformed.some((bad) => bad.raw.length > RAW_KEPT_CHARS);
  if (oversized.length === 0 && !longRaw) return turn;
  return {
    ...turn,
    toolCalls: turn.toolCalls.filter((call) => call.arguments.length <= MAX_TOOL_ARGUMENT_CHARS),
    malformed: [
      ...turn.malformed.map((bad) => ({ ...bad, raw: cut(bad.raw) })),
      ...oversized.map((call) => ({
        id: call.id,
        name: call.name,
        raw: cut(call.arguments),
        error: `the arguments are ${call.arguments.length} characters long; the limit is ${MAX_TOOL_ARGUMENT_CHARS}`,
      })),
    ],
  };
}

function cut(text: string): string {
  return text.length <= RAW_KEPT_CHARS
    ? text
    : `${text.slice(0, RAW_KEPT_CHARS)}… [${text.length - RAW_KEPT_CHARS} more chars]`;
}
