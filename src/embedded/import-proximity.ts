/**
 * Import proximity for ranking: files adjacent, in the import graph, to the strongest hits gain a
 * share of their score. The graph comes from the first turn's search of every import line; on a
 * tree large enough for that search to reach the collection cap (20,000 lines), which files made
 * it in depends on ripgrep's thread order, so the graph would change from run to run. Then the
 * first search is not used: a targeted turn asks only for what proximity reads — the import lines
 * of the strongest hits themselves, and the import lines elsewhere that name them — which is the
 * same for every run and a fraction of the cost.
 *
 * A server explores the same listing again and again (frozen: a changed tree is a new array), so
 * once the first turn's pass has reached the cap on a listing, later explorations of it leave the
 * pass out (`importPassKnownCapped`): the targeted turn runs either way, and the pass was one of
 * the whole-tree searches a new question pays for. When the tree has changed since (the checked
 * listing is another array), the pass runs after all, in a turn of its own (`firstImportPass`), so
 * the answer is the one a first turn with the pass would have given.
 */

import { languageForPath } from "../analysis/languages.js";
import { escapeRegex } from "../analysis/query.js";
import type { ToolCallRequest, ToolResult } from "../contracts/tools.js";
import { timeSlice, yieldToLoop } from "../util/yield.js";
import type { IndexedFile } from "../workspace/file-index.js";
import { buildImportGraph, IMPORT_LINE_PATTERN, importGraphFor, proximity } from "./import-graph.js";
import { IMPORT_PASS_ARGS, type PlannedCall } from "./plan.js";
import type { RankedFile } from "./rank-files.js";

/** Weight of import-graph proximity to the strongest hits, relative to the best file's score. */
const PROXIMITY_WEIGHT = 0.2;
/** How many of the best files are seeds. */
const SEEDS = 5;

/** Runs tool calls as one turn of the exploration (shown in its trajectory like any other). */
export type RunTurn = (calls: ToolCallRequest[], content: string) => Promise<ToolResult[]>;

const IMPORT_LINE = new RegExp(IMPORT_LINE_PATTERN);

/**
 * File names that stand for their directory in an import (a package's `__init__.py`, a JS folder's
 * `index.ts`, Rust's `mod.rs`/`lib.rs`/`main.rs`): an importer names the directory.
 */
const DIRECTORY_MODULES: ReadonlySet<string> = new Set(["__init__", "index", "mod", "lib", "main"]);

/** The names an import of `rel` is likely to contain: its stem, or its directory's name. */
export function importNamesOf(rel: string): string[] {
  const slash = rel.lastIndexOf("/");
  const base = rel.slice(slash + 1);
  const dot = base.indexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : base;
  const dir = slash === -1 ? "" : rel.slice(rel.lastIndexOf("/", slash - 1) + 1, slash);
  const names = new Set<string>();
  // Go imports packages (directories); the other languages name the module.
  if ((DIRECTORY_MODULES.has(stem) || languageForPath(rel) === "go") && dir !== "") names.add(dir);
  if (!DIRECTORY_MODULES.has(stem)) names.add(stem);
  return [...names].filter((n) => /^\w{2,}$/.test(n));
}

/**
 * The targeted searches for `seeds`: each seed's own import lines, and the lines anywhere that
 * start with an import keyword and name one of the seeds (kept only when they are import lines by
 * IMPORT_LINE_PATTERN: ripgrep's regex has no look-ahead, so the module path and the name are
 * matched loosely, then checked here).
 */
export function targetedImportCalls(seeds: readonly string[]): ToolCallRequest[] {
  const calls: ToolCallRequest[] = seeds.map((rel, i) => ({
    id: `call_imports_of_${i + 1}`,
    name: "Grep",
    arguments: { pattern: IMPORT_LINE_PATTERN, path: rel, output_mode: "content", head_limit: 50 },
  }));
  const names = [...new Set(seeds.flatMap(importNamesOf))].sort();
  if (names.length > 0)
    calls.push({
      id: "call_imports_naming",
      name: "Grep",
      arguments: {
        pattern: `^\\s*(?:import|from|#\\s*include|use|const|let|var|export|require_relative|require)\\b.*\\b(?:${names.map(escapeRegex).join("|")})\\b`,
        output_mode: "content",
        head_limit: 50,
      },
    });
  return calls;
}

/** Import lines by file from Grep results (only import lines; a capped result only when `capped` is allowed). */
function importLines(results: readonly ToolResult[], into: Map<string, string[]>, allowCapped: boolean): void {
  for (const r of results) {
    if (r.data?.tool !== "Grep" || (r.data.atLeast && !allowCapped)) continue;
    for (const f of r.data.files) {
      const lines = f.lines.filter((l) => l.match && IMPORT_LINE.test(l.text)).map((l) => l.text);
      if (lines.length === 0) continue;
      const known = into.get(f.path) ?? [];
      for (const l of lines) if (!known.includes(l)) known.push(l);
      into.set(f.path, known);
    }
  }
}

/** Listings on which the whole-tree import-line search reached the collection cap. */
const cappedListings = new WeakSet<readonly IndexedFile[]>();

/** Stopped at the collection cap (not at the time limit: another run may finish). */
function reachedCap(r: ToolResult | undefined): boolean {
  return r?.data?.tool === "Grep" && r.data.atLeast && !r.data.timedOut;
}

/** The first turn may leave out the import-line search: on this kept listing it reached the cap before. */
export function importPassKnownCapped(kept: readonly IndexedFile[] | undefined): boolean {
  return kept !== undefined && cappedListings.has(kept);
}

/**
 * What the proximity reads of the whole-tree import-line search: its result (noted against the
 * `listing` it ran on), "capped" when it was left out on `skippedOn` and that is still the listing,
 * undefined when no such search was planned. A listing that changed since gets the search now.
 */
export async function firstImportPass(
  planned: readonly PlannedCall[],
  results: readonly ToolResult[],
  skippedOn: readonly IndexedFile[] | undefined,
  listing: readonly IndexedFile[],
  runTurn: RunTurn,
): Promise<ToolResult | "capped" | undefined> {
  const i = planned.findIndex((p) => p.purpose === "imports");
  let result = i === -1 ? undefined : results[i];
  if (i === -1 && skippedOn !== undefined) {
    if (skippedOn === listing) return "capped";
    [result] = await runTurn(
      [{ id: "call_imports_all", name: "Grep", arguments: { ...IMPORT_PASS_ARGS } }],
      "Searching every import line (the tree changed since it last reached the collection cap).",
    );
  }
  if (reachedCap(result)) cappedListings.add(listing);
  return result;
}

/** Raise files adjacent (in the import graph) to the strongest hits. */
export async function applyImportProximity(
  ranked: RankedFile[],
  pass: ToolResult | "capped" | undefined,
  files: readonly string[],
  runTurn: RunTurn,
): Promise<RankedFile[]> {
  const data = pass === "capped" ? undefined : pass?.data;
  if ((pass !== "capped" && data?.tool !== "Grep") || ranked.length === 0) return ranked;
  const seedFiles = ranked.slice(0, SEEDS).map((f) => f.rel);
  const linesByFile = new Map<string, string[]>();
  let graph: Awaited<ReturnType<typeof buildImportGraph>>;
  if (data?.tool === "Grep" && !data.atLeast) {
    for (const f of data.files)
      linesByFile.set(
        f.path,
        f.lines.filter((l) => l.match).map((l) => l.text),
      );
    graph = await importGraphFor(linesByFile, files);
  } else {
    const targeted = await runTurn(
      targetedImportCalls(seedFiles),
      `Searching the import lines of the ${seedFiles.length} strongest files and the lines that import them.`,
    );
    // The seeds' own lines are whole files' worth (never near the cap); the naming search, when it
    // too reaches the cap, would again depend on thread order: then only the seeds' lines count.
    importLines(targeted, linesByFile, false);
    graph = await buildImportGraph(linesByFile, files);
  }
  const top = ranked[0]!.score;
  const seeds = new Map(ranked.slice(0, SEEDS).map((f) => [f.rel, f.score / top]));
  const near = proximity(graph, seeds);
  const raised = new Set<RankedFile>();
  // One pass over the ranking (28k files on the 100k tree, where a hub's neighbours are thousands:
  // 59 ms in one piece), no map of it, in slices of the event loop.
  const slice = timeSlice();
  if (near.size > 0)
    for (const f of ranked) {
      if (slice.due()) await yieldToLoop();
      const p = near.get(f.rel);
      if (p === undefined) continue;
      f.proximity = p;
      f.score += PROXIMITY_WEIGHT * top * p;
      raised.add(f);
    }
  await yieldToLoop(); // sorting thousands of raised files is a piece of its own (~25 ms)
  return reordered(ranked, raised);
}

const byScoreThenPath = (a: RankedFile, b: RankedFile): number =>
  b.score - a.score || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);

/**
 * `ranked` in score order again after the scores of `raised` changed. Why not one sort: a large
 * tree's ranking holds tens of thousands of files, and sorting them all held the event loop
 * ~50 ms; the raised files are a few dozen (thousands beside a hub module). When the others were in order (as `rankFiles` leaves
 * them) the raised ones are sorted and merged in; else everything is sorted. Same result either way.
 */
export function reordered(ranked: RankedFile[], raised: Set<RankedFile>): RankedFile[] {
  const rest: RankedFile[] = [];
  for (const f of ranked) {
    if (raised.has(f)) continue;
    const last = rest[rest.length - 1];
    if (last && byScoreThenPath(last, f) > 0) return [...ranked].sort(byScoreThenPath);
    rest.push(f);
  }
  if (raised.size === 0) return rest;
  const up = [...raised].sort(byScoreThenPath);
  const out: RankedFile[] = [];
  let i = 0;
  let j = 0;
  while (i < rest.length || j < up.length) {
    if (j >= up.length || (i < rest.length && byScoreThenPath(rest[i]!, up[j]!) <= 0)) out.push(rest[i++]!);
    else out.push(up[j++]!);
  }
  return out;
}
