/**
 * A confidence-only ranker asset (`files: "hand"`, `citations: "hand"`) must not move a single
 * citation: the explorer reads and cites exactly what it cites without an asset, and only adds each
 * citation's calibrated confidence. The same weights with `files: "learned"` do reorder the files,
 * so the test would notice the order knob being ignored.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { createEmbeddedExplorer } from "../../src/embedded/explorer.js";
import { FILE_FEATURES, UNIT_FEATURES } from "../../src/embedded/features.js";
import type { LinearModel, RankerAsset } from "../../src/embedded/ranker-model.js";
import { FIXTURE_REPOS } from "./ranking-fixture-repos.js";

/** A model that scores only by one feature, with the given sign (zero elsewhere). */
function oneFeature(names: readonly string[], feature: string, weight: number): LinearModel {
  const at = names.indexOf(feature);
  assert.ok(at >= 0, `no feature ${feature}`);
  return {
    features: [...names],
    mean: names.map(() => 0),
    scale: names.map(() => 1),
    weights: names.map((_, i) => (i === at ? weight : 0)),
  };
}

/** The hand score turned upside down: the learned order is the hand order reversed. */
function reversingAsset(files: "hand" | "learned"): RankerAsset {
  return {
    version: "test",
    manifestSha256: "test",
    command: "test",
    file: oneFeature(FILE_FEATURES, "log_hand_score", -1),
    unit: oneFeature(UNIT_FEATURES, "log_hand_score", 1),
    // Raw P(file) x P(unit | file) below 0.01 rates 0.1, above it 0.9.
    calibration: { x: [0, 0.01], y: [0.1, 0.9] },
    citations: "hand",
    files,
  };
}

describe("a confidence-only ranker asset", () => {
  let root: string;
  const repo = FIXTURE_REPOS[0]!;
  before(() => {
    root = mkdtempSync(join(tmpdir(), "fc-confidence-only-"));
    for (const [rel, text] of Object.entries(repo.files)) {
      mkdirSync(dirname(join(root, rel)), { recursive: true });
      writeFileSync(join(root, rel), text);
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const q of repo.questions) {
    it(`cites what the hand-set explorer cites, each rated: "${q.query}"`, async () => {
      const plain = await createEmbeddedExplorer({ ranker: null })({ query: q.query, root });
      const rated = await createEmbeddedExplorer({ ranker: reversingAsset("hand") })({ query: q.query, root });
      const span = (c: { path: string; start: number; end: number }) => `${c.path}:${c.start}-${c.end}`;
      assert.ok(plain.citations.length > 0);
      assert.deepEqual(rated.citations.map(span), plain.citations.map(span));
      for (const c of plain.citations) assert.equal(c.confidence ?? null, null);
      for (const c of rated.citations)
        assert.ok(c.confidence === 0.1 || c.confidence === 0.9, `${span(c)}: confidence ${c.confidence}`);
      assert.deepEqual(rated.warnings, plain.warnings);
    });
  }

  it("reorders the files when the same weights choose the order", async () => {
    const q = repo.questions[0]!;
    const hand = await createEmbeddedExplorer({ ranker: reversingAsset("hand") })({ query: q.query, root });
    const learned = await createEmbeddedExplorer({ ranker: reversingAsset("learned") })({ query: q.query, root });
    assert.equal(hand.citations[0]?.path, q.path);
    assert.notEqual(learned.citations[0]?.path, q.path);
  });
});
