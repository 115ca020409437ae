/**
 * The query's phrases (src/embedded/phrases.ts): three-word runs of its first line within a clause,
 * searched as one pattern that ripgrep and JavaScript read the same way.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { phrasesPattern, queryPhrases } from "../../src/embedded/phrases.js";

describe("query phrases", () => {
  it("takes three-word runs of the first line, never across a clause", () => {
    assert.deepEqual(queryPhrases("Gets the position currently read to.\n\nMore text on the second line here"), [
      ["gets", "the", "position"],
      ["the", "position", "currently"],
      ["position", "currently", "read"],
      ["currently", "read", "to"],
    ]);
    assert.deepEqual(queryPhrases("autodoc: crashes with a TypeError"), [
      ["crashes", "with", "a"],
      ["with", "a", "typeerror"],
    ]);
    assert.deepEqual(queryPhrases("retry: backoff computed"), [], "fewer than three words in a clause");
    assert.deepEqual(
      queryPhrases("kept out of the answer"),
      [
        ["kept", "out", "of"],
        ["of", "the", "answer"],
      ],
      "never a phrase of stopwords only",
    );
    assert.deepEqual(queryPhrases("the model's text is"), [
      ["the", "model's", "text"],
      ["model's", "text", "is"],
    ]);
  });

  it("matches a line holding a phrase with any spacing, any case, whole words only", () => {
    const re = new RegExp(phrasesPattern(queryPhrases("Gets the position currently read")), "i");
    assert.ok(re.test("    /** Gets the  position\tcurrently read to in the content. */"));
    assert.ok(re.test("# the POSITION currently read"));
    assert.ok(!re.test("forgets the positional"), "not inside a longer word");
  });
});
