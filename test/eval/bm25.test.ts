import assert from "node:assert/strict";
import { realpathSync } from "node:fs";
import { describe, it } from "node:test";
import { bestWindow, listSourceFiles, rankFiles, tokens } from "../../src/eval/bm25-index.js";
import { createBm25Explorer } from "../../src/eval/bm25-policy.js";
import { numberedLines, tempDir, writeFiles } from "./support.js";

describe("tokens", () => {
  it("splits camelCase, snake_case and dots, keeps compound identifiers, drops stop words, numbers and tiny tokens", () => {
    assert.deepEqual(tokens("The parseHTTPHeader failed in add_url_rule of flask.blueprints at line 42 x"), [
      "parse",
      "http",
      "header",
      "parsehttpheader",
      "failed",
      "add",
      "url",
      "rule",
      "add_url_rule",
      "flask",
      "blueprints",
      "line",
    ]);
  });
});

describe("listSourceFiles", () => {
  it("skips dot-directories, node_modules, binaries and files over 1 MB", () => {
    const root = tempDir();
    writeFiles(root, {
      "src/a.py": "x = 1\n",
      ".hidden/b.py": "x\n",
      "node_modules/m/index.js": "x\n",
      "img.py": "\u0000binary",
      "big.py": "y".repeat(1024 * 1024 + 1),
      "notes.txt": "text\n",
    });
    assert.deepEqual(
      listSourceFiles(root).map((f) => f.rel),
      ["notes.txt", "src/a.py"],
    );
    assert.deepEqual(
      listSourceFiles(root, (rel) => rel.endsWith(".py")).map((f) => f.rel),
      ["src/a.py"],
    );
  });
});

describe("bm25", () => {
  const root = tempDir();
  const filler = numberedLines(150, "# filler comment");
  writeFiles(root, {
    "pkg/session.py": `${filler}def resolve_redirects(response):\n    # follow the redirect chain\n    return redirect_target(response)\n${filler}`,
    "pkg/models.py": `class Response:\n    status = 200\n`,
    "pkg/utils.py": `def helper():\n    return "redirect"\n`,
    "docs/readme.md": "resolve redirects resolve redirects resolve redirects\n",
  });

  it("ranks the file whose terms match and finds its best window", () => {
    const files = listSourceFiles(root, (r) => r.endsWith(".py"));
    const { ranked, weights } = rankFiles(files, "resolve_redirects loops forever on a redirect chain");
    assert.equal(ranked[0]?.file.rel, "pkg/session.py");
    assert.ok(
      ranked.every((r) => r.file.rel !== "pkg/models.py"),
      "a file sharing no term is not ranked",
    );
    const w = bestWindow(ranked[0]!.text, weights, 60);
    assert.ok(w.start <= 151 && w.end >= 153, `window ${w.start}-${w.end} misses the function at 151-153`);
    assert.equal(w.end - w.start + 1, 60);
  });

  it("returns a proper ExploreResult with verified citations", async () => {
    const explorer = createBm25Explorer();
    const result = await explorer({ query: "resolve_redirects loops forever on a redirect chain", root });
    assert.equal(result.policy, "bm25");
    assert.equal(result.stopReason, "answered");
    assert.equal(result.partial, false);
    assert.equal(result.turns, 0);
    assert.equal(result.toolCalls, 0);
    assert.equal(result.root, realpathSync(root));
    assert.deepEqual(
      result.citations.map((c) => c.path),
      ["pkg/session.py", "pkg/utils.py"],
      "code files only, best first",
    );
    assert.ok(result.citations.every((c) => c.verified && c.start >= 1 && c.end >= c.start));
    assert.deepEqual(result.citations[1]?.start, 1, "a short file is cited whole");
    assert.deepEqual(result.citations[1]?.end, 2);
  });

  it("answers no_answer when no file shares a term", async () => {
    const result = await createBm25Explorer()({ query: "zzzqqq", root });
    assert.equal(result.citations.length, 0);
    assert.equal(result.stopReason, "no_answer");
    assert.equal(result.partial, true);
  });
});
