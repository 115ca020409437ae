import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Toolbox } from "../../src/tools/toolbox.js";
import { ConfigError } from "../../src/util/errors.js";
import { type Resolution, Workspace } from "../../src/workspace/workspace.js";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

function ok(r: Resolution): Extract<Resolution, { ok: true }> {
  assert.ok(r.ok, `expected a resolution, got: ${r.ok ? "" : r.message}`);
  return r;
}
function fail(r: Resolution): Extract<Resolution, { ok: false }> {
  assert.ok(!r.ok, `expected a failure, got ${r.ok ? r.rel : ""}`);
  return r;
}

describe("Workspace.open", () => {
  it("realpaths the root and rejects a missing root or a file", async () => {
    await using repo = await tmpRepo({ files: { "a.txt": "a\n" } });
    const parent = realpathSync(mkdtempSync(join(tmpdir(), "fc-link-")));
    try {
      symlinkSync(repo.root, join(parent, "via-link"));
      const ws = await Workspace.open(join(parent, "via-link", "."));
      assert.equal(ws.root, repo.root);
      assert.throws(() => Workspace.openSync(join(parent, "missing")), ConfigError);
      assert.throws(() => Workspace.openSync(repo.path("a.txt")), /is not a directory/);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe("Workspace.resolve", () => {
  let repo: TmpRepo;
  let ws: Workspace;
  let outside: string;
  let name: string;

  before(async () => {
    outside = realpathSync(mkdtempSync(join(tmpdir(), "fc-outside-")));
    writeFileSync(join(outside, "secret.txt"), "outside\n");
    mkdirSync(join(outside, "dir"));
    repo = await tmpRepo({
      prefix: "myrepo-",
      files: {
        "src/pkg/mod.py": "a\n",
        "src/pkg/util.py": "b\n",
        "lib/util.py": "c\n",
        "README.md": "r\n",
        ".gitignore": "node_modules/\n",
        "node_modules/x/index.js": "x\n",
        "docs/guide.md": "g\n",
      },
      symlinks: { alias: "src", "out-file": join(outside, "secret.txt"), "out-dir": outside, chain: "out-dir" },
    });
    ws = Workspace.openSync(repo.root);
    name = basename(repo.root);
  });
  after(() => {
    repo.cleanup();
    rmSync(outside, { recursive: true, force: true });
  });

  it("resolves absolute paths inside the root, relative paths, ./x, backslashes and file:// verbatim", () => {
    for (const input of [
      repo.path("src/pkg/mod.py"),
      "src/pkg/mod.py",
      "./src/pkg/mod.py",
      "src\\pkg\\mod.py",
      ".\\src\\pkg\\mod.py",
      `file://${repo.path("src/pkg/mod.py")}`,
      "src//pkg/./mod.py",
      "`src/pkg/mod.py`",
    ]) {
      const r = ok(ws.resolve(input));
      assert.deepEqual(
        [r.rel, r.abs, r.kind, r.repaired],
        ["src/pkg/mod.py", repo.path("src/pkg/mod.py"), "file", false],
        input,
      );
    }
    assert.deepEqual(ok(ws.resolve(repo.root)).rel, "");
    assert.deepEqual(ok(ws.resolve(".")).kind, "dir");
    assert.deepEqual(ok(ws.resolve("src/")).rel, "src");
  });

  it("strips a trailing line range and keeps it", () => {
    assert.deepEqual(ok(ws.resolve("src/pkg/mod.py:12-40")).range, { start: 12, end: 40 });
    assert.deepEqual(ok(ws.resolve("src/pkg/mod.py:7")).range, { start: 7, end: 7 });
    assert.deepEqual(ok(ws.resolve(`${repo.path("README.md")}#L3-L9`)).range, { start: 3, end: 9 });
    assert.deepEqual(ok(ws.resolve("README.md:9-3")).range, { start: 9, end: 9 });
  });

  it("repairs mangled prefixes: /repo/, /workspace/, the root's name, a missing or extra leading segment", () => {
    for (const input of [
      "/repo/src/pkg/mod.py",
      "/workspace/src/pkg/mod.py",
      `/${name}/src/pkg/mod.py`,
      `${name}/src/pkg/mod.py`,
      "/home/user/code/src/pkg/mod.py",
      "pkg/mod.py",
      "/x/pkg/mod.py",
      "mod.py",
      "/repo/src/pkg/mod.py:3-4",
      "C:\\work\\repo\\src\\pkg\\mod.py",
    ]) {
      const r = ok(ws.resolve(input));
      assert.equal(r.rel, "src/pkg/mod.py", input);
      assert.equal(r.repaired, true, input);
    }
    const dir = ok(ws.resolve("/repo/src/pkg", "dir"));
    assert.deepEqual([dir.rel, dir.kind], ["src/pkg", "dir"]);
  });

  it("takes `/`, `/repo` and `/<name>` as the root where a directory is wanted, not where a file is", () => {
    for (const input of ["/", "/repo", `/${name}`, "/workspace"])
      assert.equal(ok(ws.resolve(input, "dir")).rel, "", input);
    assert.equal(fail(ws.resolve("/repo", "file")).reason, "outside");
  });

  it("reports ambiguity with the candidates, and treats a symlink alias as the same file", () => {
    const r = fail(ws.resolve("util.py"));
    assert.equal(r.reason, "ambiguous");
    assert.deepEqual(r.candidates.sort(), ["lib/util.py", "src/pkg/util.py"]);
    assert.equal(
      r.message,
      `Error: \`util.py\` is ambiguous; it could be any of:\n${repo.path("lib/util.py")}\n${repo.path("src/pkg/util.py")}`,
    );
    // alias/pkg/mod.py is src/pkg/mod.py through the in-root link "alias": not an ambiguity.
    assert.equal(ok(ws.resolve("/elsewhere/pkg/mod.py")).rel, "src/pkg/mod.py");
    // The alias path itself still resolves when named.
    assert.equal(ok(ws.resolve("alias/pkg/mod.py")).rel, "alias/pkg/mod.py");
  });

  it("says what does not exist and lists the closest real paths", () => {
    const r = fail(ws.resolve("src/pkg/mdo.py"));
    assert.equal(r.reason, "not_found");
    assert.equal(r.candidates[0], "src/pkg/mod.py");
    assert.match(
      r.message,
      new RegExp(
        `^Error: \`src/pkg/mdo.py\` does not exist\\.\\nClosest existing paths:\\n${repo.path("src/pkg/mod.py").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`,
      ),
    );
    assert.equal(fail(ws.resolve("nothing-like-it.zzz")).message, "Error: `nothing-like-it.zzz` does not exist.");
  });

  it("checks the kind that is asked for", () => {
    assert.equal(fail(ws.resolve("src", "file")).reason, "wrong_kind");
    assert.equal(
      fail(ws.resolve("README.md", "dir")).message,
      `Error: \`${repo.path("README.md")}\` is not a directory.`,
    );
  });

  it("resolves a path the caller names inside an ignored directory", () => {
    assert.equal(ok(ws.resolve("node_modules/x/index.js")).kind, "file");
  });

  it("refuses everything outside the root: .., absolute paths elsewhere, escaping symlinks, NUL bytes", () => {
    const permission = (input: string) =>
      `Permission error: \`${input}\` is not within the working directory \`${repo.root}\`.`;
    for (const input of [
      "../x",
      "src/../../x",
      "..",
      `../${name}/README.md/../../../etc/passwd`,
      "out-file",
      "out-dir/secret.txt",
      "chain/secret.txt",
      "out-dir",
      join(outside, "secret.txt"),
    ]) {
      const r = fail(ws.resolve(input));
      assert.equal(r.reason, "outside", input);
      assert.equal(r.message.split("\n")[0], permission(input), input);
    }
    assert.equal(fail(ws.resolve("a\0b")).reason, "invalid");
    assert.equal(fail(ws.resolve("")).reason, "invalid");
    assert.equal(fail(ws.resolve("   ")).reason, "invalid");
  });

  it("clips a very long path in its messages", () => {
    const r = fail(ws.resolve(`${"a/".repeat(3000)}x.py`));
    assert.ok(r.message.length < 400, `message of ${r.message.length} characters`);
  });
});

describe("Workspace caches", () => {
  it("builds the index once and caches stats", async () => {
    await using repo = await tmpRepo({ files: { "a.txt": "a\n" } });
    const ws = Workspace.openSync(repo.root);
    assert.equal(ws.files(), ws.files());
    assert.equal(ws.stat("a.txt")!.size, 2);
    assert.equal(ws.stat("missing"), null);
    assert.equal(ws.display(""), repo.root);
    assert.equal(ws.display("a.txt"), repo.path("a.txt"));
  });
});

describe("Workspace.listInBackground", () => {
  it("lists without making the searches that can do without the listing wait for it", async () => {
    await using repo = await tmpRepo({ files: { "a.txt": "a\n", "src/b.py": "b\n" } });
    const ws = Workspace.openSync(repo.root);
    assert.equal(await ws.warmIndex(), false, "no listing yet");
    ws.listInBackground();
    assert.equal(ws.hasIndex(), false);
    assert.equal(await ws.warmIndex(), false, "a background listing under way is not waited for");
    const index = await ws.fileIndex();
    assert.deepEqual(index.files.map((f) => f.rel).sort(), ["a.txt", "src/b.py"]);
    assert.equal(await ws.warmIndex(), true, "once it is done it is used");
    ws.listInBackground(); // a second call starts nothing
    assert.equal(await ws.fileIndex(), index);

    // A listing someone waits for is waited for by the searches too, as before.
    const other = Workspace.openSync(repo.root);
    const pending = other.fileIndex();
    assert.equal(await other.warmIndex(), true);
    assert.equal(await pending, await other.fileIndex());
  });
});

describe("Workspace.symlinkProbes", () => {
  it("runs one find per start directory for the listing and the index-free Greps together", async () => {
    await using repo = await tmpRepo({
      // Nothing ignored near the root: the probe is one `find` over the whole tree.
      files: { "shared/util.py": "def shared_helper(): pass\n", "docs/a.md": "a\n" },
      symlinks: { "src/lnk": "../shared" },
    });
    const bin = realpathSync(mkdtempSync(join(tmpdir(), "fc-find-")));
    const log = join(bin, "find.log");
    const real = spawnSync("sh", ["-c", "command -v find"], { encoding: "utf8" }).stdout.trim();
    const slow = join(bin, "slow");
    writeFileSync(
      join(bin, "find"),
      `#!/bin/sh\necho run >> '${log}'\nif [ -e '${slow}' ]; then sleep 5; fi\nexec '${real}' "$@"\n`,
    );
    chmodSync(join(bin, "find"), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    try {
      const ws = Workspace.openSync(repo.root);
      ws.listInBackground();
      const tb = new Toolbox(ws);
      const [grep, index] = await Promise.all([
        tb.run({ id: "g", name: "Grep", arguments: { pattern: "shared_helper", output_mode: "files_with_matches" } }),
        ws.fileIndex(),
      ]);
      assert.match(grep.text, /src\/lnk\/util\.py/, "the Grep searched through the link");
      assert.ok(index.byRel.has("src/lnk/util.py"), "the listing followed the link");
      assert.equal(readFileSync(log, "utf8").trim().split("\n").length, 1, "one find for both");
      // A cancelled search stops waiting for a probe without killing it for the others.
      const other = Workspace.openSync(repo.root);
      const cancelled = new AbortController();
      const waiting = other.symlinkProbes.of("", [], cancelled.signal);
      const listing = other.symlinkProbes.of("", []);
      cancelled.abort();
      assert.equal(await waiting, null);
      assert.deepEqual(
        (await listing)?.followed.map((l) => l.rel),
        ["src/lnk"],
      );
      // When every caller gives up, the find is killed: a slow one does not outlive them.
      writeFileSync(slow, "");
      const third = Workspace.openSync(repo.root);
      const a = new AbortController();
      const b = new AbortController();
      const started = performance.now();
      const first = third.symlinkProbes.of("", [], a.signal);
      const second = third.symlinkProbes.of("", [], b.signal);
      await new Promise((r) => setTimeout(r, 100));
      a.abort();
      b.abort();
      assert.deepEqual([await first, await second], [null, null]);
      rmSync(slow);
      const again = third.symlinkProbes.of("", []); // a new probe, not the killed one
      assert.deepEqual(
        (await again)?.followed.map((l) => l.rel),
        ["src/lnk"],
      );
      assert.ok(performance.now() - started < 4000, "the slow find was killed, not waited for");
    } finally {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
