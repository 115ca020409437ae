/**
 * The learned ranker's weights (a versioned asset written by `scripts/train-ranker.ts`) and the
 * cheap, deterministic arithmetic that applies them: a standardized linear score per candidate, a
 * softmax over a query's candidates, and an isotonic map from a citation's raw probability to a
 * calibrated confidence. Nothing here is tuned by hand; every number comes from the asset.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FILE_FEATURES, UNIT_FEATURES } from "./features.js";

export interface LinearModel {
  /** Feature names, in the order of the vectors the model expects. */
  features: string[];
  /** Standardization: x' = (x - mean) / scale. */
  mean: number[];
  scale: number[];
  weights: number[];
}

/** A monotone step function: raw values (ascending) and the calibrated value from each on. */
export interface IsotonicMap {
  x: number[];
  y: number[];
}

export interface RankerAsset {
  version: string;
  /** sha256 of the training manifest the weights came from. */
  manifestSha256: string;
  /** The command that wrote this file. */
  command: string;
  file: LinearModel;
  unit: LinearModel;
  /** From `P(file) × P(unit | file)` to `P(the citation holds gold lines)`. */
  calibration: IsotonicMap;
  /**
   * How the line budget is spent once the file model has ordered the files: "learned" (the default)
   * by the unit model's calibrated confidence (`spendBudget`), "hand" by the hand-set unit scores and
   * shares (`selectCitations`) over the learned file order, each citation still carrying the
   * calibrated confidence of the unit it was cut from. Chosen by measurement (BENCHMARKS.md, "Issue
   * 11"), written by `train-ranker.ts --citations`.
   */
  citations?: "learned" | "hand";
  /**
   * Which order the files are read and cited in: "learned" (the default) by the file model, "hand"
   * by the hand-set score, the file model then only giving each file the probability its citations'
   * confidence starts from. With `files` and `citations` both "hand" the asset changes no citation;
   * it only rates them (a confidence-only asset, `train-ranker.ts --files hand`).
   */
  files?: "learned" | "hand";
  /** Validation numbers recorded at training time. */
  validation?: Record<string, number>;
}

export function linearScore(model: LinearModel, x: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < model.weights.length; i++)
    s += (model.weights[i] ?? 0) * (((x[i] ?? 0) - (model.mean[i] ?? 0)) / (model.scale[i] || 1));
  return s;
}

/** Softmax of `scores` (stable for large values); empty in, empty out. */
export function softmax(scores: readonly number[]): number[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** Calibrated confidence of a raw probability: the step of the isotonic map it falls in. */
export function calibrate(map: IsotonicMap, raw: number): number {
  if (map.x.length === 0) return raw;
  let lo = 0;
  let hi = map.x.length - 1;
  if (raw < (map.x[0] ?? 0)) return map.y[0] ?? 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((map.x[mid] ?? 0) <= raw) lo = mid;
    else hi = mid - 1;
  }
  return Math.min(1, Math.max(0, map.y[lo] ?? 0));
}

function checkModel(name: string, model: LinearModel, expected: readonly string[]): void {
  if (
    model.features.length !== expected.length ||
    model.features.some((f, i) => f !== expected[i]) ||
    model.weights.length !== expected.length
  )
    throw new Error(`ranker asset: the ${name} model's features do not match this build's`);
}

/** Parse and check an asset (features must match the ones this build computes). */
export function parseRankerAsset(text: string): RankerAsset {
  const asset = JSON.parse(text) as RankerAsset;
  checkModel("file", asset.file, FILE_FEATURES);
  checkModel("unit", asset.unit, UNIT_FEATURES);
  if (!Array.isArray(asset.calibration?.x) || asset.calibration.x.length !== asset.calibration.y.length)
    throw new Error("ranker asset: calibration map is malformed");
  if (asset.citations !== undefined && asset.citations !== "learned" && asset.citations !== "hand")
    throw new Error(`ranker asset: unknown citation policy ${JSON.stringify(asset.citations)}`);
  if (asset.files !== undefined && asset.files !== "learned" && asset.files !== "hand")
    throw new Error(`ranker asset: unknown file order ${JSON.stringify(asset.files)}`);
  return asset;
}

/** `assets/ranker/v1.json` of the package (the same two levels up from src/embedded and dist/embedded). */
export const DEFAULT_RANKER_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "assets",
  "ranker",
  "v1.json",
);

let cached: { path: string; asset: RankerAsset | null; error?: string } | undefined;

/**
 * The shipped ranker, loaded once; null when there is none (the hand-set combination is used), or
 * null with the reason when the asset does not parse or match this build (the explorer says so).
 */
export function loadRanker(path = DEFAULT_RANKER_PATH): { asset: RankerAsset | null; error?: string } {
  if (cached?.path === path) return cached;
  try {
    // No asset is the shipped state until a learned model beats the hand-set weights (BENCHMARKS.md
    // "Issue 11"): not a warning. A present but unreadable or mismatched one is.
    if (!existsSync(path)) cached = { path, asset: null };
    else cached = { path, asset: parseRankerAsset(readFileSync(path, "utf8")) };
  } catch (error) {
    cached = { path, asset: null, error: error instanceof Error ? error.message : String(error) };
  }
  return cached;
}
