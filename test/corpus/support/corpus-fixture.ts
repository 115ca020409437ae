/**
 * A small real corpus for corpus tests: Markdown, HTML and JSONL documents in a temporary
 * directory, indexed into a temporary store (never inside the corpus), opened with its retriever.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { indexCorpus } from "../../../src/corpus/indexer.js";
import { Retriever } from "../../../src/corpus/retriever.js";
import { EmbeddedStore } from "../../../src/corpus/store/embedded-store.js";
import { type TmpRepo, tmpRepo } from "../../support/tmp-repo.js";

/** Paragraphs long enough that one document spans several 512-token chunks. */
function longSection(topic: string, n: number): string {
  return Array.from(
    { length: n },
    (_, i) =>
      `Paragraph ${i} about ${topic}: the ${topic} settings control how records are kept, copied and removed over time, and operators tune them per cluster with care and review.`,
  ).join("\n\n");
}

export const CORPUS_FILES: Record<string, string> = {
  "retention.md": `# Retention policy\n\n${longSection("retention", 60)}\n\n## Legal hold\n\nA legal hold suspends the retention policy for the held records.\n`,
  "caching.md": "# Caching\n\nThe beta cache keeps hot pages in memory for thirty seconds.\n",
  "guide/replication.html":
    "<html><head><title>Replication guide</title></head><body><h1>Replication</h1><p>Replicas copy the write-ahead log &amp; apply it.</p></body></html>",
  "faq.jsonl": `${JSON.stringify({ id: "q1", title: "Quota limits", text: "The quota limit is 500 requests per minute per key." })}\n${JSON.stringify({ id: "q2", title: "Billing", text: "Invoices are sent monthly." })}\n`,
};

export interface CorpusFixture extends AsyncDisposable {
  repo: TmpRepo;
  storeDir: string;
  store: EmbeddedStore;
  retriever: Retriever;
  corpus: { name: string; root: string; backend: string };
}

export async function corpusFixture(files: Record<string, string> = CORPUS_FILES): Promise<CorpusFixture> {
  const repo = await tmpRepo({ files, prefix: "fc-corpus-" });
  const data = mkdtempSync(join(tmpdir(), "fc-corpus-store-"));
  const storeDir = join(data, "store");
  await indexCorpus({ dir: repo.root, name: "fixture", storeDir });
  const store = EmbeddedStore.open(storeDir);
  return {
    repo,
    storeDir,
    store,
    retriever: new Retriever({ store }),
    corpus: { name: "fixture", root: repo.root, backend: store.backend },
    [Symbol.asyncDispose]: async () => {
      repo.cleanup();
      rmSync(data, { recursive: true, force: true });
    },
  };
}
