import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bootstrapMean, pairedBootstrap, quantile, seededRandom } from "../../src/eval/bootstrap.js";

describe("bootstrap", () => {
  const values = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1];

  it("is deterministic for a seed and changes with the seed", () => {
    const a = bootstrapMean(values, { seed: 7, resamples: 1000 });
    const b = bootstrapMean(values, { seed: 7, resamples: 1000 });
    assert.deepEqual(a, b);
    const c = bootstrapMean(values, { seed: 8, resamples: 1000 });
    assert.equal(c.mean, a.mean);
    assert.notDeepEqual([c.lo, c.hi], [a.lo, a.hi]);
  });

  it("brackets the mean with a plausible width for n=20 around 55%", () => {
    const i = bootstrapMean(values, { resamples: 2000 });
    assert.equal(i.mean, 0.55);
    assert.ok(i.lo < i.mean && i.mean < i.hi);
    // Normal approximation: ±1.96·sqrt(.55·.45/20) ≈ ±0.22.
    assert.ok(i.hi - i.lo > 0.3 && i.hi - i.lo < 0.55, `width ${i.hi - i.lo}`);
  });

  it("gives a zero-width interval for constant values and {0,0,0} for none", () => {
    assert.deepEqual(bootstrapMean([1, 1, 1]), { mean: 1, lo: 1, hi: 1 });
    assert.deepEqual(bootstrapMean([]), { mean: 0, lo: 0, hi: 0 });
  });

  it("pairs differences: identical runs give exactly zero", () => {
    assert.deepEqual(pairedBootstrap(values, values), { mean: 0, lo: 0, hi: 0 });
    const better = pairedBootstrap(
      values.map(() => 0),
      values.map(() => 1),
    );
    assert.deepEqual(better, { mean: 1, lo: 1, hi: 1 });
    assert.throws(() => pairedBootstrap([1], [1, 2]), /differ in length/);
  });

  it("seededRandom stays in [0, 1) and quantile interpolates", () => {
    const r = seededRandom(123);
    for (let i = 0; i < 1000; i++) {
      const x = r();
      assert.ok(x >= 0 && x < 1);
    }
    assert.equal(quantile([3, 1, 2, 4], 0.5), 2.5);
    assert.equal(quantile([], 0.5), 0);
  });
});
