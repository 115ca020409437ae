import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { titleScope } from "../../src/embedded/title-scope.js";

describe("titleScope", () => {
  it("reads a conventional-commit scope and a leading component name", () => {
    assert.deepEqual(titleScope("fix(devtools): correct V8 stack regex"), ["devtools"]);
    assert.deepEqual(titleScope("refactor(nuxt)!: use object syntax"), ["nuxt"]);
    assert.deepEqual(titleScope("fix(core, router): keep params"), ["core", "router"]);
    assert.deepEqual(titleScope("win: fix spawn process with no argument"), ["win"]);
    assert.deepEqual(titleScope("TextFormatter: fix race\n\nbody: not a title"), ["textformatter"]);
    assert.deepEqual(
      titleScope("chore(eslint.config): replace a deprecated call"),
      ["eslintconfig"],
      "joined like a file name",
    );
  });

  it("finds none in a type alone, a plain title, a label or the body", () => {
    assert.deepEqual(titleScope("fix: handle empty input"), []);
    assert.deepEqual(titleScope("Fix bug in TokenStream parser"), []);
    assert.deepEqual(titleScope("Problem: the parser fails on tabs"), []);
    assert.deepEqual(titleScope("Crash on start\n\nwin: only on Windows"), []);
    assert.deepEqual(titleScope("see http://example.com: broken"), []);
  });
});
