/**
 * Feature vectors of the learned ranker: what the embedded explorer knows about a candidate file
 * after its first turn, and about a code unit inside a file it read. The same functions feed
 * training (`scripts/train-ranker.ts`) and inference, so the two cannot drift apart. Pure: evidence
 * in, numbers out. The names are written into the model asset and checked when it loads.
 */
import { languageForPath } from "../analysis/languages.js";
import { type FileRole, OFF_LANGUAGE_FACTOR, queryInterests, roleWeight } from "./file-kinds.js";
import type { RankedFile } from "./rank-files.js";
import { HAND_UNIT_WEIGHTS, type UnitCandidate } from "./rank-units.js";

const ROLES: readonly FileRole[] = [
  "source",
  "test",
  "doc",
  "changelog",
  "example",
  "vendored",
  "generated",
  "config",
  "data",
  "other",
];

const PART_NAMES = ["lexical", "definitions", "messages", "paths", "frames", "pathWords", "defNames"] as const;

/** What the explorer records per candidate file (`FeatureRecord`); the model sees these plus the hand score. */
export const FILE_BASE_FEATURES: readonly string[] = [
  ...PART_NAMES.map((p) => `log_${p}`),
  ...PART_NAMES.map((p) => `rel_${p}`),
  "log_proximity",
  ...ROLES.map((r) => `role_${r}`),
  "test_asked",
  "doc_asked",
  "example_asked",
  "off_language",
  "matched_weight_share",
  "log_matched_terms",
  "log_size",
  "path_depth",
  "analyzed_language",
];

/**
 * The hand-set combination of the same evidence, as two more features (its log and its share of the
 * query's best): evidence the training data rarely shows (quoted messages, stack frames) still counts
 * through it, and the model learns how far to trust it.
 */
const HAND_FEATURES = ["log_hand_score", "rel_hand_score"] as const;

export const FILE_FEATURES: readonly string[] = [...FILE_BASE_FEATURES, ...HAND_FEATURES];

export interface FileFeatureContext {
  interests: ReturnType<typeof queryInterests>;
  /** The most any candidate has of each part (for the relative features). */
  maxParts: Record<(typeof PART_NAMES)[number], number>;
  /** Sum of the weights of the terms counted across the repository. */
  totalTermWeight: number;
  sizeOf: (rel: string) => number;
}

export function fileFeatureContext(
  query: string,
  ranked: readonly RankedFile[],
  totalTermWeight: number,
  sizeOf: (rel: string) => number,
): FileFeatureContext {
  const maxParts = Object.fromEntries(PART_NAMES.map((p) => [p, 0])) as FileFeatureContext["maxParts"];
  for (const f of ranked) for (const p of PART_NAMES) maxParts[p] = Math.max(maxParts[p], f.parts[p]);
  return { interests: queryInterests(query), maxParts, totalTermWeight, sizeOf };
}

/** Base features of one candidate file, in `FILE_BASE_FEATURES` order. */
export function fileFeatures(f: RankedFile, ctx: FileFeatureContext): number[] {
  const out: number[] = [];
  for (const p of PART_NAMES) out.push(Math.log1p(f.parts[p]));
  for (const p of PART_NAMES) out.push(ctx.maxParts[p] > 0 ? f.parts[p] / ctx.maxParts[p] : 0);
  out.push(Math.log1p(f.proximity));
  for (const r of ROLES) out.push(f.role === r ? 1 : 0);
  out.push(f.role === "test" && ctx.interests.tests ? 1 : 0);
  out.push((f.role === "doc" || f.role === "changelog") && ctx.interests.docs ? 1 : 0);
  out.push(f.role === "example" && ctx.interests.examples ? 1 : 0);
  out.push(f.languageFactor < 1 ? 1 : 0);
  const matchedWeight = new Set(f.matched.map((m) => m.term));
  let w = 0;
  for (const t of matchedWeight) w += t.weight;
  out.push(ctx.totalTermWeight > 0 ? w / ctx.totalTermWeight : 0);
  out.push(Math.log1p(matchedWeight.size));
  out.push(Math.log1p(ctx.sizeOf(f.rel)) / 10);
  out.push(Math.min(8, f.rel.split("/").length - 1) / 4);
  out.push(languageForPath(f.rel) ? 1 : 0);
  return out;
}

const UNIT_PART_NAMES = ["lexical", "exactName", "nameParts", "messages", "concepts", "frames"] as const;

export const UNIT_BASE_FEATURES: readonly string[] = [
  ...UNIT_PART_NAMES.map((p) => `log_${p}`),
  ...UNIT_PART_NAMES.map((p) => `rel_${p}`),
  "log_distinct_terms",
  "log_lines",
  "log_hit_lines",
  "kind_callable",
  "kind_type",
  "kind_region",
  "kind_other",
  "large_type",
];

export const UNIT_FEATURES: readonly string[] = [...UNIT_BASE_FEATURES, ...HAND_FEATURES];

const fileIndex = (name: string) => FILE_BASE_FEATURES.indexOf(name);
const unitIndex = (name: string) => UNIT_BASE_FEATURES.indexOf(name);

/** The hand-set file score, recomputed from a base vector (so training and inference agree exactly). */
function handFileScore(x: readonly number[]): number {
  let evidence = 0;
  for (const p of PART_NAMES) evidence += Math.expm1(x[fileIndex(`log_${p}`)] ?? 0);
  const role = ROLES.find((r) => (x[fileIndex(`role_${r}`)] ?? 0) === 1) ?? "other";
  const interests = {
    tests: (x[fileIndex("test_asked")] ?? 0) === 1,
    docs: (x[fileIndex("doc_asked")] ?? 0) === 1,
    examples: (x[fileIndex("example_asked")] ?? 0) === 1,
  };
  const language = (x[fileIndex("off_language")] ?? 0) === 1 ? OFF_LANGUAGE_FACTOR : 1;
  return evidence * roleWeight(role, interests) * language;
}

/** The hand-set unit score, recomputed from a base vector. */
function handUnitScore(x: readonly number[]): number {
  let s = 0;
  for (const p of UNIT_PART_NAMES) s += HAND_UNIT_WEIGHTS[p] * Math.expm1(x[unitIndex(`log_${p}`)] ?? 0);
  return (x[unitIndex("large_type")] ?? 0) === 1 ? s * HAND_UNIT_WEIGHTS.largeType : s;
}

function appendHand(base: readonly number[][], hand: (x: readonly number[]) => number): number[][] {
  const scores = base.map(hand);
  const max = Math.max(0, ...scores);
  return base.map((x, i) => [...x, Math.log1p(scores[i]!), max > 0 ? scores[i]! / max : 0]);
}

/** Full file vectors (`FILE_FEATURES`) of one query's candidates from their base vectors. */
export function withFileHandScore(base: readonly number[][]): number[][] {
  return appendHand(base, handFileScore);
}

/** Full unit vectors (`UNIT_FEATURES`) of one file's units from their base vectors. */
export function withUnitHandScore(base: readonly number[][]): number[][] {
  return appendHand(base, handUnitScore);
}

const CALLABLE = new Set(["function", "method", "macro"]);
const TYPE_KINDS = new Set(["class", "struct", "interface", "enum", "trait", "impl", "module", "type"]);

/** Base features of the units of one file, in `UNIT_BASE_FEATURES` order (relative parts are within the file). */
export function unitFeatures(units: readonly UnitCandidate[]): number[][] {
  const max = Object.fromEntries(UNIT_PART_NAMES.map((p) => [p, 0])) as Record<
    (typeof UNIT_PART_NAMES)[number],
    number
  >;
  for (const u of units) for (const p of UNIT_PART_NAMES) max[p] = Math.max(max[p], u.parts[p]);
  return units.map((u) => {
    const lines = u.end - u.start + 1;
    const out: number[] = [];
    for (const p of UNIT_PART_NAMES) out.push(Math.log1p(u.parts[p]));
    for (const p of UNIT_PART_NAMES) out.push(max[p] > 0 ? u.parts[p] / max[p] : 0);
    out.push(Math.log1p(u.parts.distinctTerms));
    out.push(Math.log1p(lines) / 5);
    out.push(Math.log1p(u.hits.size));
    const callable = CALLABLE.has(u.kind) ? 1 : 0;
    const type = TYPE_KINDS.has(u.kind) ? 1 : 0;
    const region = u.kind === "region" ? 1 : 0;
    out.push(callable, type, region, 1 - callable - type - region);
    out.push(type && lines > 80 ? 1 : 0);
    return out;
  });
}
