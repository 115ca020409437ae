/**
 * Leaked gpt-oss harmony → calls, content and reasoning: a message with a recipient is a call, the
 * analysis channel is reasoning, other assistant channels are content, and messages another author
 * wrote (a tool's echoed reply) are neither. Pure.
 */
import { parseHarmony } from "../harmony.js";
import { newCallId } from "../ids.js";
import { isToolName } from "../qwen-xml.js";
import type { ContentParse, ContentParseOptions } from "./content-types.js";
import { normalizeArguments, normalizeToolName } from "./normalize.js";

/** Parse harmony text (the caller checked `isHarmony`). */
export function harmonyToParse(content: string, options: ContentParseOptions): ContentParse {
  const out: ContentParse = { calls: [], malformed: [], text: "", reasoning: "" };
  const parsed = parseHarmony(content);
  const visible: string[] = parsed.outside.map((piece) => piece.trim());
  const reasoning: string[] = [];
  for (const message of parsed.messages) {
    if (message.headerError) {
      out.malformed.push({ id: newCallId(), raw: message.raw, error: message.headerError });
    } else if (message.toAssistant) {
      // A tool's reply or a message the model addressed to itself: not part of its answer.
    } else if (message.headerOnly && (message.recipient || !message.terminated)) {
      // A header cut off before <|message|> (max tokens) carries no text; a call without its
      // arguments is reported, never run with guessed ones.
      if (message.recipient) {
        const name = normalizeToolName(message.recipient, options.knownTools);
        const error = "the call was cut off before its <|message|> with the arguments";
        out.malformed.push({ id: newCallId(), name, raw: message.raw, error });
      }
    } else if (message.recipient) {
      const name = normalizeToolName(message.recipient, options.knownTools);
      const args = normalizeArguments(message.body);
      if (!isToolName(name)) {
        out.malformed.push({ id: newCallId(), name, raw: message.raw, error: `"${name}" is not a tool name` });
      } else if (args.ok) {
        out.calls.push({ id: newCallId(), name, arguments: args.json });
      } else {
        out.malformed.push({ id: newCallId(), name, raw: message.raw, error: args.error });
      }
    } else if (message.author) {
      // A tool's reply echoed by the model is neither its answer nor its reasoning.
    } else if (message.channel === "analysis") {
      reasoning.push(message.body.trim());
    } else {
      visible.push(message.body.trim());
    }
  }
  out.text = visible.filter(Boolean).join("\n\n");
  out.reasoning = reasoning.filter(Boolean).join("\n\n");
  return out;
}
