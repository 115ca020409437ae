import type { PipedChild } from "../../util/lean-spawn.js";
import { PathJudge } from "../../workspace/file-guard.js";
import { RipgrepStderr, type StderrFile } from "../../workspace/rg-stderr.js";
import { isSecretPath } from "../../workspace/secrets.js";
import type { Workspace } from "../../workspace/workspace.js";
import type { GrepQuery } from "./collect.js";
import type { RipgrepOutcome } from "./ripgrep.js";

export type FileVerdict = "ok" | "recent" | "secret" | "tooLarge" | "outside" | "unreadable";

/**
 * Whether a file ripgrep matched may be shown, judged now by what the path really is (ripgrep
 * opened it itself; the index may be older than a link): never a file whose real path leaves the
 * root or enters `.git`, never a secret by its name, its real path or a hard link; in a directory
 * search, never a file over the size limit (as the fallback engine). The index, when there is one,
 * already knows which names are secret, which matters when a common word matches tens of thousands.
 */
export function fileVerdict(ws: Workspace, q: GrepQuery, since: number): (rel: string) => FileVerdict {
  const index = ws.hasIndex() ? ws.files() : undefined;
  const judge = new PathJudge(
    ws.guard(),
    (rel) => index?.byRel.get(rel)?.secret ?? isSecretPath(rel, ws.secrets),
    since,
    (rel, stat) => ws.noteStat(rel, stat),
  );
  return (rel) => {
    const verdict = judge.judge(rel);
    if (!verdict.ok) {
      if (verdict.reason === "secret") return "secret";
      return verdict.reason === "outside" || verdict.reason === "git" ? "outside" : "unreadable";
    }
    if (!q.targetIsFile && verdict.size > ws.maxSearchFileBytes) return "tooLarge";
    return verdict.recent ? "recent" : "ok";
  };
}

export interface Supervised {
  exited: Promise<number | null>;
  kill(): void;
  /** Stop watching the abort signal and the time limit. */
  release(): void;
  timedOut(): boolean;
  stderr(): string;
}

/**
 * A ripgrep child: stdout a pipe, stderr a pipe or (`errFile`) a file. A ChildProcess, or one the
 * spawn helper started (src/util/lean-spawn.ts): what both offer.
 */
export type RgChild = PipedChild;

/**
 * Kill ripgrep on abort or after the time limit; keep the start of its stderr (from the pipe, or
 * from `errFile` once it has exited); -1 when it cannot run.
 */
export function supervise(
  child: RgChild,
  errFile: StderrFile | null,
  options: { signal: AbortSignal; timeoutMs: number },
  ignoredSink?: string[],
): Supervised {
  const lines = new RipgrepStderr();
  let spawnError = "";
  let timedOut = false;
  const kill = () => {
    if (child.exitCode === null && !child.killed) child.kill("SIGKILL");
  };
  // Cancelled before the child started (it may wait a loop turn for its start): stopped at once.
  if (options.signal.aborted) kill();
  else options.signal.addEventListener("abort", kill, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, options.timeoutMs);
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => lines.push(chunk));
  const finish = () => {
    if (errFile) errFile.drain(lines);
    else lines.end();
  };
  const exited = new Promise<number | null>((resolve) => {
    child.on("close", (code) => {
      finish();
      if (ignoredSink) ignoredSink.push(...lines.ignored);
      resolve(code);
    });
    child.on("error", (error) => {
      finish();
      spawnError += String(error);
      resolve(-1);
    });
  });
  return {
    exited,
    kill,
    release: () => {
      clearTimeout(timer);
      options.signal.removeEventListener("abort", kill);
    },
    timedOut: () => timedOut,
    stderr: () => lines.text() + spawnError,
  };
}

/** The failure a finished ripgrep run stands for, or null when its output is the answer. */
export function failureOf(
  code: number | null,
  run: Supervised,
  signal: AbortSignal,
  found: boolean,
): RipgrepOutcome | null {
  if (signal.aborted) return { ok: false, kind: "failed", message: "the search was cancelled." };
  const message = run.stderr().trim();
  if (code === 2 && !found && !run.timedOut()) {
    const clean = message.replace(/^rg: /gm, "");
    if (/regex parse error|literal .* not allowed|regex.*error/i.test(message))
      return { ok: false, kind: "invalid_regex", message: clean };
    if (/unrecognized file type/i.test(message)) return { ok: false, kind: "invalid_args", message: clean };
    if (/glob/i.test(message) && /error/i.test(message)) return { ok: false, kind: "invalid_args", message: clean };
    // Otherwise: unreadable files and no match anywhere else; "no matches".
  }
  if (code === -1) return { ok: false, kind: "failed", message: `ripgrep could not run: ${message}` };
  return null;
}

export const unreadableCount = (stderr: string) => (stderr.match(/\(os error \d+\)/g) ?? []).length;
