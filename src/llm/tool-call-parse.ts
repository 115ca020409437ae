/**
 * Tool calls written as text (content mode): hermes `<tool_call>{json}</tool_call>` blocks and the
 * variants llama.cpp recovers (`<function name="f">{…}</function>`, `<tool>`, `<tools>`,
 * `<response>`, `<json>`, `<function_call>`, fenced or bare call JSON), the Qwen3-Coder
 * `<function=…>` XML form, and leaked gpt-oss harmony. Used when the server's parser is off or
 * failed. One left-to-right scan, so calls keep the order the model wrote them in and text inside
 * a JSON string or a parameter value is never read as another call. Pure; a broken call becomes a
 * `malformed` entry, which the loop reports to the model.
 */
import { isHarmony } from "./harmony.js";
import { newCallId } from "./ids.js";
import { isRecord, jsonValueEnd, parseJsonLenient } from "./json.js";
import type { ContentParse, ContentParseOptions } from "./parsers/content-types.js";
import { harmonyToParse } from "./parsers/harmony-content.js";
import { normalizeArguments, normalizeToolName } from "./parsers/normalize.js";
import { FUNCTION_OPEN, isToolName, parseFunctionAt, type XmlCall } from "./qwen-xml.js";
import { splitThink } from "./think.js";
import type { MalformedToolCall } from "./types.js";

export type { ContentParse, ContentParseOptions } from "./parsers/content-types.js";
export { normalizeArguments, normalizeToolName };

const TOOL_OPEN = "<tool_call>";
const TOOL_CLOSE = "</tool_call>";
const FENCE = "```";
/** Where a scan step may start: a call tag, a wrapper tag llama.cpp accepts, or a code fence. */
const MARKER =
  /<tool_call>|<function=|<function\s+name\s*=\s*"|<(tools?|TOOLS?|response|RESPONSE|json|JSON|xml|XML|function_call)>|```/g;
const WRAPPER_TAGS = /<(tools?|response|json|xml|function_call)>/i;

/** Cheap check: does this content carry tool calls written as text? */
export function looksLikeToolCallContent(content: string): boolean {
  if (content.includes(TOOL_OPEN) || content.includes(TOOL_CLOSE) || content.includes(FUNCTION_OPEN)) return true;
  if (isHarmony(content)) return true;
  if (/<function\s+name\s*=/.test(content)) return true;
  const namesCall = /"name"\s*:/.test(content) && /"(arguments|parameters)"\s*:/.test(content);
  if (!namesCall) return false;
  return content.includes(FENCE) || WRAPPER_TAGS.test(content) || /^\s*[[{]/.test(content);
}

/** Extract every tool call from `content`, in order. Never throws. */
export function parseToolCallsFromContent(content: string, options: ContentParseOptions = {}): ContentParse {
  if (isHarmony(content)) return harmonyToParse(content, options);
  const out: ContentParse = { calls: [], malformed: [], text: "", reasoning: "" };
  const split = splitThink(content);
  out.reasoning = split.reasoning;
  let text = scan(split.content, options, out);
  if (out.calls.length + out.malformed.length === 0 && bareCalls(text.trim(), options, out)) text = "";
  out.text = tidy(text);
  return out;
}

/** Walk `text` left to right; calls go to `out`, the text that is not a call is returned. */
function scan(text: string, options: ContentParseOptions, out: ContentParse): string {
  let kept = "";
  let last = 0;
  let from = 0;
  const marker = new RegExp(MARKER.source, MARKER.flags);
  for (;;) {
    marker.lastIndex = from;
    const match = marker.exec(text);
    if (!match) break;
    const start = match.index;
    const end = step(text, start, match[0], match[1], options, out);
    if (end === undefined) {
      from = start + match[0].length;
      continue;
    }
    if (end.verbatim) {
      from = end.at;
      continue;
    }
    kept += `${text.slice(last, start)}\n${end.keep ?? ""}`;
    last = from = end.at;
  }
  return kept + text.slice(last);
}

/** Where a construct ends; `keep` is text of it to keep, `verbatim` keeps all of it (a fence that holds no call). */
interface Step {
  at: number;
  keep?: string;
  verbatim?: boolean;
}

/** One construct at `start`: where it ends (and any text of it to keep), or undefined when it is not a call. */
function step(
  text: string,
  start: number,
  tag: string,
  wrapper: string | undefined,
  options: ContentParseOptions,
  out: ContentParse,
): Step | undefined {
  if (tag === TOOL_OPEN) return { at: toolCallBlock(text, start, options, out) };
  if (tag === FUNCTION_OPEN) {
    const parsed = parseFunctionAt(text, start, options.schemas);
    addXml(parsed.call, options, out);
    return { at: skipStrayClose(text, parsed.end) };
  }
  if (tag === FENCE) return fence(text, start, options, out);
  if (wrapper) return wrapped(text, start, tag.length, wrapper, options, out);
  return namedFunction(text, start, tag.length, options, out);
}

/** A `<tool_call>` block: JSON call(s), a Qwen3-Coder function, or a fence holding JSON. */
function toolCallBlock(text: string, start: number, options: ContentParseOptions, out: ContentParse): number {
  const nextOpenAfter = (from: number) => {
    const next = nextTag(text, TOOL_OPEN, from);
    return next < 0 ? text.length : next;
  };
  let limit = nextOpenAfter(start + TOOL_OPEN.length);
  let at = skipSpace(text, start + TOOL_OPEN.length);
  if (text.startsWith(FUNCTION_OPEN, at)) {
    const parsed = parseFunctionAt(text, at, options.schemas);
    addXml(parsed.call, options, out);
    return skipStrayClose(text, parsed.end);
  }
  const closeAt = (from: number) => {
    const close = nextTag(text, TOOL_CLOSE, from);
    return close >= 0 && close < limit ? close : -1;
  };
  if (text.startsWith(FENCE, at)) {
    const close = closeAt(at);
    const blockEnd = close < 0 ? limit : close;
    const raw = text.slice(start, close < 0 ? limit : close + TOOL_CLOSE.length);
    const inner = text
      .slice(at, blockEnd)
      .replace(/^```[\w-]*[ \t]*\r?\n?/, "")
      .replace(/```\s*$/, "");
    addJsonCalls(inner.trim(), raw, options, out);
    return close < 0 ? limit : close + TOOL_CLOSE.length;
  }
  if (text.charAt(at) === "{" || text.charAt(at) === "[") {
    const first = out.calls.length + out.malformed.length;
    const pieces: Array<{ from: number; to: number }> = [];
    while (at < limit && (text.charAt(at) === "{" || text.charAt(at) === "[")) {
      // The JSON's own braces say where it ends: a <tool_call> inside one of its strings is text.
      let end = jsonValueEnd(text, at, TOOL_OPEN);
      if (end > limit) {
        limit = nextOpenAfter(end);
      } else if (end < 0) {
        // Unterminated JSON ends at the block's close or the next block, for the repair pass.
        end = closeAt(at) >= 0 ? closeAt(at) : limit;
      }
      pieces.push({ from: at, to: end });
      at = skipSpace(text, end);
    }
    const close = closeAt(at);
    const between = close >= 0 ? text.slice(at, close) : "";
    const blockEnd = close >= 0 && !between.includes("<") ? close + TOOL_CLOSE.length : at;
    const raw = text.slice(start, blockEnd);
    for (const piece of pieces) addJsonCalls(text.slice(piece.from, piece.to), raw, options, out);
    if (out.calls.length + out.malformed.length === first)
      addMalformed(out, raw, "the <tool_call> block holds no call");
    return blockEnd;
  }
  const close = closeAt(at);
  const end = close < 0 ? limit : close + TOOL_CLOSE.length;
  const raw = text.slice(start, end);
  const body = text.slice(at, close < 0 ? limit : close).trim();
  addMalformed(out, raw, body ? "the <tool_call> block holds no JSON object" : "the <tool_call> block is empty");
  return end;
}

/** llama.cpp's `<function name="f">{json}</function>`. */
function namedFunction(
  text: string,
  start: number,
  openLength: number,
  options: ContentParseOptions,
  out: ContentParse,
): { at: number } | undefined {
  const nameEnd = text.indexOf('"', start + openLength);
  if (nameEnd < 0 || text.charAt(skipSpace(text, nameEnd + 1)) !== ">") return undefined;
  const name = text.slice(start + openLength, nameEnd);
  const bodyStart = skipSpace(text, skipSpace(text, nameEnd + 1) + 1);
  const end = text.charAt(bodyStart) === "{" ? jsonValueEnd(text, bodyStart) : -1;
  if (end < 0) return undefined;
  const after = skipSpace(text, end);
  const close = text.startsWith("</function>", after) ? after + "</function>".length : end;
  addObjectCall({ name, arguments: text.slice(bodyStart, end) }, text.slice(start, close), options, out);
  return { at: close };
}

/** `<tool>`, `<tools>`, `<response>`, `<json>`, `<xml>`, `<function_call>`: only when they hold call JSON. */
function wrapped(
  text: string,
  start: number,
  openLength: number,
  tag: string,
  options: ContentParseOptions,
  out: ContentParse,
): { at: number } | undefined {
  const items: unknown[] = [];
  let end = start + openLength;
  for (;;) {
    const bodyStart = skipSpace(text, end);
    const valueEnd = "{[".includes(text.charAt(bodyStart) || "x") ? jsonValueEnd(text, bodyStart) : -1;
    const found = valueEnd < 0 ? undefined : callItems(text.slice(bodyStart, valueEnd), options);
    if (!found) break;
    items.push(...found);
    end = valueEnd;
  }
  if (items.length === 0) return undefined;
  const after = skipSpace(text, end);
  const closeTag = `</${tag}>`;
  const close = text.slice(after, after + closeTag.length).toLowerCase() === closeTag.toLowerCase();
  const stop = close ? after + closeTag.length : end;
  for (const item of items) addObjectCall(item, text.slice(start, stop), options, out);
  return { at: stop };
}

/** A code fence: calls inside it are read; a fence left holding nothing else is dropped. */
function fence(text: string, start: number, options: ContentParseOptions, out: ContentParse): Step | undefined {
  const lineEnd = text.indexOf("\n", start);
  const close = lineEnd < 0 ? -1 : text.indexOf(FENCE, lineEnd);
  if (close < 0) return undefined;
  const header = text.slice(start, lineEnd + 1);
  const body = text.slice(lineEnd + 1, close);
  const end = close + FENCE.length;
  const inner: ContentParse = { calls: [], malformed: [], text: "", reasoning: "" };
  const rest = scan(body, options, inner);
  if (inner.calls.length + inner.malformed.length > 0) {
    out.calls.push(...inner.calls);
    out.malformed.push(...inner.malformed);
    return { at: end, keep: rest.trim() ? `${header}${rest.trim()}\n${FENCE}` : "" };
  }
  if (!body.trim()) return { at: end };
  return bareCalls(body.trim(), options, out) ? { at: end } : { at: end, verbatim: true };
}

/**
 * JSON that is a call or a list of calls standing alone (a fence body, or the whole message). With
 * no tag saying "call", it must name an offered tool and fit that tool's parameters.
 */
function bareCalls(body: string, options: ContentParseOptions, out: ContentParse): boolean {
  if (!options.knownTools?.length || !/^[[{]/.test(body) || jsonValueEnd(body, 0) !== body.length) return false;
  const items = callItems(body, options);
  if (!items?.every((item) => fitsSchema(item, options))) return false;
  for (const item of items) addObjectCall(item, body, options, out);
  return true;
}

/** The call objects of `json`, or undefined unless every item names an offered tool (any tool when none are known). */
function callItems(json: string, options: ContentParseOptions): unknown[] | undefined {
  const parsed = parseJsonLenient(json);
  if (!parsed.ok) return undefined;
  const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  const isCall = (item: unknown) => {
    const call = unwrapFunction(item);
    if (!call || typeof call.name !== "string" || !("arguments" in call || "parameters" in call)) return false;
    if (!isToolName(call.name.trim())) return false;
    const args = normalizeArguments("arguments" in call ? call.arguments : call.parameters);
    if (!args.ok) return false;
    return !options.knownTools || options.knownTools.includes(normalizeToolName(call.name, options.knownTools));
  };
  return items.length > 0 && items.every(isCall) ? items : undefined;
}

/** Every argument is a parameter of the tool and every required parameter is given (when the schema says). */
function fitsSchema(item: unknown, options: ContentParseOptions): boolean {
  const call = unwrapFunction(item);
  if (!call || typeof call.name !== "string") return false;
  const schema = options.schemas?.[normalizeToolName(call.name, options.knownTools)];
  const args = normalizeArguments("arguments" in call ? call.arguments : call.parameters);
  if (!schema || !args.ok) return args.ok;
  const given = JSON.parse(args.json) as Record<string, unknown>;
  const properties = isRecord(schema.properties) ? schema.properties : undefined;
  if (
    properties &&
    Object.keys(properties).length > 0 &&
    !Object.keys(given).every((key) => Object.hasOwn(properties, key))
  ) {
    return false;
  }
  const required = Array.isArray(schema.required) ? schema.required : [];
  return required.every((key) => typeof key !== "string" || Object.hasOwn(given, key));
}

function addJsonCalls(json: string, raw: string, options: ContentParseOptions, out: ContentParse): void {
  const parsed = parseJsonLenient(json);
  if (!parsed.ok) return addMalformed(out, raw, `the <tool_call> block is not valid JSON (${parsed.error})`);
  const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  for (const item of items) addObjectCall(item, raw, options, out);
}

function unwrapFunction(value: unknown): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  return isRecord(value.function) ? value.function : value;
}

function addObjectCall(value: unknown, raw: string, options: ContentParseOptions, out: ContentParse): void {
  const call = unwrapFunction(value);
  if (!call) return addMalformed(out, raw, 'expected a JSON object like {"name": …, "arguments": {…}}');
  if (typeof call.name !== "string" || !call.name.trim()) return addMalformed(out, raw, "the tool call has no name");
  if (!isToolName(call.name.trim())) return addMalformed(out, raw, `"${call.name}" is not a tool name`);
  const name = normalizeToolName(call.name, options.knownTools);
  const args = normalizeArguments("arguments" in call ? call.arguments : call.parameters);
  if (!args.ok) return addMalformed(out, raw, args.error, name);
  out.calls.push({ id: newCallId(), name, arguments: args.json });
}

function addXml(call: XmlCall, options: ContentParseOptions, out: ContentParse): void {
  if (!call.ok) return addMalformed(out, call.raw, call.error, call.name);
  out.calls.push({
    id: newCallId(),
    name: normalizeToolName(call.name, options.knownTools),
    arguments: JSON.stringify(call.args),
  });
}

function addMalformed(out: ContentParse, raw: string, error: string, name?: string): void {
  const recovered = name ?? /"name"\s*:\s*"([^"]+)"/.exec(raw)?.[1] ?? /<function=([^>\s]+)>/.exec(raw)?.[1];
  const entry: MalformedToolCall = { id: newCallId(), raw, error };
  if (recovered) entry.name = recovered;
  out.malformed.push(entry);
}

/** After a function, a `</tool_call>` left without its opening tag belongs to it (Qwen3-Coder drops the first opener). */
function skipStrayClose(text: string, from: number): number {
  const at = skipSpace(text, from);
  return text.startsWith(TOOL_CLOSE, at) ? at + TOOL_CLOSE.length : from;
}

/**
 * `text.indexOf(tag, from)`, remembering the last answer per text and tag: a message of many unclosed
 * blocks would otherwise rescan to its end for every block.
 */
const lastTagSearch = new Map<string, { text: string; from: number; at: number }>();
function nextTag(text: string, tag: string, from: number): number {
  const last = lastTagSearch.get(tag);
  if (last && last.text === text && from >= last.from && (last.at < 0 || last.at >= from)) return last.at;
  const at = text.indexOf(tag, from);
  lastTagSearch.set(tag, { text, from, at });
  return at;
}

function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && /\s/.test(text.charAt(at))) at++;
  return at;
}

/** The visible text: a `</tool_call>` no call claimed is a leftover of the format, not prose. */
function tidy(text: string): string {
  return text
    .split(TOOL_CLOSE)
    .join("")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
