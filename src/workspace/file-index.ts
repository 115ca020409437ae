/**
 * The workspace's file index: one listing per workspace, shared by Glob, the Grep fallback and the
 * embedded explorer (Grep with ripgrep does not need it). It applies the ignore rules, never enters
 * `.git`, follows symlinks only while their target stays inside the root (with loop detection) and
 * counts what it skipped. It only lists; it never reads file contents.
 *
 * Two strategies with one result: `listFileIndex` lets ripgrep's parallel walker list the files
 * (native-listing.ts: a child process, so the event loop stays free), and `buildFileIndex`, the
 * synchronous JavaScript walk, is the reference (and the fallback where ripgrep or `find` is missing).
 */
import { type Dirent, readdirSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import type { SkipStats } from "../contracts/tools.js";
import { emptySkipStats } from "../contracts/tools.js";
import { aboveRootLevel, type IgnoreLevel, isIgnored, loadIgnoreLevel } from "./ignore-rules.js";
import { listWithRipgrep } from "./native-listing.js";
import { isSecretPath, type SecretPolicy } from "./secrets.js";
import type { SymlinkProbe } from "./symlink-probe.js";

export interface IndexedFile {
  /** Path relative to the root, forward slashes. */
  rel: string;
  /** Absolute path as seen through the root (symlinks not resolved). */
  abs: string;
  /** True when the path goes through a followed symlink. */
  viaSymlink: boolean;
  /** True for secret files (their names may be listed, their content never shown). */
  secret: boolean;
}

export interface FileIndex {
  files: IndexedFile[];
  byRel: Map<string, IndexedFile>;
  /** Directories that were listed (relative, "" for the root). */
  dirs: Set<string>;
  /** Symlinks that were followed (files and directories), relative paths. */
  followedSymlinks: string[];
  /** Directory symlinks not followed because they lead back to one of their own ancestors. */
  loopSymlinks: number;
  /** Entries skipped by ignore rules (directories are not entered), at most MAX_IGNORED_KEPT. */
  ignoredEntries: Array<{ rel: string; dir: boolean; link?: true }>;
  skipped: SkipStats;
  /** True when the walk stopped at `maxFiles`. */
  truncated: boolean;
  buildMs: number;
  /**
   * Directories that could not be listed because their path is longer than the system allows
   * (ENAMETOOLONG, PATH_MAX), relative paths; absent when there were none. Tools say so in a note.
   */
  tooLong?: string[];
}

export interface WalkOptions {
  /** Absolute realpath of the workspace root. */
  root: string;
  /** Directory to walk, relative to the root ("" = root). Ignore rules of its ancestors still apply unless `explicit`. */
  startRel?: string;
  /**
   * The caller named `startRel` explicitly: the start directory itself is walked even if ignored,
   * as ripgrep does for an explicit path.
   */
  explicit?: boolean;
  secrets: SecretPolicy;
  maxFiles?: number;
  /**
   * Realpaths of the directories above `startRel` on the path the walk came by (loop detection
   * when a followed directory link is walked on its own), and whether that path went through a link.
   */
  via?: { chain: string[]; viaSymlink: boolean };
  /**
   * The symlink probe of a start directory shared with the caller's other walks (the workspace's
   * `SymlinkProbes`); without it the listing probes on its own.
   */
  probe?: (startRel: string, base: IgnoreLevel[]) => Promise<SymlinkProbe | null>;
}

const DEFAULT_MAX_FILES = 500_000;
const MAX_IGNORED_KEPT = 10_000;

function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith("/") ? root : `${root}/`);
}

function entryNamesOf(entries: Dirent[]): Set<string> {
  const names = new Set<string>();
  for (const e of entries) names.add(e.name);
  return names;
}

/** Ignore levels that apply at `startRel`, from the root down (without walking the tree). */
export function ancestorLevels(root: string, startRel: string): IgnoreLevel[] {
  const above = aboveRootLevel(root);
  const levels: IgnoreLevel[] = above ? [above] : [];
  const parts = startRel === "" ? [] : startRel.split("/");
  for (let depth = 0; depth < parts.length; depth++) {
    const dirRel = parts.slice(0, depth).join("/");
    const abs = dirRel === "" ? root : join(root, dirRel);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      continue;
    }
    const level = loadIgnoreLevel(abs, dirRel, entryNamesOf(entries), dirRel === "");
    if (level) levels.push(level);
  }
  return levels;
}

/** Walk the tree (synchronously: measured fastest for this job) and build the index. */
export function buildFileIndex(options: WalkOptions): FileIndex {
  const started = performance.now();
  const root = options.root;
  const startRel = options.startRel ?? "";
  const maxFiles = options.maxFiles ?? DEFAULT_MAX_FILES;
  const skipped = emptySkipStats();
  const files: IndexedFile[] = [];
  const byRel = new Map<string, IndexedFile>();
  const dirs = new Set<string>();
  const followedSymlinks: string[] = [];
  let loopSymlinks = 0;
  const ignoredEntries: FileIndex["ignoredEntries"] = [];
  let truncated = false;
  let tooLong: string[] | undefined;

  interface Frame {
    rel: string;
    abs: string;
    levels: IgnoreLevel[];
    /** Realpaths of this directory and its ancestors, for loop detection. */
    chain: string[];
    viaSymlink: boolean;
  }
  let startReal: string;
  try {
    startReal = realpathSync(startRel === "" ? root : join(root, startRel));
  } catch {
    return {
      files,
      byRel,
      dirs,
      followedSymlinks,
      loopSymlinks,
      ignoredEntries,
      skipped,
      truncated,
      buildMs: performance.now() - started,
    };
  }
  const stack: Frame[] = [
    {
      rel: startRel,
      abs: startRel === "" ? root : join(root, startRel),
      levels: ancestorLevels(root, startRel),
      chain: [...(options.via?.chain ?? []), startReal],
      viaSymlink: options.via?.viaSymlink ?? false,
    },
  ];

  while (stack.length > 0 && !truncated) {
    const frame = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(frame.abs, { withFileTypes: true });
    } catch (error) {
      skipped.unreadable++;
      if ((error as NodeJS.ErrnoException).code === "ENAMETOOLONG") (tooLong ??= []).push(frame.rel);
      continue;
    }
    dirs.add(frame.rel);
    const level = loadIgnoreLevel(frame.abs, frame.rel, entryNamesOf(entries), frame.rel === "");
    const levels = level ? [...frame.levels, level] : frame.levels;
    // Sorted so the index (and everything built on it) is deterministic.
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: Frame[] = [];
    for (const entry of entries) {
      if (entry.name === ".git") continue;
      const rel = frame.rel === "" ? entry.name : `${frame.rel}/${entry.name}`;
      const abs = join(frame.abs, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let viaSymlink = frame.viaSymlink;
      let real: string | undefined;
      if (entry.isSymbolicLink()) {
        try {
          real = realpathSync(abs);
        } catch {
          skipped.unreadable++; // dangling link
          continue;
        }
        if (!isInside(root, real)) {
          skipped.outsideRoot++;
          continue;
        }
        try {
          const st = statSync(real);
          isDir = st.isDirectory();
          isFile = st.isFile();
        } catch {
          skipped.unreadable++;
          continue;
        }
        if (isDir && frame.chain.includes(real)) {
          loopSymlinks++; // a loop back to an ancestor
          continue;
        }
        viaSymlink = true;
      }
      if (!isDir && !isFile) continue; // sockets, fifos, devices
      if (isIgnored(levels, rel, isDir)) {
        skipped.ignored++;
        if (ignoredEntries.length < MAX_IGNORED_KEPT)
          ignoredEntries.push(real === undefined ? { rel, dir: isDir } : { rel, dir: isDir, link: true });
        continue;
      }
      if (real !== undefined) followedSymlinks.push(rel);
      if (isDir) {
        const dirReal = real ?? join(frame.chain[frame.chain.length - 1]!, entry.name);
        subdirs.push({ rel, abs, levels, chain: [...frame.chain, dirReal], viaSymlink });
        continue;
      }
      const secret = isSecretPath(rel, options.secrets);
      const file: IndexedFile = { rel, abs, viaSymlink, secret };
      files.push(file);
      byRel.set(rel, file);
      if (files.length >= maxFiles) {
        truncated = true;
        break;
      }
    }
    // Push in reverse so directories are visited in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return {
    files,
    byRel,
    dirs,
    followedSymlinks,
    loopSymlinks,
    ignoredEntries,
    skipped,
    truncated,
    buildMs: performance.now() - started,
    ...(tooLong ? { tooLong } : {}),
  };
}

/**
 * The index, listed by ripgrep when a binary is given (off the main thread), else by the walker.
 * Same result either way; the walker is also used when ripgrep or `find` cannot run.
 */
export async function listFileIndex(options: WalkOptions & { rgPath?: string | null }): Promise<FileIndex> {
  if (options.rgPath) {
    const native = await listWithRipgrep({ ...options, rgPath: options.rgPath });
    if (native) return native;
  }
  return buildFileIndex(options);
}
