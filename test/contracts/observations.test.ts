import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ObservationLedger } from "../../src/contracts/observations.js";

describe("ObservationLedger", () => {
  it("merges overlapping and adjacent spans per file", () => {
    const l = new ObservationLedger();
    l.record({ path: "a.ts", start: 10, end: 20 }, "read");
    l.record({ path: "a.ts", start: 21, end: 25 }, "grep");
    l.record({ path: "a.ts", start: 1, end: 3 }, "read");
    l.record({ path: "a.ts", start: 15, end: 12 }, "read"); // reversed: ignored
    l.recordAll([{ path: "b.ts", start: 5, end: 5 }], "grep");
    assert.equal(l.size, 5);
    assert.deepEqual(l.paths(), ["a.ts", "b.ts"]);
    assert.deepEqual(l.observed("a.ts"), [
      [1, 3],
      [10, 25],
    ]);
    assert.deepEqual(l.observed("missing"), []);
  });
  it("checks coverage of a citation and says how it was seen", () => {
    const l = new ObservationLedger();
    l.record({ path: "a.ts", start: 10, end: 20 }, "read");
    l.record({ path: "a.ts", start: 30, end: 30 }, "grep");
    assert.deepEqual(l.check("a.ts", 12, 18), { full: true, covered: [[12, 18]], kind: "read" });
    assert.deepEqual(l.check("a.ts", 18, 31), {
      full: false,
      covered: [
        [18, 20],
        [30, 30],
      ],
      kind: "grep",
    });
    assert.deepEqual(l.check("a.ts", 30, 30), { full: true, covered: [[30, 30]], kind: "grep" });
    assert.deepEqual(l.check("a.ts", 40, 50), { full: false, covered: [], kind: "unverified" });
    assert.deepEqual(l.check("b.ts", 1, 1), { full: false, covered: [], kind: "unverified" });
  });
});
