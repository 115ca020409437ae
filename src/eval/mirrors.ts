/**
 * Finds the git repository holding a task's history: an explicit `--mirror owner/name=PATH`, a
 * `--repo-dir` for every task, or a mirror under `--mirrors DIR` in one of the usual layouts.
 * Only looks; never writes into a mirror.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../util/errors.js";

export interface MirrorSources {
  /** Directory holding mirrors in one of the layouts of `mirrorCandidates`. */
  mirrorsDir?: string;
  /** Explicit `owner/name` → path (bare repository or work tree). */
  explicit?: ReadonlyMap<string, string>;
  /** One repository (bare or work tree) used for every task that has no explicit mirror. */
  repoDir?: string;
}

/** Relative paths tried under the mirrors directory for `owner/name`, in order. */
export function mirrorCandidates(repo: string): string[] {
  const [owner = "", name = ""] = repo.split("/");
  return [
    `${owner}/${name}.git`,
    `${owner}/${name}`,
    `${owner}+${name}/repo`,
    `${owner}+${name}.git`,
    `${owner}+${name}`,
    `${owner}__${name}.git`,
    `${owner}__${name}`,
  ];
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The git directory of `path` when it is a repository: the path itself for a bare repository,
 * `path/.git` (or the target of a `.git` file) for a work tree; null otherwise.
 */
export function gitDirOf(path: string): string | null {
  const abs = resolve(path);
  if (!isDir(abs)) return null;
  const dotGit = join(abs, ".git");
  if (isDir(dotGit)) return dotGit;
  if (existsSync(dotGit)) {
    // A `.git` file (linked work tree or submodule): "gitdir: <path>".
    const match = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, "utf8"));
    if (match?.[1]) {
      const target = match[1].trim();
      return isAbsolute(target) ? target : resolve(abs, target);
    }
    return null;
  }
  if (existsSync(join(abs, "HEAD")) && isDir(join(abs, "objects")) && existsSync(join(abs, "refs"))) return abs;
  return null;
}

/** Parse repeated `--mirror owner/name=PATH` values. */
export function parseMirrorFlags(values: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const value of values) {
    const eq = value.indexOf("=");
    const repo = eq > 0 ? value.slice(0, eq) : "";
    const path = eq > 0 ? value.slice(eq + 1) : "";
    if (!/^[^/\s]+\/[^/\s]+$/.test(repo) || path === "")
      throw new ConfigError(`--mirror expects owner/name=PATH, got "${value}"`);
    map.set(repo, path);
  }
  return map;
}

/** The git directory for `owner/name`, or a ConfigError listing where it looked. */
export function findMirror(repo: string, sources: MirrorSources): string {
  const explicit = sources.explicit?.get(repo);
  if (explicit !== undefined) {
    const dir = gitDirOf(explicit);
    if (!dir) throw new ConfigError(`--mirror ${repo}=${explicit}: not a git repository`);
    return dir;
  }
  if (sources.repoDir !== undefined) {
    const dir = gitDirOf(sources.repoDir);
    if (!dir) throw new ConfigError(`--repo-dir ${sources.repoDir}: not a git repository`);
    return dir;
  }
  if (sources.mirrorsDir === undefined)
    throw new ConfigError(`no mirror for ${repo}: pass --mirrors DIR, --mirror ${repo}=PATH or --repo-dir DIR`);
  const candidates = mirrorCandidates(repo);
  for (const rel of candidates) {
    const dir = gitDirOf(join(sources.mirrorsDir, rel));
    if (dir) return dir;
  }
  throw new ConfigError(`no mirror for ${repo} under ${sources.mirrorsDir} (looked for ${candidates.join(", ")})`);
}
