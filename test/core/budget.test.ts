import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ContextBudget, deriveReserve } from "../../src/core/budget.js";
import { TokenCounter } from "../../src/tokens/counter.js";

/** A counter with fixed arithmetic: estimate = 2 tokens per character, exact = 1; records exact calls. */
class SpyCounter extends TokenCounter {
  exactCalls: string[] = [];
  override estimate(text: string): number {
    return text.length * 2;
  }
  override async exact(text: string): Promise<number> {
    this.exactCalls.push(text);
    return text.length;
  }
}

const BASE = { maxCompletionTokens: 4096, perTurnTokens: 12_000 };

describe("deriveReserve", () => {
  it("an explicit reserve wins", () => {
    assert.equal(deriveReserve({ ...BASE, window: 100_000, reserve: 5000 }), 5000);
  });

  it("derives turn cap + 2 completions + 2048, at least 8192", () => {
    assert.equal(deriveReserve({ ...BASE, window: 0 }), 12_000 + 2 * 4096 + 2048);
    assert.equal(deriveReserve({ ...BASE, window: 262_144 }), 22_240);
    assert.equal(deriveReserve({ window: 0, maxCompletionTokens: 100, perTurnTokens: 0 }), 8192);
  });

  it("never exceeds 40% of a small window (the reference finalized before turn 1 on 16k)", () => {
    assert.equal(deriveReserve({ ...BASE, window: 16_384 }), Math.floor(16_384 * 0.4));
    for (let window = 1000; window <= 80_000; window += 997) {
      const reserve = deriveReserve({ ...BASE, window });
      assert.ok(reserve <= window * 0.4, `window ${window}: reserve ${reserve}`);
      assert.ok(window - reserve >= window * 0.6);
    }
  });
});

describe("ContextBudget", () => {
  it("before any response, the projection is the estimate of everything appended (+4 per message)", () => {
    const budget = new ContextBudget({ ...BASE, window: 0 }, new SpyCounter(), "0123456789");
    assert.equal(budget.estimate(), 24);
    budget.append("abc");
    assert.equal(budget.estimate(), 24 + 10);
  });

  it("after a response, the server's usage replaces the estimate and only later appends are estimated", () => {
    const budget = new ContextBudget({ ...BASE, window: 0 }, new SpyCounter(), "x".repeat(1000));
    budget.recordUsage(700, 50);
    assert.equal(budget.estimate(), 750);
    budget.append("tool output");
    assert.equal(budget.estimate(), 750 + 22 + 4);
    budget.recordUsage(900, 10);
    assert.equal(budget.estimate(), 910);
  });

  it("no window: never finalizes, whatever the size", async () => {
    const budget = new ContextBudget({ ...BASE, window: 0 }, new SpyCounter(), "");
    budget.recordUsage(10_000_000, 0);
    assert.equal(budget.limit(), Number.POSITIVE_INFINITY);
    assert.equal(await budget.mustFinalize(), false);
  });

  it("counts exactly only near the limit", async () => {
    const counter = new SpyCounter();
    const budget = new ContextBudget({ ...BASE, window: 10_000, reserve: 4000 }, counter, "");
    assert.equal(budget.limit(), 6000);
    budget.recordUsage(1000, 0);
    budget.append("a".repeat(100));
    assert.equal(await budget.projected(), 1000 + 200 + 4);
    assert.deepEqual(counter.exactCalls, [], "far from the limit: the estimate decides");

    budget.recordUsage(5500, 0);
    budget.append("b".repeat(300)); // estimate 5500 + 604 ≥ 6000; exact 5500 + 304 < 6000
    assert.equal(await budget.projected(), 5804);
    assert.deepEqual(counter.exactCalls, ["b".repeat(300)]);
    assert.equal(await budget.mustFinalize(), false, "the exact count fits, so no finalize");

    budget.append("c".repeat(300));
    assert.equal(await budget.mustFinalize(), true);
  });

  it("trips as soon as the server reports a prompt at the limit", async () => {
    const budget = new ContextBudget({ ...BASE, window: 10_000, reserve: 4000 }, new SpyCounter(), "");
    budget.recordUsage(6000, 0);
    assert.equal(await budget.mustFinalize(), true);
  });
});
