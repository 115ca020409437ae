/**
 * Turn server output into one raw completion: merge streamed `chat.completion.chunk` deltas (tool
 * calls by `index`, reasoning kept apart, usage from the last usage chunk), or read a
 * non-streamed `chat.completion`. No parsing of content here (see finalize.ts).
 */
import { inStreamError } from "./errors.js";
import { isRecord } from "./json.js";
import type { UsageCounts } from "./types.js";

/** A tool call as received, before normalization. */
export interface RawToolCall {
  /** As sent; "" when the server sent none. */
  id: string;
  /** "" when the server sent none. */
  name: string;
  arguments: string;
}

/** One choice as received: text, reasoning and calls accumulated. */
export interface RawChoice {
  index: number;
  content: string;
  reasoning: string;
  toolCalls: RawToolCall[];
  finishReason: string | null;
}

/** A whole response before parsing: what streaming and non-streaming both reduce to. */
export interface RawCompletion {
  choices: RawChoice[];
  usage?: UsageCounts;
  model?: string;
}

/** A piece of streamed text, for display. */
export interface Delta {
  channel: "content" | "reasoning";
  text: string;
}

const REASONING_FIELDS = ["reasoning_content", "reasoning", "reasoning_text"] as const;

/** Merges the chunks of one streamed response. `push` throws `LlmError` for an in-stream error object. */
export class StreamAccumulator {
  private readonly choices = new Map<number, RawChoice & { keys: Map<string, RawToolCall>; lastKey?: string }>();
  private usage?: UsageCounts;
  private model?: string;
  private nextKey = 0;
  /** True once any choice reported a `finish_reason`. */
  finished = false;

  /** Merge one parsed chunk; returns its text deltas, in order, for display. */
  push(chunk: unknown): Delta[] {
    if (!isRecord(chunk)) return [];
    if (chunk.error !== undefined && chunk.error !== null) throw inStreamError(chunk);
    if (typeof chunk.model === "string") this.model = chunk.model;
    const usage = readUsage(chunk.usage);
    if (usage) this.usage = usage;
    const deltas: Delta[] = [];
    if (!Array.isArray(chunk.choices)) return deltas;
    for (const rawChoice of chunk.choices) {
      if (!isRecord(rawChoice)) continue;
      const choice = this.choice(typeof rawChoice.index === "number" ? rawChoice.index : 0);
      const delta = isRecord(rawChoice.delta) ? rawChoice.delta : {};
      const reasoning = readReasoning(delta);
      if (reasoning) {
        choice.reasoning += reasoning;
        deltas.push({ channel: "reasoning", text: reasoning });
      }
      if (typeof delta.content === "string" && delta.content) {
        choice.content += delta.content;
        deltas.push({ channel: "content", text: delta.content });
      }
      if (Array.isArray(delta.tool_calls))
        for (const fragment of delta.tool_calls) this.mergeToolCall(choice, fragment);
      if (typeof rawChoice.finish_reason === "string") {
        choice.finishReason = rawChoice.finish_reason;
        this.finished = true;
      }
    }
    return deltas;
  }

  result(): RawCompletion {
    const choices = [...this.choices.values()]
      .sort((a, b) => a.index - b.index)
      .map(({ keys: _keys, lastKey: _lastKey, ...choice }) => choice);
    return { choices, usage: this.usage, model: this.model };
  }

  private choice(index: number) {
    let choice = this.choices.get(index);
    if (!choice) {
      choice = { index, content: "", reasoning: "", toolCalls: [], finishReason: null, keys: new Map() };
      this.choices.set(index, choice);
    }
    return choice;
  }

  /**
   * Fragments are keyed by `index`. Without one (some llama.cpp/Ollama versions), a fragment carrying
   * an id or name starts a new call and a bare arguments fragment continues the last one.
   */
  private mergeToolCall(
    choice: RawChoice & { keys: Map<string, RawToolCall>; lastKey?: string },
    fragment: unknown,
  ): void {
    if (!isRecord(fragment)) return;
    const fn = isRecord(fragment.function) ? fragment.function : {};
    const id = typeof fragment.id === "string" ? fragment.id : "";
    const name = typeof fn.name === "string" ? fn.name : "";
    const args =
      typeof fn.arguments === "string" ? fn.arguments : isRecord(fn.arguments) ? JSON.stringify(fn.arguments) : "";

    let key: string | undefined;
    if (typeof fragment.index === "number") key = `i${fragment.index}`;
    else if (id || name) key = [...choice.keys].find(([, call]) => id && call.id === id)?.[0] ?? `n${this.nextKey++}`;
    else key = choice.lastKey;
    if (key === undefined) key = `n${this.nextKey++}`;

    let call = choice.keys.get(key);
    // The same index reused with a different id is a new call, not a continuation.
    if (call && id && call.id && call.id !== id) {
      key = `n${this.nextKey++}`;
      call = undefined;
    }
    if (!call) {
      call = { id: "", name: "", arguments: "" };
      choice.keys.set(key, call);
      choice.toolCalls.push(call);
    }
    if (id && !call.id) call.id = id;
    if (name && !call.name) call.name = name;
    call.arguments += args;
    choice.lastKey = key;
  }
}

/** Read a non-streamed `chat.completion` body. Throws `LlmError` for an `{"error": …}` body. */
export function completionFromJson(body: unknown): RawCompletion {
  if (!isRecord(body)) return { choices: [] };
  if (body.error !== undefined && body.error !== null) throw inStreamError(body);
  const choices: RawChoice[] = [];
  const list = Array.isArray(body.choices) ? body.choices : [];
  list.forEach((raw: unknown, position: number) => {
    if (!isRecord(raw)) return;
    const message = isRecord(raw.message) ? raw.message : {};
    const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
    choices.push({
      index: typeof raw.index === "number" ? raw.index : position,
      content: typeof message.content === "string" ? message.content : "",
      reasoning: readReasoning(message),
      toolCalls: calls.filter(isRecord).map((call) => {
        const fn = isRecord(call.function) ? call.function : {};
        return {
          id: typeof call.id === "string" ? call.id : "",
          name: typeof fn.name === "string" ? fn.name : "",
          arguments:
            typeof fn.arguments === "string"
              ? fn.arguments
              : isRecord(fn.arguments)
                ? JSON.stringify(fn.arguments)
                : "",
        };
      }),
      finishReason: typeof raw.finish_reason === "string" ? raw.finish_reason : null,
    });
  });
  choices.sort((a, b) => a.index - b.index);
  return { choices, usage: readUsage(body.usage), model: typeof body.model === "string" ? body.model : undefined };
}

/** The first non-empty reasoning field: servers that send two aliases send the same text twice. */
function readReasoning(record: Record<string, unknown>): string {
  for (const field of REASONING_FIELDS) {
    const value = record[field];
    if (typeof value === "string" && value) return value;
  }
  return "";
}

function readUsage(value: unknown): UsageCounts | undefined {
  if (!isRecord(value)) return undefined;
  const prompt = value.prompt_tokens;
  const completion = value.completion_tokens;
  if (typeof prompt !== "number" && typeof completion !== "number") return undefined;
  return {
    promptTokens: typeof prompt === "number" ? prompt : 0,
    completionTokens: typeof completion === "number" ? completion : 0,
  };
}
