/**
 * One file → the documents it holds: Markdown and plain text as they are, HTML without markup,
 * PDF through unpdf, JSON/JSONL as records, source code as text. Titles: a Markdown front-matter
 * `title:` or first heading, the HTML title, a record's title field, else the file name. A file
 * that cannot be read or parsed yields an error string for the index report, never an exception.
 */
import { readFile } from "node:fs/promises";
import { extensionOf, languageForPath } from "../../analysis/languages.js";
import { htmlToText } from "./html.js";
import { pdfToText } from "./pdf.js";
import { jsonlRecords, jsonRecords } from "./records.js";

export type DocumentKind = "markdown" | "text" | "html" | "pdf" | "json" | "jsonl" | "code";

export interface ExtractedDocument {
  /** `path` for a file, `path#key` for a record. */
  doc: string;
  path: string;
  title: string;
  text: string;
  kind: DocumentKind;
}

const KIND_BY_EXTENSION: Record<string, DocumentKind> = {
  md: "markdown",
  mdx: "markdown",
  markdown: "markdown",
  rst: "text",
  txt: "text",
  adoc: "text",
  asciidoc: "text",
  org: "text",
  tex: "text",
  html: "html",
  htm: "html",
  xhtml: "html",
  pdf: "pdf",
  json: "json",
  jsonl: "jsonl",
  ndjson: "jsonl",
};

/** Files larger than this are skipped (a corpus of documents, not of dumps). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** The kind of document a path holds, or null when it is not indexed. */
export function documentKind(path: string): DocumentKind | null {
  const ext = extensionOf(path);
  const kind = KIND_BY_EXTENSION[ext];
  if (kind) return kind;
  if (languageForPath(path) !== null) return "code";
  const base = path.slice(path.lastIndexOf("/") + 1);
  // README, LICENSE, CHANGELOG and the like carry no extension.
  return /^[A-Z][A-Z_-]+$/.test(base) ? "text" : null;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function markdownTitle(text: string): string | undefined {
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  const fromFront = front ? /^title:\s*["']?(.+?)["']?\s*$/m.exec(front[1] ?? "")?.[1] : undefined;
  if (fromFront) return fromFront.trim();
  return /^#{1,2}\s+(.+?)\s*#*\s*$/m.exec(text)?.[1]?.trim();
}

/** Extract the documents of one file. */
export async function extractFile(
  abs: string,
  rel: string,
): Promise<{ documents: ExtractedDocument[]; error?: string }> {
  const kind = documentKind(rel);
  if (!kind) return { documents: [] };
  let bytes: Buffer;
  try {
    bytes = await readFile(abs);
  } catch (error) {
    return { documents: [], error: `cannot read: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (bytes.length > MAX_FILE_BYTES) return { documents: [], error: `skipped: larger than ${MAX_FILE_BYTES} bytes` };
  const base = { path: rel, kind };
  try {
    if (kind === "pdf") {
      const { text, title } = await pdfToText(new Uint8Array(bytes));
      return { documents: [{ ...base, doc: rel, title: title ?? fileName(rel), text }] };
    }
    if (bytes.subarray(0, 8192).includes(0)) return { documents: [], error: "skipped: binary content" };
    const source = bytes.toString("utf8");
    if (kind === "html") {
      const { text, title } = htmlToText(source);
      return { documents: [{ ...base, doc: rel, title: title ?? fileName(rel), text }] };
    }
    if (kind === "json" || kind === "jsonl") {
      const parsed = kind === "jsonl" ? jsonlRecords(source) : { records: jsonRecords(source), badLines: 0 };
      const documents = parsed.records.map((r) => ({
        ...base,
        doc: r.key === undefined ? rel : `${rel}#${r.key}`,
        title: r.title ?? (r.key === undefined ? fileName(rel) : `${fileName(rel)}#${r.key}`),
        text: r.text,
      }));
      return parsed.badLines > 0
        ? { documents, error: `${parsed.badLines} line(s) are not JSON and were skipped` }
        : { documents };
    }
    const title = kind === "markdown" ? (markdownTitle(source) ?? fileName(rel)) : fileName(rel);
    return { documents: [{ ...base, doc: rel, title, text: source }] };
  } catch (error) {
    return { documents: [], error: `cannot parse: ${error instanceof Error ? error.message : String(error)}` };
  }
}
