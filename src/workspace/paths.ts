/**
 * Pure helpers for paths as models and users write them: cleaning mangled input, normalizing,
 * containment checks and "did you mean" suggestions. No file-system access here.
 */
import { posix } from "node:path";

/** A path as typed, with decorations removed (quotes, `file://`, `:12-40`, backslashes, drive letters). */
export interface CleanedPath {
  /** Forward-slash path; absolute paths keep their leading slash. */
  path: string;
  absolute: boolean;
  /** A line range that trailed the path (`:12-40`, `:12`, `#L12-L40`), if any. */
  range?: { start: number; end: number };
}

const RANGE_SUFFIX = /(?::(\d+)(?:\s*[-–]\s*(\d+))?(?::\d+)?|#L(\d+)(?:-L?(\d+))?)$/;

export function cleanPathInput(raw: string): CleanedPath {
  let p = raw.trim();
  // Quotes and backticks the model copies from prose.
  p = p.replace(/^[`'"]+|[`'"]+$/g, "").trim();
  if (p.startsWith("file://")) p = p.slice("file://".length);
  let range: CleanedPath["range"];
  const m = RANGE_SUFFIX.exec(p);
  if (m && m.index > 0) {
    const start = Number(m[1] ?? m[3]);
    const end = Number(m[2] ?? m[4] ?? start);
    if (Number.isFinite(start) && start > 0) range = { start, end: Math.max(start, end) };
    p = p.slice(0, m.index);
  }
  p = p.replace(/\\/g, "/");
  // Windows drive (`C:/x`) and UNC (`//server/share/x`) forms become plain absolute paths; the
  // mangled-path repair then looks for their suffix inside the workspace.
  let absolute = false;
  const drive = /^[A-Za-z]:(?=\/|$)/.exec(p);
  if (drive) {
    p = p.slice(2) || "/";
    absolute = true;
  }
  if (p.startsWith("/")) absolute = true;
  p = p.replace(/\/{2,}/g, "/");
  if (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return range ? { path: p, absolute, range } : { path: p, absolute };
}

/** Normalize a relative path: no `./`, no trailing slash; null when it climbs above its base. */
export function normalizeRelative(rel: string): string | null {
  if (rel === "" || rel === ".") return "";
  const n = posix.normalize(rel);
  if (n === ".." || n.startsWith("../") || n.startsWith("/")) return null;
  return n === "." ? "" : n.replace(/\/$/, "");
}

/** Whether `abs` (normalized, absolute) is `root` or inside it. */
export function isWithin(root: string, abs: string): boolean {
  if (abs === root) return true;
  const prefix = root.endsWith("/") ? root : `${root}/`;
  return abs.startsWith(prefix);
}

/** `abs` relative to `root` (both normalized absolute, `abs` inside `root`). */
export function relativeTo(root: string, abs: string): string {
  if (abs === root) return "";
  return abs.slice((root.endsWith("/") ? root : `${root}/`).length);
}

/** Levenshtein distance, bounded: returns `limit + 1` once the distance exceeds `limit`. */
export function editDistance(a: string, b: string, limit = 64): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (cur[j]! < rowMin) rowMin = cur[j]!;
    }
    if (rowMin > limit) return limit + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/**
 * The existing paths closest to a wanted relative path: same basename first (shortest path
 * distance), then small edit distance on the basename. At most `max` results.
 */
export function closestPaths(wanted: string, candidates: Iterable<string>, max = 5): string[] {
  const wantedBase = posix.basename(wanted).toLowerCase();
  if (!wantedBase) return [];
  const scored: Array<{ path: string; score: number }> = [];
  const limit = Math.max(2, Math.floor(wantedBase.length / 3));
  for (const path of candidates) {
    const base = posix.basename(path).toLowerCase();
    let score: number;
    if (base === wantedBase) score = 0;
    else {
      const d = editDistance(wantedBase, base, limit);
      if (d > limit) continue;
      score = 100 + d * 10;
    }
    // Prefer candidates sharing more of the wanted directory path.
    score += editDistance(wanted.toLowerCase(), path.toLowerCase(), 200) / 100;
    scored.push({ path, score });
  }
  scored.sort((a, b) => a.score - b.score || (a.path < b.path ? -1 : 1));
  return scored.slice(0, max).map((s) => s.path);
}
