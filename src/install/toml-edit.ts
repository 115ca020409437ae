/**
 * Merging one `[mcp_servers.<name>]` table into a Codex `config.toml` text without reformatting the
 * rest of the file: the table's text block (with its sub-tables such as `.env`) is replaced in
 * place, or appended when absent. The result is parsed again and checked — our table holds
 * exactly the merged values and every other value is unchanged — so a file shape we do not handle
 * (inline tables, dotted keys) is refused instead of corrupted. Comments inside our own block are
 * not kept; comments elsewhere are.
 */
import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "smol-toml";
import { MergeRefusal } from "./json-edit.js";

type TomlTable = Record<string, unknown>;

function isTable(value: unknown): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function parseToml(text: string, file: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (error) {
    throw new MergeRefusal(
      `${file} is not valid TOML (${(error as Error).message.split("\n")[0]}); fix it or move it aside first`,
    );
  }
}

/** Escape a bare key for a regex, allowing the quoted spelling too. */
function keyPattern(key: string): string {
  const escaped = key.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");
  return `(?:${escaped}|"${escaped}"|'${escaped}')`;
}

/** Line ranges [start, end) of the `[section.name]` table and its sub-tables. */
function findBlock(lines: string[], section: string, name: string): { start: number; end: number } | null {
  const own = new RegExp(`^\\s*\\[\\s*${keyPattern(section)}\\s*\\.\\s*${keyPattern(name)}\\s*(?:\\]|\\.)`);
  const header = /^\s*\[/;
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (start === -1) {
      if (own.test(line)) start = i;
    } else if (header.test(line) && !own.test(line)) {
      end = i;
      break;
    }
  }
  if (start === -1) return null;
  // Give trailing blank lines back to what follows.
  while (end > start + 1 && lines[end - 1]!.trim() === "") end--;
  return { start, end };
}

/** The merged text of a TOML config (`oldText` null = the file does not exist yet). */
export function mergeTomlConfig(
  oldText: string | null,
  options: { file: string; section: string; name: string; entry: TomlTable },
): string {
  const text = oldText ?? "";
  const before = parseToml(text, options.file);
  const servers = before[options.section];
  if (servers !== undefined && !isTable(servers))
    throw new MergeRefusal(`${options.file}: "${options.section}" is not a table; fix it by hand`);
  const existing = isTable(servers) ? servers[options.name] : undefined;
  const merged: TomlTable = isTable(existing) ? { ...existing, ...options.entry } : options.entry;
  const block = stringify({ [options.section]: { [options.name]: merged } }).trimEnd();

  const lines = text.split("\n");
  const found = findBlock(lines, options.section, options.name);
  let result: string;
  if (found) {
    result = [...lines.slice(0, found.start), ...block.split("\n"), ...lines.slice(found.end)].join("\n");
  } else if (existing !== undefined) {
    throw new MergeRefusal(
      `${options.file} defines ${options.section}.${options.name} in a form this installer does not edit (inline table or dotted keys); edit it by hand`,
    );
  } else {
    const head = text.trimEnd();
    result = head === "" ? `${block}\n` : `${head}\n\n${block}\n`;
  }
  if (!result.endsWith("\n")) result += "\n";

  const after = parseToml(result, options.file);
  const afterServers = after[options.section];
  const ours = isTable(afterServers) ? afterServers[options.name] : undefined;
  const strip = (doc: TomlTable): TomlTable => {
    const copy = structuredClone(doc);
    const table = copy[options.section];
    if (isTable(table)) {
      delete table[options.name];
      if (Object.keys(table).length === 0 && !isTable(before[options.section])) delete copy[options.section];
    }
    return copy;
  };
  // Compare plain JSON shapes: the parser's objects may not share Object.prototype.
  const same = (x: unknown, y: unknown) =>
    isDeepStrictEqual(JSON.parse(JSON.stringify(x ?? null)), JSON.parse(JSON.stringify(y ?? null)));
  if (!same(ours, merged) || !same(strip(after), strip(before))) {
    throw new MergeRefusal(
      `${options.file} has a layout this installer cannot edit safely; add the [${options.section}.${options.name}] table by hand`,
    );
  }
  return result;
}
