/**
 * One workspace per exploration: the realpath'd root, path resolution (including repair of the
 * mangled paths small models produce), the jail that keeps every read inside the root, the shared
 * file index. Tools go through this; nothing else touches user paths.
 */
import { realpathSync, statSync } from "node:fs";
import { posix } from "node:path";
import type { TermIndex } from "../index-cache/term-index/term-index.js";
import { locateRipgrep } from "../tools/grep/ripgrep.js";
import { ConfigError } from "../util/errors.js";
import { type GuardPolicy, isGitPath } from "./file-guard.js";
import { buildFileIndex, type FileIndex, type IndexedFile, listFileIndex, type WalkOptions } from "./file-index.js";
import { cleanPathInput, closestPaths, isWithin, normalizeRelative, relativeTo } from "./paths.js";
import { secretInodesOf } from "./secret-inodes.js";
import { DEFAULT_SECRET_POLICY, isSecretPath, type SecretPolicy } from "./secrets.js";
import { SymlinkProbes } from "./symlink-probe.js";

export interface WorkspaceOptions {
  secrets?: SecretPolicy;
  /** Files larger than this are skipped by searches (counted as "too large"); Read streams them. */
  maxSearchFileBytes?: number;
  maxIndexFiles?: number;
  /**
   * Where the index comes from (default: a fresh listing). The warm index cache plugs in here; it
   * gets the walk options and the default lister and must return the index of the tree as it is now.
   */
  indexSource?: IndexSource;
}

/** A source of file indexes (e.g. a cache in front of the lister). */
export type IndexSource = ((
  options: WalkOptions,
  list: (options: WalkOptions) => Promise<FileIndex>,
) => Promise<FileIndex>) & {
  /**
   * Whether the source keeps a listing for these options (current or not: using it checks). A
   * search that could do without the index takes it when the source holds one, since checking a
   * kept listing costs less than the index-free search's own `find` probe and ripgrep's `--debug`.
   */
  holds?: (options: WalkOptions) => boolean;
  /**
   * A long-lived source (the server's memory cache): a search that went without the index lists
   * the tree into it in the background, so the next call on this root finds it warm.
   */
  primeInBackground?: boolean;
  /**
   * The kept listing for these options as it was stored, without checking it against the tree (or
   * undefined). Only for a search that checks it at the same time and throws its result away when
   * the check fails (see `Workspace.keptIndexUnchecked`).
   */
  peek?: (options: WalkOptions) => FileIndex | undefined;
  /**
   * The ready term index of this listing (the server's memory cache builds one per kept listing),
   * which tells a search the files its pattern may match; undefined when there is none (yet).
   */
  terms?: (options: WalkOptions, index: FileIndex) => TermIndex | undefined;
};

let defaultIndexSource: IndexSource | undefined;

/**
 * The index source of workspaces opened without one: the MCP server installs its in-memory warm
 * cache, the CLI its on-disk cache; undefined (the default) lists afresh every time.
 */
export function setDefaultIndexSource(source: IndexSource | undefined): void {
  defaultIndexSource = source;
}

/** The default lister: ripgrep's walker when a binary runs here, else the JavaScript walk. */
export async function listTree(options: WalkOptions): Promise<FileIndex> {
  const rg = await locateRipgrep();
  return listFileIndex({ ...options, rgPath: rg?.path ?? null });
}

export type PathKind = "file" | "dir";

export type Resolution =
  | {
      ok: true;
      /** Relative to the root, forward slashes ("" = the root). */
      rel: string;
      /** Absolute path through the root, as shown to the model. */
      abs: string;
      kind: PathKind;
      /** True when the input had to be repaired (mangled prefix, missing segment...). */
      repaired: boolean;
      range?: { start: number; end: number };
    }
  | {
      ok: false;
      reason: "outside" | "not_found" | "ambiguous" | "invalid" | "wrong_kind";
      message: string;
      candidates: string[];
    };

export interface FileStat {
  size: number;
  mtimeMs: number;
}

export class Workspace {
  readonly root: string;
  readonly secrets: SecretPolicy;
  readonly maxSearchFileBytes: number;
  private readonly maxIndexFiles: number | undefined;
  private readonly indexSource: IndexSource | undefined;
  private index: FileIndex | undefined;
  private pendingIndex: Promise<FileIndex> | undefined;
  /** The symlink probes of this workspace's walks: the listing's and the index-free Greps' (one `find` each start). */
  readonly symlinkProbes: SymlinkProbes;
  /** The pending listing was started by `listInBackground`: searches do not wait for it. */
  private listingInBackground = false;
  private readonly subIndexes = new Map<string, FileIndex>();
  private readonly stats = new Map<string, FileStat | null>();

  private constructor(root: string, options: WorkspaceOptions) {
    this.root = root;
    this.secrets = options.secrets ?? DEFAULT_SECRET_POLICY;
    this.maxSearchFileBytes = options.maxSearchFileBytes ?? 10 * 1024 * 1024;
    this.maxIndexFiles = options.maxIndexFiles;
    this.indexSource = options.indexSource ?? defaultIndexSource;
    this.symlinkProbes = new SymlinkProbes(root);
  }

  /** Open a workspace; throws ConfigError when the root is not an existing directory. */
  static async open(root: string, options: WorkspaceOptions = {}): Promise<Workspace> {
    return Workspace.openSync(root, options);
  }

  static openSync(root: string, options: WorkspaceOptions = {}): Workspace {
    let real: string;
    try {
      real = realpathSync(root);
    } catch (error) {
      throw new ConfigError(`repository ${root} does not exist`, { cause: error });
    }
    if (!statSync(real).isDirectory()) throw new ConfigError(`repository ${root} is not a directory`);
    return new Workspace(real, options);
  }

  /** Absolute display path for a relative one (what the model sees). */
  display(rel: string): string {
    return rel === "" ? this.root : `${this.root}/${rel}`;
  }

  private walkOptions(startRel = ""): WalkOptions {
    return {
      root: this.root,
      probe: (start, base) => this.symlinkProbes.of(start, base),
      secrets: this.secrets,
      ...(startRel !== "" ? { startRel, explicit: true } : {}),
      ...(this.maxIndexFiles !== undefined ? { maxFiles: this.maxIndexFiles } : {}),
    };
  }

  /**
   * The shared index of the whole root, listed once on first use without blocking the event loop
   * (ripgrep's walker in a child process, or the configured index source).
   */
  async fileIndex(): Promise<FileIndex> {
    if (this.index) return this.index;
    this.pendingIndex ??= (
      this.indexSource ? this.indexSource(this.walkOptions(), listTree) : listTree(this.walkOptions())
    ).then((index) => {
      this.index ??= index;
      return this.index;
    });
    return this.pendingIndex;
  }

  /** The ready term index of `index` when the index source keeps one (see `IndexSource.terms`). */
  termIndex(index: FileIndex): TermIndex | undefined {
    return this.indexSource?.terms?.(this.walkOptions(), index);
  }

  /**
   * The index source's kept listing of the root, not yet checked (undefined when there is none or
   * the shared index is already here). A caller may search with it while `fileIndex()` checks it,
   * and must use the result only when `fileIndex()` resolves to this same object (the listing held).
   */
  keptIndexUnchecked(): FileIndex | undefined {
    if (this.index) return undefined;
    return this.indexSource?.peek?.(this.walkOptions());
  }

  /** True once the shared index exists (callers that can do without it need not wait). */
  hasIndex(): boolean {
    return this.index !== undefined;
  }

  /** Start listing into a long-lived index source, without waiting (see `IndexSource.primeInBackground`). */
  primeIndex(): void {
    if (this.index || this.pendingIndex || !this.indexSource?.primeInBackground) return;
    this.fileIndex().catch(() => undefined);
  }

  /**
   * Start the listing now for a caller that will need it later (the embedded explorer ranks the
   * whole listing after its first turn), while searches that can do without it go on without
   * waiting for it: `warmIndex` says false until it is done, unless the index source already keeps
   * one. Its own failure is left to whoever asks `fileIndex()` later.
   */
  listInBackground(): void {
    if (this.index || this.pendingIndex) return;
    this.listingInBackground = true;
    this.fileIndex().catch(() => undefined);
  }

  /**
   * True when the shared index exists, or the index source keeps one for this root (then it is
   * loaded and checked now), or a listing is under way that was not started in the background
   * (then it is awaited): for callers that can do without the index but are faster with it.
   */
  async warmIndex(): Promise<boolean> {
    if (this.index) return true;
    const kept = this.indexSource?.holds?.(this.walkOptions()) === true;
    if (!kept && (!this.pendingIndex || this.listingInBackground)) return false;
    await this.fileIndex();
    return true;
  }

  /**
   * The shared index, synchronously: the one already listed, or a JavaScript walk now (for the few
   * synchronous callers, such as path repair; the tools await `fileIndex()` first).
   */
  files(): FileIndex {
    this.index ??= buildFileIndex(this.walkOptions());
    return this.index;
  }

  /** `filesUnder`, after making sure the index (and a sub-index an ignored directory needs) is listed. */
  async filesUnderAsync(relDir: string): Promise<{ files: IndexedFile[]; index: FileIndex }> {
    const index = await this.fileIndex();
    if (relDir !== "" && !index.dirs.has(relDir) && !this.subIndexes.has(relDir))
      this.subIndexes.set(relDir, await listTree(this.walkOptions(relDir)));
    return this.filesUnder(relDir);
  }

  /**
   * Files under a directory. Inside the indexed tree this is a slice of the shared index; a
   * directory the index skipped (ignored, but named explicitly by the caller) gets its own walk.
   */
  filesUnder(relDir: string): { files: IndexedFile[]; index: FileIndex } {
    const index = this.files();
    if (relDir === "") return { files: index.files, index };
    if (index.dirs.has(relDir)) {
      const prefix = `${relDir}/`;
      return { files: index.files.filter((f) => f.rel.startsWith(prefix)), index };
    }
    let sub = this.subIndexes.get(relDir);
    if (!sub) {
      sub = buildFileIndex({
        root: this.root,
        startRel: relDir,
        explicit: true,
        secrets: this.secrets,
        maxFiles: this.maxIndexFiles,
      });
      this.subIndexes.set(relDir, sub);
    }
    return { files: sub.files, index: sub };
  }

  /**
   * Records what a search already stat'ed (the path judge's lstat of the real file, which is
   * what `stat` would see), so that ranking the thousands of files a common word matched does not
   * stat each again. A value `stat` has already cached is kept.
   */
  noteStat(rel: string, value: FileStat): void {
    if (!this.stats.has(rel)) this.stats.set(rel, value);
  }

  /** size and mtime of a file (cached per exploration); null when it cannot be stat'ed. */
  stat(rel: string): FileStat | null {
    const cached = this.stats.get(rel);
    if (cached !== undefined) return cached;
    let value: FileStat | null = null;
    try {
      const st = statSync(this.display(rel));
      value = { size: st.size, mtimeMs: st.mtimeMs };
    } catch {
      value = null;
    }
    this.stats.set(rel, value);
    return value;
  }

  /**
   * Whether `rel` is a secret file by its own name or by its real path (`notes.txt -> .env`). The
   * file guard (`guard()`) also catches hard links to secrets when the file is opened.
   */
  isSecret(rel: string): boolean {
    if (isSecretPath(rel, this.secrets)) return true;
    const abs = this.display(rel);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return false;
    }
    return real !== abs && isWithin(this.root, real) && isSecretPath(relativeTo(this.root, real), this.secrets);
  }

  private guardPolicy: GuardPolicy | undefined;

  /** What the file guard needs to judge a file of this workspace when it is opened (see file-guard.ts). */
  guard(): GuardPolicy {
    let inodes: ReadonlySet<string> | undefined;
    this.guardPolicy ??= {
      root: this.root,
      secrets: this.secrets,
      secretInodes: () => (inodes ??= secretInodesOf(this.root, this.files(), this.secrets)),
    };
    return this.guardPolicy;
  }

  /** Where `rel` really lives, or null when it does not exist or its realpath leaves the root. */
  private probe(rel: string): PathKind | "outside" | null {
    const abs = this.display(rel);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return null;
    }
    if (!isWithin(this.root, real) || isGitPath(relativeTo(this.root, real))) return "outside";
    try {
      const st = statSync(real);
      if (st.isDirectory()) return "dir";
      if (st.isFile()) return "file";
    } catch {
      return null;
    }
    return null;
  }

  private gitRefusal(raw: string): Resolution {
    return {
      ok: false,
      reason: "outside",
      message: `Permission error: \`${clipInput(raw)}\` is in a \`.git\` directory, which is never listed, read or searched.`,
      candidates: [],
    };
  }

  /**
   * A name that path cleaning would change (backslashes, quotes, backticks: all legal in file
   * names) is first taken exactly as given, so that every path Glob lists can be read back.
   */
  private literalPath(raw: string): { rel: string; kind: PathKind } | { rel: string; kind: "git" } | null {
    if (!/[\\`'"]/.test(raw)) return null;
    const rel = raw.startsWith("/")
      ? isWithin(this.root, posix.normalize(raw))
        ? relativeTo(this.root, posix.normalize(raw))
        : null
      : normalizeRelative(raw);
    if (rel === null) return null;
    const kind = this.probe(rel);
    if (kind === null || kind === "outside") return null;
    return isGitPath(rel) ? { rel, kind: "git" } : { rel, kind };
  }

  private literalResolution(literal: { rel: string; kind: PathKind }, expect: PathKind | "any"): Resolution {
    const { rel, kind } = literal;
    if (expect !== "any" && kind !== expect)
      return {
        ok: false,
        reason: "wrong_kind",
        message: `Error: \`${this.display(rel)}\` is not ${expect === "file" ? "a file" : "a directory"}.`,
        candidates: [],
      };
    return { ok: true, rel, abs: this.display(rel), kind, repaired: false };
  }

  private outsideMessage(raw: string): string {
    return `Permission error: \`${clipInput(raw)}\` is not within the working directory \`${this.root}\`.`;
  }

  /**
   * Resolve a path given by a model or user. Accepts absolute paths inside the root, relative
   * paths, `./x`, backslashes, `file://`, a trailing `:12-40`, and repairs mangled prefixes
   * (`/repo/...`, `/workspace/...`, the root's basename repeated, a missing or extra leading
   * segment) when exactly one real path fits. Never resolves to anything outside the root.
   */
  resolve(raw: string, expect: PathKind | "any" = "any"): Resolution {
    if (typeof raw !== "string" || raw.trim() === "") {
      return { ok: false, reason: "invalid", message: "Error: a path is required.", candidates: [] };
    }
    if (raw.includes("\0"))
      return {
        ok: false,
        reason: "invalid",
        message: `Error: invalid path \`${clipInput(raw.replace(/\0/g, "\\0"))}\` (it contains a NUL byte).`,
        candidates: [],
      };
    const literal = this.literalPath(raw);
    if (literal) return literal.kind === "git" ? this.gitRefusal(raw) : this.literalResolution(literal, expect);
    const cleaned = cleanPathInput(raw);
    const range = cleaned.range;
    const done = (rel: string, kind: PathKind, repaired: boolean): Resolution => {
      if (expect !== "any" && kind !== expect) {
        const what = expect === "file" ? "a file" : "a directory";
        return {
          ok: false,
          reason: "wrong_kind",
          message: `Error: \`${this.display(rel)}\` is not ${what}.`,
          candidates: [],
        };
      }
      return range
        ? { ok: true, rel, abs: this.display(rel), kind, repaired, range }
        : { ok: true, rel, abs: this.display(rel), kind, repaired };
    };

    let rel: string | null;
    let outside = false;
    if (cleaned.absolute) {
      const norm = posix.normalize(cleaned.path);
      if (isWithin(this.root, norm)) rel = relativeTo(this.root, norm);
      else {
        rel = norm.replace(/^\/+/, "");
        outside = true;
      }
    } else {
      rel = normalizeRelative(cleaned.path);
      if (rel === null) return { ok: false, reason: "outside", message: this.outsideMessage(raw), candidates: [] };
    }

    if (!outside && isGitPath(rel)) return this.gitRefusal(raw);
    if (!outside) {
      const kind = this.probe(rel);
      if (kind === "outside")
        return { ok: false, reason: "outside", message: this.outsideMessage(raw), candidates: [] };
      if (kind) return done(rel, kind, false);
    } else if (rel === "" || !rel.includes("/")) {
      // `/` or `/myrepo`: the model's name for the workspace root (only where a directory is wanted).
      if (expect !== "file" && (rel === "" || this.probe(rel) === null)) return done("", "dir", true);
    }
    return this.repair(raw, rel, expect, outside, done);
  }

  /** Suffix repair: drop leading segments, or find the one indexed path that ends with the input. */
  private repair(
    raw: string,
    rel: string,
    expect: PathKind | "any",
    outside: boolean,
    done: (rel: string, kind: PathKind, repaired: boolean) => Resolution,
  ): Resolution {
    const parts = rel.split("/").filter((p) => p !== "" && p !== ".");
    if (parts.includes(".."))
      return { ok: false, reason: "outside", message: this.outsideMessage(raw), candidates: [] };
    const index = this.files();
    const wantDirs = expect !== "file";
    const wantFiles = expect !== "dir";
    for (let drop = 0; drop < parts.length; drop++) {
      const suffix = parts.slice(drop).join("/");
      if (drop > 0) {
        const kind = this.probe(suffix);
        if (kind && kind !== "outside" && (expect === "any" || kind === expect)) return done(suffix, kind, true);
      }
      let matches: Array<{ rel: string; kind: PathKind }> = [];
      const tail = `/${suffix}`;
      if (wantFiles) for (const f of index.files) if (f.rel.endsWith(tail)) matches.push({ rel: f.rel, kind: "file" });
      if (wantDirs) for (const d of index.dirs) if (d.endsWith(tail)) matches.push({ rel: d, kind: "dir" });
      if (matches.length > 1) matches = this.withoutAliases(matches);
      if (matches.length === 1) return done(matches[0]!.rel, matches[0]!.kind, true);
      if (matches.length > 1) {
        const shown = matches.slice(0, 8).map((m) => this.display(m.rel));
        return {
          ok: false,
          reason: "ambiguous",
          message: `Error: \`${clipInput(raw)}\` is ambiguous; it could be any of:\n${shown.join("\n")}${matches.length > 8 ? `\n... and ${matches.length - 8} more` : ""}`,
          candidates: matches.map((m) => m.rel),
        };
      }
    }
    const pool = wantFiles ? index.files.map((f) => f.rel) : [...index.dirs];
    const candidates = closestPaths(rel, pool, 5);
    const hint = candidates.length
      ? `\nClosest existing paths:\n${candidates.map((c) => this.display(c)).join("\n")}`
      : "";
    if (outside) return { ok: false, reason: "outside", message: `${this.outsideMessage(raw)}${hint}`, candidates };
    return {
      ok: false,
      reason: "not_found",
      message: `Error: \`${clipInput(raw)}\` does not exist.${hint}`,
      candidates,
    };
  }

  /**
   * Candidates that are the same file or directory seen through a symlink inside the root are
   * one candidate, not an ambiguity: keep the path that is not through a link.
   */
  private withoutAliases(matches: Array<{ rel: string; kind: PathKind }>): Array<{ rel: string; kind: PathKind }> {
    const byReal = new Map<string, { rel: string; kind: PathKind; canonical: boolean }>();
    for (const m of matches) {
      let real: string;
      try {
        real = realpathSync(this.display(m.rel));
      } catch {
        real = this.display(m.rel);
      }
      const canonical = real === this.display(m.rel);
      const seen = byReal.get(real);
      if (!seen || (canonical && !seen.canonical)) byReal.set(real, { ...m, canonical });
    }
    return [...byReal.values()]
      .map(({ rel, kind }) => ({ rel, kind }))
      .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  }
}

/** A path as echoed in messages: a model that sends a 5000-character path gets 200 back. */
function clipInput(raw: string): string {
  return raw.length > 200 ? `${raw.slice(0, 200)}…` : raw;
}

export type { FileIndex, IndexedFile } from "./file-index.js";
