/**
 * Dense vectors and reranking through OpenAI-compatible endpoints: chunks embedded at index
 * time, hybrid search fused by RRF, exclusions honoured by both legs, the rerank order applied,
 * and a failing endpoint degrading to BM25 with one warning instead of failing the search.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EmbeddingClient, RerankClient } from "../../src/corpus/endpoints.js";
import { indexCorpus } from "../../src/corpus/indexer.js";
import { Retriever } from "../../src/corpus/retriever.js";
import { EmbeddedStore } from "../../src/corpus/store/embedded-store.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { CORPUS_FILES } from "./support/corpus-fixture.js";
import { startFakeEmbeddingServer } from "./support/fake-embedding-server.js";

test("hybrid search with embeddings and a reranker, and BM25 when they fail", async () => {
  const fake = await startFakeEmbeddingServer();
  await using repo = await tmpRepo({ files: CORPUS_FILES });
  const data = mkdtempSync(join(tmpdir(), "fc-corpus-hybrid-"));
  try {
    const embeddings = new EmbeddingClient({ baseUrl: fake.url, model: "fake-embed" }, 4);
    const storeDir = join(data, "store");
    const report = await indexCorpus({ dir: repo.root, name: "h", storeDir, embeddings });
    const embedCalls = fake.requests.filter((r) => r.path === "/v1/embeddings");
    assert.equal(
      embedCalls.reduce((n, r) => n + (r.body.input as string[]).length, 0),
      report.chunks,
    );
    const store = EmbeddedStore.open(storeDir);
    assert.equal(await store.hasVectors(), true);
    const warnings: string[] = [];
    const retriever = new Retriever({
      store,
      embeddings,
      reranker: new RerankClient({ baseUrl: fake.url, model: "fake-rerank" }),
      onWarning: (w) => warnings.push(w),
    });
    assert.equal(await retriever.mode(), "hybrid");
    const hits = await retriever.search("quota limit requests per minute", 5);
    assert.equal(hits[0]?.chunk.id, "faq.jsonl#q1_0");
    const rerank = fake.requests.filter((r) => r.path === "/v1/rerank");
    assert.equal(rerank.length, 1);
    assert.equal(rerank[0]?.body.query, "quota limit requests per minute");
    // Scores are the reranker's, best first.
    for (let i = 1; i < hits.length; i++) assert.ok((hits[i - 1]?.score ?? 0) >= (hits[i]?.score ?? 0));
    const excluded = await retriever.search("quota limit requests per minute", 5, new Set(["faq.jsonl#q1_0"]));
    assert.ok(!excluded.some((h) => h.chunk.id === "faq.jsonl#q1_0"));

    fake.failNext("/v1/embeddings", 503);
    fake.failNext("/v1/rerank", 500);
    const degraded = await retriever.search("beta cache retention policy", 10);
    assert.ok(degraded.some((h) => h.chunk.id === "caching.md_0"));
    assert.ok(degraded.length > 1, "BM25 still answered");
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? "", /dense search is off for this run/);
  } finally {
    await fake.close();
    rmSync(data, { recursive: true, force: true });
  }
});
