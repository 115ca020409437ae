/**
 * Fixtures for the eval tests: temporary directories cleaned after the test file, real git
 * repositories built commit by commit, and a task builder with sensible defaults.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after } from "node:test";
import type { EvalTask, GoldLocation } from "../../src/eval/tasks.js";

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test file ends. */
export function tempDir(prefix = "fc-eval-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/** Run git in `cwd` and return trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" }).trim();
}

/** Write files (path → content; null deletes) under `root`. */
export function writeFiles(root: string, files: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    if (content === null) rmSync(abs, { force: true });
    else {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, content);
    }
  }
}

/** A work-tree repository with one commit per entry; returns the directory and the commit shas. */
export function makeRepo(
  commits: Array<{ message: string; files: Record<string, string | null> }>,
  dir = tempDir("fc-repo-"),
): { dir: string; shas: string[] } {
  mkdirSync(dir, { recursive: true });
  git(dir, "init", "-q", "-b", "main");
  const shas: string[] = [];
  for (const c of commits) {
    writeFiles(dir, c.files);
    git(dir, "add", "-A");
    git(dir, "commit", "-q", "--allow-empty", "-m", c.message);
    shas.push(git(dir, "rev-parse", "HEAD"));
  }
  return { dir, shas };
}

/** Numbered lines `prefix 1` … `prefix n`, newline-terminated. */
export function numberedLines(n: number, prefix = "line"): string {
  return Array.from({ length: n }, (_, i) => `${prefix} ${i + 1}\n`).join("");
}

/** A task with one gold file and the given ranges. */
export function makeTask(overrides: Partial<EvalTask> & { location?: Partial<GoldLocation> } = {}): EvalTask {
  const location: GoldLocation = {
    path: "src/a.py",
    status: "modified",
    file_lines: 100,
    deleted_lines: [],
    insert_after: [],
    edit_ranges: [
      [10, 12],
      [20, 20],
    ],
    hunk_ranges: [
      [7, 15],
      [17, 23],
    ],
    function_spans: [["src/a.py:f", 5, 14]],
    ...overrides.location,
  };
  const { location: _drop, ...rest } = overrides;
  return {
    instance_id: "owner__name-1",
    repo: "owner/name",
    base_commit: "0123456789abcdef0123456789abcdef01234567",
    problem_statement: "something is broken",
    gold_files: [location.path],
    locations: [location],
    ...rest,
  };
}
