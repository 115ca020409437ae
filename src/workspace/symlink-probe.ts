/**
 * Finds the symbolic links of a tree without walking it in JavaScript: `find` lists every link
 * (skipping `.git`), and each one is judged the way the file index's walker judges it: it counts
 * only when every directory above it would be walked (ignore rules), then it is dangling, leaves
 * the root, loops back to an ancestor, or is followed. ripgrep's walker never reports directory
 * links, so the native listing and the index-free Grep ask this probe instead.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { yieldToLoop } from "../util/yield.js";
import { IGNORE_FILE_NAMES, type IgnoreLevel, isIgnored, loadIgnoreLevel } from "./ignore-rules.js";
import { isWithin, relativeTo } from "./paths.js";

export interface ProbedLink {
  /** Path of the link, relative to the root. */
  rel: string;
  /** The target is a directory. */
  dir: boolean;
  /** Realpath of the target (inside the root). */
  real: string;
}

export interface SymlinkProbe {
  /** In-root links below the start that the walker would follow (not ignored, no loop). */
  followed: ProbedLink[];
  /** Links whose target leaves the root (never followed). */
  outsideRoot: number;
  /** Directory links back to one of their own ancestors. */
  loops: number;
  /** Dangling links or targets that cannot be stat'ed. */
  unreadable: number;
  /** In-root links that ignore rules exclude. */
  ignored: Array<{ rel: string; dir: boolean }>;
  /** Links counted as dangling, outside or loops (judged before ignore rules, as the walker does). */
  counted: Set<string>;
}

/**
 * Ignore levels per directory, read on demand (a few directories per link, not the whole tree).
 * `base` are the levels that apply at `startRel` (its ancestors', computed by the caller).
 */
export class IgnoreLevels {
  private readonly cache = new Map<string, IgnoreLevel[]>();

  constructor(
    private readonly root: string,
    private readonly startRel: string,
    base: IgnoreLevel[],
  ) {
    this.cache.set(startRel, [...base, ...this.own(startRel)]);
  }

  /** `listed`: the directory's entry names when the caller has read them (no `stat` per ignore-file name then). */
  private own(dirRel: string, listed?: ReadonlySet<string>): IgnoreLevel[] {
    const abs = dirRel === "" ? this.root : join(this.root, dirRel);
    const names = new Set<string>();
    for (const name of IGNORE_FILE_NAMES) if (listed ? listed.has(name) : existsSync(join(abs, name))) names.add(name);
    if (dirRel === "" && existsSync(join(abs, ".git"))) names.add(".git");
    const level = loadIgnoreLevel(abs, dirRel, names, dirRel === "");
    return level ? [level] : [];
  }

  /** Levels that apply to the entries of `dirRel` (a directory at or below the start). */
  levelsIn(dirRel: string, listed?: ReadonlySet<string>): IgnoreLevel[] {
    const hit = this.cache.get(dirRel);
    if (hit) return hit;
    const slash = dirRel.lastIndexOf("/");
    const parent = slash === -1 ? "" : dirRel.slice(0, slash);
    const levels = [...this.levelsIn(parent), ...this.own(dirRel, listed)];
    this.cache.set(dirRel, levels);
    return levels;
  }

  /** Whether the walker, starting at the start directory, would enter every directory down to `dirRel`. */
  reaches(dirRel: string): boolean {
    if (dirRel === this.startRel) return true;
    const slash = dirRel.lastIndexOf("/");
    const parent = slash === -1 ? "" : dirRel.slice(0, slash);
    if (!this.reaches(parent)) return false;
    return !isIgnored(this.levelsIn(parent), dirRel, true);
  }
}

/** Directories read before `find` takes over, and how deep (the first scan in a process: 20–30 ms). */
const NEAR_DIRS = 64;
const NEAR_DEPTH = 2;
/** Start paths handed to `find` at most (bytes of the command line stay small). */
const MAX_FRONTIER = 2000;
/** Directories judged between two turns of the event loop. */
const YIELD_DIRS = 8;

/**
 * The top of the tree read here, so that `find` skips what the walker ignores. `find` knows no
 * ignore rules: on a JavaScript project it would walk all of `node_modules` (183k files: 0.3 s,
 * while ripgrep's whole search, which skips them, took 0.17 s). So the directories nearest the
 * start are read here, breadth first, within `NEAR_DIRS` and `NEAR_DEPTH` (`node_modules`,
 * `target`, `.venv` and `packages/x/node_modules` are within reach; each directory read costs its
 * ignore files' parse). Ignored ones are dropped as the walker drops them, links met on the way are
 * kept, and `find` walks only the directories left at the edge. Null when nothing near the start is
 * ignored (or the edge is too wide): `find` then walks the whole start as before. Never wrong either
 * way: a link under an ignored directory is never followed. (Exported for tests.)
 */
export async function scanNearStart(
  root: string,
  startRel: string,
  levels: IgnoreLevels,
): Promise<{ links: string[]; frontier: string[] } | null> {
  // A start that is itself a link: `find` does not enter it (it never follows links), so neither does this.
  const startStat = await lstat(startRel === "" ? root : join(root, startRel)).catch(() => null);
  if (!startStat?.isDirectory()) return null;
  const links: string[] = [];
  const frontier: string[] = [];
  let ignored = 0;
  let queue: string[] = [startRel];
  let read = 0;
  for (let depth = 0; queue.length > 0; depth++) {
    const absOf = (dirRel: string) => (dirRel === "" ? root : join(root, dirRel));
    const now = depth > NEAR_DEPTH ? [] : queue.slice(0, Math.max(0, NEAR_DIRS - read));
    for (const dirRel of queue.slice(now.length)) frontier.push(absOf(dirRel));
    read += now.length;
    // One level's directories are read at once: one after the other, each read waits a round trip.
    const listed = await Promise.all(now.map((d) => readdir(absOf(d), { withFileTypes: true }).catch(() => null)));
    const next: string[] = [];
    for (const [k, dirRel] of now.entries()) {
      // Judging a directory's entries against its ignore rules takes a while on a first scan:
      // others get the event loop in between (a server answering meanwhile).
      if (k > 0 && k % YIELD_DIRS === 0) await yieldToLoop();
      const abs = absOf(dirRel);
      const entries = listed[k];
      // An unreadable directory is left to `find`, which reports it as it did before.
      if (!entries) {
        frontier.push(abs);
        continue;
      }
      const inner = levels.levelsIn(dirRel, new Set(entries.map((e) => e.name)));
      for (const e of entries) {
        if (e.name === ".git") continue;
        const rel = dirRel === "" ? e.name : `${dirRel}/${e.name}`;
        if (e.isSymbolicLink()) links.push(join(abs, e.name));
        else if (e.isDirectory()) {
          if (isIgnored(inner, rel, true)) ignored++;
          else next.push(rel);
        }
      }
    }
    queue = next;
    if (frontier.length + queue.length > MAX_FRONTIER) return null;
  }
  return ignored === 0 ? null : { links, frontier };
}

/**
 * Every symlink below the start directories (not inside `.git`), as absolute paths; null when
 * `find` cannot run. No start: none.
 */
export function findSymlinks(absStarts: string | readonly string[], signal?: AbortSignal): Promise<string[] | null> {
  const starts = typeof absStarts === "string" ? [absStarts] : absStarts;
  if (starts.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    // Every start is absolute: none reads as an expression.
    const child = spawn("find", [...starts, "-name", ".git", "-prune", "-o", "-type", "l", "-print0"], {
      stdio: ["ignore", "pipe", "ignore"],
      ...(signal ? { signal } : {}),
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", () => resolve(null));
    // find exits 1 when some directory is unreadable; the links it printed are still right.
    child.on("close", (code) => {
      if (code !== 0 && code !== 1) return resolve(null);
      const out = Buffer.concat(chunks).toString("utf8");
      resolve(out.split("\0").filter((s) => s !== ""));
    });
  });
}

/**
 * Judge the links below `startRel` as the walker would. `base` are the ignore levels of the start's
 * ancestors; null when `find` is not available (callers then fall back to the JavaScript walk).
 */
export async function probeSymlinks(
  root: string,
  startRel: string,
  base: IgnoreLevel[],
  signal?: AbortSignal,
): Promise<SymlinkProbe | null> {
  const absStart = startRel === "" ? root : join(root, startRel);
  const levels = new IgnoreLevels(root, startRel, base);
  const near = await scanNearStart(root, startRel, levels);
  const found = await findSymlinks(near ? near.frontier : absStart, signal);
  if (found === null) return null;
  const links = near ? [...near.links, ...found] : found;
  const probe: SymlinkProbe = {
    followed: [],
    outsideRoot: 0,
    loops: 0,
    unreadable: 0,
    ignored: [],
    counted: new Set(),
  };
  if (links.length === 0) return probe;
  for (const abs of links.sort()) {
    if (abs === absStart || !isWithin(root, abs)) continue;
    const rel = relativeTo(root, abs);
    const slash = rel.lastIndexOf("/");
    const parent = slash === -1 ? "" : rel.slice(0, slash);
    if (!levels.reaches(parent)) continue; // inside an ignored directory: never seen by the walker
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      probe.unreadable++;
      probe.counted.add(rel);
      continue;
    }
    if (!isWithin(root, real)) {
      probe.outsideRoot++;
      probe.counted.add(rel);
      continue;
    }
    let dir: boolean;
    try {
      const st = statSync(real);
      if (!st.isDirectory() && !st.isFile()) continue;
      dir = st.isDirectory();
    } catch {
      probe.unreadable++;
      probe.counted.add(rel);
      continue;
    }
    // The walker's chain holds the realpaths of the link's parent and its ancestors: the parent is
    // a real directory here (find does not follow links), so a loop is a target at or above it.
    const parentAbs = parent === "" ? root : join(root, parent);
    if (dir && isWithin(real, parentAbs)) {
      probe.loops++;
      probe.counted.add(rel);
      continue;
    }
    if (isIgnored(levels.levelsIn(parent), rel, dir)) {
      probe.ignored.push({ rel, dir });
      continue;
    }
    probe.followed.push({ rel, dir, real });
  }
  return probe;
}

/**
 * The symlink probes of one workspace (one exploration): each start directory is probed once and
 * the result is shared by every walk that needs it, both the index-free Greps and the listing. An
 * exploration's Greps used to share one probe, and the listing ran its own `find` over the same tree.
 * Sharing is safe: a link made after the probe is not followed by ripgrep's walk, and every file
 * shown is judged when it is read (src/workspace/file-guard.ts). A probe that failed is not kept.
 * A caller's signal ends only that caller's wait (null): a cancelled search never kills the `find`
 * another walk is waiting for. Once every caller of a probe has given up, its `find` is killed
 * (and the probe dropped), as a single search's was.
 */
export class SymlinkProbes {
  private readonly byStart = new Map<
    string,
    { result: Promise<SymlinkProbe | null>; waiting: number; stop: AbortController }
  >();

  constructor(private readonly root: string) {}

  /** The probe of `startRel`, whose ancestors' ignore levels are `base` (see `probeSymlinks`). */
  of(startRel: string, base: IgnoreLevel[], signal?: AbortSignal): Promise<SymlinkProbe | null> {
    if (signal?.aborted) return Promise.resolve(null);
    let entry = this.byStart.get(startRel);
    if (!entry) {
      const stop = new AbortController();
      const forget = () => {
        if (this.byStart.get(startRel) === entry) this.byStart.delete(startRel);
      };
      const result = probeSymlinks(this.root, startRel, base, stop.signal).then(
        (probe) => {
          if (probe === null) forget();
          return probe;
        },
        (error: unknown) => {
          forget();
          throw error;
        },
      );
      entry = { result, waiting: 0, stop };
      this.byStart.set(startRel, entry);
    }
    const shared = entry;
    shared.waiting++;
    const leave = () => {
      if (--shared.waiting > 0 || settled) return;
      // Nobody waits for it any more: stop the `find` and let a later walk probe again.
      if (this.byStart.get(startRel) === shared) this.byStart.delete(startRel);
      shared.stop.abort();
    };
    let settled = false;
    shared.result.then(
      () => (settled = true),
      () => (settled = true),
    );
    if (!signal) return shared.result;
    return new Promise<SymlinkProbe | null>((resolve, reject) => {
      const onAbort = () => {
        resolve(null);
        leave();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      shared.result.then(
        (probe) => {
          signal.removeEventListener("abort", onAbort);
          resolve(probe);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      );
    });
  }
}
