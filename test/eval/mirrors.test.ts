import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { findMirror, gitDirOf, mirrorCandidates, parseMirrorFlags } from "../../src/eval/mirrors.js";
import { ConfigError } from "../../src/util/errors.js";
import { git, makeRepo, tempDir } from "./support.js";

function bare(path: string): string {
  mkdirSync(path, { recursive: true });
  git(path, "init", "-q", "--bare");
  return path;
}

describe("findMirror", () => {
  it("finds a mirror in every usual layout", () => {
    const root = tempDir();
    const layouts: Array<[string, string]> = [
      ["a/one", "a/one.git"],
      ["b/two", "b/two"],
      ["c/three", "c+three/repo"],
      ["d/four", "d__four.git"],
    ];
    for (const [repo, rel] of layouts) {
      const path = bare(join(root, rel));
      assert.equal(findMirror(repo, { mirrorsDir: root }), path, repo);
    }
    assert.deepEqual(mirrorCandidates("o/n").slice(0, 4), ["o/n.git", "o/n", "o+n/repo", "o+n.git"]);
  });

  it("accepts a work tree (returns its .git) and prefers an explicit --mirror", () => {
    const root = tempDir();
    const { dir } = makeRepo([{ message: "init", files: { "a.txt": "a\n" } }], join(root, "o", "n"));
    assert.equal(findMirror("o/n", { mirrorsDir: root }), join(dir, ".git"));
    const other = bare(join(tempDir(), "elsewhere.git"));
    assert.equal(findMirror("o/n", { mirrorsDir: root, explicit: parseMirrorFlags([`o/n=${other}`]) }), other);
    assert.equal(findMirror("x/y", { repoDir: dir }), join(dir, ".git"));
  });

  it("says where it looked when nothing is found, and rejects bad flags", () => {
    const root = tempDir();
    mkdirSync(join(root, "o", "n"), { recursive: true }); // a directory that is not a repository
    assert.throws(
      () => findMirror("o/n", { mirrorsDir: root }),
      (e: unknown) => e instanceof ConfigError && /o\+n\/repo/.test(e.message),
    );
    assert.throws(() => findMirror("o/n", {}), ConfigError);
    assert.throws(() => parseMirrorFlags(["nope"]), /owner\/name=PATH/);
    assert.equal(gitDirOf(join(root, "missing")), null);
  });
});
