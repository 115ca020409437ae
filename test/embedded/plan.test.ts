/** The embedded explorer's first-turn plan: which searches a query turns into. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyzeQuery } from "../../src/analysis/query.js";
import { type PlannedCall, planSearch, qualifiedTailPattern } from "../../src/embedded/plan.js";

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
});
