/**
 * Offline corpus tasks built without a model from a documentation tree. "Section" tasks: each
 * Markdown section heading (## or ###) with enough body becomes a query — the heading words
 * joined with the section's parent title — whose gold document is the file holding the
 * section. Nothing here knows any repository: the same rules run on any Markdown tree.
 */
import { readFileSync } from "node:fs";
import { buildFileIndex } from "../../workspace/file-index.js";
import { DEFAULT_SECRET_POLICY } from "../../workspace/secrets.js";

export interface CorpusTask {
  id: string;
  query: string;
  /** Gold document ids (paths relative to the corpus root). */
  gold: string[];
  source: "section";
}

export interface TaskManifest {
  version: 1;
  builtFrom: string;
  tasks: CorpusTask[];
}

/** Sections whose body is shorter than this carry too little to be found by. */
const MIN_SECTION_CHARS = 400;

export function sectionTasks(rel: string, text: string): CorpusTask[] {
  const title = /^#\s+(.+)$/m.exec(text)?.[1]?.trim() ?? "";
  const out: CorpusTask[] = [];
  const headings = [...text.matchAll(/^(#{2,3})\s+(.+?)\s*#*\s*$/gm)];
  headings.forEach((h, i) => {
    const start = (h.index ?? 0) + h[0].length;
    const end = headings[i + 1]?.index ?? text.length;
    if (text.slice(start, end).trim().length < MIN_SECTION_CHARS) return;
    // Markdown decorations ({#anchor}, `code`, links) are not words a user would type.
    const heading = (h[2] ?? "")
      .replace(/\{#[^}]*\}|<[^>]+>|[`*_]/g, "")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .trim();
    if (heading.split(/\s+/).length < 2) return;
    out.push({
      id: `${rel}#${out.length}`,
      query: title && !heading.toLowerCase().includes(title.toLowerCase()) ? `${heading} (${title})` : heading,
      gold: [rel],
      source: "section",
    });
  });
  return out;
}

/** Every section task of the Markdown files under `root`. */
export function buildSectionTasks(root: string): TaskManifest {
  const listing = buildFileIndex({ root, secrets: DEFAULT_SECRET_POLICY });
  const tasks = listing.files
    .filter((f) => !f.secret && /\.mdx?$/i.test(f.rel))
    .sort((a, b) => (a.rel < b.rel ? -1 : 1))
    .flatMap((f) => sectionTasks(f.rel, readFileSync(f.abs, "utf8")));
  return { version: 1, builtFrom: "markdown sections", tasks };
}
