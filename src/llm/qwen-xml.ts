/**
 * The Qwen3-Coder XML tool-call form:
 * `<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>…</function>`, read structurally from a
 * position in a larger text. A parameter value is a value: tag-like text inside it (a file that
 * itself holds `</parameter>` or a whole `<tool_call>`) stays in the value, because a close only
 * counts when tags opened inside the value are balanced and what follows it is structure (another
 * offered parameter, `</function>`, `</tool_call>`, the end). Pure; never throws.
 */
import { isRecord, jsonValueEnd, parseJsonLenient } from "./json.js";
import { coerceValue } from "./parsers/schema-values.js";
import type { JsonSchema } from "./types.js";

export { coerceValue };

/** One parsed `<function=…>`: arguments, or why it failed. */
export type XmlCall =
  | { ok: true; name: string; args: Record<string, unknown>; raw: string }
  | { ok: false; name?: string; raw: string; error: string };

export const FUNCTION_OPEN = "<function=";
const FUNCTION_CLOSE = "</function>";
const PARAM_OPEN = "<parameter=";
const PARAM_CLOSE = "</parameter>";
const TOOL_OPEN = "<tool_call>";
const TOOL_CLOSE = "</tool_call>";

/** The tags that open or close structure, found while walking a value. */
const STRUCTURE_TAG = /<parameter=([^>\n]*)>|<\/parameter>|<tool_call>|<\/tool_call>|<function=[^>\n]*>|<\/function>/g;
/** A close marker the model let drift (`</parameter1>`, `</parameter_x>`, a bare `</parameter`) at a value's end. */
const DRIFTED_CLOSE = /\r?\n?<\/parameter[^\s>]*>?\s*$/;
const MAX_TAGS_AFTER_IMPLICIT = 64;
/** Tool names are identifiers; an unrendered template (`{{ tc.name }}`) or prose is not a call. */
const TOOL_NAME = /^[A-Za-z0-9_][\w.:/-]*$/;

/** True when `name` can be a tool name at all. */
export function isToolName(name: string): boolean {
  return TOOL_NAME.test(name) && name.length <= 128;
}

/**
 * Parse the `<function=` that starts at `start`. Returns the call and where it ends (after
 * `</function>`, or where the text stops being this function when the close is missing).
 */
export function parseFunctionAt(
  text: string,
  start: number,
  schemas?: Record<string, JsonSchema>,
): { call: XmlCall; end: number } {
  const headerEnd = text.indexOf(">", start);
  const nameEnd = firstOf(text, ["\n", "<"], start + FUNCTION_OPEN.length);
  if (headerEnd < 0 || nameEnd < headerEnd) {
    const end = unclosedEnd(text, start);
    const name = text.slice(start + FUNCTION_OPEN.length, Math.min(nameEnd, end)).trim();
    const call: XmlCall = {
      ok: false,
      raw: text.slice(start, end),
      error: "a <function= tag that is never closed with >",
    };
    if (name) call.name = name;
    return { call, end };
  }
  const name = text.slice(start + FUNCTION_OPEN.length, headerEnd).trim();
  const properties = propertiesOf(schemas?.[name]);
  const args: Record<string, unknown> = {};
  let at = headerEnd + 1;
  let error: string | undefined;

  for (;;) {
    at = skipSpace(text, at);
    if (at >= text.length) break;
    if (text.startsWith(FUNCTION_CLOSE, at)) {
      at += FUNCTION_CLOSE.length;
      break;
    }
    if (text.startsWith(PARAM_OPEN, at)) {
      const keyEnd = text.indexOf(">", at);
      const lineEnd = firstOf(text, ["\n"], at);
      if (keyEnd < 0 || lineEnd < keyEnd) {
        error = "a <parameter= tag that is never closed with >";
        at = unclosedEnd(text, at);
        break;
      }
      const key = text.slice(at + PARAM_OPEN.length, keyEnd).trim();
      if (!key) {
        error = "a <parameter=> tag without a name";
        at = unclosedEnd(text, at);
        break;
      }
      const value = readValue(text, keyEnd + 1, key, args, properties);
      args[key] = coerceValue(value.text, properties?.[key]);
      at = value.next;
      continue;
    }
    if (text.startsWith(TOOL_CLOSE, at) || text.startsWith(TOOL_OPEN, at) || text.startsWith(FUNCTION_OPEN, at)) break;
    if (Object.keys(args).length === 0 && (text.charAt(at) === "{" || text.charAt(at) === "[")) {
      // Some models put a JSON object inside the function tag instead of parameter tags.
      const end = jsonValueEnd(text, at);
      const parsed = parseJsonLenient(text.slice(at, end < 0 ? unclosedEnd(text, at) : end));
      if (parsed.ok && isRecord(parsed.value)) Object.assign(args, parsed.value);
      else error = `could not read the parameters of <function=${name}>`;
      at = end < 0 ? unclosedEnd(text, at) : end;
      continue;
    }
    // Stray text inside the function: skip it up to the next tag of this function.
    const next = firstOf(text, [PARAM_OPEN, FUNCTION_CLOSE, TOOL_CLOSE, TOOL_OPEN, FUNCTION_OPEN], at + 1);
    error ??= `unexpected text inside <function=${name}>`;
    at = next;
  }

  const raw = text.slice(start, at);
  if (!name) return { call: { ok: false, raw, error: "a <function=NAME> tag without a tool name" }, end: at };
  if (!isToolName(name)) return { call: { ok: false, name, raw, error: `"${name}" is not a tool name` }, end: at };
  if (error && Object.keys(args).length === 0) return { call: { ok: false, name, raw, error }, end: at };
  return { call: { ok: true, name, args, raw }, end: at };
}

/**
 * Where the value that starts at `from` ends, and where parsing resumes. Tags opened inside the
 * value are counted so that their closes are not taken for the value's own; a close at depth 0 only
 * counts when structure follows it. Without such a close the value ends at the first offered
 * parameter that opens at depth 0, else at the first close at depth 0, else at `</function>`
 * (the first one followed by structure, or failing that the first one at all).
 */
function readValue(
  text: string,
  from: number,
  key: string,
  assigned: Record<string, unknown>,
  properties: Record<string, unknown> | undefined,
): { text: string; next: number } {
  const isNextParameter = (name: string) =>
    name !== key && !Object.hasOwn(assigned, name) && (!properties || Object.hasOwn(properties, name));
  let depth = 0;
  let implicitEnd = -1;
  let looseClose = -1;
  let functionClose = -1;
  let stop = text.length;
  // Literal tags inside one value are few; past this many tags after a depth-0 parameter open the
  // walk stops looking for a later close, so a long unclosed list of parameters stays linear.
  let tagsAfterImplicit = 0;
  STRUCTURE_TAG.lastIndex = from;
  for (let match = STRUCTURE_TAG.exec(text); match; match = STRUCTURE_TAG.exec(text)) {
    const tag = match[0];
    const at = match.index;
    if (implicitEnd >= 0 && ++tagsAfterImplicit > MAX_TAGS_AFTER_IMPLICIT) break;
    if (tag === PARAM_CLOSE) {
      if (depth === 0) {
        if (followsStructure(text, at + tag.length, isNextParameter)) {
          return { text: stripOneNewline(text.slice(from, at)), next: at + tag.length };
        }
        if (looseClose < 0) looseClose = at;
      }
      depth = Math.max(0, depth - 1);
    } else if (tag.startsWith(PARAM_OPEN)) {
      if (depth === 0 && implicitEnd < 0 && isNextParameter((match[1] ?? "").trim())) implicitEnd = at;
      depth++;
    } else if (tag === FUNCTION_CLOSE && depth === 0) {
      // The function ends here when structure follows; a `</function>` followed by more text may be
      // part of the value (code that contains the tag), so the walk goes on and keeps it as a fallback.
      if (endsCall(text, at + tag.length)) {
        stop = at;
        break;
      }
      if (functionClose < 0) functionClose = at;
    } else if (tag === FUNCTION_CLOSE || tag === TOOL_CLOSE) {
      depth = Math.max(0, depth - 1);
    } else {
      depth++;
    }
  }
  const limit = functionClose >= 0 ? functionClose : stop;
  if (implicitEnd > limit) implicitEnd = -1;
  if (looseClose >= 0 && looseClose < limit && (implicitEnd < 0 || looseClose < implicitEnd)) {
    return { text: stripOneNewline(text.slice(from, looseClose)), next: looseClose + PARAM_CLOSE.length };
  }
  const end = implicitEnd >= 0 ? implicitEnd : limit;
  return { text: stripOneNewline(stripOneNewline(text.slice(from, end)).replace(DRIFTED_CLOSE, "")), next: end };
}

function followsStructure(text: string, from: number, isNextParameter: (name: string) => boolean): boolean {
  const at = skipSpace(text, from);
  if (at >= text.length) return true;
  if (text.startsWith(FUNCTION_CLOSE, at) || text.startsWith(TOOL_CLOSE, at)) return true;
  if (text.startsWith(TOOL_OPEN, at) || text.startsWith(FUNCTION_OPEN, at)) return true;
  if (!text.startsWith(PARAM_OPEN, at)) return false;
  const keyEnd = text.indexOf(">", at);
  return keyEnd >= 0 && isNextParameter(text.slice(at + PARAM_OPEN.length, keyEnd).trim());
}

/** After a `</function>`: the end, the call's `</tool_call>`, or the next call. */
function endsCall(text: string, from: number): boolean {
  const at = skipSpace(text, from);
  if (at >= text.length) return true;
  return text.startsWith(TOOL_CLOSE, at) || text.startsWith(TOOL_OPEN, at) || text.startsWith(FUNCTION_OPEN, at);
}

/** Where an unclosed function or tag stops: at its `</function>`, the next call, or the end. */
function unclosedEnd(text: string, from: number): number {
  const close = text.indexOf(FUNCTION_CLOSE, from);
  const next = firstOf(text, [TOOL_OPEN, TOOL_CLOSE, `\n${FUNCTION_OPEN}`], from + 1);
  return close >= 0 && close < next ? close + FUNCTION_CLOSE.length : next;
}

function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && /\s/.test(text.charAt(at))) at++;
  return at;
}

function firstOf(text: string, needles: string[], from: number): number {
  let best = text.length;
  for (const needle of needles) {
    const at = text.indexOf(needle, from);
    if (at >= 0 && at < best) best = at;
  }
  return best;
}

function stripOneNewline(value: string): string {
  let out = value;
  if (out.startsWith("\r\n")) out = out.slice(2);
  else if (out.startsWith("\n")) out = out.slice(1);
  if (out.endsWith("\r\n")) out = out.slice(0, -2);
  else if (out.endsWith("\n")) out = out.slice(0, -1);
  return out;
}

function propertiesOf(schema: JsonSchema | undefined): Record<string, unknown> | undefined {
  const props = schema?.properties;
  return isRecord(props) && Object.keys(props).length > 0 ? props : undefined;
}
