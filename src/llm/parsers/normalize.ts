/** Normalization shared by every tool-call path (native and content): argument text and tool names. Pure. */
import { isRecord, parseJsonLenient } from "../json.js";

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
