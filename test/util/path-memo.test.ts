import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PathMemo, primePathMemo } from "../../src/util/path-memo.js";
import { yieldToLoop } from "../../src/util/yield.js";

describe("PathMemo", () => {
  it("computes a path's facts once, and starts over past its bound instead of growing", () => {
    const computed: string[] = [];
    const memo = new PathMemo((rel) => {
      computed.push(rel);
      return rel.length;
    }, 3);
    assert.equal(memo.get("a/b"), 3);
    assert.equal(memo.get("a/b"), 3);
    assert.deepEqual(computed, ["a/b"]);
    for (const rel of ["c", "dd", "eee"]) memo.get(rel);
    assert.ok(memo.size <= 3, `size ${memo.size}`);
    assert.equal(memo.get("dd"), 2);
  });

  it("primes in slices: a timer set before priming runs before priming ends", async () => {
    const memo = new PathMemo((rel) => rel.toUpperCase());
    const rels = Array.from({ length: 5000 }, (_, i) => `src/f${i}.py`);
    let timerRan = false;
    let timerRanDuring = false;
    setImmediate(() => (timerRan = true));
    const priming = primePathMemo(memo, rels, 100).then(() => {
      timerRanDuring = timerRan;
    });
    await priming;
    await yieldToLoop();
    assert.ok(timerRanDuring, "the event loop turned while priming");
    assert.equal(memo.size, 5000);
  });
});
