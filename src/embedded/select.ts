/**
 * Choosing what to cite: the best unit of the best file first (rank order is meaningful: callers
 * read the first citation first), a second unit of that file when it is nearly as strong, then the
 * best unit of each next file — all within a budget of cited lines.
 */
import { citeWindow, type UnitCandidate } from "./rank-units.js";

export interface FileChoice {
  rel: string;
  score: number;
  units: UnitCandidate[];
}

export interface SelectedCitation {
  path: string;
  start: number;
  end: number;
  reason: string;
}

export interface SelectOptions {
  /** Total cited lines. */
  budget: number;
  maxFiles: number;
  /** A file is cited only when its score is at least this fraction of the best file's. */
  minRelativeScore: number;
}

export const DEFAULT_SELECT: SelectOptions = { budget: 120, maxFiles: 5, minRelativeScore: 0.05 };

function reasonFor(u: UnitCandidate): string {
  if (u.kind === "region") return "module-level code matching the query";
  return `${u.kind} ${u.name}`;
}

export function selectCitations(files: FileChoice[], options: SelectOptions = DEFAULT_SELECT): SelectedCitation[] {
  const eligible = files.filter((f) => f.units.length > 0 && f.score >= (files[0]?.score ?? 0) * options.minRelativeScore).slice(0, options.maxFiles);
  if (eligible.length === 0) return [];
  const out: SelectedCitation[] = [];
  let left = options.budget;
  // Leave room for one small citation of every other file.
  const perOther = Math.max(8, Math.min(20, Math.floor(options.budget / (eligible.length + 3))));
  const reserveOthers = perOther * (eligible.length - 1);
  const first = eligible[0]!;
  const primaryCap = Math.max(perOther, Math.min(60, left - reserveOthers));
  const primary = first.units[0]!;
  const w1 = citeWindow(primary, primaryCap);
  out.push({ path: first.rel, ...w1, reason: reasonFor(primary) });
  left -= w1.end - w1.start + 1;
  const second = first.units[1];
  if (second && second.score >= primary.score * 0.5) {
    const cap = Math.min(30, left - reserveOthers);
    if (cap >= 8) {
      const w2 = citeWindow(second, cap);
      const overlaps = w2.start <= w1.end && w2.end >= w1.start;
      if (!overlaps) {
        out.push({ path: first.rel, ...w2, reason: reasonFor(second) });
        left -= w2.end - w2.start + 1;
      }
    }
  }
  for (let i = 1; i < eligible.length; i++) {
    const remainingFiles = eligible.length - i;
    const cap = Math.min(perOther * 2, Math.floor(left / remainingFiles));
    if (cap < 5) break;
    const f = eligible[i]!;
    const u = f.units[0]!;
    const w = citeWindow(u, cap);
    out.push({ path: f.rel, ...w, reason: reasonFor(u) });
    left -= w.end - w.start + 1;
  }
  return out;
}
