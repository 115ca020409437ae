import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sortInSlices } from "../../src/util/sort-in-slices.js";

describe("sortInSlices", () => {
  it("orders as Array.prototype.sort does, stably, at any length", async () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const n of [0, 1, 2, 4095, 4096, 4097, 20_000, 70_001]) {
      const items = Array.from({ length: n }, (_, i) => ({ key: Math.floor(random() * (n / 3 + 1)), i }));
      const compare = (a: { key: number }, b: { key: number }) => a.key - b.key;
      const expected = [...items].sort(compare);
      assert.deepEqual(await sortInSlices(items, compare), expected, `n=${n}`);
    }
  });

  it("lets timers run while it sorts a large array", async () => {
    const items = Array.from({ length: 200_000 }, (_, i) => `p/${(i * 7919) % 200_000}`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const sorted = await sortInSlices(items, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    clearInterval(timer);
    assert.deepEqual(sorted, [...items].sort());
    assert.ok(ticks > 0, "the event loop turned during the sort");
  });
});
