/**
 * The file guard: judges a file by what it really is at the moment it is read, not by the name it
 * was reached by or by what the file index saw earlier. Read and the fallback search engine open a
 * file once and then ask the kernel what they opened (`/proc/self/fd/N`; elsewhere the path's
 * realpath, accepted only when it is the same inode as the open descriptor), so a file swapped for
 * a link between a check and the open is caught. The ripgrep engine, which opens files itself,
 * judges every file it matched by path before any of its lines are shown.
 *
 * A file is refused when its real path leaves the root, lies inside a `.git` directory, is a secret
 * by either its own name or its real path (`notes.txt -> .env`), or is a hard link (link count > 1)
 * to a secret: the same inode as a secret-named file the workspace lists, or content that looks like
 * credentials. Kept free of the Workspace class so the fallback's worker threads can use it.
 */
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  lstatSync,
  openSync,
  readlinkSync,
  readSync,
  realpathSync,
  type Stats,
} from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { isWithin, relativeTo } from "./paths.js";
import { isAllowedSecret, isSecretPath, type SecretPolicy } from "./secrets.js";

export interface GuardPolicy {
  /** Realpath of the workspace root. */
  root: string;
  secrets: SecretPolicy;
  /**
   * `dev:ino` of the secret-named files the workspace lists (not allowed by the policy), for the
   * hard-link check; a function so that it is computed only when a file with several links shows up.
   */
  secretInodes: ReadonlySet<string> | (() => ReadonlySet<string>);
}

export type GuardRefusal = "outside" | "git" | "secret" | "not_file" | "changed";

export type GuardVerdict =
  | {
      ok: true;
      realRel: string;
      size: number;
      /** The file or a directory above it changed since `PathJudge`'s `since` (see there). */
      recent?: boolean;
    }
  | { ok: false; reason: GuardRefusal };

/** Opened with O_NONBLOCK so that a FIFO swapped in cannot block the open; no effect on regular files. */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);
/** Bytes of a hard-linked file inspected for credentials. */
const CONTENT_PROBE_BYTES = 64 * 1024;
const PROC_FD = existsSync("/proc/self/fd");

/** Whether a path relative to the root has a `.git` segment (never listed, read or searched). */
export function isGitPath(rel: string): boolean {
  return rel === ".git" || rel.startsWith(".git/") || rel.endsWith("/.git") || rel.includes("/.git/");
}

/**
 * Content that marks a file as credentials (checked only for files with several hard links, whose
 * other names cannot all be known): a private key, an AWS secret, a netrc password, a URL with a
 * password, or an environment-style assignment to a NAME that says secret, token, password or key.
 */
const CREDENTIAL_CONTENT: readonly RegExp[] = [
  /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/,
  /^\s*aws_secret_access_key\s*=/im,
  /^\s*machine\s+\S+.*\bpassword\s+\S/m,
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@[^\s/]/,
  /^\s*(?:export\s+)?[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)[A-Z0-9_]*\s*=\s*\S/m,
];

export function looksLikeCredentials(head: Buffer): boolean {
  const text = head.toString("latin1");
  return CREDENTIAL_CONTENT.some((re) => re.test(text));
}

function inodeKey(st: { dev: number; ino: number }): string {
  return `${st.dev}:${st.ino}`;
}

function secretInodesOf(policy: GuardPolicy): ReadonlySet<string> {
  return typeof policy.secretInodes === "function" ? policy.secretInodes() : policy.secretInodes;
}

interface FileFacts {
  isFile(): boolean;
  size: number;
  nlink: number;
  dev: number;
  ino: number;
}

/**
 * Judge a file: `namedRel` is the path it was reached by, `realAbs` where it really is, `st` its
 * stat, `head` reads its first bytes (only called for hard-linked files).
 */
export function judgeFile(
  policy: GuardPolicy,
  namedRel: string,
  realAbs: string,
  st: FileFacts,
  head: () => Buffer,
  namedSecret?: (rel: string) => boolean,
): GuardVerdict {
  if (!isWithin(policy.root, realAbs)) return { ok: false, reason: "outside" };
  const realRel = relativeTo(policy.root, realAbs);
  if (isGitPath(realRel) || isGitPath(namedRel)) return { ok: false, reason: "git" };
  if (!st.isFile()) return { ok: false, reason: "not_file" };
  if (namedSecret ? namedSecret(namedRel) : isSecretPath(namedRel, policy.secrets))
    return { ok: false, reason: "secret" };
  if (realRel !== namedRel && isSecretPath(realRel, policy.secrets)) return { ok: false, reason: "secret" };
  if (st.nlink > 1 && !isAllowedSecret(namedRel, policy.secrets)) {
    if (secretInodesOf(policy).has(inodeKey(st)) || looksLikeCredentials(head()))
      return { ok: false, reason: "secret" };
  }
  return { ok: true, realRel, size: st.size };
}

/** The path of what `fd` opened, or null when it cannot be told apart from a swapped path. */
function openedPath(fd: number, abs: string, st: FileFacts): string | null {
  if (PROC_FD) {
    try {
      const path = readlinkSync(`/proc/self/fd/${fd}`);
      // The kernel's path of what was opened; " (deleted)" marks a file unlinked since the open (or
      // a name that ends so): the portable check below tells them apart.
      if (path.startsWith("/") && !path.endsWith(" (deleted)")) return path;
    } catch {
      // fall through to the portable check
    }
  }
  try {
    const real = realpathSync.native(abs);
    const now = lstatSync(real);
    return now.dev === st.dev && now.ino === st.ino ? real : null;
  } catch {
    return null;
  }
}

function readHeadSync(fd: number): Buffer {
  const buf = Buffer.allocUnsafe(CONTENT_PROBE_BYTES);
  const n = readSync(fd, buf, 0, CONTENT_PROBE_BYTES, 0);
  return buf.subarray(0, n);
}

export type GuardedOpen<T> =
  | { ok: true; file: T; size: number; realRel: string }
  | { ok: false; reason: GuardRefusal }
  | { ok: false; reason: "unreadable"; code: string };

/** Open `abs` (reached as `namedRel`) for reading, then judge what was opened; the caller closes `file`. */
export function openGuardedSync(policy: GuardPolicy, namedRel: string, abs: string): GuardedOpen<number> {
  let fd: number;
  try {
    fd = openSync(abs, OPEN_FLAGS);
  } catch (error) {
    return { ok: false, reason: "unreadable", code: (error as NodeJS.ErrnoException).code ?? "error" };
  }
  try {
    const st = fstatSync(fd);
    const real = openedPath(fd, abs, st);
    const verdict: GuardVerdict =
      real === null ? { ok: false, reason: "changed" } : judgeFile(policy, namedRel, real, st, () => readHeadSync(fd));
    if (verdict.ok) return { ok: true, file: fd, size: st.size, realRel: verdict.realRel };
    closeSync(fd);
    return verdict;
  } catch (error) {
    closeSync(fd);
    return { ok: false, reason: "unreadable", code: (error as NodeJS.ErrnoException).code ?? "error" };
  }
}

/** `openGuardedSync` with a promise-based handle (Read). */
export async function openGuarded(
  policy: GuardPolicy,
  namedRel: string,
  abs: string,
): Promise<GuardedOpen<FileHandle>> {
  let handle: FileHandle;
  try {
    handle = await open(abs, OPEN_FLAGS);
  } catch (error) {
    return { ok: false, reason: "unreadable", code: (error as NodeJS.ErrnoException).code ?? "error" };
  }
  try {
    const st = await handle.stat();
    const real = openedPath(handle.fd, abs, st);
    const verdict: GuardVerdict =
      real === null
        ? { ok: false, reason: "changed" }
        : judgeFile(policy, namedRel, real, st, () => readHeadSync(handle.fd));
    if (verdict.ok) return { ok: true, file: handle, size: st.size, realRel: verdict.realRel };
    await handle.close();
    return verdict;
  } catch (error) {
    await handle.close();
    return { ok: false, reason: "unreadable", code: (error as NodeJS.ErrnoException).code ?? "error" };
  }
}

/**
 * Judges files by path, for results of a search that opened them itself (ripgrep): the directory's
 * realpath (cached: matches cluster in directories) and the entry's own lstat, so a link anywhere
 * on the path is resolved. Files with several links are opened briefly for the content check.
 *
 * A path judged after the search cannot tell what the search opened if it changed in between (a
 * file swapped for a link to outside and back). With `since` (a time just before the search began),
 * a verdict is marked `recent` when the file or any directory above it changed after that time
 * (directory entries added, renamed or removed update the directory's mtime): the caller then
 * checks what it is about to show against the file as opened through the guard.
 */
export class PathJudge {
  private readonly dirs = new Map<string, string | null>();
  private readonly recentDirs = new Map<string, boolean>();

  /**
   * `namedSecret` answers the name check for the path as reached (e.g. from the file index's
   * flags); `onFile` receives the size and mtime of each file judged readable.
   */
  constructor(
    private readonly policy: GuardPolicy,
    private readonly namedSecret?: (rel: string) => boolean,
    private readonly since?: number,
    private readonly onFile?: (rel: string, stat: { size: number; mtimeMs: number }) => void,
  ) {}

  private dirChanged(dirRel: string): boolean {
    let changed = this.recentDirs.get(dirRel);
    if (changed === undefined) {
      const since = this.since ?? Number.POSITIVE_INFINITY;
      try {
        const st = lstatSync(dirRel === "" ? this.policy.root : `${this.policy.root}/${dirRel}`);
        changed = st.mtimeMs >= since || st.ctimeMs >= since;
      } catch {
        changed = true;
      }
      if (!changed && dirRel !== "") {
        const slash = dirRel.lastIndexOf("/");
        changed = this.dirChanged(slash === -1 ? "" : dirRel.slice(0, slash));
      }
      this.recentDirs.set(dirRel, changed);
    }
    return changed;
  }

  private realDir(dirRel: string): string | null {
    let real = this.dirs.get(dirRel);
    if (real === undefined) {
      try {
        real = realpathSync.native(dirRel === "" ? this.policy.root : `${this.policy.root}/${dirRel}`);
      } catch {
        real = null;
      }
      this.dirs.set(dirRel, real);
    }
    return real;
  }

  /** The verdict for a file at `rel` (as reached, relative to the root); "changed" when it vanished. */
  judge(rel: string): GuardVerdict {
    const slash = rel.lastIndexOf("/");
    const dirReal = this.realDir(slash === -1 ? "" : rel.slice(0, slash));
    if (dirReal === null) return { ok: false, reason: "changed" };
    const name = slash === -1 ? rel : rel.slice(slash + 1);
    let realAbs = `${dirReal}/${name}`;
    let st: Stats;
    try {
      const lst = lstatSync(realAbs);
      if (lst.isSymbolicLink()) {
        realAbs = realpathSync.native(realAbs);
        st = lstatSync(realAbs);
      } else st = lst;
    } catch {
      return { ok: false, reason: "changed" };
    }
    const head = () => {
      const fd = openSync(realAbs, OPEN_FLAGS | constants.O_NOFOLLOW);
      try {
        return readHeadSync(fd);
      } finally {
        closeSync(fd);
      }
    };
    const verdict = judgeFile(this.policy, rel, realAbs, st, head, this.namedSecret);
    if (!verdict.ok) return verdict;
    const dirRel = slash === -1 ? "" : rel.slice(0, slash);
    const recent = this.since !== undefined && (st.ctimeMs >= this.since || this.dirChanged(dirRel));
    // A file that changed during the search is stat'ed again by whoever needs its size.
    if (!recent) this.onFile?.(rel, { size: st.size, mtimeMs: st.mtimeMs });
    return recent ? { ...verdict, recent } : verdict;
  }
}
