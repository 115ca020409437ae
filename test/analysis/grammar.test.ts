/**
 * The bundled tree-sitter grammars (assets/grammars): one per language the analysis knows, each
 * loads and parses, nothing else ships, and each is byte-identical to the pinned
 * `@cursorless/tree-sitter-wasms` file it was cut from (when that dev dependency is installed).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { GrammarRegistry, grammarBytes } from "../../src/analysis/grammar.js";
import { LANGUAGE_IDS } from "../../src/analysis/languages.js";

const ASSETS = join(import.meta.dirname, "..", "..", "assets", "grammars");

function upstreamDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve("@cursorless/tree-sitter-wasms/package.json")), "out");
  } catch {
    return undefined;
  }
}

describe("bundled grammars", () => {
  it("ship exactly one gzipped grammar per known language", () => {
    const shipped = readdirSync(ASSETS)
      .filter((f) => f.endsWith(".wasm.gz"))
      .sort();
    assert.deepEqual(shipped, LANGUAGE_IDS.map((lang) => `tree-sitter-${lang}.wasm.gz`).sort());
  });

  it("every grammar loads and parses", async () => {
    const registry = new GrammarRegistry();
    for (const lang of LANGUAGE_IDS) {
      const parser = await registry.parserFor(lang);
      assert.ok(parser, `${lang} did not load`);
      const tree = parser.parse("x");
      assert.ok(tree, `${lang} did not parse`);
    }
  });

  const upstream = upstreamDir();
  it("are the pinned package's files, byte for byte", { skip: upstream ? false : "dev dependency absent" }, () => {
    for (const lang of LANGUAGE_IDS) {
      const original = join(upstream ?? "", `tree-sitter-${lang}.wasm`);
      assert.ok(existsSync(original), original);
      assert.ok(Buffer.from(grammarBytes(lang)).equals(readFileSync(original)), `${lang} differs from ${original}`);
    }
  });
});
