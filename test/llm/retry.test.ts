import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LlmError } from "../../src/llm/errors.js";
import { backoffDelay, parseRetryAfter, sleep } from "../../src/llm/retry.js";

const policy = { baseMs: 100, maxMs: 1000, retryAfterMaxMs: 5000 };

describe("backoffDelay", () => {
  it("doubles per attempt with equal jitter between half and the full delay", () => {
    assert.equal(
      backoffDelay(1, policy, undefined, () => 0),
      50,
    );
    assert.equal(
      backoffDelay(1, policy, undefined, () => 1),
      100,
    );
    assert.equal(
      backoffDelay(3, policy, undefined, () => 1),
      400,
    );
    assert.equal(
      backoffDelay(3, policy, undefined, () => 0),
      200,
    );
  });

  it("caps the exponential delay at maxMs", () => {
    assert.equal(
      backoffDelay(20, policy, undefined, () => 1),
      1000,
    );
  });

  it("uses Retry-After instead, capped at retryAfterMaxMs", () => {
    assert.equal(
      backoffDelay(1, policy, 2500, () => 0),
      2500,
    );
    assert.equal(
      backoffDelay(1, policy, 0, () => 1),
      0,
    );
    assert.equal(
      backoffDelay(1, policy, 90_000, () => 0),
      5000,
    );
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");
  it("reads seconds, fractional seconds, retry-after-ms and HTTP dates", () => {
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "3" }), now), 3000);
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "0.25" }), now), 250);
    assert.equal(parseRetryAfter(new Headers({ "retry-after-ms": "1500", "retry-after": "9" }), now), 1500);
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:07 GMT" }), now), 7000);
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "Tue, 31 Dec 2024 23:00:00 GMT" }), now), 0);
  });

  it("returns undefined when absent or unreadable", () => {
    assert.equal(parseRetryAfter(new Headers(), now), undefined);
    assert.equal(parseRetryAfter(new Headers({ "retry-after": "soon" }), now), undefined);
  });
});

describe("sleep", () => {
  it("resolves after the delay", async () => {
    const start = performance.now();
    await sleep(30);
    assert.ok(performance.now() - start >= 25);
  });

  it("rejects promptly with an aborted LlmError", async () => {
    const controller = new AbortController();
    const start = performance.now();
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(
      sleep(10_000, controller.signal),
      (error: unknown) => error instanceof LlmError && error.kind === "aborted" && error.name === "AbortError",
    );
    assert.ok(performance.now() - start < 1000);
    await assert.rejects(
      sleep(10, controller.signal),
      (error: unknown) => error instanceof LlmError && error.kind === "aborted",
    );
  });
});
