/**
 * The file guard on real files: what it refuses (outside, .git, secrets by real path, hard links to
 * secrets, credential-looking hard links, FIFOs without blocking), what it lets through (ordinary
 * hard links, ordinary files), and PathJudge's `recent` mark for files that changed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, linkSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  type GuardPolicy,
  isGitPath,
  looksLikeCredentials,
  openGuardedSync,
  PathJudge,
} from "../../src/workspace/file-guard.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { populate } from "../support/tmp-repo.js";

describe("file guard", () => {
  let base: string;
  let root: string;
  let policy: GuardPolicy;
  before(() => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "fc-guard-")));
    root = join(base, "repo");
    populate(base, {
      files: {
        "outside.txt": "outside\n",
        "repo/.env": "TOKEN=abc\n",
        "repo/plain.txt": "plain\n",
        "repo/.git/config": "[core]\n",
      },
    });
    populate(root, {
      symlinks: { "out.txt": "../outside.txt", "alias.txt": ".env", "git-cfg": ".git/config", "ok.txt": "plain.txt" },
    });
    linkSync(join(root, ".env"), join(root, "twin.txt"));
    linkSync(join(root, "plain.txt"), join(root, "plain-twin.txt"));
    writeFileSync(join(base, "k"), "-----BEGIN RSA PRIVATE KEY-----\nx\n");
    linkSync(join(base, "k"), join(root, "k.txt"));
    execFileSync("mkfifo", [join(root, "pipe.txt")]);
    policy = Workspace.openSync(root).guard();
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  const open = (rel: string) => {
    const r = openGuardedSync(policy, rel, join(root, rel));
    if (r.ok) closeSync(r.file);
    return r.ok ? "ok" : r.reason;
  };

  it("refuses what leads outside, into .git, to a secret or is not a regular file; opens the rest", () => {
    assert.equal(open("out.txt"), "outside");
    assert.equal(open("git-cfg"), "git");
    assert.equal(open(".git/config"), "git");
    assert.equal(open("alias.txt"), "secret");
    assert.equal(open("twin.txt"), "secret");
    assert.equal(open("k.txt"), "secret");
    assert.equal(open("pipe.txt"), "not_file"); // O_NONBLOCK: the open does not wait for a writer
    assert.equal(open("plain.txt"), "ok");
    assert.equal(open("plain-twin.txt"), "ok");
    assert.equal(open("ok.txt"), "ok");
  });

  it("PathJudge gives the same verdicts by path, and marks files changed since a time as recent", () => {
    const judge = new PathJudge(policy, undefined, Date.now() - 60_000);
    const reason = (rel: string) => {
      const v = judge.judge(rel);
      return v.ok ? "ok" : v.reason;
    };
    assert.deepEqual(["out.txt", "git-cfg", "alias.txt", "twin.txt", "k.txt", "plain-twin.txt", "ok.txt"].map(reason), [
      "outside",
      "git",
      "secret",
      "secret",
      "secret",
      "ok",
      "ok",
    ]);
    const v = judge.judge("plain.txt");
    assert.ok(v.ok && v.recent === true, "created a moment ago");
    const later = new PathJudge(policy, undefined, Date.now() + 60_000).judge("plain.txt");
    assert.ok(later.ok && later.recent === undefined);
  });

  it("credential content is recognized; ordinary code that mentions keys is not", () => {
    for (const text of [
      "-----BEGIN OPENSSH PRIVATE KEY-----\n",
      "[default]\naws_secret_access_key = abc\n",
      "machine github.com login me password hunter2\n",
      "url = https://me:tok3n@example.com/x.git\n",
      "export STRIPE_SECRET_KEY=sk_live_1\n",
      "DB_PASSWORD=x\n",
    ])
      assert.ok(looksLikeCredentials(Buffer.from(text)), text);
    for (const text of [
      "const apiKey = process.env.API_KEY;\n",
      "def token(self):\n    return self._token\n",
      "interface Options { password?: string }\n",
      "see https://example.com/docs\n",
    ])
      assert.ok(!looksLikeCredentials(Buffer.from(text)), text);
  });

  it("isGitPath is true for .git and anything below one, at any depth", () => {
    for (const rel of [".git", ".git/config", "sub/.git", "sub/.git/HEAD"]) assert.ok(isGitPath(rel), rel);
    for (const rel of [".gitignore", "a.git", "x/.github/ci.yml", "git/config"]) assert.ok(!isGitPath(rel), rel);
  });

  it("a symlink to a secret is a secret for Workspace.isSecret too (citations use it)", () => {
    const ws = Workspace.openSync(root);
    assert.ok(ws.isSecret("alias.txt"));
    assert.ok(!ws.isSecret("ok.txt"));
    symlinkSync(".env", join(root, "late-alias"));
    assert.ok(ws.isSecret("late-alias"));
  });
});
