/**
 * Tool calls written as text (content mode): hermes `<tool_call>{json}</tool_call>` blocks, the
 * Qwen3-Coder `<function=…>` XML form, fenced `{"name","arguments"}` JSON, and leaked gpt-oss harmony.
 * Used when the server's parser is off or failed. Pure; a broken call becomes a `malformed` entry.
 */
import { isHarmony, parseHarmony } from "./harmony.js";
import { newCallId } from "./ids.js";
import { findJsonValues, isRecord, parseJsonLenient } from "./json.js";
import { findFunctionSpans, parseFunctionXml } from "./qwen-xml.js";
import { splitThink } from "./think.js";
import type { JsonSchema, MalformedToolCall, ParsedToolCall } from "./types.js";

/** What the parser knows about the offered tools. */
export interface ContentParseOptions {
  /** Names of the offered tools: used to fix the case/prefix of names and to accept bare fenced JSON. */
  knownTools?: string[];
  /** Parameter schemas by tool name, to type Qwen3-Coder XML values. */
  schemas?: Record<string, JsonSchema>;
}

/** The calls, broken calls and remaining text of one message. */
export interface ContentParse {
  calls: ParsedToolCall[];
  malformed: MalformedToolCall[];
  /** The visible content with tool-call blocks and reasoning removed, trimmed. */
  text: string;
  /** `<think>` text and harmony analysis found in the content. */
  reasoning: string;
}

const TOOL_OPEN = "<tool_call>";
const TOOL_CLOSE = "</tool_call>";
const FENCE = /```[ \t]*([\w-]*)[ \t]*\r?\n?([\s\S]*?)```/g;

/** Cheap check: does this content carry tool calls written as text? */
export function looksLikeToolCallContent(content: string): boolean {
  if (content.includes(TOOL_OPEN) || content.includes("<function=") || isHarmony(content)) return true;
  return content.includes("```") && /"name"\s*:/.test(content) && /"(arguments|parameters)"\s*:/.test(content);
}

/** Extract every tool call from `content`, in order. Never throws. */
export function parseToolCallsFromContent(content: string, options: ContentParseOptions = {}): ContentParse {
  const out: ContentParse = { calls: [], malformed: [], text: "", reasoning: "" };
  if (isHarmony(content)) return parseHarmonyContent(content, options, out);

  const split = splitThink(content);
  out.reasoning = split.reasoning;
  let text = split.content;
  text = removeSpans(text, findTaggedBlocks(text), (raw, body) => parseBlockBody(raw, body, options, out));
  text = removeSpans(text, findFunctionSpans(text), (raw) => addXml(raw, options, out));
  // A fence left empty had wrapped removed blocks; a fence holding call JSON is itself the call.
  text = text.replace(FENCE, (whole: string, _lang: string, body: string) =>
    !body.trim() || parseFencedCalls(body, options, out) ? "" : whole,
  );
  out.text = text.replace(/\n{3,}/g, "\n\n").trim();
  return out;
}

/**
 * Make a model-produced argument value into the JSON text of an object: a valid object string is
 * kept verbatim; a repairable one is re-serialized; an object is serialized; empty means `{}`.
 */
export function normalizeArguments(args: unknown): { ok: true; json: string } | { ok: false; error: string } {
  if (args === undefined || args === null) return { ok: true, json: "{}" };
  if (isRecord(args)) return { ok: true, json: JSON.stringify(args) };
  if (typeof args !== "string") return { ok: false, error: "arguments must be a JSON object" };
  const trimmed = args.trim();
  if (!trimmed) return { ok: true, json: "{}" };
  const parsed = parseJsonLenient(trimmed);
  if (!parsed.ok) return { ok: false, error: `arguments are not valid JSON (${parsed.error})` };
  if (!isRecord(parsed.value)) return { ok: false, error: "arguments must be a JSON object" };
  return { ok: true, json: parsed.repaired ? JSON.stringify(parsed.value) : args };
}

/**
 * Map a model-written name onto an offered tool: exact match, then without a `functions.` prefix,
 * then a unique case-insensitive match. Unknown names are returned as written.
 */
export function normalizeToolName(name: string, knownTools?: string[]): string {
  const trimmed = name.trim();
  if (!knownTools || knownTools.includes(trimmed)) return trimmed;
  const bare = trimmed.replace(/^functions\./, "");
  if (knownTools.includes(bare)) return bare;
  const folded = knownTools.filter((tool) => tool.toLowerCase() === bare.toLowerCase());
  return folded.length === 1 ? (folded[0] ?? bare) : trimmed;
}

interface Span {
  start: number;
  end: number;
}

/** `<tool_call>` blocks; a block missing its close ends at the next `<tool_call>` or at the end. */
function findTaggedBlocks(text: string): Span[] {
  const spans: Span[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(TOOL_OPEN, from);
    if (start < 0) return spans;
    const close = text.indexOf(TOOL_CLOSE, start);
    const next = text.indexOf(TOOL_OPEN, start + TOOL_OPEN.length);
    let end = text.length;
    if (close >= 0 && (next < 0 || close < next)) end = close + TOOL_CLOSE.length;
    else if (next >= 0) end = next;
    spans.push({ start, end });
    from = end;
  }
}

/** Hand each span to `handle` and cut it out of the text. */
function removeSpans(text: string, spans: Span[], handle: (raw: string, body: string) => void): string {
  let kept = "";
  let last = 0;
  for (const span of spans) {
    const raw = text.slice(span.start, span.end);
    handle(raw, raw.replace(TOOL_OPEN, "").replace(TOOL_CLOSE, ""));
    kept += `${text.slice(last, span.start)}\n`;
    last = span.end;
  }
  return kept + text.slice(last);
}

function parseBlockBody(raw: string, rawBody: string, options: ContentParseOptions, out: ContentParse): void {
  const body = stripFence(rawBody.trim());
  if (body.startsWith("<function=")) {
    for (const span of findFunctionSpans(body)) addXml(body.slice(span.start, span.end), options, out);
    return;
  }
  const spans = findJsonValues(body);
  if (spans.length === 0) {
    addMalformed(out, raw, body ? "the <tool_call> block holds no JSON object" : "the <tool_call> block is empty");
    return;
  }
  for (const span of spans) {
    const parsed = parseJsonLenient(body.slice(span.start, span.end));
    if (!parsed.ok) {
      addMalformed(out, raw, `the <tool_call> block is not valid JSON (${parsed.error})`);
      continue;
    }
    const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
    for (const item of items) addObjectCall(item, raw, options, out);
  }
}

/** Fenced JSON that is a call or a list of calls; returns false (text kept) when it is not. */
function parseFencedCalls(body: string, options: ContentParseOptions, out: ContentParse): boolean {
  const parsed = parseJsonLenient(body.trim());
  if (!parsed.ok) return false;
  const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  const isCall = (item: unknown) => {
    const call = unwrapFunction(item);
    if (!call || typeof call.name !== "string" || !("arguments" in call || "parameters" in call)) return false;
    return !options.knownTools || options.knownTools.includes(normalizeToolName(call.name, options.knownTools));
  };
  if (items.length === 0 || !items.every(isCall)) return false;
  for (const item of items) addObjectCall(item, body, options, out);
  return true;
}

function unwrapFunction(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  return isRecord(value.function) ? value.function : value;
}

function addObjectCall(value: unknown, raw: string, options: ContentParseOptions, out: ContentParse): void {
  const call = unwrapFunction(value);
  if (!call) return addMalformed(out, raw, 'expected a JSON object like {"name": …, "arguments": {…}}');
  if (typeof call.name !== "string" || !call.name.trim()) return addMalformed(out, raw, "the tool call has no name");
  const name = normalizeToolName(call.name, options.knownTools);
  const args = normalizeArguments("arguments" in call ? call.arguments : call.parameters);
  if (!args.ok) return addMalformed(out, raw, args.error, name);
  out.calls.push({ id: newCallId(), name, arguments: args.json });
}

function addXml(raw: string, options: ContentParseOptions, out: ContentParse): void {
  const parsed = parseFunctionXml(raw, options.schemas);
  if (!parsed.ok) return addMalformed(out, raw, parsed.error, parsed.name);
  out.calls.push({
    id: newCallId(),
    name: normalizeToolName(parsed.name, options.knownTools),
    arguments: JSON.stringify(parsed.args),
  });
}

function addMalformed(out: ContentParse, raw: string, error: string, name?: string): void {
  const recovered = name ?? /"name"\s*:\s*"([^"]+)"/.exec(raw)?.[1] ?? /<function=([^>\s]+)>/.exec(raw)?.[1];
  const entry: MalformedToolCall = { id: newCallId(), raw, error };
  if (recovered) entry.name = recovered;
  out.malformed.push(entry);
}

function stripFence(body: string): string {
  const fenced = /^```[\w-]*[ \t]*\r?\n?([\s\S]*?)(```)?$/.exec(body);
  return fenced ? (fenced[1] ?? "").trim() : body;
}

function parseHarmonyContent(content: string, options: ContentParseOptions, out: ContentParse): ContentParse {
  const parsed = parseHarmony(content);
  const visible: string[] = parsed.outside.map((piece) => piece.trim());
  const reasoning: string[] = [];
  for (const message of parsed.messages) {
    if (message.recipient) {
      const name = normalizeToolName(message.recipient, options.knownTools);
      const args = normalizeArguments(message.body);
      if (args.ok) out.calls.push({ id: newCallId(), name, arguments: args.json });
      else addMalformed(out, message.raw, args.error, name);
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
