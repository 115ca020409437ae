/**
 * Merging one MCP server entry into a client's JSON configuration text. Everything else in the
 * file is kept (values, key order, indentation width); the entry's own extra keys survive too
 * (ours overwrite only what we set). A file with comments or trailing commas (JSONC, as VS Code
 * and opencode allow) is refused unless `allowCommentLoss` is set, because rewriting it would drop
 * the comments. Pure: text in, text out.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Why a file cannot be merged automatically (shown to the user with the snippet to add by hand). */
export class MergeRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MergeRefusal";
  }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Copy the JSON string literal starting at `i` (a `"`); returns its end index (exclusive). */
function stringEnd(text: string, i: number): number {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
  return Math.min(j + 1, text.length);
}

const CLOSER = /\s*[}\]]/y;

/** Remove `//` and `/* *\/` comments and trailing commas outside strings (JSONC → JSON). */
export function stripJsonc(text: string): string {
  let noComments = "";
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    if (ch === '"') {
      const end = stringEnd(text, i);
      noComments += text.slice(i, end);
      i = end;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      noComments += ch;
      i++;
    }
  }
  let out = "";
  for (let i = 0; i < noComments.length; ) {
    const ch = noComments[i]!;
    if (ch === '"') {
      const end = stringEnd(noComments, i);
      out += noComments.slice(i, end);
      i = end;
      continue;
    }
    CLOSER.lastIndex = i + 1;
    if (ch === "," && CLOSER.test(noComments)) {
      i++;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/** The indentation unit of a JSON text (two spaces when it cannot tell). */
export function detectIndent(text: string): string {
  const match = /^([ \t]+)["{[\]}]/m.exec(text);
  return match ? match[1]! : "  ";
}

/** Parse a config text: `{}` for an empty file; comments are reported, not silently accepted. */
export function parseConfigJson(text: string, file: string): { doc: JsonObject; hadComments: boolean } {
  if (text.trim() === "") return { doc: {}, hadComments: false };
  let value: unknown;
  let hadComments = false;
  try {
    value = JSON.parse(text);
  } catch {
    try {
      value = JSON.parse(stripJsonc(text));
      hadComments = true;
    } catch (error) {
      throw new MergeRefusal(`${file} is not valid JSON (${(error as Error).message}); fix it or move it aside first`);
    }
  }
  if (!isJsonObject(value)) throw new MergeRefusal(`${file} does not hold a JSON object at the top level`);
  return { doc: value, hadComments };
}

/**
 * Set `doc[path…][name]` to `{...existing, ...entry}`; missing objects on the path are created.
 * Returns a new document; the input is not modified.
 */
export function withEntry(doc: JsonObject, path: string[], name: string, entry: JsonObject, file: string): JsonObject {
  const root: JsonObject = structuredClone(doc);
  let node = root;
  for (const key of path) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isJsonObject(next))
      throw new MergeRefusal(`${file}: "${[...path].join(".")}" is not an object; fix it by hand`);
    node = node[key] as JsonObject;
  }
  const existing = node[name];
  node[name] = isJsonObject(existing) ? { ...existing, ...entry } : entry;
  return root;
}

export interface JsonMergeOptions {
  file: string;
  /** Where the servers live (`["mcpServers"]`, `["servers"]`, `["mcp"]`). */
  path: string[];
  name: string;
  entry: JsonObject;
  /** Keys to add to a brand-new file before the servers (e.g. opencode's `$schema`). */
  newFileHeader?: JsonObject;
  /** Rewrite a JSONC file as plain JSON, dropping its comments. */
  allowCommentLoss?: boolean;
  /** Adapt path and entry to the document's shape (opencode V1 `mcp` vs V2 `mcp.servers`). */
  layout?: (doc: JsonObject, entry: JsonObject) => { path: string[]; entry: JsonObject };
}

/** The merged text of a JSON config (`oldText` null = the file does not exist yet). */
export function mergeJsonConfig(oldText: string | null, options: JsonMergeOptions): string {
  const { doc, hadComments } =
    oldText === null
      ? { doc: options.newFileHeader ?? {}, hadComments: false }
      : parseConfigJson(oldText, options.file);
  if (hadComments && !options.allowCommentLoss) {
    throw new MergeRefusal(
      `${options.file} contains comments or trailing commas; rewriting it would lose them. Add the entry by hand, or rerun with --force to rewrite it as plain JSON (a backup is kept)`,
    );
  }
  const { path, entry } = options.layout
    ? options.layout(doc, options.entry)
    : { path: options.path, entry: options.entry };
  const merged = withEntry(doc, path, options.name, entry, options.file);
  const indent = oldText === null ? "  " : detectIndent(oldText);
  const trailing = oldText === null || oldText.endsWith("\n") || oldText.trim() === "" ? "\n" : "";
  return `${JSON.stringify(merged, null, indent)}${trailing}`;
}
