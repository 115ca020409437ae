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
import { statSync } from "node:fs";
import { join } from "node:path";
import { yieldToLoop } from "../util/yield.js";
import { aboveRootRules } from "../workspace/above-root-rules.js";
import type { FileIndex } from "../workspace/file-index.js";
import { IGNORE_FILE_NAMES } from "../workspace/ignore-rules.js";

/** Directory mtimes this close to the listing (or later) are not trusted. */
export const RACY_MS = 2000;
/** Stats between two yields to the event loop. */
const STAT_SLICE = 1024;

export interface IndexStamp {
  /** Wall-clock time the listing started (ms since the epoch). */
  listedAt: number;
  /** [directory relative to the root, mtimeMs or -1 for unknown]. */
  dirs: Array<[string, number]>;
  /** [ignore file relative to the root, mtimeMs, size], -1/-1 when it did not exist. */
  ignoreFiles: Array<[string, number, number]>;
}

/** Listed files checked for an ignore file's name between two yields to the event loop. */
const IGNORE_SCAN_SLICE = 20_000;

/** Is the last segment of `rel` an ignore file's name? */
function isIgnoreFileName(rel: string): boolean {
  for (const name of IGNORE_FILE_NAMES) {
    if (!rel.endsWith(name)) continue;
    const before = rel.length - name.length;
    if (before === 0 || rel.charCodeAt(before - 1) === 47 /* / */) return true;
  }
  return false;
}

/** Ignore files whose content shaped the listing (those listed, the root's exclude, the start's ancestors'). */
async function ignoreFilesOf(root: string, index: FileIndex, startRel: string): Promise<string[]> {
  const out = new Set<string>([".git/info/exclude"]);
  // By suffix, no slice of every path (34 ms of event loop on a 100k-file listing), and in slices:
  // the whole pass still held the loop for 18–38 ms on the 100k tree.
  const files = index.files;
  for (let i = 0; i < files.length; i++) {
    if (i > 0 && i % IGNORE_SCAN_SLICE === 0) await yieldToLoop();
    const rel = files[i]!.rel;
    if (isIgnoreFileName(rel)) out.add(rel);
  }
  // The start's ancestors (a sub-directory listing applies them) and directories whose ignore
  // file is itself ignored (then it is not among the files) are stamped by name.
  const parts = startRel === "" ? [] : startRel.split("/");
  for (let i = 0; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join("/");
    for (const name of IGNORE_FILE_NAMES) out.add(dir === "" ? name : `${dir}/${name}`);
  }
  for (const rel of aboveRootRules(root).files) out.add(rel);
  for (const e of index.ignoredEntries) if (!e.dir && isIgnoreFileName(e.rel)) out.add(e.rel);
  return [...out].sort();
}

/**
 * `statSync` over `items` in slices, yielding to the event loop between slices. Measured on a
 * 50k-file tree (11,471 directories, all cached): 31–35 ms in all, against 82–153 ms for the same
 * stats as 64 concurrent promises through the thread pool (BENCHMARKS "Large repositories"); a slice
 * blocks the loop for about 3 ms.
 */
async function statSlices<T, R>(
  items: readonly T[],
  pathOf: (item: T) => string,
  fn: (item: T, st: { mtimeMs: number; size: number } | null) => R,
  stopWhen?: (r: R) => boolean,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % STAT_SLICE === 0) await yieldToLoop();
    const item = items[i]!;
    const r = fn(item, mtimeOf(pathOf(item)));
    out.push(r);
    if (stopWhen?.(r)) break;
  }
  return out;
}

function mtimeOf(abs: string): { mtimeMs: number; size: number } | null {
  try {
    const st = statSync(abs, { throwIfNoEntry: false });
    return st ? { mtimeMs: st.mtimeMs, size: st.size } : null;
  } catch {
    return null;
  }
}

/** Stamp `index` (listed from `root`, started at `listedAt`). */
export async function stampIndex(root: string, index: FileIndex, listedAt: number, startRel = ""): Promise<IndexStamp> {
  const dirs = [...index.dirs].sort();
  const abs = (rel: string) => (rel === "" ? root : join(root, rel));
  const racy = (mtimeMs: number) => mtimeMs >= listedAt - RACY_MS;
  const dirStamps = await statSlices(dirs, abs, (rel, st): [string, number] => [
    rel,
    st && !racy(st.mtimeMs) ? st.mtimeMs : -1,
  ]);
  const files = await ignoreFilesOf(root, index, startRel);
  const fileStamps = await statSlices(files, abs, (rel, st): [string, number, number] => {
    if (!st) return [rel, -1, -1];
    return racy(st.mtimeMs) ? [rel, -2, -2] : [rel, st.mtimeMs, st.size];
  });
  return { listedAt, dirs: dirStamps, ignoreFiles: fileStamps };
}

/** Whether the tree still matches the stamp (no directory or ignore file changed); stops at the first change. */
export async function stampIsCurrent(root: string, stamp: IndexStamp): Promise<boolean> {
  const abs = (rel: string) => (rel === "" ? root : join(root, rel));
  const stale = (ok: boolean) => !ok;
  const dirs = await statSlices(
    stamp.dirs,
    ([rel]) => abs(rel),
    ([, mtimeMs], st) => mtimeMs >= 0 && st !== null && st.mtimeMs === mtimeMs,
    stale,
  );
  if (!dirs.every(Boolean)) return false;
  const files = await statSlices(
    stamp.ignoreFiles,
    ([rel]) => abs(rel),
    ([, mtimeMs, size], st) => {
      if (mtimeMs === -2) return false;
      if (mtimeMs === -1) return st === null;
      return st !== null && st.mtimeMs === mtimeMs && st.size === size;
    },
    stale,
  );
  return files.every(Boolean);
}
