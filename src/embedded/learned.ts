/**
 * The embedded explorer's learned stage: re-rank the first turn's candidate files with the file
 * model, rank the units of the files it read with the unit model, give each candidate citation a
 * calibrated confidence, and spend the line budget by confidence. Pure: rankings in, choices out.
 */

import {
  type FileFeatureContext,
  fileFeatures,
  unitFeatures,
  withFileHandScore,
  withUnitHandScore,
} from "./features.js";
import type { RankedFile } from "./rank-files.js";
import { citeWindow, type UnitCandidate, unitReason } from "./rank-units.js";
import { calibrate, linearScore, type RankerAsset, softmax } from "./ranker-model.js";

/** Candidates the file model scores (the hand-ordered head of the first turn's ranking). */
export const FILE_CANDIDATES = 60;

export interface LearnedFile {
  file: RankedFile;
  features: number[];
  /** Softmax of the model score over the query's candidates. */
  probability: number;
}

/** Score the head of `ranked` with the file model; best first, ties by path. */
export function rerankFiles(ranked: readonly RankedFile[], ctx: FileFeatureContext, asset: RankerAsset): LearnedFile[] {
  const head = ranked.slice(0, FILE_CANDIDATES);
  const features = withFileHandScore(head.map((f) => fileFeatures(f, ctx)));
  const scores = features.map((x) => linearScore(asset.file, x));
  const probs = softmax(scores);
  return head
    .map((file, i) => ({ file, features: features[i]!, probability: probs[i]!, score: scores[i]! }))
    .sort((a, b) => b.score - a.score || (a.file.rel < b.file.rel ? -1 : a.file.rel > b.file.rel ? 1 : 0))
    .map(({ file, features: x, probability }) => ({ file, features: x, probability }));
}

export interface ScoredUnit {
  rel: string;
  unit: UnitCandidate;
  features: number[];
  /** P(unit | file) under the unit model. */
  unitProbability: number;
  fileProbability: number;
  /** Calibrated P(a citation of this unit holds gold lines). */
  confidence: number;
}

/** Units of one read file, scored by the unit model; best first. */
export function scoreUnits(
  rel: string,
  units: readonly UnitCandidate[],
  fileProbability: number,
  asset: RankerAsset,
): ScoredUnit[] {
  const features = withUnitHandScore(unitFeatures(units));
  const scores = features.map((x) => linearScore(asset.unit, x));
  const probs = softmax(scores);
  return units
    .map((unit, i) => ({
      rel,
      unit,
      features: features[i]!,
      unitProbability: probs[i]!,
      fileProbability,
      confidence: calibrate(asset.calibration, fileProbability * probs[i]!),
      score: scores[i]!,
    }))
    .sort((a, b) => b.score - a.score || a.unit.start - b.unit.start)
    .map(({ score: _score, ...u }) => u);
}

export interface BudgetOptions {
  /** Total cited lines. */
  budget: number;
  /** Files cited at most. */
  maxFiles: number;
  /** Lines of the first file's best unit at most. */
  firstUnitLines: number;
  /** Lines of any other citation at most. */
  otherUnitLines: number;
}

export interface ConfidentCitation {
  path: string;
  start: number;
  end: number;
  reason: string;
  confidence: number;
}

/**
 * Spend the line budget by confidence: each of the most probable files gets its best unit (so the
 * answer names several places), then the remaining lines go to the most confident remaining units,
 * anywhere. Output is in file order (by file probability), units within a file by confidence.
 */
export function spendBudget(files: ReadonlyArray<{ rel: string; units: ScoredUnit[] }>, options: BudgetOptions) {
  const chosen: Array<ConfidentCitation & { fileRank: number }> = [];
  let used = 0;
  const take = (u: ScoredUnit, fileRank: number, cap: number): boolean => {
    const room = Math.min(cap, options.budget - used);
    if (room < 6) return false;
    const w = citeWindow(u.unit, room);
    if (chosen.some((c) => c.path === u.rel && w.start <= c.end && w.end >= c.start)) return false;
    chosen.push({
      path: u.rel,
      start: w.start,
      end: w.end,
      reason: unitReason(u.unit),
      confidence: u.confidence,
      fileRank,
    });
    used += w.end - w.start + 1;
    return true;
  };
  const eligible = files.filter((f) => f.units.length > 0).slice(0, options.maxFiles);
  // Reserve a share for the other files' best units before the first file takes its lines.
  eligible.forEach((f, rank) => {
    const cap = rank === 0 ? options.firstUnitLines : options.otherUnitLines;
    const reserve = (eligible.length - 1 - rank) * 8;
    const room = Math.min(cap, options.budget - used - reserve);
    if (room >= 6) take(f.units[0]!, rank, room);
  });
  const rest = eligible
    .flatMap((f, rank) => f.units.slice(1).map((u) => ({ u, rank })))
    .sort((a, b) => b.u.confidence - a.u.confidence || a.rank - b.rank || a.u.unit.start - b.u.unit.start);
  for (const { u, rank } of rest) {
    if (options.budget - used < 6) break;
    take(u, rank, options.otherUnitLines);
  }
  return chosen
    .sort((a, b) => a.fileRank - b.fileRank || b.confidence - a.confidence || a.start - b.start)
    .map(({ fileRank: _r, ...c }) => c);
}

/**
 * Hand-selected citations (`selectCitations`) with the calibrated confidence of the unit each was cut
 * from; a citation whose unit the unit model did not score keeps no confidence.
 */
export function withUnitConfidence<C extends { unit: UnitCandidate }>(
  selected: readonly C[],
  files: ReadonlyArray<{ units: readonly ScoredUnit[] }>,
): Array<Omit<C, "unit"> & { confidence?: number }> {
  const byUnit = new Map<UnitCandidate, number>();
  for (const f of files) for (const u of f.units) byUnit.set(u.unit, u.confidence);
  return selected.map(({ unit, ...c }) => {
    const confidence = byUnit.get(unit);
    return confidence === undefined ? c : { ...c, confidence };
  });
}
