/**
 * Real temporary repositories for workspace and tool tests: a mkdtemp directory filled with the
 * given files (text or bytes), symlinks and optionally a real `git init`, removed on dispose.
 *
 *   await using repo = await tmpRepo({ files: { "src/a.ts": "x\n" }, git: true });
 *
 * The directory is realpath'd (macOS /var → /private/var), so `repo.root` equals `Workspace.root`.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface TmpRepoOptions {
  /** Relative path → content. A string is written as UTF-8; a Buffer as is. */
  files?: Record<string, string | Buffer>;
  /** Relative link path → target (written verbatim: relative targets are relative to the link's folder). */
  symlinks?: Record<string, string>;
  /** Empty directories to create. */
  dirs?: string[];
  /** Run `git init` (and nothing else: files stay untracked unless `commit` is set). */
  git?: boolean;
  /** With `git`, `git add -A && git commit` everything. */
  commit?: boolean;
  /** Relative path → mtime in seconds since the epoch. */
  mtimes?: Record<string, number>;
  /** Prefix of the temporary directory's name. */
  prefix?: string;
}

export interface TmpRepo extends AsyncDisposable {
  root: string;
  /** Absolute path of a relative one. */
  path(rel: string): string;
  write(rel: string, content: string | Buffer): void;
  git(...args: string[]): string;
  cleanup(): void;
}

export function gitAvailable(): boolean {
  try {
    execFileSync("git", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Create files, links and folders under `root` (exported for trees built beside a repo). */
export function populate(root: string, options: Pick<TmpRepoOptions, "files" | "symlinks" | "dirs" | "mtimes">): void {
  for (const dir of options.dirs ?? []) mkdirSync(join(root, dir), { recursive: true });
  for (const [rel, content] of Object.entries(options.files ?? {})) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  for (const [rel, target] of Object.entries(options.symlinks ?? {})) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    symlinkSync(target, abs);
  }
  for (const [rel, seconds] of Object.entries(options.mtimes ?? {})) utimesSync(join(root, rel), seconds, seconds);
}

export async function tmpRepo(options: TmpRepoOptions = {}): Promise<TmpRepo> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), options.prefix ?? "fc-repo-")));
  const git = (...args: string[]) =>
    execFileSync("git", args, {
      cwd: root,
      encoding: "utf8",
      env: {
        ...process.env,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@t",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@t",
      },
    });
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  try {
    if (options.git) git("init", "-q", ".");
    populate(root, options);
    if (options.git && options.commit) {
      git("add", "-A");
      git("commit", "-q", "-m", "fixture");
    }
  } catch (error) {
    cleanup();
    throw error;
  }
  return {
    root,
    path: (rel) => (rel === "" ? root : join(root, rel)),
    write: (rel, content) => populate(root, { files: { [rel]: content } }),
    git,
    cleanup,
    [Symbol.asyncDispose]: async () => cleanup(),
  };
}
