import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import {
  argumentCost,
  argumentLimit,
  commandLineBudget,
  processCommandLineBudget,
  stackLimitOf,
} from "../../src/util/command-line-budget.js";

const LIMITS = (stack: string) =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax cpu time              unlimited            unlimited            seconds\nMax stack size            ${stack}              unlimited            bytes\n`;

describe("command-line budget", () => {
  it("reads the soft stack limit and applies Linux's bounds", () => {
    assert.equal(stackLimitOf(LIMITS("8388608")), 8388608);
    assert.equal(stackLimitOf(LIMITS("unlimited")), Number.POSITIVE_INFINITY);
    assert.equal(stackLimitOf("nothing here"), null);
    assert.equal(
      argumentLimit("linux", () => LIMITS("8388608")),
      2 * 1024 * 1024,
    );
    assert.equal(
      argumentLimit("linux", () => LIMITS("unlimited")),
      6 * 1024 * 1024,
    );
    assert.equal(
      argumentLimit("linux", () => LIMITS("65536")),
      128 * 1024,
      "never below 128 KiB",
    );
    assert.equal(
      argumentLimit("linux", () => {
        throw new Error("no /proc");
      }),
      128 * 1024,
    );
    assert.equal(
      argumentLimit("darwin", () => ""),
      1024 * 1024,
    );
  });

  it("leaves out the environment and a quarter for the rest of the command line", () => {
    const env = { A: "x".repeat(1000) };
    const limit = 2 * 1024 * 1024;
    assert.equal(
      commandLineBudget(env, "linux", () => LIMITS("8388608")),
      Math.floor(((limit - argumentCost(`A=${"x".repeat(1000)}`)) * 3) / 4),
    );
    assert.equal(
      commandLineBudget({ BIG: "x".repeat(3 * 1024 * 1024) }, "linux", () => LIMITS("8388608")),
      0,
    );
    assert.equal(
      commandLineBudget({}, "win32", () => ""),
      16 * 1024,
    );
    assert.equal(argumentCost("é"), 2 + 1 + 8, "bytes, not characters");
  });

  it("is a command line this system starts", { skip: process.platform !== "linux" }, () => {
    const budget = processCommandLineBudget();
    assert.ok(budget >= 64 * 1024, `a useful budget: ${budget}`);
    const arg = `/tmp/${"p".repeat(90)}`;
    const args: string[] = [];
    for (let used = 0; used + argumentCost(arg) <= budget; used += argumentCost(arg)) args.push(arg);
    const ran = spawnSync(process.execPath, ["-e", "process.exit(process.argv.length > 2 ? 0 : 1)", ...args]);
    assert.equal(ran.error, undefined, String(ran.error));
    assert.equal(ran.status, 0);
    // The check has teeth: four times the budget is past the limit.
    const tooMany = spawnSync(process.execPath, ["-e", "0", ...args, ...args, ...args, ...args]);
    assert.match(String(tooMany.error), /E2BIG/);
  });
});
