import assert from "node:assert/strict";
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildFileIndex } from "../../src/workspace/file-index.js";
import { compileIgnoreRules, isIgnored, loadIgnoreLevel, rebasedIgnoreText } from "../../src/workspace/ignore-rules.js";
import { DEFAULT_SECRET_POLICY } from "../../src/workspace/secrets.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { gitAvailable, tmpRepo } from "../support/tmp-repo.js";

const rels = (ws: Workspace) => ws.files().files.map((f) => f.rel);

/** A tree with .gitignore at several levels, negations, anchored and directory-only rules. */
const NESTED_IGNORE_FILES: Record<string, string> = {
  ".gitignore":
    "# comment\n*.log\n!keep.log\nbuild/\n/root-only.txt\ndocs/*.tmp\n**/cache/**\ntrailing.txt   \n\\#hash.txt\n",
  "keep.log": "k\n",
  "drop.log": "d\n",
  "root-only.txt": "r\n",
  "README.md": "readme\n",
  ".hidden.ts": "h\n",
  ".config/settings.json": "{}\n",
  "build/out.js": "o\n",
  "trailing.txt": "t\n",
  "#hash.txt": "h\n",
  "docs/a.tmp": "a\n",
  "docs/b.md": "b\n",
  "docs/deep/c.tmp": "c\n",
  "src/root-only.txt": "nested, not anchored\n",
  "src/.gitignore": "!drop.log\n/local.txt\nsub/\n",
  "src/drop.log": "re-included by the nested negation\n",
  "src/local.txt": "l\n",
  "src/keep.ts": "k\n",
  "src/sub/x.ts": "x\n",
  "src/other/sub": "a file named sub is not a directory\n",
  "src/cache/y.ts": "y\n",
  "lib/cache/z/deep.ts": "z\n",
  "lib/ok.ts": "ok\n",
  "excluded.dat": "e\n",
};

describe("file index", () => {
  it("lists the same files as `git ls-files -co --exclude-standard` on a nested-ignore fixture", async (t) => {
    if (!gitAvailable()) return t.skip("git is not installed");
    await using repo = await tmpRepo({ git: true, files: NESTED_IGNORE_FILES });
    writeFileSync(repo.path(".git/info/exclude"), "*.dat\n");
    const ws = Workspace.openSync(repo.root);
    const fromGit = repo
      .git("ls-files", "-co", "--exclude-standard", "-z")
      .split("\0")
      .filter((s) => s !== "")
      .sort();
    assert.deepEqual(rels(ws), fromGit);
    // And the fixture really exercises the rules (guards against a vacuous comparison).
    assert.ok(fromGit.includes("keep.log") && !fromGit.includes("drop.log") && fromGit.includes("src/drop.log"));
    assert.ok(
      !fromGit.includes("src/local.txt") && fromGit.includes("src/root-only.txt") && !fromGit.includes("root-only.txt"),
    );
    assert.ok(
      fromGit.includes(".hidden.ts") && fromGit.includes(".config/settings.json") && !fromGit.includes("excluded.dat"),
    );
  });

  it("never lists .git, includes hidden files, counts what it skipped and records ignored entries", async () => {
    await using repo = await tmpRepo({ git: true, files: NESTED_IGNORE_FILES });
    const ws = Workspace.openSync(repo.root);
    const index = ws.files();
    assert.ok(!index.files.some((f) => f.rel === ".git" || f.rel.startsWith(".git/")));
    assert.ok(!index.dirs.has(".git"));
    assert.ok(index.files.some((f) => f.rel === ".hidden.ts"));
    assert.ok(index.dirs.has("") && index.dirs.has("src") && !index.dirs.has("build"));
    const ignored = index.ignoredEntries.map((e) => `${e.rel}${e.dir ? "/" : ""}`).sort();
    // `**/cache/**` matches the cache directory itself, so it is not entered at all.
    assert.deepEqual(ignored, [
      "#hash.txt",
      "build/",
      "docs/a.tmp",
      "drop.log",
      "lib/cache/",
      "root-only.txt",
      "src/cache/",
      "src/local.txt",
      "src/sub/",
      "trailing.txt",
    ]);
    assert.equal(index.skipped.ignored, ignored.length);
    assert.ok(!index.truncated);
  });

  it("follows symlinks only while they stay inside the root, and detects loops", async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), "fc-out-")));
    try {
      writeFileSync(join(outside, "secret.txt"), "outside\n");
      await using repo = await tmpRepo({
        files: { "src/a.ts": "a\n", "src/sub/b.ts": "b\n" },
        symlinks: {
          "in-file.ts": "src/a.ts",
          "in-dir": "src/sub",
          "out-file.txt": join(outside, "secret.txt"),
          "out-dir": outside,
          chain1: "chain2",
          chain2: outside,
          dangling: "does-not-exist",
          "src/loop": "..",
          "src/sub/self": ".",
        },
      });
      const index = Workspace.openSync(repo.root).files();
      assert.deepEqual(
        index.files.map((f) => f.rel),
        ["in-dir/b.ts", "in-file.ts", "src/a.ts", "src/sub/b.ts"],
      );
      assert.deepEqual(index.followedSymlinks.sort(), ["in-dir", "in-file.ts"]);
      assert.equal(index.skipped.outsideRoot, 4); // out-file.txt, out-dir, chain1, chain2
      assert.equal(index.skipped.unreadable, 1); // the dangling link
      assert.ok(index.byRel.get("in-file.ts")!.viaSymlink && !index.byRel.get("src/a.ts")!.viaSymlink);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it("stops at maxFiles and says so", async () => {
    await using repo = await tmpRepo({
      files: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${String(i).padStart(2, "0")}.txt`, "x\n"])),
    });
    const index = buildFileIndex({ root: repo.root, secrets: DEFAULT_SECRET_POLICY, maxFiles: 10 });
    assert.equal(index.files.length, 10);
    assert.ok(index.truncated);
  });

  it("walks an ignored directory the caller names, judging its children by their own names", async () => {
    await using repo = await tmpRepo({
      files: {
        ".gitignore": "node_modules/\n*.map\n",
        "node_modules/pkg/index.js": "i\n",
        "node_modules/pkg/index.js.map": "m\n",
        "node_modules/.bin/tool": "t\n",
        "a.js": "a\n",
      },
    });
    const ws = Workspace.openSync(repo.root);
    assert.deepEqual(rels(ws), [".gitignore", "a.js"]);
    const under = ws.filesUnder("node_modules");
    assert.deepEqual(
      under.files.map((f) => f.rel),
      ["node_modules/.bin/tool", "node_modules/pkg/index.js"],
    );
    assert.equal(under.index.skipped.ignored, 1);
    // Slices of the shared index for directories it walked.
    assert.equal(ws.filesUnder("").files, ws.files().files);
    assert.deepEqual(
      ws.filesUnder("node_modules/pkg").files.map((f) => f.rel),
      ["node_modules/pkg/index.js"],
    );
  });

  it("marks secret files in the index (listed, never searched)", async () => {
    await using repo = await tmpRepo({
      files: { ".env": "A=1\n", ".env.example": "A=\n", "keys/id_rsa": "k\n", "src/a.ts": "a\n" },
    });
    const index = Workspace.openSync(repo.root).files();
    assert.deepEqual(
      index.files.filter((f) => f.secret).map((f) => f.rel),
      [".env", "keys/id_rsa"],
    );
  });
});

describe("ignore rules", () => {
  const level = (dirRel: string, kinds: Partial<Record<".rgignore" | ".ignore" | ".gitignore", string>>) => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "fc-ig-")));
    try {
      for (const [name, text] of Object.entries(kinds)) writeFileSync(join(dir, name), text);
      return loadIgnoreLevel(dir, dirRel, new Set(Object.keys(kinds)), dirRel === "")!;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it("compiles gitignore syntax: comments, negation, escapes, directory-only and anchored rules", () => {
    const rules = compileIgnoreRules("# c\n\n!keep\n\\!bang\n\\#hash\nbuild/\n/anchored\na/b\n  \n");
    assert.deepEqual(
      rules.map((r) => [r.negated, r.dirOnly, r.basename]),
      [
        [true, false, true],
        [false, false, true],
        [false, false, true],
        [false, true, true],
        [false, false, false],
        [false, false, false],
      ],
    );
    assert.ok(rules[1]!.test("!bang") && rules[2]!.test("#hash"));
  });

  it("lets the deeper directory win within a kind, and the last rule within a file", () => {
    const root = level("", { ".gitignore": "*.log\n" });
    const src = level("src", { ".gitignore": "!*.log\n*.log\n!keep.log\n" });
    assert.equal(isIgnored([root], "a.log", false), true);
    assert.equal(isIgnored([root, src], "src/a.log", false), true);
    assert.equal(isIgnored([root, src], "src/keep.log", false), false);
    assert.equal(isIgnored([root, src], "src", true), false);
  });

  it("ranks kinds as ripgrep does: .rgignore > .ignore > .gitignore, whatever the depth", () => {
    const root = level("", { ".ignore": "*.py\n", ".gitignore": "!b.py\n" });
    const src = level("src", { ".gitignore": "!*.py\n" });
    assert.equal(isIgnored([root, src], "src/a.py", false), true);
    assert.equal(isIgnored([root], "b.py", false), true);
    const root2 = level("", { ".rgignore": "*.py\n" });
    const src2 = level("src", { ".ignore": "!*.py\n" });
    assert.equal(isIgnored([root2, src2], "src/a.py", false), true);
    const root3 = level("", { ".gitignore": "*.py\n" });
    const src3 = level("src", { ".ignore": "!*.py\n" });
    assert.equal(isIgnored([root3, src3], "src/a.py", false), false);
  });

  it("applies directory-only rules to directories only", () => {
    const root = level("", { ".gitignore": "out/\n" });
    assert.equal(isIgnored([root], "out", true), true);
    assert.equal(isIgnored([root], "out", false), false);
    assert.equal(isIgnored([root], "x/out", true), true);
  });

  it("rewrites a directory's rules relative to the root for ripgrep's --ignore-file", async () => {
    await using repo = await tmpRepo({
      git: true,
      files: {
        ".gitignore": "*.log\n!keep.log\n",
        "src/.gitignore": "# c\n*.tmp\n!x.tmp\n/local/\nsub/*.js\n",
        "src/.ignore": "gen\n",
        "[odd]/.gitignore": "a*\n",
      },
    });
    writeFileSync(repo.path(".git/info/exclude"), "*.dat\n");
    assert.equal(
      rebasedIgnoreText(repo.root, ["src", "", "[odd]"]),
      [
        "*.dat",
        "*.log",
        "!keep.log",
        "/\\[odd\\]/**/a*",
        "/src/**/*.tmp",
        "!/src/**/x.tmp",
        "/src/local/",
        "/src/sub/*.js",
        "/src/**/gen",
        "",
      ].join("\n"),
    );
    assert.equal(rebasedIgnoreText(repo.root, ["lib"]), "");
  });
});
