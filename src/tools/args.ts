/**
 * Tool-argument parsing with the leniency small models need: a JSON string or an object, common
 * aliases (`file_path` for `path`, `include` for `glob`...), numbers and booleans sent as strings,
 * integral floats. Anything that still does not fit becomes a message naming the fix.
 */
import type { JsonSchemaProperty, ToolDefinition } from "./definitions.js";

export type ParsedArgs = Record<string, string | number | boolean | undefined>;

export type ArgsResult = { ok: true; args: ParsedArgs; notes: string[] } | { ok: false; message: string };

/** Alternative names models use for our parameters, per tool. */
const ALIASES: Record<string, Record<string, string>> = {
  Read: {
    file_path: "path",
    filePath: "path",
    file: "path",
    filename: "path",
    start_line: "offset",
    line: "offset",
    lines: "limit",
    max_lines: "limit",
  },
  Glob: { path: "directory", dir: "directory", cwd: "directory", glob: "pattern", include: "pattern" },
  Grep: {
    query: "pattern",
    regex: "pattern",
    include: "glob",
    file_pattern: "glob",
    directory: "path",
    dir: "path",
    file_path: "path",
    mode: "output_mode",
    outputMode: "output_mode",
    case_insensitive: "-i",
    ignore_case: "-i",
    line_numbers: "-n",
    context: "-C",
    after: "-A",
    before: "-B",
    limit: "head_limit",
    max_results: "head_limit",
    file_type: "type",
  },
};

function coerce(
  name: string,
  value: unknown,
  schema: JsonSchemaProperty,
): { ok: true; value: string | number | boolean | undefined } | { ok: false; message: string } {
  if (value === null || value === undefined) return { ok: true, value: undefined };
  switch (schema.type) {
    case "string": {
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean") return { ok: true, value: String(value) };
      if (Array.isArray(value) && value.every((v) => typeof v === "string")) {
        // A list of globs/paths: ripgrep-style brace alternation keeps it one argument.
        return { ok: true, value: value.length === 1 ? value[0] : `{${value.join(",")}}` };
      }
      return { ok: false, message: `parameter \`${name}\` must be a string` };
    }
    case "integer":
    case "number": {
      const n =
        typeof value === "number"
          ? value
          : typeof value === "string" && value.trim() !== ""
            ? Number(value.trim())
            : Number.NaN;
      if (!Number.isFinite(n))
        return { ok: false, message: `parameter \`${name}\` must be a number, got ${JSON.stringify(value)}` };
      if (!Number.isInteger(n)) return { ok: false, message: `parameter \`${name}\` must be a whole number, got ${n}` };
      return { ok: true, value: n };
    }
    case "boolean": {
      if (typeof value === "boolean") return { ok: true, value };
      if (value === "true" || value === 1 || value === "1") return { ok: true, value: true };
      if (value === "false" || value === 0 || value === "0") return { ok: true, value: false };
      return { ok: false, message: `parameter \`${name}\` must be true or false, got ${JSON.stringify(value)}` };
    }
  }
}

/** Parse raw arguments for one tool against its definition. */
export function parseToolArgs(definition: ToolDefinition, raw: string | Record<string, unknown>): ArgsResult {
  const fn = definition.function;
  let input: unknown = raw;
  if (typeof raw === "string") {
    const text = raw.trim();
    if (text === "") input = {};
    else {
      try {
        input = JSON.parse(text);
      } catch {
        return {
          ok: false,
          message: `Tool \`${fn.name}\` arguments are invalid: not valid JSON. Send a JSON object such as {"${fn.parameters.required[0]}": "..."}.`,
        };
      }
    }
    // Some servers double-encode the arguments.
    if (typeof input === "string") {
      try {
        input = JSON.parse(input);
      } catch {
        /* fall through to the object check */
      }
    }
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return {
      ok: false,
      message: `Tool \`${fn.name}\` arguments are invalid: expected a JSON object of named parameters.`,
    };
  }
  const aliases = ALIASES[fn.name] ?? {};
  const props = fn.parameters.properties;
  const args: ParsedArgs = {};
  const notes: string[] = [];
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    let name: string | undefined;
    if (key in props) name = key;
    else if (aliases[key] !== undefined) name = aliases[key];
    else if (`-${key}` in props) name = `-${key}`; // "i" for "-i", "A" for "-A"
    if (name === undefined || !(name in props)) {
      unknown.push(key);
      continue;
    }
    if (args[name] !== undefined && !(key in props)) continue; // the canonical name wins over an alias
    const coerced = coerce(name, value, props[name]!);
    if (!coerced.ok) return { ok: false, message: `Tool \`${fn.name}\` arguments are invalid: ${coerced.message}.` };
    args[name] = coerced.value;
  }
  for (const required of fn.parameters.required) {
    if (args[required] === undefined || args[required] === "") {
      return {
        ok: false,
        message: `Tool \`${fn.name}\` arguments are invalid: the required parameter \`${required}\` is missing.`,
      };
    }
  }
  if (unknown.length > 0)
    notes.push(
      `ignored unknown parameter${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `\`${u}\``).join(", ")}`,
    );
  return { ok: true, args, notes };
}
