/** The time slice says "due" only once its budget has passed since it last said so. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { timeSlice } from "../../src/util/yield.js";

test("a time slice is due once its budget has passed, then starts again", async () => {
  const slice = timeSlice(30);
  assert.equal(slice.due(), false, "not at once");
  await sleep(40);
  assert.equal(slice.due(), true, "after the budget");
  assert.equal(slice.due(), false, "the clock started again");
});
