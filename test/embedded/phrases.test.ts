/**
 * The query's phrases (src/embedded/phrases.ts): three-word runs of its first line within a clause,
 * searched as one ripgrep pattern (one space between the words; ASCII word boundaries beside ASCII
 * letters: a few lines more, which the explorer re-checks with Unicode's rule).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { phrasesPattern, queryPhrases, titleSpellings } from "../../src/embedded/phrases.js";
import { Toolbox } from "../../src/tools/toolbox.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { tmpRepo } from "../support/tmp-repo.js";

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

  it("matches, through ripgrep, a line holding a phrase with one space between its words, in its common spellings, whole words only", async () => {
    const lines = [
      "    /** Gets the  position\tcurrently read to in the content. */", // two spaces, a tab: not searched for
      "    /** GETS The Position currently read to in the content. */",
      "# the POSITION currently read",
      "forgets the positional",
      "les prix du café noir ici",
      "un café noirâtre",
      "xgets the position", // an ASCII letter continues the word: no boundary either way
      "égets the position", // ASCII boundary beside an ASCII letter: ripgrep shows it, the explorer re-checks
      "gEts tHe pOsition cUrrently rEad", // a spelling that is neither lower case, capitalized nor capitals
    ];
    await using repo = await tmpRepo({ files: { "a.txt": `${lines.join("\n")}\n` } });
    const pattern = phrasesPattern([
      ...queryPhrases("Gets the position currently read"),
      ...queryPhrases("prix du café noir"),
    ]);
    const result = await new Toolbox(Workspace.openSync(repo.root)).run({
      id: "p",
      name: "Grep",
      arguments: { pattern, output_mode: "content" },
    });
    const shown = new Set(
      result.data?.tool === "Grep" ? result.data.files.flatMap((f) => f.lines.map((l) => l.line)) : [],
    );
    assert.deepEqual([...shown].sort(), [2, 3, 5, 8], result.text);
  });

  it("also looks for a word as the question spelled it", async () => {
    const query = "the WebSocket handshake fails";
    const lines = ["// the WebSocket handshake", "// the websocket handshake", "// the webSocket handshake"];
    await using repo = await tmpRepo({ files: { "a.ts": `${lines.join("\n")}\n` } });
    const search = async (pattern: string) => {
      const result = await new Toolbox(Workspace.openSync(repo.root)).run({
        id: "p",
        name: "Grep",
        arguments: { pattern, output_mode: "content" },
      });
      return result.data?.tool === "Grep" ? result.data.files.flatMap((f) => f.lines.map((l) => l.line)) : [];
    };
    assert.deepEqual(await search(phrasesPattern(queryPhrases(query), titleSpellings(query))), [1, 2]);
    assert.deepEqual(await search(phrasesPattern(queryPhrases(query))), [2], "without the question's spelling");
    assert.deepEqual(titleSpellings("Retry the retry RETRY").get("retry"), ["Retry", "retry", "RETRY"]);
  });
});
