/**
 * Concept words: the title's words looked for inside definition names. The pattern is run here with
 * JavaScript's RegExp (its syntax is the common subset ripgrep and the built-in engine accept) and,
 * in the explorer tests, through the real ripgrep.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeQuery } from "../../src/analysis/query.js";
import { conceptsInName, conceptWords, definedName, definitionNamePattern } from "../../src/embedded/concepts.js";

const words = (query: string) => conceptWords(analyzeQuery(query), query);

describe("conceptWords", () => {
  it("takes the title's keywords, identifier parts and joined word pairs", () => {
    const query =
      "Module imported twice under import-mode=importlib\n\nThe logging module and pkg_resources namespace packages break.";
    const list = words(query).map((w) => w.word);
    assert.ok(list.includes("importmode"), `import + mode joined: ${list.join(" ")}`);
    assert.ok(list.includes("importlib"));
    assert.ok(!list.includes("namespac") && !list.includes("logging"), "body words are not concept words");
  });

  it("splits compound identifiers named in the title into their parts", () => {
    const list = words("Using rst_prolog removes top level headings").map((w) => w.word);
    assert.ok(list.includes("prolog"), list.join(" "));
    assert.ok(!list.includes("rst"), "parts shorter than 4 letters say too little");
  });

  it("skips stop words, generic code words and pairs of one word with itself", () => {
    const list = words("The function returns the marker marker twice").map((w) => w.word);
    assert.ok(!list.includes("function") && !list.includes("the"));
    assert.ok(!list.some((w) => /^mark\w*mark/.test(w)), list.join(" "));
  });

  it("gives nothing for an empty query", () => {
    assert.deepEqual(words(""), []);
  });
});

describe("definitionNamePattern", () => {
  const pattern = new RegExp(definitionNamePattern(words("Dynamically adding xfail marker under import mode")), "m");

  it("finds definitions whose names hold a concept word as a part, in any case convention", () => {
    for (const line of [
      "def evaluate_xfail_marks(item):",
      "class ImportMode(Enum):",
      "    async def import_mode_for(path):",
      "export function xfailMarker() {",
      "pub fn import_mode() -> Mode {",
      "func (r *Runner) XfailAll() error {",
      "    fun importModeFor(path: Path): Mode {",
      "    public static String resolveImportMode(Path p) {",
      "  protected override async Task<Mode> ImportModeAsync(string p)",
      // The shared grammar's keywords and modifiers (src/analysis/definition-grammar.ts):
      "  @objc public func importModeChanged() {",
      "  @discardableResult fileprivate mutating func markXfail() -> Bool {",
      "data class ImportModeOptions(val strict: Boolean)",
      "  override suspend fun xfailAll(): Unit {",
      "macro_rules! xfail_marker {",
      "typealias ImportModeHandler = (Path) -> Mode",
      "    public sealed partial class XfailMarker {",
    ]) {
      assert.ok(pattern.test(line), line);
    }
  });

  it("skips prose in comments and mere calls", () => {
    for (const line of [
      "# For type annotation of xfail markers",
      "    result = evaluate_xfail_marks(item)",
      "// the import mode is read here",
      "  private final Map<String, X> xfailCache = new HashMap<>();",
      "    return new XfailMarker(reason);",
      // Common English words among the modifiers count only before a keyword.
      "  // the default value xfailMarker(x) returns",
      "  // open data importMode(path) first",
    ]) {
      assert.ok(!pattern.test(line), line);
    }
  });

  it("reads the declared name back and matches parts, not substrings", () => {
    const concepts = words("Dynamically adding xfail marker under import mode");
    const name = (line: string) => definedName(line) ?? "";
    assert.equal(name("    public static String resolveImportMode(Path p) {"), "resolveImportMode");
    assert.deepEqual(
      conceptsInName(name("def evaluate_xfail_marks(item):"), concepts)
        .map((w) => w.word)
        .sort(),
      ["mark", "xfail", "xfailmark"],
    );
    assert.ok(conceptsInName("ImportMode", concepts).some((w) => w.word === "importmode"));
    assert.deepEqual(conceptsInName("remarkable", concepts), [], "`mark` inside another word is not a part");
  });
});
