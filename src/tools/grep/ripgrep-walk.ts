/**
 * A ripgrep search that does not wait for the file index: ripgrep's own walk does the listing. The
 * facts the index would give come from elsewhere, at the same time as the search runs: ripgrep's
 * `--debug` stderr names the entries ignore rules skipped, and the symlink probe (`find`) finds the
 * links the walker would follow, which a second search covers as explicit paths (ripgrep follows an
 * explicit path; it never follows links during its walk). Same text as the indexed search.
 */
import { lstat, stat } from "node:fs/promises";
import { join } from "node:path";
import { ancestorLevels } from "../../workspace/file-index.js";
import { ancestorIgnoreFile, properAncestors, walkOrder } from "../../workspace/native-listing.js";
import { isWithin, relativeTo } from "../../workspace/paths.js";
import type { SymlinkProbe } from "../../workspace/symlink-probe.js";
import type { Workspace } from "../../workspace/workspace.js";
import { type GrepQuery, mergeCollected } from "./collect.js";
import { entersDir, type FileFilter, selectsFile } from "./file-filter.js";
import type { RipgrepOutcome } from "./ripgrep.js";
import type { WalkShare } from "./walk-share.js";

/**
 * Runs one ripgrep search over the target (no `extra`) or over the `extra` paths only, pushing
 * ignored paths into `sink`; without a sink ripgrep runs without `--debug` and names none.
 */
export type SearchRunner = (
  extra: string[],
  ignoreFile: string | undefined,
  sink: string[] | undefined,
) => Promise<RipgrepOutcome>;

/**
 * The search, or null when the symlink probe cannot run here (the caller then uses the index).
 * `share`: the turn's ignore notices (walk-share.ts), for a search that is no member of a shared
 * count pass.
 */
export async function searchWithoutIndex(
  ws: Workspace,
  q: GrepQuery,
  filter: FileFilter,
  runSearch: SearchRunner,
  signal?: AbortSignal,
  share?: WalkShare,
): Promise<RipgrepOutcome | null> {
  const base = ancestorLevels(ws.root, q.targetRel);
  const mainRules = ancestorIgnoreFile(ws.root, properAncestors(q.targetRel));
  const leaders = share?.follow(q.targetRel);
  const publish = share && !leaders ? share.lead(q.targetRel) : undefined;
  const mainIgnored: string[] = [];
  // The leader publishes as soon as its walk ends. A walk cut short (time limit, line cap,
  // cancellation, failure) skipped only part of what it would have: it publishes nothing.
  const mainSearch = runSearch([], mainRules.args[1], leaders ? undefined : mainIgnored).then(
    (outcome) => {
      publish?.(outcome.ok && !outcome.collected.atLeast && !outcome.collected.timedOut ? mainIgnored : null);
      return outcome;
    },
    (error: unknown) => {
      publish?.(null);
      throw error;
    },
  );
  let main: RipgrepOutcome;
  let probe: SymlinkProbe | null;
  try {
    [main, probe] = await Promise.all([
      mainSearch,
      // One probe per workspace and search root, shared with the listing (Workspace.symlinkProbes).
      ws.symlinkProbes.of(q.targetRel, base, signal),
    ]);
  } finally {
    mainRules.cleanup();
  }
  if (!main.ok) return main;
  if (probe === null) return null;

  const links = probe.followed.filter((l) =>
    l.dir ? entersDir(filter, l.rel, q.targetRel) : selectsFile(filter, l.rel, q.targetRel),
  );
  let collected = main.collected;
  const linkIgnored: string[] = [];
  if (links.length > 0 && !collected.atLeast) {
    // The links' directories are walked from their own paths: the rules above them come along.
    const ruleDirs = links.flatMap((l) => (l.dir ? properAncestors(l.rel) : []));
    const rules = ancestorIgnoreFile(ws.root, ruleDirs);
    try {
      const extra = await runSearch(
        links.map((l) => ws.display(l.rel)),
        rules.args[1],
        linkIgnored,
      );
      if (!extra.ok) return extra;
      collected = mergeCollected(collected, extra.collected);
    } finally {
      rules.cleanup();
    }
  }
  // A follower's notices are its leader's walk, waited for last; none when that walk did not end normally.
  const walkIgnored = leaders ? await leaders : mainIgnored;
  if (walkIgnored === null) return { ok: true, collected };
  const ignored = [...walkIgnored, ...linkIgnored];
  return { ok: true, collected: { ...collected, ignored: await ignoredFacts(ws, q.targetRel, ignored, probe) } };
}

/** The ignored entries under the target (directories in the walker's order), from both searches and the probe. */
async function ignoredFacts(
  ws: Workspace,
  targetRel: string,
  paths: string[],
  probe: SymlinkProbe,
): Promise<{ dirs: string[]; count: number }> {
  const rels = new Set<string>();
  for (const p of paths) {
    if (!isWithin(ws.root, p)) continue;
    const rel = relativeTo(ws.root, p);
    if (!probe.counted.has(rel)) rels.add(rel);
  }
  const linkDirs = new Map(probe.ignored.map((l) => [l.rel, l.dir]));
  for (const rel of linkDirs.keys()) rels.add(rel);
  const prefix = targetRel === "" ? "" : `${targetRel}/`;
  const under = [...rels].filter((r) => prefix === "" || r.startsWith(prefix));
  const isDir = await Promise.all(
    under.map(async (rel) => {
      const known = linkDirs.get(rel);
      if (known !== undefined) return known;
      const abs = join(ws.root, rel);
      const st = await lstat(abs).catch(() => null);
      if (st?.isSymbolicLink()) return (await stat(abs).catch(() => null))?.isDirectory() ?? false;
      return st?.isDirectory() ?? false;
    }),
  );
  const dirs = under.filter((_, i) => isDir[i]).sort(walkOrder);
  return { dirs, count: under.length };
}
