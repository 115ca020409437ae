/** ListMemo (src/util/list-memo.ts): per frozen list and key, never for a list that may change, bounded variants. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ListMemo } from "../../src/util/list-memo.js";

test("remembers per frozen list and key, recomputes for open lists, other lists and past the variant cap", async () => {
  const memo = new ListMemo<number>(2);
  let runs = 0;
  const compute = async () => ++runs;
  const list = Object.freeze(["a.py", "b.py"]);
  assert.equal(await memo.get(list, "k", compute), 1);
  assert.equal(await memo.get(list, "k", compute), 1, "same list and key: remembered");
  assert.equal(await memo.get(Object.freeze(["a.py", "b.py"]), "k", compute), 2, "an equal but new list: computed");
  const open = ["a.py"];
  assert.equal(await memo.get(open, "k", compute), 3);
  assert.equal(await memo.get(open, "k", compute), 4, "a list that is not frozen is never remembered");
  assert.equal(await memo.get(list, "other", compute), 5);
  assert.equal(await memo.get(list, "third", compute), 6, "past two variants the list starts over");
  assert.equal(await memo.get(list, "k", compute), 7);
});
