/**
 * The Qwen3-Coder XML tool-call form:
 * `<function=NAME>\n<parameter=KEY>\nVALUE\n</parameter>…</function>`, with values typed from the
 * tool's JSON Schema. Pure; malformed functions are reported, never thrown.
 */
import { isRecord, parseJsonLenient } from "./json.js";
import type { JsonSchema } from "./types.js";

/** One parsed `<function=…>` span: arguments, or why it failed. */
export type XmlCall =
  | { ok: true; name: string; args: Record<string, unknown>; raw: string }
  | { ok: false; name?: string; raw: string; error: string };

const FUNCTION_OPEN = "<function=";
const FUNCTION_CLOSE = "</function>";
const PARAM_OPEN = "<parameter=";
const PARAM_CLOSE = "</parameter>";

/** A located `<function=…>` span inside a larger text. */
export interface XmlSpan {
  start: number;
  end: number;
}

/** Every `<function=` span in `text`; an unclosed one ends at the next `<function=` or at the end. */
export function findFunctionSpans(text: string): XmlSpan[] {
  const spans: XmlSpan[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf(FUNCTION_OPEN, from);
    if (start < 0) return spans;
    const close = text.indexOf(FUNCTION_CLOSE, start);
    const next = text.indexOf(FUNCTION_OPEN, start + FUNCTION_OPEN.length);
    let end = text.length;
    if (close >= 0 && (next < 0 || close < next)) end = close + FUNCTION_CLOSE.length;
    else if (next >= 0) end = next;
    spans.push({ start, end });
    from = end;
  }
}

/** Parse one `<function=…>…` span (as returned by `findFunctionSpans`). */
export function parseFunctionXml(raw: string, schemas?: Record<string, JsonSchema>): XmlCall {
  const header = /^<function=([^>\n]*)>/.exec(raw);
  const name = header?.[1]?.trim() ?? "";
  if (!header) return { ok: false, raw, error: "a <function= tag that is never closed with >" };
  if (!name) return { ok: false, raw, error: "a <function=NAME> tag without a tool name" };
  let body = raw.slice(header[0].length);
  if (body.endsWith(FUNCTION_CLOSE)) body = body.slice(0, -FUNCTION_CLOSE.length);

  if (!body.includes(PARAM_OPEN)) {
    const trimmed = body.trim();
    if (!trimmed) return { ok: true, name, args: {}, raw };
    // Some models put a JSON object inside the function tag instead of parameter tags.
    const parsed = parseJsonLenient(trimmed);
    if (parsed.ok && isRecord(parsed.value)) return { ok: true, name, args: parsed.value, raw };
    return { ok: false, name, raw, error: `could not read the parameters of <function=${name}>` };
  }

  const properties = propertiesOf(schemas?.[name]);
  const args: Record<string, unknown> = {};
  let from = 0;
  for (;;) {
    const start = body.indexOf(PARAM_OPEN, from);
    if (start < 0) break;
    const keyEnd = body.indexOf(">", start);
    if (keyEnd < 0) return { ok: false, name, raw, error: "a <parameter= tag that is never closed with >" };
    const key = body.slice(start + PARAM_OPEN.length, keyEnd).trim();
    const valueEnd = firstOf(body, [PARAM_CLOSE, PARAM_OPEN], keyEnd + 1);
    const value = stripOneNewline(body.slice(keyEnd + 1, valueEnd));
    if (!key) return { ok: false, name, raw, error: "a <parameter=> tag without a name" };
    args[key] = coerceValue(value, properties?.[key]);
    from = body.startsWith(PARAM_CLOSE, valueEnd) ? valueEnd + PARAM_CLOSE.length : valueEnd;
  }
  return { ok: true, name, args, raw };
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
  return isRecord(props) ? props : undefined;
}

/** The JSON Schema types a property admits (`type`, a `type` list, or `anyOf`/`oneOf` members). */
function schemaTypes(property: unknown): string[] {
  if (!isRecord(property)) return [];
  const types: string[] = [];
  const add = (t: unknown) => {
    if (typeof t === "string") types.push(t);
    else if (Array.isArray(t)) for (const x of t) add(x);
  };
  add(property.type);
  for (const key of ["anyOf", "oneOf"]) {
    const members = property[key];
    if (Array.isArray(members)) for (const member of members) if (isRecord(member)) add(member.type);
  }
  return types;
}

/** Type a parameter value by its schema; anything that does not fit stays the raw string. */
export function coerceValue(value: string, property: unknown): unknown {
  const types = schemaTypes(property);
  const text = value.trim();
  if (types.includes("null") && text === "null") return null;
  if (types.includes("integer") && /^[+-]?\d+$/.test(text)) return Number.parseInt(text, 10);
  if (types.includes("number") && text !== "" && Number.isFinite(Number(text))) return Number(text);
  if (types.includes("boolean") && /^(true|false)$/i.test(text)) return text.toLowerCase() === "true";
  if (types.includes("object") || types.includes("array")) {
    const parsed = parseJsonLenient(text);
    if (
      parsed.ok &&
      ((types.includes("object") && isRecord(parsed.value)) || (types.includes("array") && Array.isArray(parsed.value)))
    ) {
      return parsed.value;
    }
  }
  return value;
}
