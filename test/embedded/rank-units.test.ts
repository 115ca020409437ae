import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildMatchers, citeWindow, rankUnits } from "../../src/embedded/rank-units.js";

type MatcherTerm = Parameters<typeof buildMatchers>[0][number]["term"];
const term = (text: string) => ({ text, kind: "identifier", weight: 1, variants: [] }) as unknown as MatcherTerm;

// A 200-line function: the query's identifier is used near its top, the trace points at line 150,
// a quoted message sits at line 180.
const lines = ["def handle(request):", ...Array.from({ length: 199 }, (_, i) => `    step_${i + 2}(request)`)];
lines[3] = "    config = load_config(request)";
lines[5] = "    config = load_config(request, strict=True)";
const units = [
  { kind: "function" as const, name: "handle", qualifiedName: "handle", start: 1, end: 200, headerEnd: 1, depth: 0 },
];
const matchers = buildMatchers([{ term: term("load_config"), idf: 2, purpose: "identifier" }]);

describe("the cited window of a long unit", () => {
  it("is drawn to the line a stack frame points at", () => {
    const [u] = rankUnits(lines, units, matchers, {
      messageLines: [],
      frameLines: [{ line: 150, distance: 0 }],
      definitions: [],
    });
    const w = citeWindow(u!, 40);
    assert.ok(w.start <= 150 && w.end >= 150, `window ${w.start}-${w.end}`);
  });

  it("is drawn to the line holding a quoted message", () => {
    const [u] = rankUnits(lines, units, matchers, {
      messageLines: [{ line: 180, weight: 3 }],
      frameLines: [],
      definitions: [],
    });
    const w = citeWindow(u!, 40);
    assert.ok(w.start <= 180 && w.end >= 180, `window ${w.start}-${w.end}`);
  });

  it("follows the lexical hits when nothing locates a line", () => {
    const [u] = rankUnits(lines, units, matchers, { messageLines: [], frameLines: [], definitions: [] });
    const w = citeWindow(u!, 40);
    assert.ok(w.start <= 4 && w.end >= 6, `window ${w.start}-${w.end}`);
  });
});
