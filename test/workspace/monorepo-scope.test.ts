/**
 * Monorepo scoping: a workspace root inside a larger git checkout keeps the checkout's ignore files
 * above it (unanchored rules as they are, anchored ones rebased or dropped), in the JavaScript walk,
 * the native listing and every Grep path, with results relative to the requested root. Outside a
 * checkout nothing above the root is read.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Toolbox } from "../../src/tools/toolbox.js";
import { rebaseDown } from "../../src/workspace/above-root-rules.js";
import { buildFileIndex } from "../../src/workspace/file-index.js";
import { DEFAULT_SECRET_POLICY } from "../../src/workspace/secrets.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { gitAvailable, tmpRepo } from "../support/tmp-repo.js";

const FILES = {
  ".gitignore": "*.log\nbuild/\n/packages/app/generated/\n/packages/other/src/\n!keep.log\n",
  "packages/.ignore": "fixtures/\n",
  "packages/app/src/main.py": "def target():\n    return 1\n",
  "packages/app/src/keep.log": "target kept by the negation\n",
  "packages/app/x.log": "target in a log\n",
  "packages/app/build/out.py": "def target(): pass\n",
  "packages/app/generated/g.py": "def target(): pass\n",
  "packages/app/fixtures/f.py": "def target(): pass\n",
  "packages/app/other/src/o.py": "def target(): pass\n",
  "packages/other/src/x.py": "def target(): pass\n",
};
const EXPECTED = ["other/src/o.py", "src/keep.log", "src/main.py"];

describe("monorepo scoping", () => {
  it("rebases anchored rules from above the root and drops the ones for other directories", () => {
    assert.equal(rebaseDown("*.log", ["packages", "app"]), "*.log");
    assert.equal(rebaseDown("/packages/app/dist/", ["packages", "app"]), "/dist/");
    assert.equal(rebaseDown("packages/*/tmp", ["packages", "app"]), "/tmp");
    assert.equal(rebaseDown("!/packages/app/keep", ["packages", "app"]), "!/keep");
    assert.equal(rebaseDown("/packages/other/src/", ["packages", "app"]), null);
    assert.equal(rebaseDown("/packages/", ["packages", "app"]), null);
    assert.equal(rebaseDown("packages/**/cache", ["packages", "app"]), "**/cache");
  });

  it("applies the checkout's ignore files above the root in every engine, paths relative to the root", async (t) => {
    if (!gitAvailable()) return t.skip("git is not installed");
    await using repo = await tmpRepo({ git: true, files: FILES });
    writeFileSync(repo.path(".git/info/exclude"), "*.tmp\n");
    writeFileSync(repo.path("packages/app/src/scratch.tmp"), "target\n");
    const root = repo.path("packages/app");
    const fromGit = repo
      .git("ls-files", "-co", "--exclude-standard", "--", "packages/app")
      .split("\n")
      .filter((s) => s !== "")
      .map((s) => s.slice("packages/app/".length))
      .filter((s) => !s.startsWith("fixtures/")) // `.ignore` is ripgrep's, not git's
      .sort();
    assert.deepEqual(fromGit, EXPECTED);
    assert.deepEqual(
      buildFileIndex({ root, secrets: DEFAULT_SECRET_POLICY }).files.map((f) => f.rel),
      EXPECTED,
    );
    const ws = Workspace.openSync(root);
    assert.deepEqual(
      (await ws.fileIndex()).files.map((f) => f.rel),
      EXPECTED,
    );
    const grep = async (engine: "ripgrep" | "fallback", fresh: boolean) => {
      const w = fresh ? Workspace.openSync(root) : ws;
      const r = await new Toolbox(w, { config: { grepEngine: engine } }).run({
        id: "g",
        name: "Grep",
        arguments: { pattern: "target", output_mode: "files_with_matches" },
      });
      return r.text;
    };
    const expectedText = EXPECTED.map((rel) => join(root, rel)).sort();
    for (const [engine, fresh] of [
      ["ripgrep", true],
      ["ripgrep", false],
      ["fallback", false],
    ] as const) {
      const text = await grep(engine, fresh);
      const paths = text.split("\n").filter((l) => l.startsWith("/"));
      assert.deepEqual(paths.sort(), expectedText, `${engine}${fresh ? " (no index)" : ""}:\n${text}`);
    }
  });

  it("reads nothing above a root that is not inside a git checkout", async () => {
    await using outer = await tmpRepo({ files: { ".gitignore": "*.py\n", "inner/a.py": "x\n" } });
    mkdirSync(join(outer.root, "inner", "sub"));
    const ws = Workspace.openSync(join(outer.root, "inner"));
    assert.deepEqual(
      (await ws.fileIndex()).files.map((f) => f.rel),
      ["a.py"],
    );
  });
});
