/**
 * JSON and JSONL files as records: a JSONL line or an element of a top-level JSON array is one
 * document (`path#<id>` with the record's own id field when it has one, else `path#<index>`); any
 * other JSON file is one document. A record's title and text come from its usual fields
 * (title/name/subject, text/content/body/…); a record without them is shown as indented JSON. Pure.
 */

export interface ExtractedRecord {
  /** Suffix after `#` in the document id, or undefined for a whole-file document. */
  key?: string;
  title?: string;
  text: string;
}

const TITLE_KEYS = ["title", "name", "subject", "headline", "question"];
const TEXT_KEYS = ["text", "content", "body", "contents", "abstract", "description", "summary", "answer", "document"];
const ID_KEYS = ["id", "_id", "doc_id", "docid", "uuid", "key"];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function recordOf(value: unknown, index: number, keyed: boolean): ExtractedRecord {
  if (!isObject(value)) return { ...(keyed ? { key: String(index) } : {}), text: JSON.stringify(value, null, 2) };
  const title = TITLE_KEYS.map((k) => value[k]).find((v): v is string => typeof v === "string" && v.trim() !== "");
  const texts = TEXT_KEYS.map((k) => value[k]).filter((v): v is string => typeof v === "string" && v.trim() !== "");
  const idValue = ID_KEYS.map((k) => value[k]).find((v) => typeof v === "string" || typeof v === "number");
  // Ids go into chunk ids `<doc>_<i>`: keep them short and free of separators.
  const cleanId =
    idValue === undefined
      ? ""
      : String(idValue)
          .replace(/[^\w.-]+/g, "-")
          .slice(0, 64);
  const key = keyed ? cleanId || String(index) : undefined;
  const text = texts.length > 0 ? texts.join("\n\n") : JSON.stringify(value, null, 2);
  return { ...(key !== undefined ? { key } : {}), ...(title ? { title: title.trim().slice(0, 200) } : {}), text };
}

/** Records of a `.jsonl`/`.ndjson` file; unparsable lines are reported, not fatal. */
export function jsonlRecords(source: string): { records: ExtractedRecord[]; badLines: number } {
  const records: ExtractedRecord[] = [];
  let badLines = 0;
  let index = 0;
  for (const line of source.split("\n")) {
    if (line.trim() === "") continue;
    try {
      records.push(recordOf(JSON.parse(line), index, true));
    } catch {
      badLines++;
    }
    index++;
  }
  return { records, badLines };
}

/** Records of a `.json` file: one per element of a top-level array of objects, else the whole file. */
export function jsonRecords(source: string): ExtractedRecord[] {
  const value: unknown = JSON.parse(source);
  if (Array.isArray(value) && value.length > 0 && value.every(isObject))
    return value.map((item, i) => recordOf(item, i, true));
  return [recordOf(value, 0, false)];
}
