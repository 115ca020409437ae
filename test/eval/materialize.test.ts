import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, utimesSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { cleanStaleTemps, defaultCacheDir, materializeTree, treeKey } from "../../src/eval/materialize.js";
import { git, makeRepo, tempDir } from "./support.js";

function listing(dir: string): string {
  return git(dir, "count-objects", "-v") + readdirSync(dir).sort().join(",");
}

describe("materializeTree", () => {
  const { dir, shas } = makeRepo([
    { message: "one", files: { "src/a.py": "v1\n", README: "hello\n" } },
    { message: "two", files: { "src/a.py": "v2\n", "src/b.py": "new\n" } },
  ]);
  const gitDir = join(dir, ".git");

  it("exports the tree at the commit without .git, then reuses it", async () => {
    const cacheDir = tempDir();
    const before = listing(gitDir);
    const first = await materializeTree({ gitDir, repo: "o/n", commit: shas[0]!, cacheDir });
    assert.equal(first.reused, false);
    assert.equal(first.root, join(cacheDir, treeKey("o/n", shas[0]!)));
    assert.equal(readFileSync(join(first.root, "src/a.py"), "utf8"), "v1\n");
    assert.equal(existsSync(join(first.root, "src/b.py")), false);
    assert.equal(existsSync(join(first.root, ".git")), false);
    const second = await materializeTree({ gitDir, repo: "o/n", commit: shas[0]!, cacheDir });
    assert.equal(second.reused, true);
    assert.equal(listing(gitDir), before, "the mirror is untouched");
    assert.deepEqual(readdirSync(cacheDir), [treeKey("o/n", shas[0]!)], "no temporary directory left behind");
  });

  it("exports every file of the commit, also those the repository marks export-ignore", async () => {
    const { dir: attrRepo, shas: attrShas } = makeRepo([
      {
        message: "attrs",
        files: {
          ".gitattributes": "src/ignored.py export-ignore\nsrc/subst.py export-subst\n",
          "src/ignored.py": "def edited_by_the_fix(): pass\n",
          "src/subst.py": "VERSION = '$Format:%H$'\n",
        },
      },
    ]);
    const cacheDir = tempDir();
    const tree = await materializeTree({
      gitDir: join(attrRepo, ".git"),
      repo: "o/attrs",
      commit: attrShas[0]!,
      cacheDir,
    });
    assert.equal(readFileSync(join(tree.root, "src/ignored.py"), "utf8"), "def edited_by_the_fix(): pass\n");
    assert.equal(readFileSync(join(tree.root, "src/subst.py"), "utf8"), "VERSION = '$Format:%H$'\n", "as committed");
    assert.equal(existsSync(join(tree.root, ".git")), false);
    assert.deepEqual(readdirSync(cacheDir), [treeKey("o/attrs", attrShas[0]!)]);
  });

  it("shares one export between concurrent calls", async () => {
    const cacheDir = tempDir();
    const [a, b] = await Promise.all([
      materializeTree({ gitDir, repo: "o/n", commit: shas[1]!, cacheDir }),
      materializeTree({ gitDir, repo: "o/n", commit: shas[1]!, cacheDir }),
    ]);
    assert.equal(a, b);
    assert.equal(readFileSync(join(a.root, "src/b.py"), "utf8"), "new\n");
  });

  it("leaves out files whose blobs the mirror lacks, names them beside the tree, and keeps the rest", async () => {
    const { dir: holed, shas: holedShas } = makeRepo([
      {
        message: "with a big fixture",
        files: { "src/a.py": "kept\n", "fixtures/large.json": '{"big": true}\n', "fixtures/small.json": "{}\n" },
      },
    ]);
    const holedGit = join(holed, ".git");
    // Remove the one loose object, as a snapshot that skipped its largest files would lack it.
    const sha = git(holed, "rev-parse", `${holedShas[0]!}:fixtures/large.json`);
    rmSync(join(holedGit, "objects", sha.slice(0, 2), sha.slice(2)));
    const cacheDir = tempDir();
    const tree = await materializeTree({ gitDir: holedGit, repo: "o/holed", commit: holedShas[0]!, cacheDir });
    assert.deepEqual(tree.absent, ["fixtures/large.json"]);
    assert.equal(readFileSync(join(tree.root, "src/a.py"), "utf8"), "kept\n");
    assert.equal(readFileSync(join(tree.root, "fixtures/small.json"), "utf8"), "{}\n");
    assert.equal(existsSync(join(tree.root, "fixtures/large.json")), false);
    assert.equal(existsSync(join(tree.root, ".absent")), false, "the list is never inside the tree");
    const again = await materializeTree({ gitDir: holedGit, repo: "o/holed", commit: holedShas[0]!, cacheDir });
    assert.equal(again.reused, true);
    assert.deepEqual(again.absent, ["fixtures/large.json"], "a reused tree reports the same gap");
    const complete = await materializeTree({ gitDir, repo: "o/n", commit: shas[1]!, cacheDir });
    assert.deepEqual(complete.absent, []);
  });

  it("fails on an unknown commit and leaves nothing that a later run would reuse", async () => {
    const cacheDir = tempDir();
    await assert.rejects(
      materializeTree({ gitDir, repo: "o/n", commit: "deadbeefdeadbeefdeadbeefdeadbeefdeadbeef", cacheDir }),
      /git read-tree/,
    );
    assert.deepEqual(readdirSync(cacheDir), []);
  });

  it("cleans stale temporary exports and picks the XDG cache", () => {
    const cacheDir = tempDir();
    const stale = join(cacheDir, ".tmp-o__n@abc-1-x");
    mkdirSync(stale);
    utimesSync(stale, new Date(0), new Date(0));
    mkdirSync(join(cacheDir, ".tmp-fresh"));
    assert.equal(cleanStaleTemps(cacheDir), 1);
    assert.deepEqual(readdirSync(cacheDir), [".tmp-fresh"]);
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/x" }), "/x/fastcontext/eval-trees");
  });
});
