/**
 * BM25 over chunks: the heap top-k equals a full sort of brute-force Okapi scores, exclusions are
 * honoured before the cut, and the binary form round-trips.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Bm25Index, foldTerm, termsOf } from "../../src/corpus/store/bm25.js";
import { BM25_B, BM25_K1 } from "../../src/eval/bm25-index.js";

function texts(n: number): string[] {
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const words = ["alpha", "beta", "gamma", "delta", "retention", "policy", "cache", "replica", "quota", "index"];
  return Array.from({ length: n }, () =>
    Array.from({ length: 5 + Math.floor(rand() * 30) }, () => words[Math.floor(rand() ** 2 * words.length)]).join(" "),
  );
}

function bruteForce(docs: string[], query: string): Array<{ row: number; score: number }> {
  const bags = docs.map((d) => termsOf(d));
  const avg = bags.reduce((s, b) => s + b.length, 0) / bags.length;
  const scored = bags.map((bag, row) => {
    let score = 0;
    for (const term of new Set(termsOf(query))) {
      const df = bags.filter((b) => b.includes(term)).length;
      const f = bag.filter((t) => t === term).length;
      if (f === 0) continue;
      const idf = Math.log(1 + (bags.length - df + 0.5) / (df + 0.5));
      score += (idf * f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * bag.length) / avg));
    }
    return { row, score };
  });
  return scored.filter((s) => s.score > 0).sort((a, b) => b.score - a.score || a.row - b.row);
}

test("top-k equals the brute-force ranking, with exclusions applied before the cut", () => {
  const docs = texts(400);
  const index = Bm25Index.build(docs);
  for (const query of ["retention policy", "gamma", "cache replica quota index"]) {
    const expected = bruteForce(docs, query);
    const got = index.search(query, 10);
    assert.deepEqual(
      got.map((h) => h.row),
      expected.slice(0, 10).map((h) => h.row),
    );
    for (const [i, h] of got.entries()) assert.ok(Math.abs(h.score - (expected[i]?.score ?? 0)) < 1e-3);
    const skip = new Set(expected.slice(0, 5).map((h) => h.row));
    assert.deepEqual(
      index.search(query, 5, (row) => skip.has(row)).map((h) => h.row),
      expected.slice(5, 10).map((h) => h.row),
    );
  }
});

test("binary form round-trips; plurals fold", () => {
  const docs = texts(50);
  const index = Bm25Index.build(docs);
  const back = Bm25Index.deserialize(index.serialize());
  assert.deepEqual(back.search("beta delta", 20), index.search("beta delta", 20));
  assert.equal(foldTerm("policies"), "policy");
  assert.equal(foldTerm("matches"), "match");
  assert.equal(foldTerm("replicas"), "replica");
  assert.equal(foldTerm("status"), "status");
  assert.equal(foldTerm("indexes"), "index");
});
