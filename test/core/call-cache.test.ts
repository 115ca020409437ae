import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CallCache, callKey } from "../../src/core/call-cache.js";

const call = (name: string, args: string | Record<string, unknown>, id = "c1") => ({ id, name, arguments: args });

describe("callKey", () => {
  it("ignores argument order and whitespace", () => {
    const a = callKey(call("Grep", '{"pattern": "foo", "path": "/ws/src", "-i": true}'));
    const b = callKey(call("Grep", '{ "-i":true,"path":"/ws/src",\n  "pattern":"foo" }'));
    const c = callKey(call("Grep", { path: "/ws/src", "-i": true, pattern: "foo" }));
    assert.equal(a, b);
    assert.equal(a, c);
  });

  it("ignores null and absent parameters, recursively sorted", () => {
    assert.equal(callKey(call("Read", '{"path": "/a", "offset": null}')), callKey(call("Read", { path: "/a" })));
    assert.equal(
      callKey(call("X", { o: { b: 1, a: [1, { d: 2, c: 3 }] } })),
      callKey(call("X", { o: { a: [1, { c: 3, d: 2 }], b: 1 } })),
    );
  });

  it("differs by tool, by value and by array order", () => {
    assert.notEqual(callKey(call("Read", { path: "/a" })), callKey(call("Glob", { path: "/a" })));
    assert.notEqual(callKey(call("Read", { path: "/a" })), callKey(call("Read", { path: "/b" })));
    assert.notEqual(
      callKey(call("Read", { path: "/a", offset: 1 })),
      callKey(call("Read", { path: "/a", offset: "1" })),
    );
    assert.notEqual(callKey(call("X", { a: [1, 2] })), callKey(call("X", { a: [2, 1] })));
  });

  it("unparseable arguments key on the raw text", () => {
    assert.equal(callKey(call("Grep", "not json")), callKey(call("Grep", "not json")));
    assert.notEqual(callKey(call("Grep", "not json")), callKey(call("Grep", "not  json")));
  });
});

describe("CallCache", () => {
  it("a new call is a miss; a repeat gets a pointer to the earlier turn", () => {
    const cache = new CallCache();
    const first = call("Read", { path: "/a" });
    assert.equal(cache.lookup(first, 1), undefined);
    cache.store(first, 1);
    const again = cache.lookup(call("Read", '{"path":"/a"}', "c2"), 3);
    assert.match(
      again ?? "",
      /^<system-reminder>This exact Read call was already made in turn 1; its result is above and has not changed\.<\/system-reminder>$/,
    );
  });

  it("a repeat within the same turn says so", () => {
    const cache = new CallCache();
    cache.store(call("Glob", { pattern: "*.py" }), 2);
    assert.match(cache.lookup(call("Glob", { pattern: "*.py" }), 2) ?? "", /earlier in this turn/);
  });

  it("the third occurrence of the same call adds the note, and later ones keep counting", () => {
    const cache = new CallCache();
    const c = call("Grep", { pattern: "x" });
    cache.store(c, 1);
    const second = cache.lookup(c, 2) ?? "";
    assert.doesNotMatch(second, /repeated/);
    const third = cache.lookup(c, 3) ?? "";
    assert.match(
      third,
      /You have now repeated it 3 times: it will not return anything new\. Try a different search or give your final answer\./,
    );
    assert.match(cache.lookup(c, 4) ?? "", /repeated it 4 times/);
  });

  it("store keeps the first turn", () => {
    const cache = new CallCache();
    const c = call("Read", { path: "/a" });
    cache.store(c, 1);
    cache.store(c, 5);
    assert.match(cache.lookup(c, 6) ?? "", /in turn 1;/);
  });
});
