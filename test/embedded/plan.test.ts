/** The embedded explorer's first-turn plan: which searches a query turns into. */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { analyzeQuery } from "../../src/analysis/query.js";
import {
  definitionSearchPattern,
  type PlannedCall,
  planSearch,
  qualifiedTailPattern,
} from "../../src/embedded/plan.js";
import { locateRipgrep } from "../../src/tools/grep/ripgrep.js";

const plan = (query: string) => planSearch(analyzeQuery(query), undefined, query);
const args = (p: PlannedCall) => p.call.arguments as Record<string, unknown>;

describe("planSearch", () => {
  it("checks whether dotted and scoped names exist, in every language's separator", () => {
    const checks = (query: string) =>
      plan(query)
        .filter((p) => p.purpose === "qualified")
        .map((p) => new RegExp(String(args(p).pattern)));
    const [rust] = checks("`std::vec::Vec` grows without bound");
    assert.ok(rust?.test("use std::vec::Vec;") && rust.test("x = vec.Vec()") && !rust.test("myvec::Vec"));
    const [php] = checks("Calling `$order->save()` twice fails");
    assert.ok(php?.test("$order->save();") && !php.test("$border->save();"));
    const [namespaced] = checks("Sanitize JSON parse errors in Http\\Response");
    assert.ok(namespaced?.test("use Composer\\Util\\Http\\Response;") && !namespaced.test("HttpResponse"));
    const [py] = checks("`pmxbot.logging.Logger` is imported twice");
    assert.ok(py?.test("from logging import Logger; logging.Logger") && !py.test("logging.LoggerAdapter"));
    assert.equal(
      qualifiedTailPattern(
        analyzeQuery("plain").all[0] ?? { text: "plain", kind: "keyword", weight: 1, source: "prose", variants: [] },
      ),
      null,
    );
  });

  it("searches a project's own exception class like an identifier, not the platform's", () => {
    const identifierPatterns = (query: string) =>
      plan(query)
        .filter((p) => p.purpose === "identifier")
        .map((p) => String(args(p).pattern));
    assert.ok(
      identifierPatterns("Fix HttpBadRequestException description").some((p) => p.includes("HttpBadRequestException")),
    );
    assert.ok(
      plan("Fix HttpBadRequestException description").some(
        (p) => p.purpose === "definition" && p.names?.includes("HttpBadRequestException"),
      ),
    );
    assert.ok(!identifierPatterns("it raises a ValueError on empty input").some((p) => p.includes("ValueError")));
  });

  it("checks at most six names, the heaviest first", () => {
    const names = Array.from({ length: 10 }, (_, i) => `\`pkg${i}.mod${i}.func${i}()\``).join(" and ");
    assert.equal(plan(`Crash in ${names}`).filter((p) => p.purpose === "qualified").length, 6);
  });

  it("counts a leaf once for every dotted name ending in it", () => {
    const counts = plan("`acme.logging.configure()` calls `setup.configure()`").filter(
      (p) => p.purpose === "identifier" && String(args(p).pattern).includes("configure"),
    );
    assert.equal(counts.length, 1);
    assert.deepEqual([counts[0]!.term!.text, ...(counts[0]!.aliases ?? []).map((t) => t.text)].sort(), [
      "acme.logging.configure",
      "configure",
      "setup.configure",
    ]);
  });

  it("searches definitions named after the title's words, and options with the lines above them", () => {
    const p = plan("`--collect-only` needs a one letter shortcut\n\nThe collection option is long.");
    const defnames = p.find((x) => x.purpose === "defnames");
    assert.ok(
      defnames && new RegExp(String(args(defnames).pattern), "m").test("def pytest_collection_shortcut(config):"),
    );
    const option = p.find((x) => x.purpose === "option");
    assert.equal(option && args(option)["-B"], 3);
  });

  it("finds definitions in each language's grammar with the real ripgrep, not calls or extensions", async (t) => {
    const rg = (await locateRipgrep())?.path;
    if (!rg) return t.skip("no ripgrep binary");
    const definitions = [
      "def parseArgs(argv):",
      "export async function parseArgs(argv: string[]) {",
      "  async parseArgs(argv) {",
      "  parseArgs(argv: string[]): Promise<Options> {",
      "  static async *parseArgs(argv) {",
      "const parseArgs = (argv) => argv;",
      "func (p *Parser) parseArgs(argv []string) error {",
      "func parseArgs(_ argv: [String]) throws -> Options {",
      "  @objc public func parseArgs() {}",
      "  @discardableResult fileprivate mutating func parseArgs() -> Bool {",
      "inline fun <reified T> Scope.parseArgs(): T = get()",
      "  override suspend fun parseArgs(argv: Array<String>) {",
      "  internal sealed partial class parseArgs {",
      "pub(crate) fn parseArgs(argv: &[String]) -> Result<()> {",
      "typealias parseArgs = (String) -> Int",
      "    private function parseArgs(array $argv): array",
    ];
    const others = [
      "  if parseArgs(argv):",
      "  const options = parseArgs(argv);",
      "    return parseArgs(argv);",
      "  result = self.parseArgs(argv)",
      "    // see parseArgs()",
      "    val parsed = parseArgs<Options>(argv)",
      "  parseArgs(argv);",
      "  parseArgs(argv)",
      "extension parseArgs: Codable {}",
      // Methods known by their modifiers alone are left to the concept and identifier searches.
      "    public static JsonReader parseArgs(String[] argv) {",
      "static int parseArgs(int argc, char **argv) {",
    ];
    const dir = mkdtempSync(join(tmpdir(), "fc-defgrammar-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, "all.txt"), [...definitions, ...others].join("\n"));
    const pattern = definitionSearchPattern("parseArgs");
    const out = execFileSync(rg, ["--no-config", "--no-line-number", "--no-filename", "-e", pattern, "all.txt"], {
      cwd: dir,
      encoding: "utf8",
    });
    assert.deepEqual(out.trimEnd().split("\n"), definitions);
    // The same pattern runs in the JavaScript fallback engine.
    const js = new RegExp(pattern);
    assert.deepEqual(
      [...definitions, ...others].filter((line) => js.test(line)),
      definitions,
    );
  });
});
