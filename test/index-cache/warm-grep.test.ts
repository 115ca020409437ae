/**
 * The server's warm Grep (src/tools/grep/ripgrep.ts runRipgrep): it searches with the kept listing
 * while the listing is checked against the tree, and keeps the result only when the check holds.
 * These tests pin what that must never cost: a link retargeted outside the root is not followed
 * even when the stamp cannot see the change, and additions are seen on the next call.
 */
import assert from "node:assert/strict";
import {
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemoryIndexCache } from "../../src/index-cache/memory-cache.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { ageTree, loggingRipgrep } from "../support/tree-helpers.js";

/** A memory cache holding the repository's listing (made by a Glob), and a Grep through it. */
async function warmCache(root: string) {
  const cache = new MemoryIndexCache();
  await new Toolbox(Workspace.openSync(root, { indexSource: cache.source })).run({
    id: "l",
    name: "Glob",
    arguments: { pattern: "**/*.py" },
  });
  const grep = async () => {
    const ws = Workspace.openSync(root, { indexSource: cache.source });
    return (await new Toolbox(ws).run({ id: "g", name: "Grep", arguments: { pattern: "NEEDLE" } })).text;
  };
  return { cache, grep };
}

describe("warm Grep with a kept listing", () => {
  it("never follows a link whose target left the root, even when the listing's stamp still holds", async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), "fc-outside-")));
    const logDir = realpathSync(mkdtempSync(join(tmpdir(), "fc-rglog-")));
    const log = join(logDir, "args.log");
    const restore = await loggingRipgrep(logDir, log);
    try {
      writeFileSync(join(outside, "leak.py"), "NEEDLE outside the root\n");
      await using repo = await tmpRepo({
        files: { "src/a.py": "NEEDLE in a\n", "shared/b.py": "NEEDLE in b\n" },
        symlinks: { "src/lnk": "../shared" },
      });
      ageTree(repo.root);
      const { cache, grep } = await warmCache(repo.root);
      assert.equal(cache.size.repos, 1);
      const first = await grep();
      assert.match(first, /src\/lnk\/b\.py/, "the in-root link is searched");
      assert.equal(cache.stats.hits, 1, "the warm path checked the kept listing");

      // Retarget the link outside, then put the mtimes back (the link's directory, and the new
      // target as the old one, which the stamp sees through the link): the stamp cannot tell.
      const src = repo.path("src");
      const before = statSync(src);
      const target = statSync(repo.path("shared"));
      rmSync(repo.path("src/lnk"));
      symlinkSync(outside, repo.path("src/lnk"));
      utimesSync(src, before.atime, before.mtime);
      utimesSync(outside, target.atime, target.mtime);
      const second = await grep();
      assert.equal(cache.stats.hits, 2, "the stamp held, so the kept listing's result was used");
      assert.doesNotMatch(second, /outside the root|leak\.py/);
      assert.match(second, /src\/a\.py/);
      // What ripgrep was asked to read: the last run neither follows links nor names the link.
      const runs = readFileSync(log, "utf8").trim().split("\n");
      const last = runs.at(-1) ?? "";
      assert.doesNotMatch(last, /--follow/);
      assert.ok(!last.includes(repo.path("src/lnk")), `ripgrep was handed the retargeted link: ${last}`);
    } finally {
      restore();
      rmSync(outside, { recursive: true, force: true });
      rmSync(logDir, { recursive: true, force: true });
    }
  });

  it("sees a file and a link added since the listing on the next call", async () => {
    await using repo = await tmpRepo({ files: { "src/a.py": "NEEDLE in a\n", "shared/b.py": "NEEDLE in b\n" } });
    ageTree(repo.root);
    const { cache, grep } = await warmCache(repo.root);
    assert.doesNotMatch(await grep(), /src\/c\.py|lnk/);
    repo.write("src/c.py", "NEEDLE in c\n");
    symlinkSync("../shared", repo.path("src/lnk"));
    const after = await grep();
    assert.match(after, /src\/c\.py/);
    assert.match(after, /src\/lnk\/b\.py/, "the new link is followed once the listing is renewed");
    assert.ok(cache.stats.stale >= 1, "the check saw the change");
  });
});
