/**
 * Read-only git plumbing for the harness (`mine`, run facts). Arguments go to `git` as an array,
 * never through a shell; every call names its git directory explicitly.
 */
import { execFile } from "node:child_process";

/** Run `git --git-dir=<gitDir> <args>` and resolve with stdout; rejects with git's stderr. */
export function runGit(gitDir: string, args: readonly string[], options: { maxBuffer?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      [`--git-dir=${gitDir}`, "-c", "core.quotepath=off", ...args],
      { maxBuffer: options.maxBuffer ?? 256 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args[0] ?? ""} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

/** The short commit of the work tree at `dir` with "-dirty" when it has changes; null when unavailable. */
export async function describeCheckout(dir: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      "git",
      ["-C", dir, "describe", "--always", "--dirty", "--abbrev=10"],
      { encoding: "utf8" },
      (error, stdout) => {
        resolve(error ? null : stdout.trim() || null);
      },
    );
  });
}
