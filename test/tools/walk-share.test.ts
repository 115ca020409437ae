/**
 * The index-free Greps of one turn share one walk's ignore notices (src/tools/grep/walk-share.ts):
 * only the first search of a target asks ripgrep to name what it skipped (`--debug`), and every call
 * still gets the text and skipped counts it gets alone. That includes the turns whose leader fails
 * or is cut at the line cap, and the turns with a shared count pass, which keeps its own.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { ToolCallRequest } from "../../src/contracts/tools.js";
import { WalkShare } from "../../src/tools/grep/walk-share.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { withLoggedRipgrep } from "../support/tree-helpers.js";

const grep = (id: string, args: Record<string, unknown>): ToolCallRequest => ({ id, name: "Grep", arguments: args });

const FILES = {
  ".gitignore": "build/\n*.log\n",
  "src/.gitignore": "generated/\n",
  "src/a.py": "def retry(request):\n    return session.send(request)\n",
  "src/b.py": "class Session:\n    retries = 3\n",
  "src/generated/c.py": "def retry(): pass\n",
  "build/out.py": "def retry(): pass\n",
  "debug.log": "retry request session\n",
  "docs/guide.md": "How a request is retried.\n",
};

/** Each call's text and skipped counts when it runs alone, in a fresh workspace. */
async function alone(root: string, calls: ToolCallRequest[]) {
  const out = [];
  for (const call of calls) {
    const r = await new Toolbox(Workspace.openSync(root)).run(call);
    out.push({ text: r.text, skipped: r.skipped });
  }
  return out;
}

/** The rg command lines of the walks over the whole tree (not the explicit-path checks). */
function walksOfTree(log: string, root: string): string[] {
  return readFileSync(log, "utf8")
    .trim()
    .split("\n")
    .filter((line) => line.endsWith(`-- ${root}`));
}

describe("one walk's ignore notices per turn", () => {
  it("hands the leader's entries to the followers, and drops a leader that failed", async () => {
    const share = new WalkShare();
    assert.equal(share.follow(""), undefined);
    const publish = share.lead("");
    const followed = share.follow("");
    assert.ok(followed);
    publish(["/r/build"]);
    publish(null); // only the first call counts
    assert.deepEqual(await followed, ["/r/build"]);
    assert.equal(share.follow(""), followed, "a leader that ended normally stays the leader");
    const failed = share.lead("src");
    const waiting = share.follow("src");
    failed(null);
    assert.equal(await waiting, null);
    assert.equal(share.follow("src"), undefined, "a failed leader is dropped: a later search leads again");
  });

  it("gives every Grep of a turn its text alone, with one walk naming what it skipped", async () => {
    await using repo = await tmpRepo({ files: FILES });
    await withLoggedRipgrep(async (log) => {
      const turn = [
        grep("a", { pattern: "retr", output_mode: "content" }),
        grep("b", { pattern: "request", output_mode: "files_with_matches" }),
        grep("c", { pattern: "session", "-i": true, output_mode: "content" }),
        grep("d", { pattern: "def \\w+", output_mode: "count" }),
        grep("e", { pattern: "retry", path: "src" }),
      ];
      const expected = await alone(repo.root, turn);
      assert.match(
        expected[0]!.text,
        /Not searched: 2 directories excluded by ignore rules \(build\/, src\/generated\/\)/,
      );
      assert.ok(
        expected.every((e) => (e.skipped?.ignored ?? 0) > 0),
        "every call skipped ignored entries",
      );
      writeFileSync(log, "");
      const results = await new Toolbox(Workspace.openSync(repo.root)).runTurn(turn);
      assert.deepEqual(
        results.map((r) => ({ text: r.text, skipped: r.skipped })),
        expected,
      );
      const walks = walksOfTree(log, repo.root);
      assert.equal(walks.length, 4, walks.join("\n"));
      assert.equal(walks.filter((w) => w.includes("--debug")).length, 1, walks.join("\n"));
    });
  });

  // The invalid pattern's leader publishes nothing (a mutation that publishes its empty list fails
  // here). Whether the capped leader's walk had named every skipped entry before the kill depends
  // on ripgrep's threads; either way its followers must read as they do alone.
  it("falls back to the file index when the leader's walk fails, and a capped leader misleads no one", async () => {
    const many = Array.from({ length: 25_000 }, (_, i) => `x${i}`).join("\n");
    await using repo = await tmpRepo({ files: { ...FILES, "src/many.txt": many } });
    for (const leader of [
      grep("bad", { pattern: "retry(", output_mode: "content" }),
      grep("cap", { pattern: "x", output_mode: "content" }),
    ]) {
      const turn = [
        leader,
        grep("f1", { pattern: "retry", output_mode: "content" }),
        grep("f2", { pattern: "Session" }),
      ];
      const expected = await alone(repo.root, turn.slice(1));
      const results = await new Toolbox(Workspace.openSync(repo.root)).runTurn(turn);
      if (leader.id === "bad") assert.equal(results[0]!.error?.code, "invalid_regex");
      else assert.match(results[0]!.text, /x24999|more/);
      assert.deepEqual(
        results.slice(1).map((r) => ({ text: r.text, skipped: r.skipped })),
        expected,
        `followers of the ${leader.id} leader`,
      );
    }
  });

  it("leaves a shared count pass out of the sharing, and the pass stays one", async () => {
    await using repo = await tmpRepo({ files: FILES });
    await withLoggedRipgrep(async (log) => {
      const turn = [
        grep("n1", { pattern: "\\b(?:retr)\\w*", "-i": true, output_mode: "count" }),
        grep("n2", { pattern: "\\b(?:sess)\\w*", "-i": true, output_mode: "count" }),
        grep("p", { pattern: "request", output_mode: "content" }),
      ];
      const expected = await alone(repo.root, turn);
      writeFileSync(log, "");
      const results = await new Toolbox(Workspace.openSync(repo.root)).runTurn(turn);
      assert.deepEqual(
        results.map((r) => ({ text: r.text, skipped: r.skipped })),
        expected,
      );
      const walks = walksOfTree(log, repo.root);
      assert.equal(walks.filter((w) => w.includes("--only-matching")).length, 1, walks.join("\n"));
      // The pass names its own; the content search leads the turn's other walks (none here).
      assert.equal(walks.filter((w) => w.includes("--debug")).length, 2, walks.join("\n"));
    });
  });
});
