import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { messagePattern } from "../../src/analysis/grep-patterns.js";
import {
  analyzeQuery,
  buildGrepPatterns,
  distinctiveLiteral,
  escapeRegex,
  type GrepPattern,
} from "../../src/analysis/query.js";

/** Definitions of `fetch_rows` / `fetchRows` in many languages, and lines that only use it. */
const DEFINITIONS = [
  "def fetch_rows(self, limit):",
  "async def fetch_rows(cursor):",
  "function fetch_rows(a) {",
  "export const fetch_rows = async (q: Query) => {",
  "fetch_rows: function (q) {",
  "func fetch_rows(ctx context.Context) error {",
  "func (s *Store) fetch_rows() []Row {",
  "pub fn fetch_rows(&self) -> Vec<Row> {",
  "    public List<Row> fetch_rows(int limit) {",
  "    private static Map<String, Row> fetch_rows() {",
  "class fetch_rows:",
];
const USES = ["rows = store.fetch_rows(10)", "return fetch_rows(q);", "// see fetch_rows", "fetch_rows_later()"];

const compile = (p: GrepPattern) => (p.fixed ? { test: (s: string) => s.includes(p.pattern) } : new RegExp(p.pattern));

describe("buildGrepPatterns", () => {
  const analysis = analyzeQuery(
    "`Store.fetch_rows()` returns duplicates\n\nIt fails with `ValueError: Field 'id' expected a number but got 'abc'.`",
  );
  const patterns = buildGrepPatterns(analysis);

  it("builds a definition pattern that matches definitions in many languages and not mere uses", () => {
    const def = patterns.find((p) => p.purpose === "definition" && p.pattern.includes("fetch_rows"));
    assert.ok(def, JSON.stringify(patterns));
    const re = compile(def);
    for (const line of DEFINITIONS) assert.ok(re.test(line), `definition not matched: ${line}`);
    for (const line of USES) assert.ok(!re.test(line), `use matched as a definition: ${line}`);
  });

  it("builds word-bounded reference patterns", () => {
    const ref = patterns.find((p) => p.purpose === "reference" && p.pattern === "\\bfetch_rows\\b");
    assert.ok(ref);
    assert.ok(compile(ref).test("x = fetch_rows(1)"));
    assert.ok(!compile(ref).test("fetch_rows_later()"));
  });

  it("turns messages into fixed strings that survive runtime values", () => {
    const msg = patterns.find((p) => p.purpose === "message");
    assert.deepEqual(msg && { pattern: msg.pattern, fixed: msg.fixed }, {
      pattern: "expected a number but got",
      fixed: true,
    });
    assert.ok(compile(msg!).test(`raise ValueError(f"Field '{self.name}' expected a number but got {value!r}.")`));
  });

  it("uses only syntax ripgrep's Rust regex engine accepts, sorted by weight, capped", () => {
    for (const p of patterns)
      assert.ok(!/\(\?[=!<]|\\[1-9]/.test(p.pattern), `look-around or backreference in ${p.pattern}`);
    const weights = patterns.map((p) => p.weight);
    assert.deepEqual(
      weights,
      [...weights].sort((a, b) => b - a),
    );
    assert.ok(buildGrepPatterns(analysis, { max: 3 }).length === 3);
    assert.equal(new Set(patterns.map((p) => p.pattern)).size, patterns.length);
  });

  it("adds path suffixes and definitions of application exceptions from a traceback", () => {
    const a = analyzeQuery(readFileSync(new URL("./fixtures/python-traceback.md", import.meta.url), "utf8"));
    const ps = buildGrepPatterns(a, { max: 40 });
    assert.ok(ps.some((p) => p.purpose === "path" && p.pattern === "services/sync.py" && p.fixed));
    const exc = ps.find((p) => p.purpose === "definition" && p.pattern.includes("FieldError"));
    assert.ok(exc && compile(exc).test("class FieldError(Exception):"));
    assert.ok(!ps.some((p) => p.pattern.includes("ValueError")), "platform exceptions get no definition pattern");
  });
});

describe("distinctiveLiteral", () => {
  it("splits around placeholders, quoted values and numbers and keeps the wordiest run", () => {
    assert.equal(distinctiveLiteral("%s object has no attribute %r"), "object has no attribute");
    assert.equal(distinctiveLiteral("'NoneType' object has no attribute 'split'"), "object has no attribute");
    assert.equal(distinctiveLiteral("{name} is not a valid choice for {field}."), "is not a valid choice for");
    assert.equal(distinctiveLiteral("%(count)d items could not be saved"), "items could not be saved");
    assert.equal(
      distinctiveLiteral("TypeError: unsupported operand type(s) for +: 'int' and 'str'"),
      "unsupported operand type(s) for",
    );
    assert.equal(distinctiveLiteral("Could not open /tmp/x/y.db after 3 retries"), "Could not open");
    assert.equal(
      distinctiveLiteral("The connection pool has been exhausted and no further connections can be opened right now"),
      "The connection pool has been exhausted",
    );
    assert.equal(distinctiveLiteral("'x'"), null);
  });

  it("escapeRegex escapes metacharacters", () => {
    assert.equal(escapeRegex("a.b(c)*[d]{e}|f^$?+\\"), "a\\.b\\(c\\)\\*\\[d\\]\\{e\\}\\|f\\^\\$\\?\\+\\\\");
    assert.ok(new RegExp(escapeRegex("x.y(z)")).test("call x.y(z) now"));
  });
});

describe("messagePattern", () => {
  it("finds the source of a message whose values the user saw filled in", () => {
    const re = new RegExp(messagePattern("no number is assigned for table"));
    for (const line of [
      'logger.warning(__("no number is assigned for %s: %s"), figtype, labelid)',
      'raise ValueError("no number is assigned for " + kind)',
      'warn(f"no number is assigned for {kind}")',
      'fmt.Errorf("no number is assigned for %v", kind)',
      "throw new Error(`no number is assigned for ${kind}`)",
      'log("no  number is assigned for table")',
    ]) {
      assert.ok(re.test(line), line);
    }
  });
  it("keeps the first two words literal and the rest in order", () => {
    const re = new RegExp(messagePattern("no number is assigned for table"));
    assert.ok(!re.test('"no number was assigned for table"'));
    assert.ok(!re.test('"%s number is assigned for table"'));
    assert.ok(!re.test('"no number is for assigned table"'));
  });
  it("escapes the literal's metacharacters", () => {
    const re = new RegExp(messagePattern("unsupported operand type(s) for"));
    assert.ok(re.test("unsupported operand type(s) for +"));
    assert.ok(!re.test("unsupported operand types for +"));
  });
});
