/**
 * Indexing on real files: exact cl100k counts, ~512-token chunks with line spans, every format
 * (Markdown, HTML, JSONL records, a real PDF, code), incremental re-index of changed, added and
 * deleted files, and a store that never lies inside the indexed directory.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encode } from "gpt-tokenizer/encoding/cl100k_base";
import { chunkText } from "../../src/corpus/chunker.js";
import { countCl100k } from "../../src/corpus/cl100k.js";
import { extractFile } from "../../src/corpus/extract/index.js";
import { indexCorpus } from "../../src/corpus/indexer.js";
import { corpusStoreDir } from "../../src/corpus/paths.js";
import { EmbeddedStore } from "../../src/corpus/store/embedded-store.js";
import { tmpRepo } from "../support/tmp-repo.js";
import { CORPUS_FILES } from "./support/corpus-fixture.js";

const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

/** A one-page PDF with one line of text, its xref offsets computed. */
function tinyPdf(text: string): Buffer {
  const stream = `BT /F1 12 Tf 72 720 Td (${text}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

test("cl100k piece counting equals encoding the whole text", () => {
  const samples = [
    "Hello, world! It's 2026.\n\n  indented\tcode();\r\nnumbers 1234567 and émojis 🎉 ok",
    CORPUS_FILES["retention.md"] ?? "",
    "const x = a?.b ?? c; // trailing spaces   \n\n\n",
  ];
  for (const s of samples) assert.equal(countCl100k(s), encode(s, NO_SPECIAL).length);
});

test("chunks stay near 512 tokens, break at headings or paragraphs, and keep line spans", () => {
  const text = CORPUS_FILES["retention.md"] ?? "";
  const chunks = chunkText(text);
  assert.ok(chunks.length >= 3);
  for (const c of chunks) {
    assert.ok(c.tokens <= 512, `chunk of ${c.tokens} tokens`);
    assert.ok(Math.abs(c.tokens - encode(c.text, NO_SPECIAL).length) <= 2);
    assert.equal(c.text.split("\n")[0], text.split("\n")[c.startLine - 1]);
  }
  for (const c of chunks.slice(0, -1)) assert.ok(c.tokens >= 256, "a chunk was cut in its first half");
  assert.equal(chunks.map((c) => c.text).join(""), text);
  // Cuts fall at line ends, never inside a line.
  for (const c of chunks.slice(0, -1)) assert.ok(c.text.endsWith("\n"), `cut inside a line: …${c.text.slice(-30)}`);
});

test("every format yields documents with titles", async () => {
  await using repo = await tmpRepo({
    files: {
      ...CORPUS_FILES,
      "doc.pdf": tinyPdf("Quarterly revenue grew nine percent"),
      "src/app.ts": "export const answer = 42;\n",
    },
  });
  const html = await extractFile(repo.path("guide/replication.html"), "guide/replication.html");
  assert.equal(html.documents[0]?.title, "Replication guide");
  assert.match(html.documents[0]?.text ?? "", /# Replication\n+Replicas copy the write-ahead log & apply it\./);
  const records = await extractFile(repo.path("faq.jsonl"), "faq.jsonl");
  assert.deepEqual(
    records.documents.map((d) => [d.doc, d.title]),
    [
      ["faq.jsonl#q1", "Quota limits"],
      ["faq.jsonl#q2", "Billing"],
    ],
  );
  const pdf = await extractFile(repo.path("doc.pdf"), "doc.pdf");
  assert.equal(pdf.error, undefined);
  assert.match(pdf.documents[0]?.text ?? "", /Quarterly revenue grew nine percent/);
  const code = await extractFile(repo.path("src/app.ts"), "src/app.ts");
  assert.equal(code.documents[0]?.kind, "code");
  assert.equal((await extractFile(repo.path("retention.md"), "retention.md")).documents[0]?.title, "Retention policy");
});

test("incremental re-index: changed, added and deleted files; ids are <doc>_<i>", async () => {
  await using repo = await tmpRepo({ files: CORPUS_FILES });
  const data = mkdtempSync(join(tmpdir(), "fc-corpus-data-"));
  try {
    const storeDir = corpusStoreDir("t", { XDG_DATA_HOME: data });
    assert.ok(storeDir.startsWith(join(data, "fastcontext", "corpora")));
    const first = await indexCorpus({ dir: repo.root, name: "t", storeDir });
    assert.equal(first.files.indexed, 4);
    assert.equal(first.documents, 5);
    let store = EmbeddedStore.open(storeDir);
    const ids = (await store.documentChunks("retention.md")).map((c) => c.id);
    assert.deepEqual(
      ids,
      ids.map((_, i) => `retention.md_${i}`),
    );
    assert.ok(!existsSync(join(repo.root, "meta.json")), "nothing is written into the corpus");

    writeFileSync(repo.path("caching.md"), "# Caching\n\nThe gamma cache keeps cold pages on disk.\n");
    utimesSync(repo.path("caching.md"), new Date(), new Date(Date.now() + 5000));
    writeFileSync(repo.path("new.md"), "# New\n\nA fresh document about sharding keys.\n");
    unlinkSync(repo.path("faq.jsonl"));
    const second = await indexCorpus({ dir: repo.root, name: "t", storeDir });
    assert.deepEqual(second.files, { seen: 4, indexed: 2, unchanged: 2, removed: 1, skipped: 0 });
    store = EmbeddedStore.open(storeDir);
    assert.equal((await store.searchText("gamma cache", { limit: 5 }))[0]?.chunk.id, "caching.md_0");
    assert.equal((await store.searchText("beta", { limit: 5 })).length, 0);
    assert.equal((await store.documentChunks("faq.jsonl#q1")).length, 0);
    assert.equal((await store.searchText("sharding", { limit: 5 }))[0]?.chunk.doc, "new.md");
    await assert.rejects(
      indexCorpus({ dir: repo.root, name: "t", storeDir: join(repo.root, "store") }),
      /inside the indexed directory/,
    );
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
