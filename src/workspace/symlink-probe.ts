/**
 * Finds the symbolic links of a tree without walking it in JavaScript: `find` lists every link
 * (skipping `.git`), and each one is judged the way the file index's walker judges it: it counts
 * only when every directory above it would be walked (ignore rules), then it is dangling, leaves
 * the root, loops back to an ancestor, or is followed. ripgrep's walker never reports directory
 * links, so the native listing and the index-free Grep ask this probe instead.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
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

  private own(dirRel: string): IgnoreLevel[] {
    const abs = dirRel === "" ? this.root : join(this.root, dirRel);
    const names = new Set<string>();
    for (const name of IGNORE_FILE_NAMES) if (existsSync(join(abs, name))) names.add(name);
    if (dirRel === "" && existsSync(join(abs, ".git"))) names.add(".git");
    const level = loadIgnoreLevel(abs, dirRel, names, dirRel === "");
    return level ? [level] : [];
  }

  /** Levels that apply to the entries of `dirRel` (a directory at or below the start). */
  levelsIn(dirRel: string): IgnoreLevel[] {
    const hit = this.cache.get(dirRel);
    if (hit) return hit;
    const slash = dirRel.lastIndexOf("/");
    const parent = slash === -1 ? "" : dirRel.slice(0, slash);
    const levels = [...this.levelsIn(parent), ...this.own(dirRel)];
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

/** Every symlink below `absStart` (not inside `.git`), as absolute paths; null when `find` cannot run. */
export function findSymlinks(absStart: string, signal?: AbortSignal): Promise<string[] | null> {
  return new Promise((resolve) => {
    const child = spawn("find", [absStart, "-name", ".git", "-prune", "-o", "-type", "l", "-print0"], {
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
  const links = await findSymlinks(absStart, signal);
  if (links === null) return null;
  const probe: SymlinkProbe = {
    followed: [],
    outsideRoot: 0,
    loops: 0,
    unreadable: 0,
    ignored: [],
    counted: new Set(),
  };
  if (links.length === 0) return probe;
  const levels = new IgnoreLevels(root, startRel, base);
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
