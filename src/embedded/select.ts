/**
 * Choosing what to cite within a budget of lines. Rank order is meaningful (callers read the
 * first citation first), so citations are ordered by file rank, then by unit score. The budget is
 * shared by evidence: the best file gets the largest part (its best units, whole when small, or
 * the window around their densest matching lines), every other file at least one small citation.
 */
import { citeWindow, type UnitCandidate, unitReason } from "./rank-units.js";

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
  /** The unit the citation was cut from (its learned confidence is looked up by it). */
  unit: UnitCandidate;
}

export interface SelectOptions {
  /** Total cited lines. */
  budget: number;
  maxFiles: number;
  /** A file is cited only when its score is at least this fraction of the best file's. */
  minRelativeScore: number;
  /** Share of the budget reserved for the best file. */
  topShare: number;
  /** Lines one unit may take at most. */
  maxUnitLines: number;
  /** A unit is cited only when its score is at least this fraction of its file's best unit. */
  minUnitRelative: number;
  /** Lines the best unit of the best file may take (it is most often the one to change). */
  firstUnitLines?: number;
}

export const DEFAULT_SELECT: SelectOptions = {
  budget: 150,
  maxFiles: 5,
  minRelativeScore: 0.05,
  topShare: 0.6,
  maxUnitLines: 40,
  minUnitRelative: 0.25,
  firstUnitLines: 60,
};

/** Cite the best units of one file within `allowance` lines; returns the lines used. */
function citeFile(file: FileChoice, allowance: number, options: SelectOptions, out: SelectedCitation[]): number {
  let used = 0;
  const taken: Array<{ start: number; end: number }> = [];
  const best = file.units[0]?.score ?? 0;
  for (const unit of file.units) {
    if (unit.score < best * options.minUnitRelative && taken.length > 0) break;
    const cap = taken.length === 0 ? (options.firstUnitLines ?? options.maxUnitLines) : options.maxUnitLines;
    const room = Math.min(cap, allowance - used);
    if (room < 6 && taken.length > 0) break;
    const w = citeWindow(unit, Math.max(room, 6));
    if (taken.some((t) => w.start <= t.end && w.end >= t.start)) continue;
    taken.push(w);
    out.push({ path: file.rel, ...w, reason: unitReason(unit), unit });
    used += w.end - w.start + 1;
    if (used >= allowance) break;
  }
  return used;
}

/**
 * Whether a file may be cited: it has units and at least `minRelativeScore` of the first file's
 * score. The first `maxFiles` such files, in order, are the ones cited.
 */
export function mayBeCited(
  file: { score: number; units: readonly unknown[] },
  topScore: number,
  options: Pick<SelectOptions, "minRelativeScore">,
): boolean {
  return file.units.length > 0 && file.score >= topScore * options.minRelativeScore;
}

export function selectCitations(files: FileChoice[], options: SelectOptions = DEFAULT_SELECT): SelectedCitation[] {
  const top = files[0]?.score ?? 0;
  const eligible = files.filter((f) => mayBeCited(f, top, options)).slice(0, options.maxFiles);
  if (eligible.length === 0) return [];
  const out: SelectedCitation[] = [];
  const others = eligible.length - 1;
  const minPerOther = 8;
  const topAllowance =
    others === 0
      ? options.budget
      : Math.max(
          options.maxUnitLines,
          Math.min(Math.round(options.budget * options.topShare), options.budget - others * minPerOther),
        );
  let left = options.budget - citeFile(eligible[0]!, topAllowance, options, out);
  // The rest is shared by score among the other files, each getting at least a small citation.
  const rest = eligible.slice(1);
  const total = rest.reduce((n, f) => n + f.score, 0) || 1;
  rest.forEach((f, i) => {
    const remainingFiles = rest.length - i;
    const fair = Math.floor(left / remainingFiles);
    const byScore = Math.round((left * f.score) / total);
    const allowance = Math.max(
      minPerOther,
      Math.min(left - (remainingFiles - 1) * minPerOther, Math.max(fair, byScore)),
    );
    if (allowance < 5) return;
    left -= citeFile(
      f,
      allowance,
      {
        ...options,
        maxUnitLines: Math.min(options.maxUnitLines, 25),
        firstUnitLines: Math.min(options.maxUnitLines, 25),
      },
      out,
    );
  });
  return out;
}
