/**
 * `eval mine`: builds localization tasks from a repository's own history, in the schema of the
 * shared tasks. A task is a non-merge commit whose message references an issue or describes a fix
 * and that modifies existing lines of 1–3 source files: the message is the query, the pre-image
 * changed lines are the gold, the parent is the base commit. Reads the repository; never writes it.
 */
import { basename } from "node:path";
import { ConfigError } from "../util/errors.js";
import { runGit } from "./git.js";
import { editFacts, hunkRanges, parseUnifiedDiff } from "./mine-diff.js";
import { isMinableSource, messageQualifies, messageToQuery } from "./mine-rules.js";
import { gitDirOf } from "./mirrors.js";
import { deriveEditRanges } from "./tasks.js";

export interface MineOptions {
  /** Repository directory (work tree or bare). */
  repo: string;
  /** `owner/name` written into the tasks (default: from the origin remote, else `local/<dir name>`). */
  name?: string;
  /** Revision whose history is walked (default HEAD). */
  rev?: string;
  /** Commits examined, newest first (default 2000). */
  maxCommits?: number;
  /** Only commits after this date (anything `git log --since` accepts). */
  since?: string;
  /** Tasks produced at most. */
  limit?: number;
  /** Source files a commit may touch (default 3). */
  maxFiles?: number;
  /** Changed lines (deleted + added, source files only) a commit may have (default 200). */
  maxChangedLines?: number;
}

/** A mined task: the shared task schema plus the fix commit. */
export interface MinedTask {
  instance_id: string;
  repo: string;
  base_commit: string;
  fix_commit: string;
  created_at: string;
  version: null;
  tier: "mined";
  problem_statement: string;
  gold_files: string[];
  locations: Array<{
    path: string;
    status: "modified";
    file_lines: number;
    deleted_lines: number[];
    insert_after: number[];
    hunk_offsets: number[];
    hunk_ranges: Array<[number, number]>;
    edit_ranges: Array<[number, number]>;
    /** Function spans are not derived by `mine`: null means unknown. */
    functions: null;
    function_spans: null;
  }>;
  patch: string;
  checks: { mined_from: "message"; reason: "issue" | "fix"; function_spans: "unknown" };
}

export interface MineStats {
  examined: number;
  byMessage: number;
  tasks: number;
}

interface LogEntry {
  sha: string;
  parents: string[];
  date: string;
  message: string;
  changes: Array<{ status: string; path: string }>;
}

/** Parse `git log --format=%x1e%H%x1f%P%x1f%cI%x1f%B%x1f --name-status`. */
function parseLog(text: string): LogEntry[] {
  return text
    .split("\x1e")
    .filter((chunk) => chunk.trim() !== "")
    .map((chunk) => {
      const [sha = "", parents = "", date = "", message = "", names = ""] = chunk.split("\x1f");
      const changes = names
        .split("\n")
        .map((l) => l.split("\t"))
        .filter((p) => p.length >= 2 && p[0] !== "")
        .map((p) => ({ status: (p[0] ?? "").trim(), path: p[p.length - 1] ?? "" }));
      return {
        sha: sha.trim(),
        parents: parents.trim().split(" ").filter(Boolean),
        date: date.trim(),
        message: message.trim(),
        changes,
      };
    });
}

async function defaultName(gitDir: string, repo: string): Promise<string> {
  try {
    const url = (await runGit(gitDir, ["config", "--get", "remote.origin.url"])).trim();
    const m = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
    if (m?.[1] && m[2]) return `${m[1]}/${m[2]}`;
  } catch {
    // No origin remote: fall back to the directory name.
  }
  const dir = basename(repo.replace(/\/+$/, "")).replace(/\.git$/, "") || "repo";
  return `local/${dir}`;
}

function countLines(text: string): number {
  if (text === "") return 0;
  const n = text.split("\n").length;
  return text.endsWith("\n") ? n - 1 : n;
}

/** Build the task of one qualifying commit, or null when its diff does not fit after all. */
async function taskOf(
  gitDir: string,
  repoName: string,
  entry: LogEntry,
  files: string[],
  reason: "issue" | "fix",
  maxChangedLines: number,
): Promise<MinedTask | null> {
  const parent = entry.parents[0] ?? "";
  const diff = (context: number) =>
    runGit(gitDir, [
      "diff",
      "--no-color",
      "--no-ext-diff",
      "--no-renames",
      `-U${context}`,
      parent,
      entry.sha,
      "--",
      ...files,
    ]);
  const [u0, u3] = await Promise.all([diff(0), diff(3)]);
  const strict = new Map(parseUnifiedDiff(u0).map((f) => [f.path, f.hunks]));
  const context = new Map(parseUnifiedDiff(u3).map((f) => [f.path, f.hunks]));
  let changed = 0;
  let deletedAny = false;
  const locations: MinedTask["locations"] = [];
  for (const path of files) {
    const hunks = strict.get(path);
    if (!hunks || hunks.length === 0) return null; // binary or unparsable path
    const facts = editFacts(hunks);
    changed += facts.deleted.length + facts.added;
    if (facts.deleted.length > 0) deletedAny = true;
    const fileLines = countLines(await runGit(gitDir, ["cat-file", "-p", `${parent}:${path}`]));
    const ctxHunks = context.get(path) ?? [];
    locations.push({
      path,
      status: "modified",
      file_lines: fileLines,
      deleted_lines: facts.deleted,
      insert_after: facts.insertAfter,
      hunk_offsets: ctxHunks.map(() => 0),
      hunk_ranges: hunkRanges(ctxHunks),
      edit_ranges: deriveEditRanges(facts.deleted, facts.insertAfter, fileLines),
      functions: null,
      function_spans: null,
    });
  }
  if (!deletedAny || changed > maxChangedLines) return null;
  const query = messageToQuery(entry.message);
  if (query.split(/\s+/).filter(Boolean).length < 3) return null;
  const name = repoName.split("/")[1] ?? repoName;
  return {
    instance_id: `${name}-${entry.sha.slice(0, 7)}`,
    repo: repoName,
    base_commit: parent,
    fix_commit: entry.sha,
    created_at: entry.date,
    version: null,
    tier: "mined",
    problem_statement: query,
    gold_files: files,
    locations,
    patch: u3,
    checks: { mined_from: "message", reason, function_spans: "unknown" },
  };
}

/** Mine tasks, newest commit first. */
export async function mineTasks(options: MineOptions): Promise<{ tasks: MinedTask[]; stats: MineStats; repo: string }> {
  const gitDir = gitDirOf(options.repo);
  if (!gitDir) throw new ConfigError(`--repo ${options.repo}: not a git repository`);
  const repoName = options.name ?? (await defaultName(gitDir, options.repo));
  if (!/^[^/\s]+\/[^/\s]+$/.test(repoName)) throw new ConfigError(`--name expects owner/name, got "${repoName}"`);
  const args = [
    "log",
    "--no-merges",
    "--no-renames",
    "--name-status",
    "--format=%x1e%H%x1f%P%x1f%cI%x1f%B%x1f",
    `--max-count=${options.maxCommits ?? 2000}`,
  ];
  if (options.since) args.push(`--since=${options.since}`);
  args.push(options.rev ?? "HEAD", "--");
  let log: string;
  try {
    log = await runGit(gitDir, args);
  } catch (error) {
    throw new ConfigError(`cannot read the history of ${options.repo}`, { cause: error });
  }
  const entries = parseLog(log);
  const stats: MineStats = { examined: entries.length, byMessage: 0, tasks: 0 };
  const tasks: MinedTask[] = [];
  const maxFiles = options.maxFiles ?? 3;
  for (const entry of entries) {
    if (options.limit !== undefined && tasks.length >= options.limit) break;
    if (entry.parents.length !== 1) continue;
    const reason = messageQualifies(entry.message);
    if (!reason) continue;
    stats.byMessage++;
    const sources = entry.changes.filter((c) => isMinableSource(c.path));
    // Every source file must exist before and after: an added or deleted file cannot be cited at the base.
    if (sources.length === 0 || sources.length > maxFiles || sources.some((c) => c.status !== "M")) continue;
    const task = await taskOf(
      gitDir,
      repoName,
      entry,
      sources.map((c) => c.path),
      reason,
      options.maxChangedLines ?? 200,
    );
    if (task) tasks.push(task);
  }
  stats.tasks = tasks.length;
  return { tasks, stats, repo: repoName };
}
