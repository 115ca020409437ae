/**
 * Ignore rules compiled from gitignore lines: a line without glob characters is compared as a
 * string instead of through picomatch; both must agree on every input.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import picomatch from "picomatch";
import { compileIgnoreRules, type IgnoreLevel, isIgnored } from "../../src/workspace/ignore-rules.js";

const LITERALS = ["node_modules", "dist", ".venv", "foo.bar", "docs/build", "a b", "ünïcode", "x-y_z.0"];
const INPUTS = [
  ...LITERALS,
  "node_modules2",
  "xnode_modules",
  "Node_modules",
  "dist/",
  "./dist",
  "foo-bar",
  "fooXbar",
  "docs/build/x",
  "docs",
  "a  b",
  "",
];

describe("ignore rules", () => {
  it("match a literal line exactly as picomatch does", () => {
    for (const literal of LITERALS) {
      const [rule] = compileIgnoreRules(literal);
      assert.ok(rule, literal);
      const reference = picomatch(literal, { dot: true, nonegate: true, noext: true });
      for (const input of INPUTS)
        assert.equal(rule.test(input), reference(input), `${literal} vs ${JSON.stringify(input)}`);
    }
  });

  it("keep gitignore semantics for literal, anchored, directory-only and negated lines", () => {
    const level: IgnoreLevel = {
      dirRel: "",
      kinds: [[], [], compileIgnoreRules("node_modules/\n/dist\ndocs/gen\nbuild\n!keep/build\n*.pyc\n"), []],
    };
    const levels = [level];
    assert.equal(isIgnored(levels, "node_modules", true), true);
    assert.equal(isIgnored(levels, "pkg/node_modules", true), true, "a name pattern applies at any depth");
    assert.equal(isIgnored(levels, "node_modules", false), false, "directory-only");
    assert.equal(isIgnored(levels, "dist", true), true);
    assert.equal(isIgnored(levels, "src/dist", true), false, "anchored to the level");
    assert.equal(isIgnored(levels, "docs/gen", true), true);
    assert.equal(isIgnored(levels, "x/docs/gen", true), false, "a pattern with a slash is anchored");
    assert.equal(isIgnored(levels, "src/build", true), true);
    assert.equal(isIgnored(levels, "keep/build", true), false, "the later negation wins");
    assert.equal(isIgnored(levels, "a/b.pyc", false), true, "globs still go through picomatch");
  });
});
