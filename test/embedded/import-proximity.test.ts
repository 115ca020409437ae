/**
 * Import proximity on a tree whose import lines pass the collection cap (20,000 lines): the first
 * turn's capped search is not used (which files it holds depends on ripgrep's thread order); a
 * third turn searches the strongest files' own import lines and the lines that name them, so the
 * ranking is the same on every run and the importer of the best file still gains proximity.
 */
import assert from "node:assert/strict";
import { readdirSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ExploreEvent } from "../../src/core/types.js";
import { createEmbeddedExplorer } from "../../src/embedded/explorer.js";
import { IMPORT_LINE_PATTERN } from "../../src/embedded/import-graph.js";
import { importNamesOf, reordered, targetedImportCalls } from "../../src/embedded/import-proximity.js";
import type { RankedFile } from "../../src/embedded/rank-files.js";
import { useMemoryIndexCache } from "../../src/index-cache/install.js";
import { tmpRepo } from "../support/tmp-repo.js";

describe("import names of a file", () => {
  it("names the module, or the directory for package files and Go", () => {
    assert.deepEqual(importNamesOf("pkg/core/retry_policy.py"), ["retry_policy"]);
    assert.deepEqual(importNamesOf("pkg/core/__init__.py"), ["core"]);
    assert.deepEqual(importNamesOf("web/src/widgets/index.ts"), ["widgets"]);
    assert.deepEqual(importNamesOf("internal/backoff/timer.go"), ["backoff", "timer"]);
    assert.deepEqual(importNamesOf("a.b"), [], "one-letter names say nothing");
  });

  it("plans one search per seed and one for the lines naming them", () => {
    const calls = targetedImportCalls(["pkg/core/retry_policy.py", "pkg/core/__init__.py"]);
    assert.equal(calls.length, 3);
    assert.deepEqual(
      calls.slice(0, 2).map((c) => (c.arguments as Record<string, unknown>).path),
      ["pkg/core/retry_policy.py", "pkg/core/__init__.py"],
    );
    const naming = new RegExp(String((calls[2]!.arguments as Record<string, unknown>).pattern));
    assert.ok(naming.test("from pkg.core.retry_policy import compute_backoff"));
    assert.ok(naming.test("from pkg import core"));
    assert.ok(!naming.test("x = retry_policy.compute_backoff()"), "only lines that start like imports");
  });
});

/** 520 modules of 40 import lines each (20,800 lines, past the cap), one of which imports the policy. */
function bigTree(): Record<string, string> {
  const files: Record<string, string> = {
    "pkg/__init__.py": "",
    "pkg/core/__init__.py": "",
    "pkg/core/retry_policy.py": [
      "import math",
      "",
      "",
      "def compute_backoff(attempt, base=0.5):",
      '    """Seconds to wait before the next retry of a failed request."""',
      "    return min(30.0, base * math.pow(2, attempt))",
      "",
    ].join("\n"),
    "pkg/client/__init__.py": "",
    "pkg/client/session.py": [
      "from pkg.core.retry_policy import compute_backoff",
      "",
      "",
      "class Session:",
      "    def send_with_retries(self, request, attempts):",
      "        for attempt in range(attempts):",
      "            wait = compute_backoff(attempt)",
      "        return wait",
      "",
    ].join("\n"),
  };
  const imports = Array.from({ length: 40 }, (_, i) => `import helper_module_${i}`).join("\n");
  for (let m = 0; m < 520; m++) files[`pkg/filler/group${m % 13}/mod_${m}.py`] = `${imports}\n\nVALUE_${m} = ${m}\n`;
  return files;
}

describe("import proximity past the collection cap", () => {
  it("takes a third, targeted turn and ranks the same way on every run", async () => {
    await using repo = await tmpRepo({ files: bigTree() });
    const rankings: string[][] = [];
    const proximities: number[] = [];
    const explorer = createEmbeddedExplorer({
      onRanking: (ranked: RankedFile[]) => {
        rankings.push(ranked.slice(0, 5).map((f) => f.rel));
        proximities.push(ranked.find((f) => f.rel === "pkg/client/session.py")?.proximity ?? 0);
      },
    });
    const query = "where is the backoff computed before a failed request is retried?";
    const events: ExploreEvent[] = [];
    const first = await explorer({ root: repo.root, query, onEvent: (e) => events.push(e) });
    const second = await explorer({ root: repo.root, query });
    assert.equal(first.turns, 3);
    const started = events.filter((e) => e.type === "tool_start").map((e) => e.call.id);
    assert.ok(started.includes("call_imports_naming"), "the targeted search is in the trajectory");
    assert.deepEqual(rankings[0], rankings[1], "same ranking on both runs");
    assert.deepEqual(
      first.citations.map((c) => c.path),
      second.citations.map((c) => c.path),
    );
    assert.equal(rankings[0]![0], "pkg/core/retry_policy.py");
    assert.ok(proximities[0]! > 0, "the importer of the best file is its neighbour in the graph");
  });
});

/** Every entry's mtime `seconds` ago: a listing made now is not "racy" (see src/index-cache/stamp.ts), so it is kept. */
function backdate(dir: string, seconds: number): void {
  const when = new Date(Date.now() - seconds * 1000);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === ".git") continue;
    if (e.isDirectory()) backdate(join(dir, e.name), seconds);
    utimesSync(join(dir, e.name), when, when);
  }
  utimesSync(dir, when, when);
}

describe("a kept listing on which the import-line search reached the cap", () => {
  it("leaves that search out of later first turns, with the same answer, until the tree changes", async () => {
    await using repo = await tmpRepo({ files: bigTree() });
    backdate(repo.root, 120);
    assert.ok(useMemoryIndexCache(), "the memory index cache (a server's) is installed");
    const rankings: string[][] = [];
    const explorer = createEmbeddedExplorer({
      onRanking: (ranked: RankedFile[]) => rankings.push(ranked.slice(0, 5).map((f) => f.rel)),
    });
    const query = "where is the backoff computed before a failed request is retried?";
    const run = async () => {
      const events: ExploreEvent[] = [];
      const result = await explorer({ root: repo.root, query, onEvent: (e) => events.push(e) });
      const calls = events.flatMap((e) => (e.type === "tool_start" ? [e] : []));
      // The whole-tree search: the import-line pattern with no path.
      const wholeTree = calls.filter((e) => {
        const args = e.call.args as Record<string, unknown>;
        return args.pattern === IMPORT_LINE_PATTERN && args.path === undefined;
      });
      return { result, wholeTree: wholeTree.map((e) => `${e.turn}:${e.call.id}`) };
    };
    const first = await run();
    assert.equal(first.wholeTree.length, 1, "the first exploration searches every import line in its first turn");
    assert.match(first.wholeTree[0]!, /^1:/);
    assert.equal(first.result.turns, 3);

    const second = await run();
    assert.deepEqual(second.wholeTree, [], "left out: it reached the cap on this listing");
    assert.equal(second.result.turns, 3, "the targeted turn runs as before");
    assert.deepEqual(rankings[1], rankings[0]);
    assert.deepEqual(
      second.result.citations.map((c) => [c.path, c.start, c.end]),
      first.result.citations.map((c) => [c.path, c.start, c.end]),
    );

    repo.write("pkg/filler/extra.py", "import helper_module_0\n");
    backdate(repo.path("pkg/filler"), 60);
    const changed = await run();
    assert.deepEqual(
      changed.wholeTree,
      ["2:call_imports_all"],
      "a changed tree: the search runs, in a turn of its own",
    );
    assert.equal(changed.result.turns, 4);
    assert.deepEqual(rankings[2], rankings[0]);

    const again = await run();
    assert.deepEqual(again.wholeTree, [], "noted on the new listing");
    assert.deepEqual(rankings[3], rankings[0]);
  });
});

describe("the ranking put back in order after proximity raised some files", () => {
  it("is what sorting the whole ranking gives, whether the rest was in order or not", () => {
    const byScore = (a: RankedFile, b: RankedFile) => b.score - a.score || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 50; round++) {
      // Ties on score are common (the path decides them).
      const files = Array.from(
        { length: 40 },
        (_, i) => ({ rel: `f${(i * 7) % 40}`, score: Math.floor(rnd() * 10) }) as RankedFile,
      );
      const sorted = round % 5 === 4 ? files : [...files].sort(byScore); // every fifth round: not in order
      const raised = new Set<RankedFile>();
      for (const f of sorted)
        if (rnd() < 0.2) {
          f.score += Math.floor(rnd() * 6);
          raised.add(f);
        }
      const got = reordered(sorted, raised).map((f) => f.rel);
      assert.deepEqual(
        got,
        [...sorted].sort(byScore).map((f) => f.rel),
        `round ${round}`,
      );
      assert.equal(got.length, files.length);
    }
  });
});
