/**
 * A search over more explicit paths than one command line holds, run as several ripgreps.
 *
 * A search the term index narrows hands ripgrep its candidate files as explicit paths. On a large
 * tree those can be tens of thousands: 37,831 files for a definitions search on the 100k-file tree,
 * about 3 MB of arguments, where Linux allows a quarter of the stack limit (2 MiB for 8 MiB). Such a
 * search used to walk the whole tree instead (0.85–0.99 s). The same 38% of the files as explicit
 * paths in two parts took 0.42–0.44 s (BENCHMARKS.md, "Narrowed searches past one command line").
 *
 * Contract: the parts run one after the other, within the call's time limit in total. Each part is
 * the search it would be alone. The result is their merge (`mergeCollected`), as one search over
 * all the paths gives it (files in path order, counts summed). The parts stop early when one of them
 * reaches the line cap or the time limit, which marks the result a lower bound (`atLeast`), or when
 * one fails, whose failure is the answer.
 */
import { argumentCost, processCommandLineBudget } from "../../util/command-line-budget.js";
import { type Collected, mergeCollected } from "./collect.js";
import type { RipgrepOutcome, SearchOptions } from "./ripgrep.js";

/** `paths` in order, cut into runs whose arguments fit `budget` bytes each (one path at least per run). */
export function explicitPathParts(paths: readonly string[], budget = processCommandLineBudget()): string[][] {
  const parts: string[][] = [];
  let part: string[] = [];
  let bytes = 0;
  for (const path of paths) {
    const cost = argumentCost(path);
    if (part.length > 0 && bytes + cost > budget) {
      parts.push(part);
      part = [];
      bytes = 0;
    }
    part.push(path);
    bytes += cost;
  }
  if (part.length > 0 || parts.length === 0) parts.push(part);
  return parts;
}

/** Runs `search` over each part in turn and merges what they found (see the module's contract). */
export async function searchInParts(
  parts: readonly string[][],
  options: SearchOptions,
  search: (part: string[], options: SearchOptions) => Promise<RipgrepOutcome>,
): Promise<RipgrepOutcome> {
  const [first, ...rest] = parts;
  if (!first || rest.length === 0) return search(first ?? [], options);
  const deadline = performance.now() + options.timeoutMs;
  let merged: Collected | undefined;
  for (const part of parts) {
    const left = Math.floor(deadline - performance.now());
    if (merged && left <= 0) return { ok: true, collected: { ...merged, atLeast: true, timedOut: true } };
    const outcome = await search(part, { ...options, timeoutMs: Math.max(1, left) });
    if (!outcome.ok) return outcome;
    merged = merged ? mergeCollected(merged, outcome.collected) : outcome.collected;
    if (merged.atLeast || merged.timedOut || options.signal.aborted) break;
  }
  return { ok: true, collected: merged! };
}
