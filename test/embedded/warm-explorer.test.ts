/**
 * The embedded explorer over a server's kept listing (the memory index cache), across edits: a
 * file added between explorations is cited, a renamed one under its new name, a deleted one not at
 * all. (What the explorer remembers per listing is keyed by the listing's own array, which a
 * changed tree replaces; test/embedded/import-graph.test.ts checks that key.)
 */
import assert from "node:assert/strict";
import { renameSync, rmSync } from "node:fs";
import { test } from "node:test";
import { createEmbeddedExplorer } from "../../src/embedded/explorer.js";
import { useMemoryIndexCache } from "../../src/index-cache/install.js";
import { tmpRepo } from "../support/tmp-repo.js";

const QUERY = "where is compute_backoff defined? the retry loop calls it";

test("files added, deleted and renamed between explorations on a kept listing", async () => {
  assert.ok(useMemoryIndexCache(), "the memory index cache is installed");
  await using repo = await tmpRepo({
    files: {
      "app/retry.py": "from app.backoff import compute_backoff\n\ndef retry(call):\n    return compute_backoff(1)\n",
      "app/other.py": "def unrelated():\n    return 1\n",
    },
  });
  const explore = createEmbeddedExplorer();
  const cited = async () => [
    ...new Set((await explore({ root: repo.root, query: QUERY })).citations.map((c) => c.path)),
  ];

  assert.ok(!(await cited()).includes("app/backoff.py"));
  repo.write(
    "app/backoff.py",
    'def compute_backoff(attempt):\n    """Delay before the next retry."""\n    return 2 ** attempt\n',
  );
  assert.equal((await cited())[0], "app/backoff.py", "the added file, defining the name, first");

  renameSync(repo.path("app/backoff.py"), repo.path("app/delays.py"));
  const renamed = await cited();
  assert.equal(renamed[0], "app/delays.py", "the renamed file under its new name");
  assert.ok(!renamed.includes("app/backoff.py"));

  rmSync(repo.path("app/delays.py"));
  const after = await cited();
  assert.ok(!after.includes("app/delays.py") && !after.includes("app/backoff.py"), "a deleted file is not cited");
});
