/**
 * A light import graph for ranking: one search collects every import line of the repository; each
 * is parsed for its language and resolved to repository files. Files close to the strongest hits
 * (they import them, or are imported by them) gain relevance — the buggy code is often the
 * caller or callee of what the query names.
 */
import { extractImports } from "../analysis/imports.js";
import { languageForPath } from "../analysis/languages.js";
import { createPathIndex, resolveImport } from "../analysis/resolve-import.js";

/** One ripgrep pattern for import statements across the common languages. */
export const IMPORT_LINE_PATTERN =
  "^\\s*(?:import\\s|from\\s+[\\w.]+\\s+import\\b|#\\s*include\\s|use\\s+[\\w:{]|(?:const|let|var)\\s.*=\\s*require\\(|export\\s.*\\sfrom\\s|require_relative\\s|require\\s+['\"])";

export interface ImportGraph {
  /** Files each file imports (repository-relative). */
  out: Map<string, Set<string>>;
  /** Files importing each file. */
  in: Map<string, Set<string>>;
}

/** Build the graph from import lines grouped by file. */
export function buildImportGraph(linesByFile: Map<string, string[]>, allFiles: readonly string[]): ImportGraph {
  const index = createPathIndex(allFiles);
  const exists = new Set(allFiles);
  const out: ImportGraph["out"] = new Map();
  const inbound: ImportGraph["in"] = new Map();
  for (const [rel, lines] of linesByFile) {
    const lang = languageForPath(rel);
    if (!lang) continue;
    const targets = new Set<string>();
    for (const ref of extractImports(lines.join("\n"), lang)) {
      const resolved = resolveImport(ref, rel, (p) => exists.has(p), { index, lang });
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
