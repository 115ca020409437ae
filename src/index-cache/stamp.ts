/**
 * When a listed file index is still the tree as it is: a stamp taken right after listing, checked
 * before reuse. A file added, deleted or renamed changes its directory's mtime; a link made or
 * retargeted too (it is a directory entry); an edited ignore file changes its own mtime or size.
 * So the stamp holds every listed directory's mtime and every ignore file's mtime and size (the
 * ones the listing applied, including `.git/info/exclude` and the start's ancestors'). A file's
 * content does not change the listing, so it is not stamped here (the analysis cache stamps it).
 *
 * Timestamps are coarse on some file systems: a directory changed within the same tick as the
 * listing could look unchanged later. Such "racy" entries (mtime within RACY_MS of the listing)
 * are stamped as unknown, so the next check re-lists, as git does for its index.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { aboveRootRules } from "../workspace/above-root-rules.js";
import type { FileIndex } from "../workspace/file-index.js";
import { IGNORE_FILE_NAMES } from "../workspace/ignore-rules.js";

/** Directory mtimes this close to the listing (or later) are not trusted. */
export const RACY_MS = 2000;
/** Stats in flight at once while checking a stamp. */
const STAT_CONCURRENCY = 64;

export interface IndexStamp {
  /** Wall-clock time the listing started (ms since the epoch). */
  listedAt: number;
  /** [directory relative to the root, mtimeMs or -1 for unknown]. */
  dirs: Array<[string, number]>;
  /** [ignore file relative to the root, mtimeMs, size], -1/-1 when it did not exist. */
  ignoreFiles: Array<[string, number, number]>;
}

const IGNORE_NAMES: ReadonlySet<string> = new Set(IGNORE_FILE_NAMES);

/** Ignore files whose content shaped the listing (those listed, the root's exclude, the start's ancestors'). */
function ignoreFilesOf(root: string, index: FileIndex, startRel: string): string[] {
  const out = new Set<string>([".git/info/exclude"]);
  for (const f of index.files) {
    const slash = f.rel.lastIndexOf("/");
    if (IGNORE_NAMES.has(slash === -1 ? f.rel : f.rel.slice(slash + 1))) out.add(f.rel);
  }
  // The start's ancestors (a sub-directory listing applies them) and directories whose ignore
  // file is itself ignored (then it is not among the files) are stamped by name.
  const parts = startRel === "" ? [] : startRel.split("/");
  for (let i = 0; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join("/");
    for (const name of IGNORE_FILE_NAMES) out.add(dir === "" ? name : `${dir}/${name}`);
  }
  for (const rel of aboveRootRules(root).files) out.add(rel);
  for (const e of index.ignoredEntries) {
    const slash = e.rel.lastIndexOf("/");
    if (!e.dir && IGNORE_NAMES.has(slash === -1 ? e.rel : e.rel.slice(slash + 1))) out.add(e.rel);
  }
  return [...out].sort();
}

/** Run `fn` over `items` with at most `limit` promises in flight. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function mtimeOf(abs: string): Promise<{ mtimeMs: number; size: number } | null> {
  try {
    const st = await stat(abs);
    return { mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    return null;
  }
}

/** Stamp `index` (listed from `root`, started at `listedAt`). */
export async function stampIndex(root: string, index: FileIndex, listedAt: number, startRel = ""): Promise<IndexStamp> {
  const dirs = [...index.dirs].sort();
  const abs = (rel: string) => (rel === "" ? root : join(root, rel));
  const racy = (mtimeMs: number) => mtimeMs >= listedAt - RACY_MS;
  const dirStamps = await mapLimit(dirs, STAT_CONCURRENCY, async (rel): Promise<[string, number]> => {
    const st = await mtimeOf(abs(rel));
    return [rel, st && !racy(st.mtimeMs) ? st.mtimeMs : -1];
  });
  const files = ignoreFilesOf(root, index, startRel);
  const fileStamps = await mapLimit(files, STAT_CONCURRENCY, async (rel): Promise<[string, number, number]> => {
    const st = await mtimeOf(abs(rel));
    if (!st) return [rel, -1, -1];
    return racy(st.mtimeMs) ? [rel, -2, -2] : [rel, st.mtimeMs, st.size];
  });
  return { listedAt, dirs: dirStamps, ignoreFiles: fileStamps };
}

/** Whether the tree still matches the stamp (no directory or ignore file changed). */
export async function stampIsCurrent(root: string, stamp: IndexStamp): Promise<boolean> {
  const abs = (rel: string) => (rel === "" ? root : join(root, rel));
  let current = true;
  // Checked in chunks so a changed tree is noticed without statting every remaining directory.
  const CHUNK = 1024;
  for (let i = 0; i < stamp.dirs.length && current; i += CHUNK) {
    const results = await mapLimit(stamp.dirs.slice(i, i + CHUNK), STAT_CONCURRENCY, async ([rel, mtimeMs]) => {
      if (mtimeMs < 0) return false;
      const st = await mtimeOf(abs(rel));
      return st !== null && st.mtimeMs === mtimeMs;
    });
    current = results.every(Boolean);
  }
  if (!current) return false;
  const files = await mapLimit(stamp.ignoreFiles, STAT_CONCURRENCY, async ([rel, mtimeMs, size]) => {
    if (mtimeMs === -2) return false;
    const st = await mtimeOf(abs(rel));
    if (mtimeMs === -1) return st === null;
    return st !== null && st.mtimeMs === mtimeMs && st.size === size;
  });
  return files.every(Boolean);
}
