/**
 * Exports a repository's tree at a commit into the eval cache, without `.git`, so an explorer cannot
 * read the fix from history: the commit is read into a temporary index outside the mirror and
 * checked out into a temporary directory that is renamed into place only when complete (an
 * interrupted export never leaves a half tree that a later run reuses). Not `git archive`: it
 * leaves out the files a repository marks `export-ignore`, among them sources a task's fix edits
 * (9 of 511 training tasks had their gold file missing). Never writes into the mirror.
 *
 * A mirror may lack some blobs: a fetched snapshot leaves out a repository's largest files (all 25
 * training tasks of one C# repository failed on one 8 MB test fixture). Those files are left out of
 * the tree, named in a `<tree>.absent` list beside it, and returned as `absent`; the caller decides
 * whether a task can still be scored without them.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
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
  /** Paths of the commit left out because the mirror lacks their blobs (sorted; usually empty). */
  absent: string[];
}

const TEMP_PREFIX = ".tmp-";
const inflight = new Map<string, Promise<MaterializedTree>>();

/** Runs git with `args` (and `env`, `input` on stdin); resolves with its stdout, rejects with its stderr. */
function runGit(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const git = spawn("git", args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"], env });
    let out = "";
    let err = "";
    git.stdout?.on("data", (d: Buffer) => (out += d.toString()));
    git.stderr?.on("data", (d: Buffer) => (err += d.toString()));
    git.on("error", (e) => reject(new Error(`cannot run git: ${e.message}`)));
    git.on("close", (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`git ${args.slice(1, 3).join(" ")} failed (exit ${code}): ${err.trim() || "no message"}`)),
    );
    if (input !== undefined) git.stdin?.end(input);
  });
}

/** The paths of the index at `env.GIT_INDEX_FILE` whose blobs `gitDir` does not hold. */
async function missingBlobs(gitDir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  // `ls-files -s`: "<mode> <sha> <stage>\t<path>", with -z so that no path is quoted.
  const entries = (await runGit([`--git-dir=${gitDir}`, "ls-files", "-s", "-z"], env))
    .split("\0")
    .filter((entry) => entry !== "")
    .map((entry) => {
      const tab = entry.indexOf("\t");
      const [mode = "", sha = ""] = entry.slice(0, tab).split(" ");
      return { mode, sha, path: entry.slice(tab + 1) };
    })
    // Submodule entries (160000) name commits the mirror never holds and checkout never writes.
    .filter((entry) => entry.mode !== "160000");
  const checks = await runGit(
    [`--git-dir=${gitDir}`, "cat-file", "--batch-check=%(objectname)"],
    env,
    entries.map((entry) => `${entry.sha}\n`).join(""),
  );
  const missing = new Set(
    checks
      .split("\n")
      .filter((line) => line.endsWith(" missing"))
      .map((line) => line.slice(0, -" missing".length)),
  );
  return entries.filter((entry) => missing.has(entry.sha)).map((entry) => entry.path);
}

/**
 * The tree of `commit` into `dir`: `git read-tree` into a temporary index, then `checkout-index -a`.
 * Returns the paths left out for want of their blobs.
 */
async function exportTree(gitDir: string, commit: string, dir: string): Promise<string[]> {
  const indexDir = mkdtempSync(join(tmpdir(), "fc-export-index-"));
  const env = { ...process.env, GIT_INDEX_FILE: join(indexDir, "index") };
  const checkout = () =>
    runGit([`--git-dir=${gitDir}`, `--work-tree=${dir}`, "checkout-index", "--all", "--force"], env);
  try {
    await runGit([`--git-dir=${gitDir}`, "read-tree", `${commit}^{tree}`], env);
    try {
      await checkout();
      return [];
    } catch (error) {
      // Only a missing object is worth a second try; any other failure is the caller's to see.
      if (!/unable to read sha1 file|missing blob|bad object/i.test(String(error))) throw error;
      const absent = await missingBlobs(gitDir, env);
      if (absent.length === 0) throw error;
      await runGit(
        [`--git-dir=${gitDir}`, "update-index", "--force-remove", "-z", "--stdin"],
        env,
        absent.map((path) => `${path}\0`).join(""),
      );
      await checkout();
      return absent.sort();
    }
  } finally {
    rmSync(indexDir, { recursive: true, force: true });
  }
}

/** The sidecar naming the files a cached tree lacks. */
function absentListPath(target: string): string {
  return `${target}.absent`;
}

function readAbsentList(target: string): string[] {
  const file = absentListPath(target);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\0")
    .filter((path) => path !== "");
}

async function materializeOnce(request: MaterializeRequest, target: string): Promise<MaterializedTree> {
  const started = Date.now();
  if (existsSync(target))
    return { root: target, reused: true, ms: Date.now() - started, absent: readAbsentList(target) };
  mkdirSync(request.cacheDir, { recursive: true });
  const temp = join(
    request.cacheDir,
    `${TEMP_PREFIX}${treeKey(request.repo, request.commit)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  );
  mkdirSync(temp);
  let absent: string[];
  try {
    absent = await exportTree(request.gitDir, request.commit, temp);
    // The list first: a tree that is in place always has its list beside it.
    if (absent.length > 0) writeFileSync(absentListPath(target), absent.map((path) => `${path}\0`).join(""));
    else rmSync(absentListPath(target), { force: true });
    try {
      renameSync(temp, target);
    } catch (error) {
      // Another process finished the same tree first: theirs is complete, use it.
      if (!existsSync(target)) throw error;
      rmSync(temp, { recursive: true, force: true });
      return { root: target, reused: true, ms: Date.now() - started, absent };
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return { root: target, reused: false, ms: Date.now() - started, absent };
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
