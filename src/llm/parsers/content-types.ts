/** Shared contracts of the content-mode tool-call parsers (see tool-call-parse.ts). */
import type { JsonSchema, MalformedToolCall, ParsedToolCall } from "../types.js";

/** What the parser knows about the offered tools. */
export interface ContentParseOptions {
  /** Names of the offered tools: used to fix the case/prefix of names and to accept bare call JSON. */
  knownTools?: string[];
  /** Parameter schemas by tool name, to type Qwen3-Coder XML values and to tell a value's end. */
  schemas?: Record<string, JsonSchema>;
}

/** The calls, broken calls and remaining text of one message. */
export interface ContentParse {
  /** In the order the model wrote them. */
  calls: ParsedToolCall[];
  malformed: MalformedToolCall[];
  /** The visible content with tool-call blocks and reasoning removed, trimmed. */
  text: string;
  /** `<think>` text and harmony analysis found in the content. */
  reasoning: string;
}
