/**
 * Corpus indexing and search at scale: 10,000 generated Markdown documents (~50 MB of prose from
 * a Zipf-distributed 20,000-word vocabulary, headings and paragraphs), indexed BM25-only into a
 * temporary store, then 200 searches. Prints wall time, peak RSS and search p50/p90, with a
 * reference measured in the same run: encoding the whole corpus with gpt-tokenizer's cl100k
 * (the cost a chunker that encodes everything would pay).
 *
 *   nice node --import tsx bench/corpus-index.ts [--docs 10000] [--kb 5]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encode } from "gpt-tokenizer/encoding/cl100k_base";
import { indexCorpus } from "../src/corpus/indexer.js";
import { EmbeddedStore } from "../src/corpus/store/embedded-store.js";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const DOCS = arg("--docs", 10_000);
const KB = arg("--kb", 5);

// A deterministic generator (mulberry32) so runs compare.
let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const syllables = ["ka", "lo", "mi", "ter", "on", "ra", "vel", "sto", "pri", "den", "qua", "zen", "mor", "fi", "lux"];
const vocab = Array.from({ length: 20_000 }, () => {
  const n = 1 + Math.floor(rand() * 3);
  return Array.from({ length: n }, () => syllables[Math.floor(rand() * syllables.length)]).join("");
});
const word = () => vocab[Math.floor(vocab.length * rand() ** 3)] ?? "x";
const sentence = () => {
  const n = 6 + Math.floor(rand() * 14);
  const words = Array.from({ length: n }, word);
  return `${words.join(" ")}.`;
};

const root = mkdtempSync(join(tmpdir(), "fc-bench-corpus-"));
const storeDir = join(mkdtempSync(join(tmpdir(), "fc-bench-store-")), "store");
let bytes = 0;
const queries: string[] = [];
for (let d = 0; d < DOCS; d++) {
  const parts = [`# ${word()} ${word()} ${word()}\n`];
  let size = 0;
  let section = 0;
  while (size < KB * 1024) {
    if (size > section * 1500) {
      parts.push(`\n## ${word()} ${word()}\n`);
      section++;
    }
    const paragraph = Array.from({ length: 3 + Math.floor(rand() * 4) }, sentence).join(" ");
    parts.push(`\n${paragraph}\n`);
    size += paragraph.length;
  }
  const text = parts.join("");
  bytes += Buffer.byteLength(text);
  const dir = join(root, `d${Math.floor(d / 500)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `doc${d}.md`), text);
  if (d % 50 === 0) queries.push(`${word()} ${word()} ${word()} ${word()}`);
}
process.stderr.write(`generated ${DOCS} documents, ${(bytes / 1e6).toFixed(1)} MB in ${root}\n`);

const t0 = performance.now();
const report = await indexCorpus({ dir: root, name: "bench", storeDir });
const indexMs = performance.now() - t0;
const rssMb = process.resourceUsage().maxRSS / 1024;

// Reference: gpt-tokenizer encoding every file (what chunking by whole-text encoding costs).
const r0 = performance.now();
let refTokens = 0;
for (let d = 0; d < DOCS; d++)
  refTokens += encode(readFileSync(join(root, `d${Math.floor(d / 500)}`, `doc${d}.md`), "utf8"), {
    disallowedSpecial: new Set(),
  }).length;
const refMs = performance.now() - r0;

const o0 = performance.now();
const store = EmbeddedStore.open(storeDir);
const openMs = performance.now() - o0;
const times: number[] = [];
for (let round = 0; round < 1; round++)
  for (const q of queries) {
    const s = performance.now();
    await store.searchText(q, { limit: 50 });
    times.push(performance.now() - s);
  }
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(times.length * p))] ?? 0;

const rows = [
  ["documents", String(report.documents)],
  ["chunks", String(report.chunks)],
  ["corpus MB", (bytes / 1e6).toFixed(1)],
  ["cl100k tokens indexed", String(report.tokens)],
  ["index wall s (BM25 only)", (indexMs / 1000).toFixed(1)],
  ["peak RSS MB", rssMb.toFixed(0)],
  ["reference: cl100k encode of the corpus s", (refMs / 1000).toFixed(1)],
  ["index / reference", (indexMs / refMs).toFixed(2)],
  ["store open s", (openMs / 1000).toFixed(2)],
  [`search p50 ms (${times.length} queries, top 50)`, pct(0.5).toFixed(1)],
  ["search p90 ms", pct(0.9).toFixed(1)],
];
process.stdout.write(`| measure | value |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join("\n")}\n`);
process.stdout.write(`token check: ${report.tokens} indexed vs ${refTokens} by whole-file encoding\n`);
rmSync(root, { recursive: true, force: true });
rmSync(join(storeDir, ".."), { recursive: true, force: true });
