/**
 * Offline corpus tasks built without a model from a documentation tree. "Section" tasks: each
 * Markdown section heading (## or ###) with enough body becomes a query — the heading words
 * joined with the section's parent title — whose gold document is the file holding the
 * section. Nothing here knows any repository: the same rules run on any Markdown tree.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildFileIndex } from "../../workspace/file-index.js";
import { DEFAULT_SECRET_POLICY } from "../../workspace/secrets.js";

export interface CorpusTask {
  id: string;
  query: string;
  /** Gold document ids (paths relative to the corpus root). */
  gold: string[];
  source: "section" | "doc-fix";
}

export interface TaskManifest {
  version: 1;
  builtFrom: string;
  tasks: CorpusTask[];
}

/** Sections whose body is shorter than this carry too little to be found by. */
const MIN_SECTION_CHARS = 400;

/** Markdown decorations ({#anchor}, `code`, links, tags) are not words a user would type. */
function plainHeading(text: string): string {
  return text
    .replace(/\{#[^}]*\}|<[^>]+>|[`*_]/g, "")
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

export function sectionTasks(rel: string, text: string): CorpusTask[] {
  const title = plainHeading(/^#\s+(.+)$/m.exec(text)?.[1] ?? "");
  const out: CorpusTask[] = [];
  const headings = [...text.matchAll(/^(#{2,3})\s+(.+?)\s*#*\s*$/gm)];
  headings.forEach((h, i) => {
    const start = (h.index ?? 0) + h[0].length;
    const end = headings[i + 1]?.index ?? text.length;
    if (text.slice(start, end).trim().length < MIN_SECTION_CHARS) return;
    const heading = plainHeading(h[2] ?? "");
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

/** Every section task of the Markdown files under `root`, plus doc-fix tasks when `git` is given. */
export function buildSectionTasks(root: string, git?: { gitDir: string; prefix: string }): TaskManifest {
  const listing = buildFileIndex({ root, secrets: DEFAULT_SECRET_POLICY });
  const tasks = listing.files
    .filter((f) => !f.secret && /\.mdx?$/i.test(f.rel))
    .sort((a, b) => (a.rel < b.rel ? -1 : 1))
    .flatMap((f) => sectionTasks(f.rel, readFileSync(f.abs, "utf8")));
  if (git) tasks.push(...docFixTasks(git.gitDir, git.prefix, (rel) => existsSync(join(root, rel))));
  return { version: 1, builtFrom: git ? "markdown sections and doc-fix commits" : "markdown sections", tasks };
}

/**
 * "Doc-fix" tasks from git history: a commit that changed exactly one Markdown file under
 * `prefix` becomes a task whose query is its subject (conventional-commit type, scope and PR
 * number removed) and whose gold document is that file, when the file still exists.
 */
export function docFixTasks(gitDir: string, prefix: string, exists: (rel: string) => boolean, max = 300): CorpusTask[] {
  const git = (...args: string[]) =>
    execFileSync("git", ["--git-dir", gitDir, ...args], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "ignore"],
    });
  const out: CorpusTask[] = [];
  // One commit at a time: a partial mirror lacks some trees, and those commits are skipped.
  for (const head of git("log", "--no-merges", "--format=%H%x09%s").split("\n")) {
    const [sha = "", subject = ""] = head.split("\t");
    if (!sha) continue;
    let files: string[];
    try {
      files = git("diff-tree", "--no-commit-id", "--name-only", "-r", sha).split("\n").filter(Boolean);
    } catch {
      continue;
    }
    const md = files.filter((f) => /\.mdx?$/i.test(f));
    if (files.length !== 1 || md.length !== 1) continue;
    const rel = md[0]?.startsWith(prefix) ? md[0].slice(prefix.length) : undefined;
    if (!rel || !exists(rel)) continue;
    const query = subject
      .replace(/^\w+(?:\([^)]*\))?!?:\s*/, "")
      .replace(/\s*\(#\d+\)\s*$/, "")
      .trim();
    // Subjects that name no content ("typo", "update index.md") cannot be searched for.
    if (query.split(/\s+/).length < 4 || /\.mdx?\b/i.test(query)) continue;
    out.push({ id: `commit:${sha.slice(0, 12)}`, query, gold: [rel], source: "doc-fix" });
    if (out.length >= max) break;
  }
  return out;
}
