/**
 * Trains the embedded explorer's learned ranker from mined tasks and writes the versioned asset.
 *
 *   node --import tsx scripts/train-ranker.ts --train /work/data/split/train.jsonl \
 *     --validation /work/data/split/validation.jsonl --mirrors /work/.mirror \
 *     --features /work/data/features --manifest eval/manifests/ranker-training.json \
 *     --out assets/ranker/v1.json
 *
 * Two steps, the first cached: (1) collect — run the explorer with the hand-set combination on each
 * task's tree and record every candidate file's and unit's feature vector (`--features DIR`,
 * resumable); (2) fit — a listwise (softmax) linear model for files and one for units inside a
 * file, full-batch gradient descent from zero weights with L2 (deterministic: same data, same
 * weights), and an isotonic map from P(file) × P(unit | file) to P(the citation holds gold lines),
 * fitted on out-of-fold predictions (folds by repository) so no task calibrates its own model.
 * Validation repositories are only measured, never fitted.
 */
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEmbeddedExplorer, type FeatureRecord } from "../src/embedded/explorer.js";
import {
  FILE_BASE_FEATURES,
  FILE_FEATURES,
  UNIT_BASE_FEATURES,
  UNIT_FEATURES,
  withFileHandScore,
  withUnitHandScore,
} from "../src/embedded/features.js";
import {
  calibrate,
  type IsotonicMap,
  type LinearModel,
  linearScore,
  type RankerAsset,
  softmax,
} from "../src/embedded/ranker-model.js";
import { materializeTree } from "../src/eval/materialize.js";
import { findMirror, gitDirOf } from "../src/eval/mirrors.js";
import { type EvalTask, loadTasks } from "../src/eval/tasks.js";

interface Sample {
  id: string;
  repo: string;
  kind: "commit" | "doc" | "trace";
  gold: Array<{ path: string; ranges: Array<[number, number]> }>;
  record: FeatureRecord;
}

// ---------------------------------------------------------------- collect

async function collect(
  tasks: EvalTask[],
  mirrors: string,
  dir: string,
  cacheDir: string,
  keepTrees = false,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "samples.jsonl");
  const done = new Set<string>();
  if (existsSync(file))
    for (const line of readFileSync(file, "utf8").split("\n"))
      if (line.trim()) done.add((JSON.parse(line) as Sample).id);
  const explorer = (onFeatures: (r: FeatureRecord) => void) => createEmbeddedExplorer({ ranker: null, onFeatures });
  const todo = tasks.filter((t) => !done.has(t.instance_id));
  // Trees of commit tasks are used once: removed after use. Doc tasks of a repository share one tree.
  const uses = new Map<string, number>();
  for (const t of todo) uses.set(`${t.repo}@${t.base_commit}`, (uses.get(`${t.repo}@${t.base_commit}`) ?? 0) + 1);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < todo.length) {
      const task = todo[next++]!;
      const gitDir = gitDirOf(findMirror(task.repo, { mirrorsDir: mirrors }));
      if (!gitDir) throw new Error(`no mirror of ${task.repo}`);
      let tree: { root: string };
      try {
        tree = await materializeTree({ gitDir, repo: task.repo, commit: task.base_commit, cacheDir });
      } catch (error) {
        // Snapshots lack blobs of 4 MiB and more: such a tree cannot be exported, and the task is skipped.
        process.stderr.write(`collect: ${task.instance_id}: ${error instanceof Error ? error.message : error}\n`);
        appendFileSync(file, `${JSON.stringify({ id: task.instance_id, repo: task.repo, skipped: true })}\n`);
        continue;
      }
      let record: FeatureRecord | null = null;
      try {
        await explorer((r) => {
          record = r;
        })({ query: task.problem_statement, root: tree.root });
      } catch (error) {
        process.stderr.write(`collect: ${task.instance_id}: ${error instanceof Error ? error.message : error}\n`);
      }
      const key = `${task.repo}@${task.base_commit}`;
      const left = (uses.get(key) ?? 1) - 1;
      uses.set(key, left);
      if (left === 0 && !keepTrees) rmSync(tree.root, { recursive: true, force: true });
      const sample: Sample = {
        id: task.instance_id,
        repo: task.repo,
        kind: task.instance_id.includes("-doc-") ? "doc" : task.instance_id.endsWith("-trace") ? "trace" : "commit",
        gold: task.locations.map((l) => ({ path: l.path, ranges: l.edit_ranges })),
        record: record ?? { fileFeatures: FILE_BASE_FEATURES, unitFeatures: UNIT_BASE_FEATURES, files: [], units: [] },
      };
      appendFileSync(file, `${JSON.stringify(sample)}\n`);
      if (++finished % 50 === 0) process.stderr.write(`collect: ${finished}/${todo.length}\n`);
    }
  };
  await Promise.all([worker(), worker()]);
}

function loadSamples(dir: string, ids: ReadonlySet<string>): Sample[] {
  const file = join(dir, "samples.jsonl");
  const byId = new Map<string, Sample>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const s = JSON.parse(line) as Sample & { skipped?: boolean };
    if (!ids.has(s.id) || s.skipped) continue;
    // The record holds base vectors; the model's vectors add the hand score, per query and per file.
    const full = withFileHandScore(s.record.files.map((f) => f.x));
    s.record.files.forEach((f, i) => {
      f.x = full[i]!;
    });
    for (const rel of new Set(s.record.units.map((u) => u.rel))) {
      const units = s.record.units.filter((u) => u.rel === rel);
      const xs = withUnitHandScore(units.map((u) => u.x));
      units.forEach((u, i) => {
        u.x = xs[i]!;
      });
    }
    byId.set(s.id, s);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

// ---------------------------------------------------------------- fit

/** One softmax group: candidates' vectors and which of them are right. */
interface Group {
  x: number[][];
  y: boolean[];
}

function standardize(groups: readonly Group[], dims: number): { mean: number[]; scale: number[] } {
  const mean = new Array<number>(dims).fill(0);
  const sq = new Array<number>(dims).fill(0);
  let n = 0;
  for (const g of groups)
    for (const x of g.x) {
      n++;
      for (let d = 0; d < dims; d++) {
        mean[d]! += x[d] ?? 0;
        sq[d]! += (x[d] ?? 0) ** 2;
      }
    }
  for (let d = 0; d < dims; d++) {
    mean[d] = mean[d]! / Math.max(1, n);
    const v = sq[d]! / Math.max(1, n) - mean[d]! ** 2;
    sq[d] = v > 1e-12 ? Math.sqrt(v) : 1;
  }
  return { mean, scale: sq };
}

/**
 * Listwise training: maximize the log of the softmax mass on each group's right candidates, with L2.
 * Full-batch gradient descent with Adam steps from zero weights; no randomness anywhere.
 */
/**
 * Evidence that is rare in training data (quoted messages, stack frames, paths and definitions named in
 * the query, and the hand-set score that combines them): more of it must never lower a candidate's
 * score. Unconstrained, each part's log and relative feature are nearly collinear on the few tasks
 * that have it, the fit gives them opposite signs, and a query with much more of that evidence than
 * training showed (a declared `--option` matched verbatim) is pushed down instead of up.
 */
const MONOTONE = new Set([
  ...["definitions", "messages", "paths", "frames", "defNames", "exactName", "hand_score"].flatMap((p) => [
    `log_${p}`,
    `rel_${p}`,
  ]),
]);

function fitListwise(features: readonly string[], groups: readonly Group[], l2 = 1e-3, steps = 400): LinearModel {
  const dims = features.length;
  const monotone = features.map((f) => MONOTONE.has(f));
  const { mean, scale } = standardize(groups, dims);
  const xs = groups.map((g) => g.x.map((x) => x.map((v, d) => (v - mean[d]!) / scale[d]!)));
  const w = new Array<number>(dims).fill(0);
  const m = new Array<number>(dims).fill(0);
  const v = new Array<number>(dims).fill(0);
  const lr = 0.05;
  for (let t = 1; t <= steps; t++) {
    const grad = new Array<number>(dims).fill(0);
    groups.forEach((g, gi) => {
      const x = xs[gi]!;
      const s = x.map((row) => row.reduce((acc, val, d) => acc + val * w[d]!, 0));
      const p = softmax(s);
      const goldMass = p.reduce((acc, pi, i) => acc + (g.y[i] ? pi : 0), 0);
      x.forEach((row, i) => {
        const target = g.y[i] ? p[i]! / goldMass : 0;
        const diff = p[i]! - target;
        for (let d = 0; d < dims; d++) grad[d]! += diff * row[d]!;
      });
    });
    for (let d = 0; d < dims; d++) {
      const gd = grad[d]! / groups.length + l2 * w[d]!;
      m[d] = 0.9 * m[d]! + 0.1 * gd;
      v[d] = 0.999 * v[d]! + 0.001 * gd * gd;
      const mh = m[d]! / (1 - 0.9 ** t);
      const vh = v[d]! / (1 - 0.999 ** t);
      w[d] = w[d]! - (lr * mh) / (Math.sqrt(vh) + 1e-8);
      if (monotone[d] && w[d]! < 0) w[d] = 0;
    }
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return { features: [...features], mean: mean.map(round), scale: scale.map(round), weights: w.map(round) };
}

const overlaps = (a: [number, number], b: readonly [number, number]) => a[0] <= b[1] && a[1] >= b[0];

function goldRanges(sample: Sample, rel: string): Array<[number, number]> {
  return sample.gold.filter((g) => g.path === rel).flatMap((g) => g.ranges);
}

function fileGroup(sample: Sample): Group | null {
  const gold = new Set(sample.gold.map((g) => g.path));
  const y = sample.record.files.map((f) => gold.has(f.rel));
  if (!y.some(Boolean)) return null;
  return { x: sample.record.files.map((f) => f.x), y };
}

/** Units of one file grouped; right = the innermost candidate unit holding a gold line. */
function unitGroups(sample: Sample): Group[] {
  const out: Group[] = [];
  for (const g of sample.gold) {
    const units = sample.record.units.filter((u) => u.rel === g.path);
    if (units.length === 0) continue;
    const right = new Set<number>();
    for (const r of g.ranges)
      for (let line = r[0]; line <= r[1]; line++) {
        let best = -1;
        units.forEach((u, i) => {
          if (
            u.start <= line &&
            u.end >= line &&
            (best === -1 || u.end - u.start < units[best]!.end - units[best]!.start)
          )
            best = i;
        });
        if (best !== -1) right.add(best);
      }
    if (right.size === 0) continue;
    out.push({ x: units.map((u) => u.x), y: units.map((_, i) => right.has(i)) });
  }
  return out;
}

interface Scored {
  raw: number;
  hit: boolean;
}

/** Every read unit's P(file) × P(unit | file) and whether its citation window holds gold lines. */
function citationScores(sample: Sample, fileModel: LinearModel, unitModel: LinearModel): Scored[] {
  const pf = softmax(sample.record.files.map((f) => linearScore(fileModel, f.x)));
  const fileP = new Map(sample.record.files.map((f, i) => [f.rel, pf[i]!]));
  const out: Scored[] = [];
  const rels = [...new Set(sample.record.units.map((u) => u.rel))];
  for (const rel of rels) {
    const units = sample.record.units.filter((u) => u.rel === rel);
    const pu = softmax(units.map((u) => linearScore(unitModel, u.x)));
    const gold = goldRanges(sample, rel);
    units.forEach((u, i) =>
      out.push({ raw: (fileP.get(rel) ?? 0) * pu[i]!, hit: gold.some((r) => overlaps(u.window, r)) }),
    );
  }
  return out;
}

/**
 * The hand-set selection's citations (`record.cited`) with P(file) × P(unit | file) of the unit each
 * was cut from, and whether the cited lines hold gold: what a confidence-only asset (`--files hand`)
 * is calibrated on, since those are the citations the shipped explorer makes.
 */
function citedScores(sample: Sample, fileModel: LinearModel, unitModel: LinearModel): Scored[] {
  const cited = sample.record.cited ?? [];
  if (cited.length === 0) return [];
  const pf = softmax(sample.record.files.map((f) => linearScore(fileModel, f.x)));
  const fileP = new Map(sample.record.files.map((f, i) => [f.rel, pf[i]!]));
  const unitP = new Map<number, number>();
  for (const rel of new Set(cited.map((c) => c.rel))) {
    const indexes = sample.record.units.flatMap((u, i) => (u.rel === rel ? [i] : []));
    const pu = softmax(indexes.map((i) => linearScore(unitModel, sample.record.units[i]!.x)));
    indexes.forEach((i, k) => unitP.set(i, pu[k]!));
  }
  return cited.map((c) => ({
    raw: (fileP.get(c.rel) ?? 0) * (unitP.get(c.unit) ?? 0),
    hit: goldRanges(sample, c.rel).some((r) => overlaps([c.start, c.end], r)),
  }));
}

/** Pool-adjacent-violators: a non-decreasing step function from raw scores to hit rates. */
function isotonic(points: Scored[]): IsotonicMap {
  const sorted = [...points].sort((a, b) => a.raw - b.raw);
  const blocks: Array<{ x: number; sum: number; n: number }> = [];
  for (const p of sorted) {
    blocks.push({ x: p.raw, sum: p.hit ? 1 : 0, n: 1 });
    while (blocks.length > 1) {
      const b = blocks[blocks.length - 1]!;
      const a = blocks[blocks.length - 2]!;
      if (a.sum / a.n < b.sum / b.n) break;
      blocks.pop();
      a.sum += b.sum;
      a.n += b.n;
    }
  }
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  // Steps that start at the same (rounded) raw value keep the last one: lookups land there anyway.
  const x: number[] = [];
  const y: number[] = [];
  for (const b of blocks) {
    const bx = round(b.x);
    if (x.length > 0 && x[x.length - 1] === bx) y[y.length - 1] = round(b.sum / b.n);
    else {
      x.push(bx);
      y.push(round(b.sum / b.n));
    }
  }
  return { x, y };
}

function rankMetrics(samples: Sample[], score: (x: number[]) => number) {
  let at1 = 0;
  let at5 = 0;
  for (const s of samples) {
    const gold = new Set(s.gold.map((g) => g.path));
    const order = s.record.files
      .map((f, i) => ({ rel: f.rel, s: score(f.x), i }))
      .sort((a, b) => b.s - a.s || a.i - b.i);
    if (order[0] && gold.has(order[0].rel)) at1++;
    if (order.slice(0, 5).some((o) => gold.has(o.rel))) at5++;
  }
  const n = Math.max(1, samples.length);
  return { acc1: Math.round((1000 * at1) / n) / 10, acc5: Math.round((1000 * at5) / n) / 10, n: samples.length };
}

function calibrationTable(points: Scored[], map: IsotonicMap) {
  const bins = [0, 0.2, 0.4, 0.6, 0.8, 1.01];
  return bins.slice(0, -1).map((lo, i) => {
    const hi = bins[i + 1]!;
    const inBin = points.filter((p) => {
      const c = calibrate(map, p.raw);
      return c >= lo && c < hi;
    });
    const hits = inBin.filter((p) => p.hit).length;
    return {
      bin: `${lo.toFixed(1)}-${Math.min(1, hi).toFixed(1)}`,
      n: inBin.length,
      hitRate: inBin.length ? hits / inBin.length : null,
    };
  });
}

/** Mean log of the softmax mass a model puts on each group's right candidates. */
function logLikelihood(model: LinearModel, groups: readonly Group[]): number {
  let sum = 0;
  for (const g of groups) {
    const p = softmax(g.x.map((x) => linearScore(model, x)));
    sum += Math.log(
      Math.max(
        1e-12,
        p.reduce((acc, pi, i) => acc + (g.y[i] ? pi : 0), 0),
      ),
    );
  }
  return sum / Math.max(1, groups.length);
}

/** L2 strengths tried; the one with the best out-of-fold likelihood is kept. */
const L2_GRID = [1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1];

function fit(train: Sample[], validation: Sample[], calibrateOn: "units" | "cited" = "units") {
  const pointsOf = calibrateOn === "cited" ? citedScores : citationScores;
  const fileGroups = (ss: Sample[]) => ss.map(fileGroup).filter((g): g is Group => g !== null);
  const unitGroupsOf = (ss: Sample[]) => ss.flatMap(unitGroups);
  // Four folds by repository: no repository is both fitted and scored in one fold.
  const repos = [...new Set(train.map((s) => s.repo))].sort();
  const foldOf = new Map(
    repos.map((r) => [r, Number.parseInt(createHash("sha256").update(r).digest("hex").slice(0, 8), 16) % 4]),
  );
  const folds = [0, 1, 2, 3].map((k) => ({
    inFold: train.filter((s) => foldOf.get(s.repo) === k),
    rest: train.filter((s) => foldOf.get(s.repo) !== k),
  }));
  const choose = (features: readonly string[], groupsOf: (ss: Sample[]) => Group[]) => {
    const scores = L2_GRID.map(
      (l2) =>
        folds.reduce(
          (acc, f) => acc + logLikelihood(fitListwise(features, groupsOf(f.rest), l2), groupsOf(f.inFold)),
          0,
        ) / folds.length,
    );
    const best = scores.indexOf(Math.max(...scores));
    return { l2: L2_GRID[best]!, scores };
  };
  const fileL2 = choose(FILE_FEATURES, fileGroups);
  const unitL2 = choose(UNIT_FEATURES, unitGroupsOf);
  const fileModel = fitListwise(FILE_FEATURES, fileGroups(train), fileL2.l2);
  const unitModel = fitListwise(UNIT_FEATURES, unitGroupsOf(train), unitL2.l2);
  // Out-of-fold raw scores for calibration.
  const oof: Scored[] = [];
  const oofRank = { learned: { at1: 0, at5: 0 }, hand: { at1: 0, at5: 0 }, unitTop1: { learned: 0, hand: 0, n: 0 } };
  for (const f of folds) {
    const fm = fitListwise(FILE_FEATURES, fileGroups(f.rest), fileL2.l2);
    const um = fitListwise(UNIT_FEATURES, unitGroupsOf(f.rest), unitL2.l2);
    for (const s of f.inFold) oof.push(...pointsOf(s, fm, um));
    const learned = rankMetrics(f.inFold, (x) => linearScore(fm, x));
    const hand = rankMetrics(f.inFold, () => 0);
    oofRank.learned.at1 += (learned.acc1 * learned.n) / 100;
    oofRank.learned.at5 += (learned.acc5 * learned.n) / 100;
    oofRank.hand.at1 += (hand.acc1 * hand.n) / 100;
    oofRank.hand.at5 += (hand.acc5 * hand.n) / 100;
    // Inside the gold file: is the right unit first, by the unit model and by the hand-set score?
    for (const g of unitGroupsOf(f.inFold)) {
      oofRank.unitTop1.n++;
      const best = (score: (x: number[]) => number) => {
        let k = 0;
        g.x.forEach((x, i) => {
          if (score(x) > score(g.x[k]!)) k = i;
        });
        return g.y[k] ? 1 : 0;
      };
      oofRank.unitTop1.learned += best((x) => linearScore(um, x));
      oofRank.unitTop1.hand += best((x) => x[UNIT_FEATURES.indexOf("log_hand_score")] ?? 0);
    }
  }
  const calibration = isotonic(oof);
  const valPoints = validation.flatMap((s) => pointsOf(s, fileModel, unitModel));
  const report = {
    l2: { file: fileL2, unit: unitL2 },
    outOfFold: { samples: train.length, ...oofRank },
    outOfFoldCalibration: calibrationTable(oof, calibration),
    trainFileGroups: fileGroups(train).length,
    trainUnitGroups: unitGroupsOf(train).length,
    validation: {
      hand: (() => {
        let at1 = 0;
        let at5 = 0;
        for (const s of validation) {
          const gold = new Set(s.gold.map((g) => g.path));
          if (s.record.files[0] && gold.has(s.record.files[0].rel)) at1++;
          if (s.record.files.slice(0, 5).some((f) => gold.has(f.rel))) at5++;
        }
        return {
          acc1: (100 * at1) / Math.max(1, validation.length),
          acc5: (100 * at5) / Math.max(1, validation.length),
        };
      })(),
      learned: rankMetrics(validation, (x) => linearScore(fileModel, x)),
      calibration: calibrationTable(valPoints, calibration),
    },
  };
  return { fileModel, unitModel, calibration, report };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      train: { type: "string" },
      validation: { type: "string" },
      mirrors: { type: "string" },
      features: { type: "string" },
      manifest: { type: "string" },
      out: { type: "string" },
      cache: { type: "string" },
      "collect-only": { type: "boolean", default: false },
      /** Leave materialized trees in the cache (e.g. an eval cache shared with `eval --cache`). */
      "keep-trees": { type: "boolean", default: false },
      /** Fit on the samples collected so far, without collecting the rest. */
      "fit-only": { type: "boolean", default: false },
      /** How the shipped explorer spends its line budget: "learned" (unit model) or "hand" (see RankerAsset). */
      citations: { type: "string", default: "learned" },
      /**
       * The order files are read and cited in: "learned" (file model) or "hand". `--files hand` writes
       * a confidence-only asset: citations as without an asset, each rated by a confidence
       * calibrated on those very citations (out of fold).
       */
      files: { type: "string", default: "learned" },
    },
  });
  const { train: trainFile, validation: valFile, mirrors, features, manifest, out } = values;
  if (!trainFile || !valFile || !mirrors || !features || !manifest || !out)
    throw new Error("train-ranker needs --train --validation --mirrors --features --manifest --out");
  const citations = values.citations;
  if (citations !== "learned" && citations !== "hand") throw new Error("--citations is learned or hand");
  const files = values.files;
  if (files !== "learned" && files !== "hand") throw new Error("--files is learned or hand");
  if (files === "hand" && citations !== "hand") throw new Error("--files hand needs --citations hand");
  const trainTasks = loadTasks(trainFile);
  const valTasks = loadTasks(valFile);
  const cacheDir = values.cache ?? join(features, "trees");
  if (!values["fit-only"])
    await collect([...trainTasks, ...valTasks], mirrors, features, cacheDir, values["keep-trees"]);
  if (values["collect-only"]) return;
  const train = loadSamples(features, new Set(trainTasks.map((t) => t.instance_id)));
  const validation = loadSamples(features, new Set(valTasks.map((t) => t.instance_id)));
  const { fileModel, unitModel, calibration, report } = fit(train, validation, files === "hand" ? "cited" : "units");
  const asset: RankerAsset = {
    version: "1",
    manifestSha256: createHash("sha256").update(readFileSync(manifest)).digest("hex"),
    command: `node --import tsx scripts/train-ranker.ts ${process.argv.slice(2).join(" ")}`,
    file: fileModel,
    unit: unitModel,
    calibration,
    citations,
    ...(files === "hand" ? { files } : {}),
    validation: {
      tasks: validation.length,
      fileAcc1Hand: Math.round(report.validation.hand.acc1 * 10) / 10,
      fileAcc5Hand: Math.round(report.validation.hand.acc5 * 10) / 10,
      fileAcc1Learned: report.validation.learned.acc1,
      fileAcc5Learned: report.validation.learned.acc5,
    },
  };
  writeFileSync(out, `${JSON.stringify(asset)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

await main();
