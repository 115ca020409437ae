/**
 * A narrowed search over more explicit paths than one command line holds runs as several
 * ripgreps (src/tools/grep/path-parts.ts) and gives the text one search over all of them gives:
 * the same text as ripgrep's walk of the tree.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ToolCallRequest } from "../../src/contracts/tools.js";
import type { Collected } from "../../src/tools/grep/collect.js";
import { explicitPathParts, searchInParts } from "../../src/tools/grep/path-parts.js";
import type { RipgrepOutcome, SearchOptions } from "../../src/tools/grep/ripgrep.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { argumentCost, overrideCommandLineBudget } from "../../src/util/command-line-budget.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { ageTree, withLoggedRipgrep } from "../support/tree-helpers.js";
import { warmCache } from "../support/warm-cache.js";

const collected = (rels: string[], over: Partial<Collected> = {}): Collected => ({
  files: rels.map((rel) => ({ rel, lines: [{ line: 1, text: rel, match: true }], matches: 1, matchLines: 1 })),
  binary: 1,
  secret: 0,
  tooLarge: 0,
  unreadable: 0,
  atLeast: false,
  timedOut: false,
  engine: "ripgrep",
  ...over,
});

const options = (timeoutMs = 10_000): SearchOptions => ({ signal: new AbortController().signal, timeoutMs });

describe("explicit paths in parts", () => {
  it("cuts paths in order into runs that fit the budget, a path too long alone in its own", () => {
    const paths = ["a/1", "a/2", "b/3", `c/${"x".repeat(100)}`, "d/5"];
    const budget = argumentCost("a/1") * 2;
    const parts = explicitPathParts(paths, budget);
    assert.deepEqual(parts, [["a/1", "a/2"], ["b/3"], [paths[3]], ["d/5"]]);
    assert.deepEqual(parts.flat(), paths);
    assert.deepEqual(explicitPathParts(paths, 1_000_000), [paths]);
    assert.deepEqual(explicitPathParts([], 10), [[]]);
  });

  it("merges the parts' results and stops at the line cap, the time limit or a failure", async () => {
    const seen: Array<{ part: string[]; timeoutMs: number }> = [];
    const run =
      (results: RipgrepOutcome[]) =>
      async (part: string[], o: SearchOptions): Promise<RipgrepOutcome> => {
        seen.push({ part, timeoutMs: o.timeoutMs });
        return results[seen.length - 1]!;
      };
    const parts = [["z"], ["b"], ["m"]];
    const all = await searchInParts(
      parts,
      options(),
      run([
        { ok: true, collected: collected(["z"]) },
        { ok: true, collected: collected(["b"], { unreadable: 2 }) },
        { ok: true, collected: collected(["m"]) },
      ]),
    );
    assert.ok(all.ok);
    assert.deepEqual(
      all.collected.files.map((f) => f.rel),
      ["b", "m", "z"],
      "files in path order",
    );
    assert.equal(all.collected.binary, 3);
    assert.equal(all.collected.unreadable, 2);
    assert.equal(all.collected.atLeast, false);
    assert.ok(
      seen.every((s) => s.timeoutMs <= 10_000 && s.timeoutMs > 9_000),
      JSON.stringify(seen),
    );

    seen.length = 0;
    const capped = await searchInParts(
      parts,
      options(),
      run([
        { ok: true, collected: collected(["z"], { atLeast: true }) },
        { ok: true, collected: collected(["b"]) },
      ]),
    );
    assert.ok(capped.ok && capped.collected.atLeast);
    assert.equal(seen.length, 1, "no part after the cap");

    seen.length = 0;
    const failed = await searchInParts(
      parts,
      options(),
      run([
        { ok: true, collected: collected(["z"]) },
        { ok: false, kind: "failed", message: "ripgrep died" },
      ]),
    );
    assert.deepEqual(failed, { ok: false, kind: "failed", message: "ripgrep died" });

    seen.length = 0;
    const late = await searchInParts(parts, options(20), async (part, o) => {
      seen.push({ part, timeoutMs: o.timeoutMs });
      await new Promise((r) => setTimeout(r, 30));
      return { ok: true, collected: collected(part) };
    });
    assert.ok(late.ok && late.collected.timedOut && late.collected.atLeast, "out of time after the first part");
    assert.equal(seen.length, 1);
  });

  it("gives a narrowed search past one command line the text of ripgrep's walk", async () => {
    const files: Record<string, string> = { ".gitignore": "build/\n", "build/x.py": "def retry_build(): pass\n" };
    for (let i = 0; i < 60; i++)
      files[`pkg${i % 6}/module_${i}.py`] =
        i % 3 === 0 ? `def retry_${i}(request):\n    return ${i}\n` : `VALUE_${i} = ${i}\n`;
    await using repo = await tmpRepo({ files });
    ageTree(repo.root);
    const calls: ToolCallRequest[] = [
      { id: "c", name: "Grep", arguments: { pattern: "def retry_\\d+", output_mode: "content" } },
      { id: "f", name: "Grep", arguments: { pattern: "retry", output_mode: "files_with_matches" } },
      { id: "n", name: "Grep", arguments: { pattern: "request", output_mode: "count" } },
    ];
    const textsOf = async (cache: Awaited<ReturnType<typeof warmCache>>["cache"]) => {
      const out: string[] = [];
      for (const call of calls) {
        const ws = Workspace.openSync(repo.root, { indexSource: cache.source });
        out.push((await new Toolbox(ws).run(call)).text);
      }
      return out;
    };
    const walked = await warmCache(repo.root, false);
    const expected = await textsOf(walked.cache);
    assert.match(expected[0]!, /module_57\.py/);
    await withLoggedRipgrep(async (log) => {
      // Room for about four of the tree's paths per command line.
      overrideCommandLineBudget(argumentCost(join(repo.root, "pkg0/module_0.py")) * 4);
      try {
        const narrowed = await warmCache(repo.root, true);
        assert.ok(narrowed.index?.ready, `the index was built (${narrowed.index?.failed})`);
        writeFileSync(log, "");
        assert.deepEqual(await textsOf(narrowed.cache), expected);
        const runs = readFileSync(log, "utf8").trim().split("\n");
        const parts = runs.filter((r) => r.includes("def retry_") && !r.endsWith(`-- ${repo.root}`));
        assert.ok(parts.length >= 5, `the content search ran in parts:\n${runs.join("\n")}`);
        assert.ok(narrowed.index!.stats.narrowed >= 3, JSON.stringify(narrowed.index!.stats));
        narrowed.cache.clear();
      } finally {
        overrideCommandLineBudget(undefined);
      }
    });
  });
});
