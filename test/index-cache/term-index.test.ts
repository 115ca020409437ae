/**
 * The warm term index (src/index-cache/term-index/): a search through the server's kept listing
 * reads only the files its pattern may match. Every narrowed result must be the text the same call
 * gets from ripgrep's own walk of the tree — on patterns of every kind the explorer plans and on
 * the files searches treat specially (case and Unicode folding, binary early and late, UTF-16,
 * secret, linked, large) — and edits between calls must be seen.
 */
import assert from "node:assert/strict";
import { statSync, utimesSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import type { ToolCallRequest } from "../../src/contracts/tools.js";
import type { MemoryIndexCache } from "../../src/index-cache/memory-cache.js";
import { TermIndex as TermIndexClass } from "../../src/index-cache/term-index/term-index.js";
import { patternRequirement, type Requirement } from "../../src/tools/grep/regex-requirement.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { ageTree } from "../support/tree-helpers.js";
import { warmCache } from "../support/warm-cache.js";

const w = (mode: "exact" | "prefix" | "suffix" | "inner", text: string): Requirement => ({ kind: "word", mode, text });

describe("pattern requirements", () => {
  it("requires the words a pattern cannot match without", () => {
    assert.deepEqual(patternRequirement("\\bHTTPAdapter(?:\\.|::|->)send\\b"), {
      kind: "all",
      of: [w("exact", "httpadapter"), w("exact", "send")],
    });
    assert.deepEqual(patternRequirement("(?i)\\b(?:adapt)\\w*"), w("prefix", "adapt"));
    assert.deepEqual(patternRequirement("\\b(?:Session|send)\\b"), {
      kind: "any",
      of: [w("exact", "session"), w("exact", "send")],
    });
    assert.deepEqual(patternRequirement("\\bthe\\s+retry\\s+adapter\\b|\\bDO NOT EDIT\\b"), {
      kind: "any",
      of: [
        { kind: "all", of: [w("exact", "the"), w("exact", "retry"), w("exact", "adapter")] },
        { kind: "all", of: [w("exact", "do"), w("exact", "not"), w("exact", "edit")] },
      ],
    });
    // Unbounded sides: a word that contains, starts or ends with the literal.
    assert.deepEqual(patternRequirement("parse_args"), w("inner", "parse_args"));
    assert.deepEqual(patternRequirement("def parse"), { kind: "all", of: [w("suffix", "def"), w("prefix", "parse")] });
    assert.deepEqual(patternRequirement("@generated\\b"), w("exact", "generated"));
    // An ASCII boundary: a non-ASCII letter beside it may continue the word.
    assert.deepEqual(patternRequirement("(?-u:\\b)retry\\s+adapter(?-u:\\b)"), {
      kind: "all",
      of: [w("suffix", "retry"), w("prefix", "adapter")],
    });
    assert.deepEqual(patternRequirement("^import\\s"), w("exact", "import"));
    assert.deepEqual(patternRequirement("^\\s*from\\s*\\("), w("exact", "from"), "\\s* between edges still borders");
    assert.deepEqual(patternRequirement("^\\s*from\\s*[\\w.]"), w("prefix", "from"), "a class may be a word character");
    assert.deepEqual(patternRequirement("\\b[Ii]mport_?[Mm]ode\\b"), {
      kind: "all",
      of: [w("prefix", "import"), w("suffix", "mode")],
    });
    // A quantified or optional part breaks a word; classes and dots are anything.
    assert.deepEqual(patternRequirement("colou?r"), { kind: "all", of: [w("inner", "colo"), w("inner", "r")] });
    assert.deepEqual(patternRequirement("auto-?generated\\b"), {
      kind: "all",
      of: [w("inner", "auto"), w("suffix", "generated")],
    });
    assert.deepEqual(patternRequirement("\\bfoo[a-z]+bar\\b"), {
      kind: "all",
      of: [w("prefix", "foo"), w("suffix", "bar")],
    });
    assert.deepEqual(patternRequirement("(?P<name>get)_(\\w+)"), {
      kind: "all",
      of: [w("inner", "get"), w("inner", "_")],
    });
    // A group whose every alternative ends (starts) with a non-word character bounds the next word.
    assert.deepEqual(patternRequirement("(?:\\.|::)send(?:\\(|\\s)"), w("exact", "send"));
  });

  it("says anything when a pattern can match without a known word", () => {
    for (const p of [
      "",
      ".*",
      "\\w+",
      "(?:foo)?bar|x*",
      "foo|.",
      "(?x) foo bar",
      "(?-u)\\bfoo\\b",
      "(?=foo)",
      "[",
      "caf\u00e9",
      "\\d{4}-\\d\\d",
      "(?:)",
    ])
      assert.deepEqual(patternRequirement(p), { kind: "anything" }, p);
  });
});

/** Ripgrep's own words for the tricky cases: folding, Unicode word characters, binary files. */
const FILES: Record<string, string | Buffer> = {
  "src/adapter.py":
    "class HTTPAdapter:\n    def send(self, request, max_retries=3):\n        # the retry adapter ignores max retries\n        return HTTPAdapter.send\n",
  "src/kelvin.py": "\u212Aelvin = 1  # KELVIN SIGN folds to k\nſtate = 2  # LONG S folds to s\n",
  "src/unicode.txt": "naïve café—retry straße Retryé über_send ＳＥＮＤ İstanbul ıx Ix\n",
  "src/upper.js": "export function SendRequest() { return RETRY_ADAPTER; }\n// DO NOT EDIT\n",
  "src/glued.txt": "éretry adapterü and ÉRETRY  ADAPTER\n",
  "src/words.go": "package x\nfunc parseArgs() {}\nfunc parse_args_v2() {}\n// auto-generated by tool\n",
  "bin/early.bin": Buffer.concat([Buffer.from("send retry\n"), Buffer.alloc(16), Buffer.from("\nsend\n")]),
  "bin/late.bin": Buffer.concat([
    Buffer.from("send late\n"),
    Buffer.from("x".repeat(20000)),
    Buffer.alloc(4),
    Buffer.from("\nsend again\n"),
  ]),
  // Its NUL is past ripgrep's first buffer: the walk prints "send later" before it meets the NUL.
  "bin/later.bin": Buffer.concat([
    Buffer.from("send later\n"),
    Buffer.from(`${"y".repeat(99)}\n`.repeat(3000)),
    Buffer.alloc(4),
    Buffer.from("\nsend again\n"),
  ]),
  "bin/utf16.txt": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("send utf16\n", "utf16le")]),
  ".env": "SECRET_SEND=1\n",
  "docs/readme.md": "How to send a request. The retry adapter is documented here.\n",
  "shared/linked.py": "def send_linked(): pass\n",
  // A path that is not ASCII: the paths go to the index worker as UTF-8.
  "src/módulo/straße_日本.py": "def send(): return utf16_named\n",
  "big/large.txt": `${"filler words here\n".repeat(70000)}send at the end\n`,
};

const CALLS: Array<Record<string, unknown>> = [
  { pattern: "\\bHTTPAdapter(?:\\.|::|->)send\\b", output_mode: "content" },
  { pattern: "send", output_mode: "content", "-i": true },
  { pattern: "\\bsend\\b", output_mode: "count" },
  { pattern: "\\bsend\\b", output_mode: "files_with_matches", "-i": true },
  { pattern: "kelvin|state", output_mode: "content", "-i": true },
  { pattern: "\\bretry\\s+adapter\\b", output_mode: "content", "-i": true },
  { pattern: "DO NOT EDIT|auto-?generated", output_mode: "content" },
  { pattern: "\\b(?:def|class|func|function)\\s+(?:send|parseArgs|SendRequest)\\b", output_mode: "content" },
  { pattern: "parse_?args", output_mode: "content", "-i": true },
  { pattern: "café|straße", output_mode: "content" },
  { pattern: "\\bnothing_matches_this_word\\b", output_mode: "content" },
  { pattern: "retry", output_mode: "content", path: "src" },
  { pattern: "utf16", output_mode: "content" },
  { pattern: "\\bagain\\b", output_mode: "content" },
  { pattern: "parse\\s*_args", output_mode: "content" },
  { pattern: "^\\s*[Ff]unc\\s*parse[Aa]rgs", output_mode: "content" },
  { pattern: "\\w\\s*send|send\\s*\\w", output_mode: "count" },
  { pattern: "\\bHTTP\\w*", output_mode: "count" },
  { pattern: "\\bsend_linked\\b", output_mode: "content", path: "src/lnk" },
  { pattern: "\\bsend_linked\\b", output_mode: "content" },
  { pattern: "(?-u:\\b)retry\\s+adapter(?-u:\\b)|(?-u:\\b)to\\s+in(?-u:\\b)", output_mode: "content", "-i": true },
];

/**
 * Count Greps of one turn share a pass. The first batch matches the late binary (the pass walks);
 * the index counts the others itself, leaving ripgrep the files it cannot settle: matching words
 * with non-ASCII letters (café, straße, Retryé, the Kelvin sign, the long s), the UTF-16 file, the
 * secret. Case-sensitive members, a word two prefixes match, a count past 255, a target below the root.
 */
const COUNT_BATCHES: ToolCallRequest[][] = (
  [
    [["\\b(?:send)\\w*"], ["\\b(?:retr)\\w*"], ["\\b(?:kelvin)\\b"]],
    [["\\b(?:httpadapter)\\w*"], ["\\b(?:max_retries)\\b"]],
    [
      ["\\b(?:request)\\b", false],
      ["\\b(?:Retry)\\w*", false],
      ["\\b(?:HTTPAdapter|SendRequest)\\b", false],
      ["\\b(?:caf|stra)\\w*"],
      ["\\b(?:state|kelvin)\\b"],
      ["\\b(?:filler)\\w*"],
      ["\\b(?:words|here)\\b"],
      ["\\b(?:retry|re)\\w*"],
      ["\\b(?:secret_send|utf16)\\b"],
      ["\\b(?:i)\\w*"],
    ],
    [
      ["\\b(?:adapter|httpadapter)\\b", true, "src"],
      ["\\b(?:retry)\\w*", true, "src"],
    ],
  ] as Array<Array<[string, boolean?, string?]>>
).map((batch, b) =>
  batch.map(([pattern, ignoreCase = true, path], i) => ({
    id: `b${b}.${i}`,
    name: "Grep",
    arguments: { pattern, "-i": ignoreCase, output_mode: "count", ...(path ? { path } : {}) },
  })),
);

async function texts(root: string, cache: MemoryIndexCache): Promise<string[]> {
  const out: string[] = [];
  for (const [i, args] of CALLS.entries()) {
    const ws = Workspace.openSync(root, { indexSource: cache.source });
    out.push((await new Toolbox(ws).run({ id: `c${i}`, name: "Grep", arguments: args })).text);
  }
  for (const batch of COUNT_BATCHES) {
    const ws = Workspace.openSync(root, { indexSource: cache.source });
    for (const r of await new Toolbox(ws).runTurn(batch)) out.push(r.text);
  }
  return out;
}

describe("narrowed searches through the term index", () => {
  it("give every call the text of ripgrep's walk, reading fewer files", async () => {
    await using repo = await tmpRepo({ files: FILES, symlinks: { "src/lnk": "../shared" } });
    ageTree(repo.root);
    const walked = await warmCache(repo.root, false);
    const narrowed = await warmCache(repo.root, true);
    assert.ok(narrowed.index?.ready, `the index was built (${narrowed.index?.failed})`);
    const expected = await texts(repo.root, walked.cache);
    const actual = await texts(repo.root, narrowed.cache);
    for (const [i, text] of expected.entries())
      assert.equal(actual[i], text, JSON.stringify(CALLS[i] ?? COUNT_BATCHES));
    assert.match(expected[0]!, /src\/adapter\.py/);
    assert.match(expected[4]!, /kelvin\.py/, "ripgrep folds the Kelvin sign");
    assert.match(expected[12]!, /utf16\.txt/, "ripgrep transcodes UTF-16");
    assert.match(expected[12]!, /src\/módulo\/straße_日本\.py/, "a file whose path is not ASCII");
    // Read by the index (a file it could not read would be a candidate of every search).
    const picked = await narrowed.index!.candidates(patternRequirement("\\butf16_named\\b"), "", 1);
    assert.ok(
      picked?.some((p) => p.endsWith("straße_日本.py")),
      String(picked),
    );
    const others = await narrowed.index!.candidates(patternRequirement("\\bkelvin\\b"), "", 1);
    assert.ok(others && !others.some((p) => p.includes("módulo")), String(others));
    // ripgrep's walk shows no late binary's lines (it quits at the NUL, and a file whose search met
    // one is dropped): a content search leaves late binaries out; a count or file list the file may
    // match walks.
    assert.doesNotMatch(expected[13]!, /late\.bin|later\.bin/);
    assert.doesNotMatch(expected[1]!, /late\.bin|later\.bin/);
    const stats = narrowed.index!.stats;
    assert.ok(stats.narrowed >= 8, `most calls were narrowed: ${JSON.stringify(stats)}`);
    assert.ok(stats.walked >= 1, `a late binary that may match makes the search walk: ${JSON.stringify(stats)}`);
    assert.ok(stats.counted >= 3, `the index counted three passes itself: ${JSON.stringify(stats)}`);
    const counts = expected.slice(CALLS.length);
    assert.match(counts[5 + 5]!, /large\.txt:70000/, "a count past a byte");
    assert.match(counts[5 + 3]!, /unicode\.txt:2/, "café and straße, counted by ripgrep");
    assert.match(counts[5 + 4]!, /kelvin\.py:3/, "the Kelvin sign and the long s fold");
    // "İstanbul" lower-cases to an i and a combining dot, which ripgrep's case folding does not match.
    assert.match(counts[5 + 9]!, /unicode\.txt:1/, "only Ix");
    narrowed.cache.clear();
  });

  it("leaves late binaries out of a content search, whose walk shows none of them", async () => {
    // An explicit path of a few files is memory-mapped: ripgrep then sees no NUL past its probe and
    // prints the line after it, which the walk never shows.
    const later = Buffer.concat([
      Buffer.from("send later\n"),
      Buffer.from(`${"y".repeat(99)}\n`.repeat(3000)),
      Buffer.alloc(4),
      Buffer.from("\nsend again\n"),
    ]);
    const files: Record<string, string | Buffer> = { "bin/later.bin": later, "src/again.py": "again = 1\n" };
    for (let i = 0; i < 6; i++) files[`src/other${i}.py`] = `value_${i} = ${i}\n`;
    await using repo = await tmpRepo({ files });
    ageTree(repo.root);
    const walked = await warmCache(repo.root, false);
    const narrowed = await warmCache(repo.root, true);
    const grep = async (cache: MemoryIndexCache, args: Record<string, unknown>) =>
      (
        await new Toolbox(Workspace.openSync(repo.root, { indexSource: cache.source })).run({
          id: "g",
          name: "Grep",
          arguments: args,
        })
      ).text;
    for (const args of [
      { pattern: "\\bagain\\b", output_mode: "content" },
      { pattern: "send", output_mode: "content", "-n": false },
      { pattern: "\\bagain\\b", output_mode: "files_with_matches" },
    ]) {
      const expected = await grep(walked.cache, args);
      assert.equal(await grep(narrowed.cache, args), expected, JSON.stringify(args));
      assert.doesNotMatch(expected, /later\.bin/);
    }
    assert.equal(narrowed.index!.stats.narrowed, 2, "both content searches were narrowed");
    assert.equal(narrowed.index!.stats.walked, 1, "the file list the late binary may match walked");
    narrowed.cache.clear();
  });

  it("sees a file edited in place between explorations, even with its size and mtime put back", async () => {
    await using repo = await tmpRepo({ files: { "a/one.py": "alpha beta\n", "b/two.py": "gamma delta\n" } });
    ageTree(repo.root);
    const { cache, index } = await warmCache(repo.root, true);
    assert.ok(index?.ready);
    const grep = async (pattern: string) =>
      (
        await new Toolbox(Workspace.openSync(repo.root, { indexSource: cache.source })).run({
          id: "g",
          name: "Grep",
          arguments: { pattern, output_mode: "files_with_matches" },
        })
      ).text;
    assert.match(await grep("\\bgamma\\b"), /two\.py/);
    // A shared count pass narrowed to one explicit file still names it (ripgrep omits a lone file's name).
    const batch = await new Toolbox(Workspace.openSync(repo.root, { indexSource: cache.source })).runTurn(
      ["\\b(?:alpha)\\w*", "\\b(?:beta)\\b"].map((pattern, i) => ({
        id: `b${i}`,
        name: "Grep",
        arguments: { pattern, output_mode: "count" },
      })),
    );
    assert.deepEqual(
      batch.map((r) => r.text),
      [`${repo.path("a/one.py")}:1`, `${repo.path("a/one.py")}:1`],
    );
    assert.doesNotMatch(await grep("\\bomega\\b"), /two\.py/);
    const file = repo.path("b/two.py");
    const before = statSync(file);
    writeFileSync(file, "omega delta\n"); // same size
    utimesSync(file, before.atime, before.mtime);
    assert.equal(statSync(file).size, before.size);
    assert.match(await grep("\\bomega\\b"), /two\.py/, "the edit is seen by the next exploration");
    const recounted = await new Toolbox(Workspace.openSync(repo.root, { indexSource: cache.source })).runTurn(
      ["\\b(?:omega)\\w*", "\\b(?:gamma)\\b", "\\b(?:alpha)\\b"].map((pattern, i) => ({
        id: `r${i}`,
        name: "Grep",
        arguments: { pattern, output_mode: "count" },
      })),
    );
    assert.equal(recounted[0]!.text, `${repo.path("b/two.py")}:1`, "an edited file is counted again");
    assert.doesNotMatch(recounted[1]!.text, /two\.py/);
    assert.equal(recounted[2]!.text, `${repo.path("a/one.py")}:1`);
    assert.ok(index.stats.counted >= 2, JSON.stringify(index.stats));
    assert.ok(index.stats.changed >= 1);
    assert.ok(index.stats.narrowed >= 3, JSON.stringify(index.stats));
    // An added file changes its directory: the listing is listed again and the new file searched.
    repo.write("a/three.py", "omega again\n");
    assert.match(await grep("\\bomega\\b"), /three\.py/);
    cache.clear();
  });

  it("counts a file with a NUL byte anywhere as a single count search does: not at all", async () => {
    // NUL bytes past the index's probe, inside and past ripgrep's first buffer: a count search's walk
    // prints nothing for any of them, so a shared pass the index answers must not either.
    const far = (bytes: number) =>
      Buffer.concat([
        Buffer.from("render one\n"),
        Buffer.from("y".repeat(bytes)),
        Buffer.alloc(2),
        Buffer.from("\nrender\n"),
      ]);
    await using repo = await tmpRepo({
      files: { "a.py": "render = 1\nrenders\n", "near.bin": far(20_000), "far.bin": far(300_000) },
    });
    ageTree(repo.root);
    const { cache, index } = await warmCache(repo.root, true);
    assert.ok(index?.ready);
    const calls = ["\\b(?:rend)\\w*", "\\b(?:render)\\b", "\\b(?:one)\\b"].map((pattern, i) => ({
      id: `b${i}`,
      name: "Grep",
      arguments: { pattern, output_mode: "count" },
    }));
    const batch = await new Toolbox(Workspace.openSync(repo.root, { indexSource: cache.source })).runTurn(calls);
    assert.equal(index.stats.counted, 1, `the index answered the pass: ${JSON.stringify(index.stats)}`);
    for (const [i, call] of calls.entries()) {
      const solo = await new Toolbox(Workspace.openSync(repo.root)).run(call); // one count search, ripgrep's walk
      assert.equal(batch[i]!.text, solo.text, call.arguments.pattern);
    }
    assert.equal(batch[0]!.text, `${repo.path("a.py")}:2`);
    cache.clear();
  });

  it("is dropped with its listing and never answers once closed", async () => {
    await using repo = await tmpRepo({ files: { "a.py": "word\n" } });
    ageTree(repo.root);
    const { cache, index } = await warmCache(repo.root, true);
    assert.ok(index?.ready);
    assert.ok(cache.size.bytes > 0);
    cache.clear();
    assert.equal(index.ready, false);
    assert.equal(await index.candidates(patternRequirement("\\bword\\b"), "", 1), null);
    assert.ok(index instanceof TermIndexClass);
  });
});
