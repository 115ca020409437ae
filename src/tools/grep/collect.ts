/**
 * What a search engine (ripgrep or the TypeScript fallback) hands to the Grep formatter. Both
 * engines fill the same structure so their output to the model is identical.
 */

export interface GrepLine {
  line: number;
  text: string;
  match: boolean;
  /** First match on the line (character offsets), to keep it visible when a long line is clipped. */
  focus?: { start: number; end: number };
}

export interface FileMatches {
  /** Path relative to the workspace root. */
  rel: string;
  /** Displayed lines (matches and context), sorted by line, unique. */
  lines: GrepLine[];
  /** Number of matches (not lines), as `rg --count-matches` counts. */
  matches: number;
  matchLines: number;
}

export interface Collected {
  files: FileMatches[];
  /** Files dropped because they are binary (NUL bytes). */
  binary: number;
  /** Files dropped because they are secret. */
  secret: number;
  /** Files skipped for size (the fallback skips them unread; ripgrep drops them when they match). */
  tooLarge: number;
  unreadable: number;
  /** Files dropped because their real path, when the engine judged them, left the root or entered `.git`. */
  outsideRoot?: number;
  /** Directories the engine could not enter because their path is over the system's limit (PATH_MAX). */
  pathTooLong?: { dirs: string[]; count: number };
  /** Collection stopped early (cap reached, or timed out): counts are lower bounds. */
  atLeast: boolean;
  timedOut: boolean;
  engine: "ripgrep" | "fallback";
  /**
   * What ignore rules kept out of a directory search, when the engine learned it from its own walk
   * (ripgrep without the file index): ignored directories in walk order, and all ignored entries.
   * Absent when the file index says it.
   */
  ignored?: { dirs: string[]; count: number };
}

export interface GrepQuery {
  pattern: string;
  /** Search roots relative to the workspace ("" = root); a file or directory. */
  targetRel: string;
  targetIsFile: boolean;
  mode: "content" | "files_with_matches" | "count";
  before: number;
  after: number;
  ignoreCase: boolean;
  multiline: boolean;
  glob?: string;
  type?: string;
}

/** Collection stops after this many displayed lines (matches plus context), across files. */
export const MAX_COLLECTED_LINES = 20_000;

/**
 * Two searches over disjoint paths as one result: files in path order, every count summed, the
 * line cap applied to the lines of both. `ignored` is the first's (the caller sets the merged one).
 */
export function mergeCollected(a: Collected, b: Collected): Collected {
  const files = [...a.files, ...b.files].sort((x, y) => (x.rel < y.rel ? -1 : x.rel > y.rel ? 1 : 0));
  const lines = files.reduce((n, f) => n + f.lines.length, 0);
  const tooLong =
    a.pathTooLong || b.pathTooLong
      ? {
          dirs: [...(a.pathTooLong?.dirs ?? []), ...(b.pathTooLong?.dirs ?? [])],
          count: (a.pathTooLong?.count ?? 0) + (b.pathTooLong?.count ?? 0),
        }
      : undefined;
  return {
    ...a,
    files,
    binary: a.binary + b.binary,
    secret: a.secret + b.secret,
    tooLarge: a.tooLarge + b.tooLarge,
    unreadable: a.unreadable + b.unreadable,
    ...(a.outsideRoot !== undefined || b.outsideRoot !== undefined
      ? { outsideRoot: (a.outsideRoot ?? 0) + (b.outsideRoot ?? 0) }
      : {}),
    ...(tooLong ? { pathTooLong: tooLong } : {}),
    atLeast: a.atLeast || b.atLeast || lines > MAX_COLLECTED_LINES,
    timedOut: a.timedOut || b.timedOut,
  };
}

/** Sort and merge raw line records for one file. */
export function finalizeFile(rel: string, raw: Map<number, GrepLine>, matches: number): FileMatches {
  const lines = [...raw.values()].sort((a, b) => a.line - b.line);
  let matchLines = 0;
  for (const l of lines) if (l.match) matchLines++;
  return { rel, lines, matches, matchLines };
}

/** Add context lines around match lines, given all lines of the file (fallback engine). */
export function addContext(
  raw: Map<number, GrepLine>,
  lineText: (n: number) => string | undefined,
  before: number,
  after: number,
): void {
  if (before <= 0 && after <= 0) return;
  const matchLines = [...raw.keys()];
  for (const n of matchLines) {
    for (let k = n - before; k <= n + after; k++) {
      if (k < 1 || raw.has(k)) continue;
      const text = lineText(k);
      if (text === undefined) continue;
      raw.set(k, { line: k, text, match: false });
    }
  }
}
