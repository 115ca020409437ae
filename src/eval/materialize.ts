/**
 * Exports a repository's tree at a commit into the eval cache, without `.git`, so an explorer cannot
 * read the fix from history: the commit is read into a temporary index outside the mirror and
 * checked out into a temporary directory that is renamed into place only when complete (an
 * interrupted export never leaves a half tree that a later run reuses). Not `git archive`: it
 * leaves out the files a repository marks `export-ignore`, among them sources a task's fix edits
 * (9 of 511 training tasks had their gold file missing). Never writes into the mirror.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/** `$XDG_CACHE_HOME/fastcontext/eval-trees`, else `~/.cache/fastcontext/eval-trees`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== "" ? env.XDG_CACHE_HOME : join(homedir(), ".cache");
  return join(base, "fastcontext", "eval-trees");
}

/**
 * Directory name of a tree in the cache: `owner__name@sha.2` (the `.2`: trees exported by checkout;
 * the earlier `git archive` trees, without export-ignore'd files, are never reused).
 */
export function treeKey(repo: string, commit: string): string {
  return `${repo.replace(/\//g, "__")}@${commit}.2`;
}

export interface MaterializeRequest {
  /** Git directory (bare repository or a work tree's `.git`). */
  gitDir: string;
  /** `owner/name`, for the cache key. */
  repo: string;
  commit: string;
  cacheDir: string;
}

export interface MaterializedTree {
  /** Absolute path of the exported tree. */
  root: string;
  /** True when the tree was already in the cache. */
  reused: boolean;
  ms: number;
}

const TEMP_PREFIX = ".tmp-";
const inflight = new Map<string, Promise<MaterializedTree>>();

/** Runs git with `args` (and `env`); rejects with its stderr. */
function runGit(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const git = spawn("git", args, { stdio: ["ignore", "ignore", "pipe"], env });
    let err = "";
    git.stderr.on("data", (d: Buffer) => (err += d.toString()));
    git.on("error", (e) => reject(new Error(`cannot run git: ${e.message}`)));
    git.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`git ${args.slice(1, 3).join(" ")} failed (exit ${code}): ${err.trim() || "no message"}`)),
    );
  });
}

/** The tree of `commit` into `dir`: `git read-tree` into a temporary index, then `checkout-index -a`. */
async function exportTree(gitDir: string, commit: string, dir: string): Promise<void> {
  const indexDir = mkdtempSync(join(tmpdir(), "fc-export-index-"));
  const env = { ...process.env, GIT_INDEX_FILE: join(indexDir, "index") };
  try {
    await runGit([`--git-dir=${gitDir}`, "read-tree", `${commit}^{tree}`], env);
    await runGit([`--git-dir=${gitDir}`, `--work-tree=${dir}`, "checkout-index", "--all", "--force"], env);
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}

async function materializeOnce(request: MaterializeRequest, target: string): Promise<MaterializedTree> {
  const started = Date.now();
  if (existsSync(target)) return { root: target, reused: true, ms: Date.now() - started };
  mkdirSync(request.cacheDir, { recursive: true });
  const temp = join(
    request.cacheDir,
    `${TEMP_PREFIX}${treeKey(request.repo, request.commit)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  );
  mkdirSync(temp);
  try {
    await exportTree(request.gitDir, request.commit, temp);
    try {
      renameSync(temp, target);
    } catch (error) {
      // Another process finished the same tree first: theirs is complete, use it.
      if (!existsSync(target)) throw error;
      rmSync(temp, { recursive: true, force: true });
      return { root: target, reused: true, ms: Date.now() - started };
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return { root: target, reused: false, ms: Date.now() - started };
}

/**
 * The tree of `repo` at `commit` in the cache, exported on first use. Concurrent calls for the same
 * tree share one export.
 */
export function materializeTree(request: MaterializeRequest): Promise<MaterializedTree> {
  const target = join(request.cacheDir, treeKey(request.repo, request.commit));
  const running = inflight.get(target);
  if (running) return running;
  const promise = materializeOnce(request, target).finally(() => inflight.delete(target));
  inflight.set(target, promise);
  return promise;
}

/** Remove temporary export directories older than `maxAgeMs` (left by killed runs). Returns how many. */
export function cleanStaleTemps(cacheDir: string, maxAgeMs = 60 * 60 * 1000, now = Date.now()): number {
  if (!existsSync(cacheDir)) return 0;
  let removed = 0;
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const path = join(cacheDir, name);
    try {
      if (now - statSync(path).mtimeMs < maxAgeMs) continue;
      rmSync(path, { recursive: true, force: true });
      removed++;
    } catch {
      // Raced with its owner or already gone: nothing to clean.
    }
  }
  return removed;
}
