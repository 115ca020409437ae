/**
 * Lenient JSON for text a small model wrote: strict parse first, then one repair pass for the usual
 * slips (trailing commas, single quotes, raw newlines and regex backslashes in strings, Python
 * literals, unquoted keys, missing closers). Pure functions; never throws.
 */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The outcome of `parseJsonLenient`: `repaired` says whether the text needed fixing. */
export type LenientResult = { ok: true; value: unknown; repaired: boolean } | { ok: false; error: string };

/** Parse `text` as JSON, repairing it when the strict parse fails. */
export function parseJsonLenient(text: string): LenientResult {
  let firstError: string;
  try {
    return { ok: true, value: JSON.parse(text), repaired: false };
  } catch (error) {
    firstError = error instanceof Error ? error.message : String(error);
  }
  try {
    return { ok: true, value: JSON.parse(repairJson(text)), repaired: true };
  } catch {
    return { ok: false, error: firstError };
  }
}

const PY_LITERALS: Record<string, string> = {
  True: "true",
  False: "false",
  None: "null",
  true: "true",
  false: "false",
  null: "null",
};
const SIMPLE_ESCAPES = '"\\/bfnrt';

/** Rewrite almost-JSON into JSON. The result may still be invalid when the damage is beyond these rules. */
export function repairJson(text: string): string {
  let out = "";
  const closers: string[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '"' || ch === "'") {
      const read = readString(text, i, ch);
      out += read.json;
      i = read.end;
    } else if (ch === "{" || ch === "[") {
      closers.push(ch === "{" ? "}" : "]");
      out += ch;
      i++;
    } else if (ch === "}" || ch === "]") {
      i++;
      // A stray closer (the model added one too many) is dropped; a skipped one is supplied.
      if (!closers.includes(ch)) continue;
      while (closers.length > 0) {
        const expected: string = closers.pop() ?? ch;
        out = dropTrailingComma(out) + expected;
        if (expected === ch) break;
      }
    } else if (/[A-Za-z_$]/.test(ch)) {
      const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(i))?.[0] ?? ch;
      i += word.length;
      const isKey = /^\s*:/.test(text.slice(i));
      out += isKey ? JSON.stringify(word) : (PY_LITERALS[word] ?? word);
    } else {
      out += ch;
      i++;
    }
  }
  if (out.trimEnd().endsWith(":")) out += "null";
  // Closers are appended in one piece: the text only changes at its tail.
  let tail = "";
  while (closers.length > 0) tail += closers.pop();
  if (tail) out = dropTrailingComma(out) + tail;
  return dropTrailingComma(out);
}

/** Drop a comma that only whitespace follows; looks at the tail only (a regex with `$` rescans it all). */
function dropTrailingComma(text: string): string {
  let end = text.length;
  while (end > 0 && /\s/.test(text.charAt(end - 1))) end--;
  return end > 0 && text.charAt(end - 1) === "," ? text.slice(0, end - 1) + text.slice(end) : text;
}

/**
 * Read a string literal opened by `quote` at `start` and return it as a JSON string. A quote that is
 * not followed by a structural character is taken as an unescaped quote inside the string.
 */
function readString(text: string, start: number, quote: string): { json: string; end: number } {
  let out = '"';
  let j = start + 1;
  while (j < text.length) {
    const c = text.charAt(j);
    if (c === "\\") {
      const next = text.charAt(j + 1);
      if (next === "") {
        j++;
        break;
      }
      if (next === "'") {
        out += "'";
        j += 2;
      } else if (SIMPLE_ESCAPES.includes(next)) {
        out += `\\${next}`;
        j += 2;
      } else if (next === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(j + 2, j + 6))) {
        out += text.slice(j, j + 6);
        j += 6;
      } else {
        // An invalid escape such as a regex `\s`: keep the backslash as a literal character.
        out += "\\\\";
        j++;
      }
      continue;
    }
    if (c === quote) {
      if (closesString(text, j + 1)) return { json: `${out}"`, end: j + 1 };
      out += quote === '"' ? '\\"' : "'";
      j++;
      continue;
    }
    out += c === '"' ? '\\"' : escapeControl(c);
    j++;
  }
  return { json: `${out}"`, end: j };
}

function closesString(text: string, from: number): boolean {
  const rest = /^\s*(.?)/.exec(text.slice(from, from + 200))?.[1] ?? "";
  return rest === "" || ",:}]".includes(rest);
}

function escapeControl(c: string): string {
  const code = c.charCodeAt(0);
  if (code >= 0x20) return c;
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (c === "\t") return "\\t";
  return `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * End (exclusive) of the JSON object/array that opens at `start` (string-aware, quotes of either
 * kind), or -1 when the text ends (or reaches `stopAt` outside a string) before it closes. Lets callers find where a block's JSON ends
 * without being fooled by tag-like text inside its strings.
 */
export function jsonValueEnd(text: string, start: number, stopAt?: string): number {
  let depth = 0;
  let quote = "";
  for (let i = start; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
      continue;
    }
    // `stopAt` outside any string (a tag that opens the next block) means this value never closed.
    if (stopAt && c === stopAt.charAt(0) && text.startsWith(stopAt, i)) return -1;
    if (depth > 0 && (c === '"' || c === "'")) quote = c;
    else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Spans of the top-level JSON objects/arrays in `text` (string-aware, quotes of either kind), in order.
 * An unterminated last value extends to the end, so the repair pass can close it.
 */
export function findJsonValues(text: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let depth = 0;
  let start = -1;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (depth > 0 && (c === '"' || c === "'")) quote = c;
    else if (c === "{" || c === "[") {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === "}" || c === "]") && depth > 0) {
      depth--;
      if (depth === 0) spans.push({ start, end: i + 1 });
    }
  }
  if (depth > 0) spans.push({ start, end: text.length });
  return spans;
}
