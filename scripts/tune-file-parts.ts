/**
 * Fits the multipliers of the hand-set file score's evidence parts (lexical, definitions, messages,
 * paths, frames, path words, definition names) and of import proximity, on feature records collected
 * by `scripts/train-ranker.ts --collect-only`, by coordinate search on the metric itself: training
 * file Acc@1 over single-gold tasks, ties broken by MRR. Why not the learned linear model: with three
 * times the data it stayed level with the hand score out of fold and lost the stack-frame tasks on
 * held-out (BENCHMARKS, session 2026-12-03 11:34). This keeps the hand score's form (evidence times
 * role and language factors) and lets data set only its part weights.
 *
 * Out of fold first (folds by repository, so no repository scores its own fit), then one fit on all
 * records: the multipliers printed at the end are the ones to ship, with this command.
 *
 *   node --import tsx scripts/tune-file-parts.ts --features DIR [--features DIR …] [--folds 4]
 *
 * Approximations, stated: the first ranked file stands for the first cited one, and only the
 * records' 60 candidates are re-ranked.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FILE_BASE_FEATURES, withFileHandScore } from "../src/embedded/features.js";

const PARTS = ["lexical", "definitions", "messages", "paths", "frames", "pathWords", "defNames"] as const;
/** Roles whose factor the fit may scale (as `roleWeight` gives it: `source` is the unit). */
const ROLES = ["test", "doc", "changelog", "example", "vendored", "generated", "config", "data", "other"] as const;
const PARAMS = [...PARTS, "proximity", ...ROLES.map((r) => `role_${r}` as const), "off_language"] as const;
type Param = (typeof PARAMS)[number];
type Weights = Record<Param, number>;

/** One query: its candidates' part values, factor, proximity; the gold candidate's index or -1. */
interface Query {
  id: string;
  repo: string;
  kind: string;
  parts: number[][];
  factor: number[];
  /** The candidate's role (index into ROLES, -1 for source) and whether it is off the query's language. */
  role: number[];
  off: boolean[];
  proximity: number[];
  gold: number;
}

const col = (name: string) => {
  const i = FILE_BASE_FEATURES.indexOf(name);
  if (i < 0) throw new Error(`feature ${name} not in FILE_BASE_FEATURES`);
  return i;
};

function loadQueries(dirs: readonly string[]): Query[] {
  const byId = new Map<string, Query>();
  for (const dir of dirs)
    for (const line of readFileSync(join(dir, "samples.jsonl"), "utf8").split("\n")) {
      if (!line.trim()) continue;
      const s = JSON.parse(line) as {
        id: string;
        repo: string;
        kind: string;
        skipped?: boolean;
        gold?: Array<{ path: string }>;
        record?: { files: Array<{ rel: string; x: number[] }> };
      };
      if (s.skipped || !s.record || !s.gold || s.gold.length !== 1 || s.record.files.length === 0) continue;
      const xs = s.record.files.map((f) => f.x);
      const full = withFileHandScore(xs);
      const parts = xs.map((x) => PARTS.map((p) => Math.expm1(x[col(`log_${p}`)] ?? 0)));
      const factor = xs.map((_, i) => {
        const evidence = parts[i]!.reduce((a, b) => a + b, 0);
        const handScore = Math.expm1(full[i]![FILE_BASE_FEATURES.length] ?? 0);
        return evidence > 0 ? handScore / evidence : 0;
      });
      const proximity = xs.map((x) => Math.expm1(x[col("log_proximity")] ?? 0));
      const role = xs.map((x) => ROLES.findIndex((r) => (x[col(`role_${r}`)] ?? 0) === 1));
      const off = xs.map((x) => (x[col("off_language")] ?? 0) === 1);
      const goldPath = s.gold[0]!.path;
      byId.set(s.id, {
        id: s.id,
        repo: s.repo,
        kind: s.kind,
        parts,
        factor,
        role,
        off,
        proximity,
        gold: s.record.files.findIndex((f) => f.rel === goldPath),
      });
    }
  return [...byId.values()];
}

/** PROXIMITY_WEIGHT of `import-proximity.ts` and the parts' current unit weight. */
const CURRENT: Weights = {
  lexical: 1,
  definitions: 1,
  messages: 1,
  paths: 1,
  frames: 1,
  pathWords: 1,
  defNames: 1,
  proximity: 0.2,
  ...(Object.fromEntries(ROLES.map((r) => [`role_${r}`, 1])) as Record<`role_${(typeof ROLES)[number]}`, number>),
  off_language: 1,
};

/** Rank of the gold candidate (1-based) under `w`, or 0 when it is not a candidate. */
function goldRank(q: Query, w: Weights): number {
  if (q.gold < 0) return 0;
  const base = q.parts.map((p, i) => {
    const role = q.role[i]!;
    const factor = q.factor[i]! * (role >= 0 ? w[`role_${ROLES[role]!}`] : 1) * (q.off[i] ? w.off_language : 1);
    return PARTS.reduce((s, name, k) => s + w[name] * p[k]!, 0) * factor;
  });
  const top = Math.max(0, ...base);
  const score = base.map((b, i) => b + w.proximity * top * q.proximity[i]!);
  const g = score[q.gold]!;
  // Ties go against the gold file: a fit must not win by ties.
  let rank = 1;
  for (let i = 0; i < score.length; i++) if (i !== q.gold && score[i]! >= g) rank++;
  return rank;
}

interface Metric {
  acc1: number;
  acc5: number;
  mrr: number;
}

function measure(queries: readonly Query[], w: Weights): Metric {
  let acc1 = 0;
  let acc5 = 0;
  let mrr = 0;
  for (const q of queries) {
    const r = goldRank(q, w);
    if (r === 1) acc1++;
    if (r > 0 && r <= 5) acc5++;
    if (r > 0) mrr += 1 / r;
  }
  return { acc1, acc5, mrr };
}

const better = (a: Metric, b: Metric) => a.acc1 > b.acc1 || (a.acc1 === b.acc1 && a.mrr > b.mrr + 1e-9);

/** Coordinate search from the current weights over multiplicative steps; deterministic. */
function fit(queries: readonly Query[], params: readonly Param[] = PARAMS): Weights {
  let w = { ...CURRENT };
  let best = measure(queries, w);
  const steps = [0.5, 0.7, 0.85, 1.2, 1.4, 2];
  for (let round = 0; round < 6; round++) {
    let changed = false;
    for (const p of params)
      for (const s of steps) {
        const trial = { ...w, [p]: w[p] * s };
        const m = measure(queries, trial);
        if (better(m, best)) {
          best = m;
          w = trial;
          changed = true;
        }
      }
    if (!changed) break;
  }
  return w;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      features: { type: "string", multiple: true },
      folds: { type: "string", default: "4" },
      /** Fit only these (comma-separated), the others stay as they are. */
      params: { type: "string" },
    },
  });
  const params = values.params
    ? values.params.split(",").map((p) => {
        if (!(PARAMS as readonly string[]).includes(p)) throw new Error(`unknown parameter ${p}`);
        return p as Param;
      })
    : PARAMS;
  const dirs = values.features ?? [];
  if (dirs.length === 0) throw new Error("tune-file-parts needs --features DIR");
  const queries = loadQueries(dirs);
  const repos = [...new Set(queries.map((q) => q.repo))].sort();
  const folds = Number(values.folds);
  const pct = (n: number, of: number) => `${((100 * n) / Math.max(1, of)).toFixed(1)}%`;
  process.stdout.write(`${queries.length} single-gold queries from ${repos.length} repositories\n`);
  let oofHand = 0;
  let oofFit = 0;
  let oofHand5 = 0;
  let oofFit5 = 0;
  const byKind = new Map<string, { n: number; hand: number; fit: number }>();
  for (let k = 0; k < folds; k++) {
    const held = new Set(repos.filter((_, i) => i % folds === k));
    const train = queries.filter((q) => !held.has(q.repo));
    const test = queries.filter((q) => held.has(q.repo));
    const w = fit(train, params);
    const hand = measure(test, CURRENT);
    const fitted = measure(test, w);
    oofHand += hand.acc1;
    oofFit += fitted.acc1;
    oofHand5 += hand.acc5;
    oofFit5 += fitted.acc5;
    for (const q of test) {
      const e = byKind.get(q.kind) ?? { n: 0, hand: 0, fit: 0 };
      e.n++;
      if (goldRank(q, CURRENT) === 1) e.hand++;
      if (goldRank(q, w) === 1) e.fit++;
      byKind.set(q.kind, e);
    }
    process.stdout.write(
      `fold ${k + 1}: ${test.length} queries, Acc@1 current ${pct(hand.acc1, test.length)} -> fitted ${pct(fitted.acc1, test.length)}; ${JSON.stringify(w)}\n`,
    );
  }
  process.stdout.write(
    `out of fold: Acc@1 current ${pct(oofHand, queries.length)} -> fitted ${pct(oofFit, queries.length)}, Acc@5 ${pct(oofHand5, queries.length)} -> ${pct(oofFit5, queries.length)}\n`,
  );
  for (const [kind, e] of byKind)
    process.stdout.write(`  ${kind}: ${e.n} queries, ${pct(e.hand, e.n)} -> ${pct(e.fit, e.n)}\n`);
  const all = fit(queries, params);
  const m0 = measure(queries, CURRENT);
  const m1 = measure(queries, all);
  process.stdout.write(
    `all: Acc@1 current ${pct(m0.acc1, queries.length)} -> fitted ${pct(m1.acc1, queries.length)}, Acc@5 ${pct(m0.acc5, queries.length)} -> ${pct(m1.acc5, queries.length)}\n${JSON.stringify(all)}\n`,
  );
}

main();
