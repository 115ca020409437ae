/**
 * The final answer: ranked `<Document id=…><Justification>…</Justification></Document>` entries.
 * Ids may be quoted or bare; a chunk id (`<doc>_<i>`) stands for its document. An entry survives
 * validation only when the run showed a chunk of that document (pruned ones count); duplicates
 * and unknown ids are dropped with a reason. Pure.
 */

export interface AnswerEntry {
  id: string;
  justification: string;
}

const DOCUMENT =
  /<Document\s+id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))\s*>([\s\S]*?)(?:<\/Document>|(?=<Document\b)|$)/gi;
const JUSTIFICATION = /<Justification>([\s\S]*?)(?:<\/Justification>|$)/i;

/** Entries in the order written. */
export function parseAnswer(text: string): AnswerEntry[] {
  const out: AnswerEntry[] = [];
  for (const m of text.matchAll(DOCUMENT)) {
    const id = (m[1] ?? m[2] ?? m[3] ?? "").trim();
    if (id === "") continue;
    const body = m[4] ?? "";
    const justification = (JUSTIFICATION.exec(body)?.[1] ?? body).replace(/\s+/g, " ").trim();
    out.push({ id, justification });
  }
  return out;
}

export interface ValidatedAnswer {
  entries: Array<{ doc: string; justification: string }>;
  dropped: Array<{ id: string; reason: string }>;
}

/**
 * Keep entries whose document was shown. `docOfChunk` maps a shown chunk id to its document;
 * `shownDocs` holds every document any shown chunk belongs to.
 */
export function validateAnswer(
  entries: AnswerEntry[],
  shownDocs: ReadonlySet<string>,
  docOfChunk: (id: string) => string | undefined,
  maxDocuments: number,
): ValidatedAnswer {
  const out: ValidatedAnswer = { entries: [], dropped: [] };
  const taken = new Set<string>();
  for (const entry of entries) {
    const doc = shownDocs.has(entry.id) ? entry.id : docOfChunk(entry.id);
    if (doc === undefined || !shownDocs.has(doc)) {
      out.dropped.push({ id: entry.id, reason: "never shown in this run" });
      continue;
    }
    if (taken.has(doc)) {
      out.dropped.push({ id: entry.id, reason: "listed twice" });
      continue;
    }
    if (out.entries.length >= maxDocuments) {
      out.dropped.push({ id: entry.id, reason: `over the limit of ${maxDocuments} documents` });
      continue;
    }
    taken.add(doc);
    out.entries.push({ doc, justification: entry.justification });
  }
  return out;
}
