/**
 * The native listing (ripgrep's walker, the symlink probe) against the JavaScript walk, which the
 * other file-index tests pin to git's and ripgrep's semantics: same files, links, skip counts and
 * ignored entries on seeded random trees (nested ignore files, negations, hidden and unicode names,
 * links in and out of the root, a loop) and on the fixtures with explicit (ignored) start directories.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { locateRipgrep } from "../../src/tools/grep/ripgrep.js";
import { ancestorLevels, buildFileIndex, type FileIndex, listFileIndex } from "../../src/workspace/file-index.js";
import { listWithRipgrep } from "../../src/workspace/native-listing.js";
import { DEFAULT_SECRET_POLICY } from "../../src/workspace/secrets.js";
import { IgnoreLevels, scanNearStart } from "../../src/workspace/symlink-probe.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { randomTree, writeTree } from "../tools/support/random-tree.js";

/** What both strategies must agree on (directories: the native listing derives them from files). */
function comparable(index: FileIndex) {
  return {
    files: index.files.map((f) => `${f.rel}${f.viaSymlink ? " (link)" : ""}${f.secret ? " (secret)" : ""}`),
    followed: [...index.followedSymlinks].sort(),
    loops: index.loopSymlinks,
    ignored: index.ignoredEntries.map((e) => `${e.rel}${e.dir ? "/" : ""}${e.link ? " (link)" : ""}`),
    skipped: index.skipped,
    truncated: index.truncated,
  };
}

describe("native listing", () => {
  let base: string;
  let rgPath: string | undefined;
  before(async () => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fc-native-")));
    mkdirSync(join(base, "outside"));
    writeFileSync(join(base, "outside", "sentinel.txt"), "outside\n");
    rgPath = (await locateRipgrep())?.path;
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: the same index as the JavaScript walk`, async (t) => {
      if (!rgPath) return t.skip("no ripgrep binary");
      const root = join(base, `repo-${seed}`);
      mkdirSync(root);
      execFileSync("git", ["init", "-q", "."], { cwd: root });
      writeFileSync(join(root, ".git", "info", "exclude"), "*.excluded\n");
      const spec = randomTree(seed, join(base, "outside"));
      spec.files.set("x.excluded", Buffer.from("excluded\n"));
      writeTree(root, spec);
      const walked = buildFileIndex({ root, secrets: DEFAULT_SECRET_POLICY });
      const native = await listWithRipgrep({ root, secrets: DEFAULT_SECRET_POLICY, rgPath });
      assert.ok(native, "the native listing ran");
      assert.deepEqual(comparable(native), comparable(walked));
      // Every directory the native listing names, the walker listed too.
      for (const d of native.dirs) assert.ok(walked.dirs.has(d), `unexpected directory ${d}`);
      // Guard against a vacuous comparison.
      assert.ok(walked.files.length > 20 && walked.ignoredEntries.length > 0 && walked.followedSymlinks.length > 0);
      for (const startRel of [...walked.ignoredEntries.filter((e) => e.dir && !e.link).map((e) => e.rel), "src"]) {
        const w = buildFileIndex({ root, startRel, explicit: true, secrets: DEFAULT_SECRET_POLICY });
        const n = await listWithRipgrep({ root, startRel, explicit: true, secrets: DEFAULT_SECRET_POLICY, rgPath });
        assert.deepEqual(comparable(n!), comparable(w), `below ${startRel}`);
      }
    });
  }

  it("stops at maxFiles, and the workspace lists without blocking through it", async (t) => {
    if (!rgPath) return t.skip("no ripgrep binary");
    await using repo = await tmpRepo({
      files: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d/f${String(i).padStart(2, "0")}.txt`, "x\n"])),
    });
    const cut = await listFileIndex({ root: repo.root, secrets: DEFAULT_SECRET_POLICY, maxFiles: 10, rgPath });
    assert.equal(cut.files.length, 10);
    assert.ok(cut.truncated);
    const ws = Workspace.openSync(repo.root);
    assert.equal(ws.hasIndex(), false);
    const index = await ws.fileIndex();
    assert.equal(index.files.length, 30);
    assert.ok(ws.hasIndex() && ws.files() === index);
  });
});

describe("symlink probe near the start", () => {
  it("skips ignored directories before find, and still finds the links the walker follows", async (t) => {
    const rgPath = (await locateRipgrep())?.path;
    if (!rgPath) return t.skip("no ripgrep binary");
    const deep = "src/a/b/c/d/e"; // below NEAR_DEPTH: found by find, not by the scan
    await using repo = await tmpRepo({
      git: true,
      files: {
        ".gitignore": "node_modules/\n",
        "src/main.py": "print(1)\n",
        [`${deep}/f.txt`]: "deep\n",
        "node_modules/pkg/index.js": "x\n",
        "tools/.gitignore": "gen/\n",
        "tools/gen/out.txt": "generated\n",
        "tools/run.sh": "echo\n",
      },
      symlinks: {
        "src/shallow": "a", // a directory link met by the scan
        [`${deep}/lnk.txt`]: "f.txt", // a file link only find sees
        [`${deep}/up`]: "../../../../../main.py", // deep file link to a file higher up
        "node_modules/pkg/back": "../../src", // under an ignored directory: never followed
        "tools/gen/back": "../../src", // under a nested ignore file's directory
      },
    });
    const levels = new IgnoreLevels(repo.root, "", ancestorLevels(repo.root, ""));
    const near = await scanNearStart(repo.root, "", levels);
    assert.ok(near, "the scan ran (something near the root is ignored)");
    const rel = (abs: string) => abs.slice(repo.root.length + 1) || ".";
    assert.ok(!near.frontier.some((d) => /node_modules|tools\/gen/.test(d)), `pruned: ${near.frontier.map(rel)}`);
    assert.ok(near.links.some((l) => rel(l) === "src/shallow"));
    const walked = buildFileIndex({ root: repo.root, secrets: DEFAULT_SECRET_POLICY });
    const native = await listWithRipgrep({ root: repo.root, secrets: DEFAULT_SECRET_POLICY, rgPath });
    assert.deepEqual(comparable(native!), comparable(walked));
    assert.deepEqual([...walked.followedSymlinks].sort(), [
      "src/a/b/c/d/e/lnk.txt",
      "src/a/b/c/d/e/up",
      "src/shallow",
      // the deep links again, reached through the followed directory link
      "src/shallow/b/c/d/e/lnk.txt",
      "src/shallow/b/c/d/e/up",
    ]);
  });

  it("does not enter a start that is itself a link, as find does not", async () => {
    await using repo = await tmpRepo({
      files: { ".gitignore": "node_modules/\n", "real/node_modules/x.js": "x\n", "real/a.txt": "a\n" },
      symlinks: { via: "real", "real/inner": "a.txt" },
    });
    const levels = new IgnoreLevels(repo.root, "via", ancestorLevels(repo.root, "via"));
    assert.equal(await scanNearStart(repo.root, "via", levels), null);
    const real = new IgnoreLevels(repo.root, "real", ancestorLevels(repo.root, "real"));
    assert.ok(await scanNearStart(repo.root, "real", real), "the real directory is scanned");
  });

  it("leaves the whole walk to find when nothing near the start is ignored", async () => {
    await using repo = await tmpRepo({ files: { "a/b.txt": "x\n" }, symlinks: { "a/c": "b.txt" } });
    const levels = new IgnoreLevels(repo.root, "", ancestorLevels(repo.root, ""));
    assert.equal(await scanNearStart(repo.root, "", levels), null);
  });
});
