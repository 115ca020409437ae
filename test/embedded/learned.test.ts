import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FILE_FEATURES,
  UNIT_BASE_FEATURES,
  UNIT_FEATURES,
  unitFeatures,
  withUnitHandScore,
} from "../../src/embedded/features.js";
import { type ScoredUnit, spendBudget, withUnitConfidence } from "../../src/embedded/learned.js";
import { buildMatchers, rankUnits, type UnitCandidate } from "../../src/embedded/rank-units.js";
import { calibrate, linearScore, parseRankerAsset, softmax } from "../../src/embedded/ranker-model.js";

function unit(name: string, start: number, end: number, lexical = 1): UnitCandidate {
  return {
    name,
    kind: "function",
    start,
    end,
    headerEnd: start,
    score: lexical,
    hits: new Map([[start, 1]]),
    parts: { lexical, exactName: 0, nameParts: 0, messages: 0, concepts: 0, frames: 0, distinctTerms: 1 },
  };
}

function scored(rel: string, u: UnitCandidate, confidence: number): ScoredUnit {
  return { rel, unit: u, features: [], unitProbability: 1, fileProbability: 1, confidence };
}

describe("learned ranker arithmetic", () => {
  it("scores standardized features linearly and normalizes with a stable softmax", () => {
    const model = { features: ["a", "b"], mean: [1, 0], scale: [2, 1], weights: [2, -1] };
    assert.equal(linearScore(model, [3, 1]), 2 * ((3 - 1) / 2) - 1);
    const p = softmax([1000, 1000, 999]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(p[0]! === p[1]! && p[0]! > p[2]!);
    assert.deepEqual(softmax([]), []);
  });

  it("maps raw probabilities through the isotonic steps, clamped to [0, 1]", () => {
    const map = { x: [0, 0.1, 0.5], y: [0.05, 0.3, 0.9] };
    assert.equal(calibrate(map, -1), 0.05);
    assert.equal(calibrate(map, 0.05), 0.05);
    assert.equal(calibrate(map, 0.1), 0.3);
    assert.equal(calibrate(map, 0.49), 0.3);
    assert.equal(calibrate(map, 0.99), 0.9);
  });

  it("refuses an asset whose features differ from this build's", () => {
    const model = (names: readonly string[]) => ({
      features: [...names],
      mean: names.map(() => 0),
      scale: names.map(() => 1),
      weights: names.map(() => 0),
    });
    const good = {
      version: "1",
      manifestSha256: "x",
      command: "c",
      file: model(FILE_FEATURES),
      unit: model(UNIT_FEATURES),
      calibration: { x: [0], y: [0.5] },
    };
    assert.equal(parseRankerAsset(JSON.stringify(good)).version, "1");
    const bad = { ...good, unit: model(UNIT_FEATURES.slice(1)) };
    assert.throws(() => parseRankerAsset(JSON.stringify(bad)), /unit model's features/);
    assert.equal(parseRankerAsset(JSON.stringify({ ...good, citations: "hand" })).citations, "hand");
    assert.throws(() => parseRankerAsset(JSON.stringify({ ...good, citations: "best" })), /citation policy/);
  });

  it("gives hand-selected citations the confidence of the unit each was cut from", () => {
    const a = unit("a", 1, 10);
    const b = unit("b", 12, 20);
    const loose = unit("c", 30, 40);
    const out = withUnitConfidence(
      [
        { path: "x.py", start: 1, end: 10, reason: "function a", unit: a },
        { path: "x.py", start: 14, end: 18, reason: "function b", unit: b },
        { path: "y.py", start: 30, end: 40, reason: "function c", unit: loose },
      ],
      [{ units: [scored("x.py", b, 0.7), scored("x.py", a, 0.2)] }],
    );
    assert.deepEqual(
      out.map((c) => [c.path, c.start, c.confidence]),
      [
        ["x.py", 1, 0.2],
        ["x.py", 14, 0.7],
        ["y.py", 30, undefined],
      ],
    );
    assert.ok(out.every((c) => !("unit" in c)));
  });

  it("computes one feature vector per unit, relative parts within the file", () => {
    const xs = unitFeatures([unit("a", 1, 10, 4), unit("b", 12, 20, 2)]);
    assert.equal(xs.length, 2);
    assert.equal(xs[0]!.length, UNIT_BASE_FEATURES.length);
    const rel = UNIT_BASE_FEATURES.indexOf("rel_lexical");
    assert.equal(xs[0]![rel], 1);
    assert.equal(xs[1]![rel], 0.5);
  });

  it("recomputes the hand-set unit score from the base vector exactly as rankUnits computes it", () => {
    const lines = ["def parse_config(text):", "    # parse the config text", "    return text", "x = parse_config(1)"];
    const units = [
      {
        kind: "function" as const,
        name: "parse_config",
        qualifiedName: "parse_config",
        start: 1,
        end: 3,
        headerEnd: 1,
        depth: 0,
      },
    ];
    const term = { text: "parse_config", kind: "identifier", weight: 1, variants: [] } as unknown as Parameters<
      typeof buildMatchers
    >[0][number]["term"];
    const ranked = rankUnits(lines, units, buildMatchers([{ term, idf: 2, purpose: "identifier" }]), {
      messageLines: [],
      frameLines: [],
      definitions: [],
    });
    assert.ok(ranked.length >= 1);
    const full = withUnitHandScore(unitFeatures(ranked));
    const log = UNIT_FEATURES.indexOf("log_hand_score");
    ranked.forEach((u, i) => assert.ok(Math.abs(Math.expm1(full[i]![log]!) - u.score) < 1e-9, `${u.name}`));
  });
});

describe("spending the line budget by confidence", () => {
  const files = [
    { rel: "a.ts", units: [scored("a.ts", unit("a1", 1, 30), 0.9), scored("a.ts", unit("a2", 40, 70), 0.2)] },
    { rel: "b.ts", units: [scored("b.ts", unit("b1", 1, 30), 0.5), scored("b.ts", unit("b2", 40, 60), 0.6)] },
    { rel: "c.ts", units: [scored("c.ts", unit("c1", 1, 10), 0.1)] },
  ];

  it("cites every file's best unit, then the most confident others, within the budget", () => {
    const out = spendBudget(files, { budget: 90, maxFiles: 5, firstUnitLines: 60, otherUnitLines: 40 });
    const lines = out.reduce((n, c) => n + c.end - c.start + 1, 0);
    assert.ok(lines <= 90, `${lines} lines`);
    assert.deepEqual(
      out.map((c) => c.reason),
      ["function a1", "function b2", "function b1", "function c1"].filter((r) => out.some((c) => c.reason === r)),
    );
    assert.deepEqual([...new Set(out.map((c) => c.path))], ["a.ts", "b.ts", "c.ts"], "file order kept");
    assert.ok(!out.some((c) => c.reason === "function a2"), "the least confident unit gets no lines");
  });

  it("never cites overlapping windows of one file and never exceeds maxFiles", () => {
    const out = spendBudget(files, { budget: 500, maxFiles: 2, firstUnitLines: 60, otherUnitLines: 40 });
    assert.ok(out.every((c) => c.path !== "c.ts"));
    for (const a of out)
      for (const b of out) if (a !== b && a.path === b.path) assert.ok(a.end < b.start || b.end < a.start, "overlap");
  });
});
