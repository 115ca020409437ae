/**
 * The term index's string table (src/index-cache/term-index/word-table.ts): `scan` finds every
 * string that starts with, ends with, contains or equals a text, in id order, each once. It
 * searches the arena where the strings lie end to end, so matches that cross from one string into
 * the next must not count; words from a three-letter alphabet make such near misses common.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ByteStrings } from "../../src/index-cache/term-index/word-table.js";
import type { WordConstraint } from "../../src/tools/grep/regex-requirement.js";

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function word(next: () => number, max: number): string {
  const n = 1 + Math.floor(next() * max);
  let w = "";
  for (let i = 0; i < n; i++) w += "abc"[Math.floor(next() * 3)];
  return w;
}

function naive(words: string[], text: string, mode: WordConstraint["mode"]): number[] {
  const out: number[] = [];
  words.forEach((w, id) => {
    const hit =
      mode === "exact"
        ? w === text
        : mode === "prefix"
          ? w.startsWith(text)
          : mode === "suffix"
            ? w.endsWith(text)
            : w.includes(text);
    if (hit && text !== "") out.push(id);
  });
  return out;
}

describe("ByteStrings.scan", () => {
  it("finds the same strings as a check of each one, in id order, on 40 random tables", () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed);
      const table = new ByteStrings();
      const words: string[] = [];
      const seen = new Set<string>();
      for (let i = 0; i < 300; i++) {
        const w = word(next, 7);
        if (seen.has(w)) continue;
        seen.add(w);
        const bytes = Buffer.from(w);
        const hash = [...bytes].reduce((h, b) => Math.imul(h ^ b, 0x01000193) >>> 0, 0x811c9dc5);
        assert.equal(table.intern(bytes, 0, bytes.length, hash), words.length);
        words.push(w);
      }
      if (seed % 2 === 0) table.compact();
      for (let q = 0; q < 30; q++) {
        const text = word(next, 4);
        for (const mode of ["prefix", "suffix", "inner", "exact"] as const) {
          const got: number[] = [];
          table.scan(Buffer.from(text), mode, (id) => got.push(id));
          assert.deepEqual(got, naive(words, text, mode), `seed ${seed}, ${mode} "${text}"`);
        }
      }
    }
  });

  it("finds nothing in an empty table or for an empty text", () => {
    const table = new ByteStrings();
    const got: number[] = [];
    table.scan(Buffer.from("a"), "inner", (id) => got.push(id));
    const bytes = Buffer.from("abc");
    table.intern(bytes, 0, 3, 1);
    table.scan(Buffer.from(""), "prefix", (id) => got.push(id));
    assert.deepEqual(got, []);
  });
});
