/**
 * Parses `git diff` output into per-file pre-image facts: deleted lines and pure insertions from a
 * `-U0` diff, hunk extents (with context) from a `-U3` diff. Pure text processing.
 */
import type { Range } from "./tasks.js";

export interface DiffHunk {
  /** Pre-image start line and length (`@@ -start,count`); count 0 means a pure insertion after `start`. */
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

export interface FileDiff {
  /** Pre-image path (`--- a/<path>`). */
  path: string;
  hunks: DiffHunk[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Split a unified diff into files and hunk headers. Files without a pre-image (`/dev/null`) are kept with their path from `+++`. */
export function parseUnifiedDiff(diff: string): FileDiff[] {
  const files: FileDiff[] = [];
  let current: FileDiff | null = null;
  for (const line of diff.split("\n")) {
    if (line.startsWith("diff --git ")) {
      current = null;
      continue;
    }
    if (line.startsWith("--- ")) {
      const path = line.slice(4);
      current = { path: path.startsWith("a/") ? path.slice(2) : path, hunks: [] };
      files.push(current);
      continue;
    }
    if (line.startsWith("+++ ") && current?.path === "/dev/null") {
      const path = line.slice(4);
      current.path = path.startsWith("b/") ? path.slice(2) : path;
      continue;
    }
    const m = HUNK.exec(line);
    if (m && current) {
      current.hunks.push({
        oldStart: Number(m[1]),
        oldCount: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]),
        newCount: m[4] === undefined ? 1 : Number(m[4]),
      });
    }
  }
  return files;
}

/** Pre-image facts of one file from its `-U0` hunks. */
export function editFacts(hunks: readonly DiffHunk[]): { deleted: number[]; insertAfter: number[]; added: number } {
  const deleted: number[] = [];
  const insertAfter: number[] = [];
  let added = 0;
  for (const h of hunks) {
    added += h.newCount;
    if (h.oldCount === 0) insertAfter.push(h.oldStart);
    else for (let l = h.oldStart; l < h.oldStart + h.oldCount; l++) deleted.push(l);
  }
  return { deleted, insertAfter, added };
}

/** Pre-image extent of each `-U3` hunk (context included); an insertion into an empty file has none. */
export function hunkRanges(hunks: readonly DiffHunk[]): Range[] {
  const out: Range[] = [];
  for (const h of hunks) {
    if (h.oldCount > 0) out.push([h.oldStart, h.oldStart + h.oldCount - 1]);
    else if (h.oldStart > 0) out.push([h.oldStart, h.oldStart]);
  }
  return out;
}
