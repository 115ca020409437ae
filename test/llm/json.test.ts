import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findJsonValues, parseJsonLenient, repairJson } from "../../src/llm/json.js";

describe("parseJsonLenient", () => {
  it("parses valid JSON without marking it repaired", () => {
    assert.deepEqual(parseJsonLenient('{"a": [1, "x"]}'), { ok: true, value: { a: [1, "x"] }, repaired: false });
  });

  it("marks repaired values", () => {
    assert.deepEqual(parseJsonLenient("{'a': True,}"), { ok: true, value: { a: true }, repaired: true });
  });

  it("reports the strict parser's error when repair fails", () => {
    const result = parseJsonLenient('{"a": @@@}');
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.error.length > 0);
  });
});

describe("repairJson", () => {
  const table: Array<[string, unknown]> = [
    ['{"a": 1,}', { a: 1 }],
    ["[1, 2, ]", [1, 2]],
    ["{'a': 'b'}", { a: "b" }],
    ['{"a": "x\ty"}', { a: "x\ty" }],
    ['{"a": "\\d+"}', { a: "\\d+" }],
    ['{"a": "\\u00e9"}', { a: "é" }],
    ['{"a": "\\uZZZZ"}', { a: "\\uZZZZ" }],
    ['{"a": {"b": [1, 2', { a: { b: [1, 2] } }],
    ['{"a": {"b": 1]}', { a: { b: 1 } }],
    ['{"a": "unterminated', { a: "unterminated" }],
    ['{"a":', { a: null }],
    ["{a: None, b: False}", { a: null, b: false }],
  ];
  for (const [input, expected] of table) {
    it(`repairs ${JSON.stringify(input)}`, () => {
      assert.deepEqual(JSON.parse(repairJson(input)), expected);
    });
  }

  it("does not touch Python-looking words inside strings", () => {
    assert.deepEqual(JSON.parse(repairJson("{'a': 'True or None',}")), { a: "True or None" });
  });
});

describe("findJsonValues", () => {
  it("finds top-level objects and arrays, ignoring braces in strings", () => {
    const text = 'x {"a": "}"} y [1, {"b": 2}] z';
    assert.deepEqual(
      findJsonValues(text).map((s) => text.slice(s.start, s.end)),
      ['{"a": "}"}', '[1, {"b": 2}]'],
    );
  });

  it("extends an unterminated last value to the end", () => {
    const text = '{"a": {"b": 1}';
    assert.deepEqual(findJsonValues(text), [{ start: 0, end: text.length }]);
  });
});
