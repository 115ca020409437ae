import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cleanPathInput,
  closestPaths,
  editDistance,
  isWithin,
  normalizeRelative,
  relativeTo,
} from "../../src/workspace/paths.js";

describe("cleanPathInput", () => {
  it("removes the decorations models add and keeps the range", () => {
    assert.deepEqual(cleanPathInput(" `src/a.py` "), { path: "src/a.py", absolute: false });
    assert.deepEqual(cleanPathInput('"/r/src/a.py:12-40"'), {
      path: "/r/src/a.py",
      absolute: true,
      range: { start: 12, end: 40 },
    });
    assert.deepEqual(cleanPathInput("a.py:7"), { path: "a.py", absolute: false, range: { start: 7, end: 7 } });
    assert.deepEqual(cleanPathInput("a.py:7:3"), { path: "a.py", absolute: false, range: { start: 7, end: 7 } });
    assert.deepEqual(cleanPathInput("a.py:10 – 12"), { path: "a.py", absolute: false, range: { start: 10, end: 12 } });
    assert.deepEqual(cleanPathInput("a.py#L3-L9"), { path: "a.py", absolute: false, range: { start: 3, end: 9 } });
    assert.deepEqual(cleanPathInput("file:///r/a.py"), { path: "/r/a.py", absolute: true });
    assert.deepEqual(cleanPathInput("src\\\\pkg\\\\a.py"), { path: "src/pkg/a.py", absolute: false });
    assert.deepEqual(cleanPathInput("C:\\work\\a.py"), { path: "/work/a.py", absolute: true });
    assert.deepEqual(cleanPathInput("\\\\server\\share\\x"), { path: "/server/share/x", absolute: true });
    assert.deepEqual(cleanPathInput("src//a/"), { path: "src/a", absolute: false });
    assert.deepEqual(cleanPathInput(":12"), { path: ":12", absolute: false });
  });
});

describe("normalizeRelative / isWithin / relativeTo", () => {
  it("normalizes and refuses to climb", () => {
    assert.equal(normalizeRelative(""), "");
    assert.equal(normalizeRelative("./a/./b/"), "a/b");
    assert.equal(normalizeRelative("a/../b"), "b");
    assert.equal(normalizeRelative("a/.."), "");
    assert.equal(normalizeRelative(".."), null);
    assert.equal(normalizeRelative("a/../../b"), null);
  });
  it("compares on path boundaries", () => {
    assert.ok(isWithin("/r", "/r") && isWithin("/r", "/r/a") && isWithin("/", "/x"));
    assert.ok(!isWithin("/r", "/rr") && !isWithin("/r", "/") && !isWithin("/r/a", "/r"));
    assert.equal(relativeTo("/r", "/r"), "");
    assert.equal(relativeTo("/r", "/r/a/b"), "a/b");
  });
});

describe("closestPaths / editDistance", () => {
  it("ranks same basename first, then near basenames, and bounds the distance", () => {
    assert.equal(editDistance("kitten", "sitting"), 3);
    assert.equal(editDistance("a", "abcdef", 2), 3);
    const pool = ["src/utils/helper.ts", "lib/helper.ts", "src/utils/helpers.ts", "src/other.ts"];
    assert.deepEqual(closestPaths("src/utils/helper.ts", pool, 3), [
      "src/utils/helper.ts",
      "lib/helper.ts",
      "src/utils/helpers.ts",
    ]);
    assert.deepEqual(closestPaths("src/utils/hepler.ts", pool, 3), [
      "src/utils/helper.ts",
      "lib/helper.ts",
      "src/utils/helpers.ts",
    ]);
    assert.deepEqual(closestPaths("zzz/qqqqqq.rs", pool), []);
    assert.deepEqual(closestPaths("", pool), []);
  });
});
