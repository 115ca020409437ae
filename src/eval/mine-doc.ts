/**
 * `eval mine --kind doc`: localization tasks that ask the way agents ask. For a documented function,
 * method or class at one commit, the query is the first sentence of its doc comment with the unit's
 * own identifiers (its name, the parts of its name, identifier-shaped words of its signature) removed;
 * the gold is the unit.
 * Units are sampled deterministically (a seeded hash of path and name), so reruns give the same tasks.
 * Reads the repository through git; never writes it.
 */
import { createHash } from "node:crypto";
import { extractCodeUnits } from "../analysis/code-units.js";
import { languageForPath } from "../analysis/languages.js";
import { splitIdentifier } from "../analysis/query.js";
import type { CodeUnit } from "../analysis/unit-types.js";
import { ConfigError } from "../util/errors.js";
import { runGit } from "./git.js";
import { isMinableSource } from "./mine-rules.js";
import { gitDirOf } from "./mirrors.js";

export interface DocMineOptions {
  repo: string;
  /** `owner/name` written into the tasks. */
  name: string;
  /** Commit whose tree is read (default HEAD). */
  rev?: string;
  /** Tasks produced at most (default 40). */
  limit?: number;
  /** Seed of the sampling order. */
  seed?: number;
  /** Source files larger than this (bytes) are skipped. */
  maxFileBytes?: number;
}

/** A doc-kind task: the shared task schema with the unit as its only location. */
export interface DocTask {
  instance_id: string;
  repo: string;
  base_commit: string;
  created_at: string;
  version: null;
  tier: "mined-doc";
  problem_statement: string;
  gold_files: string[];
  locations: Array<{
    path: string;
    status: "modified";
    file_lines: number;
    deleted_lines: number[];
    insert_after: number[];
    hunk_offsets: number[];
    hunk_ranges: Array<[number, number]>;
    edit_ranges: Array<[number, number]>;
    functions: string[];
    function_spans: Array<[string, number, number]>;
  }>;
  checks: { mined_from: "doc"; unit_kind: string; language: string };
}

const DOC_KINDS = new Set(["function", "method", "class", "struct", "interface", "trait", "enum"]);
const COMMENT_LINE = /^\s*(?:\/\/\/?|\/\*\*?|\*|#|--|\*\/)/;

function stripCommentMarks(line: string): string {
  return line
    .replace(/^\s*(?:\/\/\/?!?|\/\*\*?|\*\/|\*|#+|--)\s?/, "")
    .replace(/\*\/\s*$/, "")
    .trim();
}

/** The doc text of a unit: the comment block its `start` includes, or (Python) the docstring after its header. */
export function docTextOf(lines: readonly string[], unit: CodeUnit, lang: string): string {
  if (lang === "python") {
    const first = lines[unit.headerEnd]?.trim() ?? "";
    const m = /^[rRuU]?("""|''')([\s\S]*)$/.exec(first);
    if (!m) return "";
    const quote = m[1]!;
    const parts: string[] = [];
    let rest = m[2] ?? "";
    for (let i = unit.headerEnd; i < Math.min(unit.end, unit.headerEnd + 30); i++) {
      const text = i === unit.headerEnd ? rest : (lines[i] ?? "");
      const close = text.indexOf(quote);
      if (close !== -1) {
        parts.push(text.slice(0, close));
        return parts.join(" ").trim();
      }
      parts.push(text.trim());
      rest = "";
    }
    return "";
  }
  const out: string[] = [];
  for (let i = unit.start - 1; i < unit.headerEnd && i < lines.length; i++) {
    const text = lines[i] ?? "";
    if (!COMMENT_LINE.test(text)) {
      if (/^\s*(?:@|\[|#\[)/.test(text)) continue; // decorators, annotations, attributes
      break;
    }
    const body = stripCommentMarks(text);
    if (/^@\w+/.test(body)) break; // Javadoc/JSDoc tags end the description
    out.push(body);
  }
  return out.join(" ").replace(/\s+/g, " ").trim();
}

/** First sentence of a doc text (up to the first `. ` or a blank-line paragraph end), markup removed. */
export function firstSentence(doc: string): string {
  const text = doc
    .replace(/<\/?[a-zA-Z][^>]*>/g, " ")
    .replace(/\{@\w+\s+([^}]*)\}/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
  const m = /^(.+?[.!?])(?:\s|$)/.exec(text);
  return (m?.[1] ?? text).trim();
}

/**
 * The query: the sentence without the unit's own identifiers: its name, the parts of its name,
 * identifier-shaped words (snake_case, camelCase) of its signature, and any `code` span.
 */
export function queryFromDoc(sentence: string, unit: CodeUnit, signature: string): string {
  const own = new Set<string>();
  for (const n of [unit.name, ...unit.qualifiedName.split(".")]) {
    own.add(n.toLowerCase());
    for (const p of splitIdentifier(n)) if (p.length >= 3) own.add(p.toLowerCase());
  }
  for (const w of signature.match(/[A-Za-z_$][\w$]*/g) ?? []) if (/[_$]|[a-z][A-Z]/.test(w)) own.add(w.toLowerCase());
  const words = sentence
    .replace(/`[^`]*`/g, " ")
    .split(/\s+/)
    .filter((w) => {
      const bare = w.replace(/^[^\w$]+|[^\w$]+$/g, "").toLowerCase();
      if (bare === "") return false;
      if (own.has(bare) || own.has(bare.replace(/s$/, ""))) return false;
      if (/[_$]|[a-z][A-Z]|\(\)/.test(w)) return false; // any other identifier-shaped word names code
      return true;
    });
  return words.join(" ").trim();
}

function sampleKey(seed: number, path: string, name: string, start: number): string {
  return createHash("sha256").update(`${seed}\0${path}\0${name}\0${start}`).digest("hex");
}

/** Mine doc-kind tasks from the tree at `rev`. */
export async function mineDocTasks(options: DocMineOptions): Promise<{ tasks: DocTask[]; examined: number }> {
  const gitDir = gitDirOf(options.repo);
  if (!gitDir) throw new ConfigError(`--repo ${options.repo}: not a git repository`);
  const commit = (await runGit(gitDir, ["rev-parse", `${options.rev ?? "HEAD"}^{commit}`])).trim();
  const date = (await runGit(gitDir, ["show", "-s", "--format=%cI", commit])).trim();
  const listing = await runGit(gitDir, ["ls-tree", "-r", "-l", commit]);
  const maxBytes = options.maxFileBytes ?? 200_000;
  const files = listing
    .split("\n")
    .map((l) => /^\d+ blob [0-9a-f]+\s+(\d+)\t(.+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) <= maxBytes)
    .map((m) => m[2]!)
    .filter((p) => isMinableSource(p) && languageForPath(p) !== null);
  const seed = options.seed ?? 1;
  const limit = options.limit ?? 40;
  // Files in seeded order; at most two units per file so one big file does not dominate.
  const ordered = [...files].sort((a, b) => (sampleKey(seed, a, "", 0) < sampleKey(seed, b, "", 0) ? -1 : 1));
  const tasks: DocTask[] = [];
  const seen = new Set<string>();
  let examined = 0;
  for (const path of ordered) {
    if (tasks.length >= limit) break;
    const lang = languageForPath(path);
    if (!lang) continue;
    const text = await runGit(gitDir, ["cat-file", "-p", `${commit}:${path}`]);
    const lines = text.split("\n");
    const units = (await extractCodeUnits(text, lang))
      .filter((u) => DOC_KINDS.has(u.kind) && u.end - u.start + 1 >= 3 && u.end - u.start + 1 <= 250)
      .sort((a, b) =>
        sampleKey(seed, path, a.qualifiedName, a.start) < sampleKey(seed, path, b.qualifiedName, b.start) ? -1 : 1,
      );
    let fromFile = 0;
    for (const unit of units) {
      if (fromFile >= 2 || tasks.length >= limit) break;
      examined++;
      const doc = docTextOf(lines, unit, lang);
      if (doc === "") continue;
      const signature = lines.slice(unit.start - 1, unit.headerEnd).join(" ");
      const query = queryFromDoc(firstSentence(doc), unit, signature);
      // Enough content words left to ask something ("Get the for this" is not a question).
      if (query.split(/\s+/).filter((w) => /^[^a-z]*[a-z]{4,}/i.test(w)).length < 3) continue;
      const key = query.toLowerCase();
      if (seen.has(key)) continue; // the same sentence on overloads or copies says nothing about which
      seen.add(key);
      fromFile++;
      const name = options.name.split("/")[1] ?? options.name;
      const span: [number, number] = [unit.start, unit.end];
      tasks.push({
        instance_id: `${name}-doc-${sampleKey(seed, path, unit.qualifiedName, unit.start).slice(0, 10)}`,
        repo: options.name,
        base_commit: commit,
        created_at: date,
        version: null,
        tier: "mined-doc",
        problem_statement: query,
        gold_files: [path],
        locations: [
          {
            path,
            status: "modified",
            file_lines: text.endsWith("\n") ? lines.length - 1 : lines.length,
            deleted_lines: [],
            insert_after: [],
            hunk_offsets: [],
            hunk_ranges: [span],
            edit_ranges: [span],
            functions: [unit.qualifiedName],
            function_spans: [[`${path}:${unit.qualifiedName}`, unit.start, unit.end]],
          },
        ],
        checks: { mined_from: "doc", unit_kind: unit.kind, language: lang },
      });
    }
  }
  return { tasks, examined };
}
