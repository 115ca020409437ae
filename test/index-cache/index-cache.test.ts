/**
 * The warm file index: reused while the tree is unchanged (proved by hit counters on trees whose
 * timestamps are old enough to be trusted), and changes seen on the next call — edits, additions,
 * deletions, renames, ignore-file edits — through the real tools. The disk cache survives a new
 * cache object (a new CLI process), and a truncated, edited or foreign cache file is rebuilt.
 */
import assert from "node:assert/strict";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiskIndexCache } from "../../src/index-cache/disk-cache.js";
import { MemoryIndexCache } from "../../src/index-cache/memory-cache.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import type { FileIndex, WalkOptions } from "../../src/workspace/file-index.js";
import { type IndexSource, listTree, Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";
import { ageTree } from "../support/tree-helpers.js";

/** A source that counts how often it really listed. */
function counted(source: IndexSource): { source: IndexSource; lists: () => number } {
  let n = 0;
  const list = (o: WalkOptions): Promise<FileIndex> => {
    n++;
    return listTree(o);
  };
  return { source: (o) => source(o, list), lists: () => n };
}

async function glob(repo: TmpRepo, source: IndexSource, pattern: string): Promise<string[]> {
  const ws = Workspace.openSync(repo.root, { indexSource: source });
  const r = await new Toolbox(ws).run({ id: "g", name: "Glob", arguments: { pattern } });
  return r.data?.tool === "Glob"
    ? [...r.data.paths].map((p) => (p.startsWith("/") ? p.slice(repo.root.length + 1) : p)).sort()
    : [];
}

const FILES = {
  ".gitignore": "build/\n",
  "src/a.py": "def alpha():\n    pass\n",
  "src/b.py": "def beta():\n    pass\n",
  "src/deep/c.py": "def gamma():\n    pass\n",
  "build/out.py": "def built():\n    pass\n",
};

describe("memory index cache", () => {
  it("reuses the listing while nothing changed, and sees edits, additions, deletions and renames", async () => {
    await using repo = await tmpRepo({ files: FILES });
    ageTree(repo.root);
    const cache = new MemoryIndexCache();
    const { source, lists } = counted((o, l) => cache.source(o, l));
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py"]);
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py"]);
    assert.equal(lists(), 1, "the second call reused the listing");
    assert.equal(cache.stats.hits, 1);

    // An edit of a file's content does not change the listing (Grep reads the file anyway).
    writeFileSync(repo.path("src/a.py"), "def alpha_renamed():\n    pass\n");
    const ws = Workspace.openSync(repo.root, { indexSource: source });
    const grep = await new Toolbox(ws).run({ id: "g", name: "Grep", arguments: { pattern: "alpha_renamed" } });
    assert.match(grep.text, /src\/a\.py/);

    repo.write("src/deep/new.py", "x = 1\n");
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py", "src/deep/new.py"]);
    rmSync(repo.path("src/b.py"));
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/deep/c.py", "src/deep/new.py"]);
    renameSync(repo.path("src/deep/c.py"), repo.path("src/moved.py"));
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/deep/new.py", "src/moved.py"]);
    assert.ok(cache.stats.stale >= 3, `stale ${cache.stats.stale}`);
  });

  it("a Grep without the index lists into the server's cache behind it; the next Grep uses that listing and sees changes", async () => {
    await using repo = await tmpRepo({ files: FILES });
    ageTree(repo.root);
    const cache = new MemoryIndexCache();
    const grep = async (pattern: string) => {
      const ws = Workspace.openSync(repo.root, { indexSource: cache.source });
      return (await new Toolbox(ws).run({ id: "g", name: "Grep", arguments: { pattern } })).text;
    };
    assert.match(await grep("def beta"), /src\/b\.py/);
    const deadline = Date.now() + 10_000;
    while (cache.size.repos === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(cache.size.repos, 1, "the listing was made in the background");
    assert.match(await grep("def gamma"), /src\/deep\/c\.py/);
    assert.equal(cache.stats.hits, 1, "the second Grep used the kept listing");
    repo.write("src/deep/new.py", "def delta():\n    pass\n");
    assert.match(await grep("def delta"), /src\/deep\/new\.py/);
    assert.match(await grep("def built"), /No matches found/, "ignore rules hold on the indexed path too");
  });

  it("sees an edited ignore file, even one whose directory did not change", async () => {
    await using repo = await tmpRepo({ files: FILES });
    ageTree(repo.root);
    const cache = new MemoryIndexCache();
    const source: IndexSource = (o, l) => cache.source(o, l);
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py"]);
    // Same size, new content: the mtime tells.
    writeFileSync(repo.path(".gitignore"), "src/\n");
    assert.deepEqual(await glob(repo, source, "**/*.py"), ["build/out.py"]);
  });

  it("keeps at most maxRepos repositories, least recently used out first, and shares concurrent listings", async () => {
    const repos = await Promise.all([1, 2, 3].map(() => tmpRepo({ files: FILES })));
    try {
      for (const r of repos) ageTree(r.root);
      const cache = new MemoryIndexCache({ maxRepos: 2 });
      const { source, lists } = counted((o, l) => cache.source(o, l));
      const [a, b] = await Promise.all([glob(repos[0]!, source, "**/*.py"), glob(repos[0]!, source, "**/*.py")]);
      assert.deepEqual(a, b);
      assert.equal(lists(), 1, "two explorations at once shared one listing");
      await glob(repos[1]!, source, "*.py");
      await glob(repos[2]!, source, "*.py");
      assert.equal(cache.size.repos, 2);
      assert.equal(cache.stats.evicted, 1);
      await glob(repos[0]!, source, "*.py"); // evicted: listed again
      assert.equal(lists(), 4);
      const tiny = new MemoryIndexCache({ maxBytes: 1 });
      await glob(repos[0]!, (o, l) => tiny.source(o, l), "*.py");
      await glob(repos[1]!, (o, l) => tiny.source(o, l), "*.py");
      assert.equal(tiny.size.repos, 1, "the memory cap keeps only the newest");
    } finally {
      for (const r of repos) r.cleanup();
    }
  });
});

describe("disk index cache", () => {
  const cacheDir = () => realpathSync(mkdtempSync(join(tmpdir(), "fc-cache-")));

  it("serves a new process from disk, sees changes, and rebuilds a truncated or foreign cache file", async () => {
    await using repo = await tmpRepo({ files: FILES });
    ageTree(repo.root);
    const dir = cacheDir();
    try {
      const first = new DiskIndexCache({ dir });
      assert.deepEqual(await glob(repo, first.source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py"]);
      assert.deepEqual(first.events, ["miss"]);
      const files = readdirSync(dir);
      assert.equal(files.length, 1, "one cache file, no temporary left behind");
      const file = join(dir, files[0]!);

      const second = new DiskIndexCache({ dir });
      const { source, lists } = counted(second.source);
      assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py"]);
      assert.equal(lists(), 0, "served from the cache file");
      assert.deepEqual(second.events, ["hit"]);

      repo.write("src/added.py", "y = 2\n");
      assert.deepEqual(await glob(repo, source, "**/*.py"), ["src/a.py", "src/added.py", "src/b.py", "src/deep/c.py"]);
      assert.deepEqual(second.events, ["hit", "stale"]);
      ageTree(repo.root);
      await glob(repo, source, "**/*.py"); // stamps the aged tree (the last listing saw a racy directory)

      const good = readFileSync(file);
      writeFileSync(file, good.subarray(0, Math.floor(good.length / 2)));
      const third = new DiskIndexCache({ dir });
      assert.deepEqual(await glob(repo, third.source, "**/*.py"), [
        "src/a.py",
        "src/added.py",
        "src/b.py",
        "src/deep/c.py",
      ]);
      assert.deepEqual(third.events, ["corrupt"]);
      // Rewritten whole: the next process is served again.
      const fourth = new DiskIndexCache({ dir });
      await glob(repo, fourth.source, "**/*.py");
      assert.deepEqual(fourth.events, ["hit"]);

      // A foreign file (valid JSON, another format) and one whose payload was edited.
      writeFileSync(file, `${JSON.stringify({ format: "something-else", version: 1 })}\n{}`);
      const fifth = new DiskIndexCache({ dir });
      await glob(repo, fifth.source, "**/*.py");
      assert.deepEqual(fifth.events, ["corrupt"]);
      const text = readFileSync(file, "utf8").replace("src/b.py", "src/x.py");
      writeFileSync(file, text);
      const sixth = new DiskIndexCache({ dir });
      assert.deepEqual(await glob(repo, sixth.source, "**/*.py"), [
        "src/a.py",
        "src/added.py",
        "src/b.py",
        "src/deep/c.py",
      ]);
      assert.deepEqual(sixth.events, ["corrupt"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never writes inside the explored repository", async () => {
    await using repo = await tmpRepo({ files: FILES });
    const inside = new DiskIndexCache({ dir: repo.path(".cache/fastcontext") });
    assert.deepEqual(await glob(repo, inside.source, "**/*.py"), ["src/a.py", "src/b.py", "src/deep/c.py"]);
    assert.deepEqual(inside.events, []);
    assert.equal(existsSync(repo.path(".cache")), false);
  });
});
