/**
 * A light import graph for ranking: one search collects every import line of the repository; each
 * is parsed for its language and resolved to repository files. Files close to the strongest hits
 * (they import them, or are imported by them) gain relevance — the buggy code is often the
 * caller or callee of what the query names.
 */
import { createHash } from "node:crypto";
import { extractImports } from "../analysis/imports.js";
import { languageForPath } from "../analysis/languages.js";
import { type PathIndex, pathIndexBuilder, resolveImport } from "../analysis/resolve-import.js";
import { ListMemo } from "../util/list-memo.js";
import { timeSlice, yieldToLoop } from "../util/yield.js";

/** One ripgrep pattern for import statements across the common languages. */
export const IMPORT_LINE_PATTERN =
  "^\\s*(?:import\\s|from\\s+[\\w.]+\\s+import\\b|#\\s*include\\s|use\\s+[\\w:{]|(?:const|let|var)\\s.*=\\s*require\\(|export\\s.*\\sfrom\\s|require_relative\\s|require\\s+['\"])";

export interface ImportGraph {
  /** Files each file imports (repository-relative). */
  out: Map<string, Set<string>>;
  /** Files importing each file. */
  in: Map<string, Set<string>>;
}

/** Languages whose import resolution depends only on the importing file's directory. */
const DIR_RESOLVED: ReadonlySet<string> = new Set(["python", "javascript", "typescript", "tsx"]);

const GRAPH_CACHE_SIZE = 8;
const graphCache = new Map<string, ImportGraph>();

/**
 * `buildImportGraph`, remembered for the last few inputs: a server or a process exploring the
 * same tree again sees the same import lines and files, and rebuilding the graph was the largest
 * synchronous step of a warm exploration (~100 ms on a 2k-file tree). Keyed by a hash of both
 * inputs, so any edited import line or added/removed file builds a new graph.
 */
export async function importGraphFor(
  linesByFile: Map<string, string[]>,
  allFiles: readonly string[],
): Promise<ImportGraph> {
  const hash = createHash("sha256");
  for (const f of allFiles) hash.update(f).update("\0");
  hash.update("\u0001");
  // In path order: ripgrep's parallel walk returns files in any order, the graph does not depend on it.
  const rels = [...linesByFile.keys()].sort();
  for (const rel of rels) hash.update(rel).update("\0").update(linesByFile.get(rel)!.join("\n")).update("\u0001");
  const key = hash.digest("hex");
  const hit = graphCache.get(key);
  if (hit) {
    graphCache.delete(key);
    graphCache.set(key, hit);
    return hit;
  }
  const graph = await buildImportGraph(linesByFile, allFiles);
  graphCache.set(key, graph);
  if (graphCache.size > GRAPH_CACHE_SIZE) graphCache.delete(graphCache.keys().next().value as string);
  return graph;
}

interface FilePathIndex {
  index: PathIndex;
  exists: ReadonlySet<string>;
}

/**
 * The path index of a file list, remembered per frozen list (src/util/list-memo.ts): indexing 100k
 * paths took ~0.2 s of every exploration on such a tree.
 */
const pathIndexes = new ListMemo<FilePathIndex>();

function filePathIndexOf(allFiles: readonly string[]): Promise<FilePathIndex> {
  return pathIndexes.get(allFiles, "", async () => {
    const builder = pathIndexBuilder();
    const exists = new Set<string>();
    for (let i = 0; i < allFiles.length; i++) {
      if (i > 0 && i % INDEX_SLICE === 0) await yieldToLoop();
      builder.add(allFiles[i]!);
      exists.add(allFiles[i]!);
    }
    return { index: builder.index, exists };
  });
}

/** Files indexed between yields to the event loop (indexing a 50k-file tree took ~60 ms in one piece). */
const INDEX_SLICE = 5000;
/**
 * Milliseconds of resolution between yields to the event loop (a 50k-file tree resolves ~3k files,
 * ~1 s). By time, not by count: 64 files per slice held the loop for 100–111 ms in a cold
 * exploration of a 1,591-file tree, where the code ran for the first time (`bench/loop-gaps.ts`).
 */
const RESOLVE_SLICE_MS = 8;

/**
 * Build the graph from import lines grouped by file. Asynchronous only to yield to the event loop
 * every `RESOLVE_SLICE_MS`: on a large tree the resolution takes a second, which would stall
 * every other session of an MCP server.
 */
export async function buildImportGraph(
  linesByFile: Map<string, string[]>,
  allFiles: readonly string[],
): Promise<ImportGraph> {
  const { index, exists } = await filePathIndexOf(allFiles);
  const out: ImportGraph["out"] = new Map();
  const inbound: ImportGraph["in"] = new Map();
  // In Python and JS/TS the same import from the same directory resolves the same way (`from
  // pkg.util import x` in every module of a package): resolve it once. (Other languages' rules
  // look at the importing file's own name.) The importing file itself is dropped below.
  const memo = new Map<string, string[]>();
  const slice = timeSlice(RESOLVE_SLICE_MS);
  for (const [rel, lines] of linesByFile) {
    if (slice.due()) await yieldToLoop();
    const lang = languageForPath(rel);
    if (!lang) continue;
    const targets = new Set<string>();
    const dir = rel.includes("/") ? rel.slice(0, rel.lastIndexOf("/")) : "";
    for (const ref of extractImports(lines.join("\n"), lang)) {
      const key = `${lang}\0${dir}\0${ref.module}\0${ref.relative ? (ref.level ?? 1) : 0}\0${ref.names.join(",")}`;
      const byDir = DIR_RESOLVED.has(lang);
      let resolved = byDir ? memo.get(key) : undefined;
      if (!resolved) {
        resolved = resolveImport(ref, rel, (p) => exists.has(p), { index, lang });
        if (byDir) memo.set(key, resolved);
      }
      // Python `from pkg import name` may name a module inside the package.
      for (const target of resolved.slice(0, 2)) if (target !== rel && exists.has(target)) targets.add(target);
    }
    if (targets.size === 0) continue;
    out.set(rel, targets);
    for (const t of targets) {
      let set = inbound.get(t);
      if (!set) inbound.set(t, (set = new Set()));
      set.add(rel);
    }
  }
  return { out, in: inbound };
}

/**
 * Proximity of every file to the `seeds` (file → strength 0..1): the seeds' strength spread over
 * direct import edges in both directions, damped by how many edges the other end has (a package
 * `__init__` that imports everything says little about any one file).
 */
export function proximity(graph: ImportGraph, seeds: Map<string, number>): Map<string, number> {
  const score = new Map<string, number>();
  const degree = (f: string) => (graph.out.get(f)?.size ?? 0) + (graph.in.get(f)?.size ?? 0);
  for (const [seed, strength] of seeds) {
    const neighbours = new Set([...(graph.out.get(seed) ?? []), ...(graph.in.get(seed) ?? [])]);
    for (const n of neighbours) {
      const w = strength / Math.log2(2 + Math.max(degree(n), degree(seed)));
      score.set(n, (score.get(n) ?? 0) + w);
    }
  }
  return score;
}
