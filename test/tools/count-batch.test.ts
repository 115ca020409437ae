/**
 * Count Greps of one turn that share a ripgrep pass (src/tools/grep/count-search.ts) give each call
 * the text it gets alone, on words that test the sharing: case, Unicode case folding, underscores,
 * digits, stems that are prefixes of each other, whole-word names inside longer words; and on the
 * files every search treats specially: binary, secret, ignored, linked, odd names.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { ToolCallRequest } from "../../src/contracts/tools.js";
import { wordMatcher } from "../../src/tools/grep/count-search.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { loggingRipgrep } from "../support/tree-helpers.js";

const TEXT = [
  "def retry(request): return compute_retry_delay(request)",
  "RETRY = Retry() ; retrying retries retry2 _retry retry_policy",
  "Request requests request_id req_headers REQ",
  "réessayer Réessayer \u212Aelvin kelvin KELVIN", // U+212A KELVIN SIGN folds to k
  "Session session SessionManager send sender resend",
].join("\n");

const CALLS: Array<[string, boolean]> = [
  ["\\b(?:retr)\\w*", true],
  ["\\b(?:retry)\\w*", false],
  ["\\b(?:req|request)\\w*", true],
  ["\\b(?:kelvin|réessay)\\w*", true],
  ["\\b(?:Session|send)\\b", false],
  ["\\b(?:session)\\b", true],
  ["\\b(?:nothing_matches_this)\\w*", true],
];

function calls(path?: string): ToolCallRequest[] {
  return CALLS.map(([pattern, ignoreCase], i) => ({
    id: `c${i}`,
    name: "Grep",
    arguments: { pattern, "-i": ignoreCase, output_mode: "count", ...(path ? { path } : {}) },
  }));
}

describe("count Greps sharing one pass", () => {
  it("recognises only whole-word patterns", () => {
    assert.ok(wordMatcher("\\b(?:retry|backoff)\\w*", true));
    assert.ok(wordMatcher("\\b(?:Session)\\b", false));
    assert.equal(wordMatcher("retry", false), null);
    assert.equal(wordMatcher("\\b(?:a.b)\\b", false), null);
    assert.equal(wordMatcher("\\b(?:retry)\\w+", false), null);
    const prefix = wordMatcher("\\b(?:kelvin)\\w*", true)!;
    assert.ok(prefix("\u212Aelvin") && prefix("KELVIN") && !prefix("xkelvin"));
    const exact = wordMatcher("\\b(?:send)\\b", false)!;
    assert.ok(exact("send") && !exact("sender") && !exact("Send"));
  });

  it("gives every call the text it gets alone, in one ripgrep pass", async () => {
    await using repo = await tmpRepo({
      files: {
        ".gitignore": "build/\n",
        "src/a.py": TEXT,
        "src/b.py": `${TEXT}\n${TEXT}\n`,
        "src/ünïcode dir/c.py": TEXT,
        "src/odd\nname.py": TEXT,
        "build/out.py": TEXT,
        ".env": "RETRY_TOKEN=secret request\n",
        "assets/blob.bin": Buffer.concat([Buffer.from("retry request "), Buffer.from([0, 1, 2, 0]), Buffer.from(TEXT)]),
        // A NUL past ripgrep's first buffer: a count alone prints nothing, a pass met the words before it.
        "assets/late.bin": Buffer.concat([
          Buffer.from(`${TEXT}\n${"x".repeat(200_000)}\n`),
          Buffer.alloc(2),
          Buffer.from(TEXT),
        ]),
      },
      symlinks: { linked: "src" },
    });
    const logDir = realpathSync(mkdtempSync(join(tmpdir(), "fc-rglog-")));
    const log = join(logDir, "args.log");
    const restore = await loggingRipgrep(logDir, log);
    try {
      for (const path of [undefined, "src"]) {
        const alone: string[] = [];
        for (const call of calls(path)) alone.push((await new Toolbox(Workspace.openSync(repo.root)).run(call)).text);
        writeFileSync(log, "");
        const turn = await new Toolbox(Workspace.openSync(repo.root)).runTurn(calls(path), { concurrency: 3 });
        assert.deepEqual(
          turn.map((r) => r.text),
          alone,
          `same texts (path ${path ?? "root"})`,
        );
        const runs = readFileSync(log, "utf8").trim().split("\n");
        // The pattern with a letter past ASCII runs alone; the others share one pass (per walk
        // root: the tree, then the linked directory searched as an explicit path).
        const counted = runs.filter((r) => r.includes("--count-matches"));
        assert.ok(
          counted.every((r) => r.includes("réessay")),
          runs.join("\n"),
        );
        const shared = runs
          .filter((r) => r.includes("--only-matching"))
          .map((r) => r.replace(/--ignore-file \S+ /, ""));
        assert.equal(new Set(shared).size, shared.length, `no pass ran twice:\n${shared.join("\n")}`);
        assert.ok(shared.length >= 1);
      }
      // The texts are real counts, not empty agreement.
      const one = await new Toolbox(Workspace.openSync(repo.root)).run(calls()[0]!);
      assert.match(one.text, /src\/a\.py:\d+/);
      assert.doesNotMatch(one.text, /build\/out\.py|\.env|blob\.bin|late\.bin/);
    } finally {
      restore();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
  it("starts a batch's members together, so a listing built meanwhile never splits the pass", async () => {
    await using repo = await tmpRepo({
      files: { ".gitignore": "build/\n", "src/a.py": TEXT, "src/b.py": TEXT, "build/out.py": TEXT },
    });
    const logDir = realpathSync(mkdtempSync(join(tmpdir(), "fc-rglog-")));
    const log = join(logDir, "args.log");
    const restore = await loggingRipgrep(logDir, log);
    try {
      const count = (pattern: string, i: number): ToolCallRequest => ({
        id: `n${i}`,
        name: "Grep",
        arguments: { pattern, "-i": true, output_mode: "count" },
      });
      const glob = (i: number): ToolCallRequest => ({ id: `g${i}`, name: "Glob", arguments: { pattern: "**/*.py" } });
      // One at a time: the later members would start after the Globs have listed the tree.
      const turn = [
        count("\\b(?:retr)\\w*", 0),
        glob(1),
        glob(2),
        glob(3),
        count("\\b(?:req|request)\\w*", 4),
        count("\\b(?:session)\\w*", 5),
      ];
      const results = await new Toolbox(Workspace.openSync(repo.root)).runTurn(turn, { concurrency: 1 });
      const shared = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .filter((r) => r.includes("--only-matching"));
      assert.equal(shared.length, 1, shared.join("\n"));
      for (const [k, i] of [0, 4, 5].entries()) {
        const alone = await new Toolbox(Workspace.openSync(repo.root)).run(turn[i]!);
        assert.equal(results[i]!.text, alone.text, `call ${k}`);
      }
      assert.match(results[0]!.text, /src\/a\.py:\d+/);
    } finally {
      restore();
      rmSync(logDir, { recursive: true, force: true });
    }
  });
});
