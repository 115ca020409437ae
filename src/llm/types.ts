/**
 * Wire and result types of the model client (OpenAI-compatible chat completions).
 * Pure types: no I/O. `AssistantTurn` is what the explore loop consumes; `ChatMessage` is what it sends.
 */

/** A JSON Schema object as sent in a tool's `parameters` (kept loose on purpose: we only read `type`/`properties`). */
export type JsonSchema = { [key: string]: unknown };

/** A tool call as it travels in an assistant message of the history. */
export interface WireToolCall {
  id: string;
  type: "function";
  function: {
    name: string;
    /** The argument JSON as a string (re-sent exactly as the model produced it, or as repaired). */
    arguments: string;
  };
}

/** One message of the conversation, in OpenAI chat format. Reasoning and usage are never re-sent. */
export type ChatMessage =
  | { role: "system"; content: string }
  | { role: "user"; content: string }
  | { role: "assistant"; content: string | null; tool_calls?: WireToolCall[] }
  | { role: "tool"; content: string; tool_call_id: string };

/** A tool offered to the model, in the standard `tools` array form. */
export interface ToolDefinition {
  type: "function";
  function: {
    name: string;
    description: string;
    parameters: JsonSchema;
  };
}

/** `tool_choice` values. Never send `"auto"` by default: vLLM without its parser flags rejects it. */
export type ToolChoice = "auto" | "none" | "required" | { type: "function"; function: { name: string } };

/**
 * Per-request sampling and vendor options. Unset fields are not sent at all, so the server's
 * defaults (generation_config) apply.
 */
export interface ChatRequestOptions {
  /** Overrides the client's model for this request. */
  model?: string;
  temperature?: number;
  top_p?: number;
  /** Not OpenAI; vLLM, SGLang, llama.cpp and Ollama accept it. */
  top_k?: number;
  max_completion_tokens?: number;
  tool_choice?: ToolChoice;
  stop?: string | string[];
  /** e.g. `{ enable_thinking: false }` for Qwen3 templates. */
  chat_template_kwargs?: Record<string, unknown>;
  /** gpt-oss / Ollama (`"none"`). */
  reasoning_effort?: string;
  /**
   * Any other vendor field (`min_p`, `repetition_penalty`, `max_tokens`, `seed`...), merged over the
   * client's `extraBody`. It cannot override `model`, `messages`, `tools`, `stream` or `stream_options`;
   * the named fields above win over it.
   */
  extraBody?: Record<string, unknown>;
}

/** Why generation ended, as the server said (`"tool_calls"` is also set when calls were parsed from content). */
export type FinishReason = "stop" | "tool_calls" | "length" | "content_filter" | (string & {}) | null;

/**
 * A tool call ready to execute. Invariant: `arguments` is the JSON text of an object — the model's own
 * string when it already was one, otherwise `JSON.stringify` of the repaired/parsed object.
 */
export interface ParsedToolCall {
  /** The server's id, or a synthesized `call_` + 8 hex. Unique within a turn. */
  id: string;
  name: string;
  arguments: string;
}

/**
 * A tool call that could not be understood. It still has an id so the loop can answer it with an
 * error tool result (and list it in the assistant message) instead of silently dropping it.
 */
export interface MalformedToolCall {
  id: string;
  /** The tool name when it could be recovered from the broken text. */
  name?: string;
  /** The offending text: the whole block in content mode, the argument string in native mode. */
  raw: string;
  /** Why it failed, phrased for the model. */
  error: string;
}

/** Token counts the server reported for one request. */
export interface UsageCounts {
  promptTokens: number;
  completionTokens: number;
}

/** Where the tool calls of a turn came from. */
export type ToolCallSource = "native" | "content" | "none";

/** One model reply, fully received and parsed. */
export interface AssistantTurn {
  /** Visible text: `<think>` blocks and parsed tool-call blocks removed, trimmed. */
  content: string;
  /** `reasoning_content`/`reasoning` plus any `<think>` text or harmony analysis; "" when none. */
  reasoning: string;
  /** In the order the model issued them. */
  toolCalls: ParsedToolCall[];
  malformed: MalformedToolCall[];
  finishReason: FinishReason;
  usage?: UsageCounts;
  /** `native`: the server's `tool_calls`; `content`: parsed from text; `none`: no calls at all. */
  source: ToolCallSource;
  /** The model id the server reported, when it did. */
  model?: string;
}
