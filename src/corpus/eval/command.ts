/**
 * `corpus eval`: build a task set from a docs tree (`--build DIR --out FILE`), or score one on a
 * corpus: the embedded retriever in its default (hybrid when vectors and an embedding endpoint
 * exist, else BM25) and BM25-only variants, or the model harness with `--base-url`. Prints a
 * table (or `--json`) of Context-1's metrics and Recall@k / nDCG@k.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { ConfigError } from "../../util/errors.js";
import type { CliContext } from "../../util/subcommand.js";
import { askCorpus, openCorpus } from "../ask.js";
import { embeddedAsk } from "../embedded-ask.js";
import { Retriever } from "../retriever.js";
import { meanScores, scoreTask, type TaskScores } from "./metrics.js";
import { buildSectionTasks, type TaskManifest } from "./tasks.js";

export interface EvalRow {
  variant: string;
  tasks: number;
  scores: TaskScores;
  p50Ms: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Score the no-model retriever on `manifest`: full embedded ask, and one BM25 search per task. */
export async function evaluateEmbedded(
  manifest: TaskManifest,
  corpusSpec: string | undefined,
  k: number,
): Promise<EvalRow[]> {
  const { name, store, root } = openCorpus(corpusSpec);
  const retriever = new Retriever({ store });
  const corpus = { name, root, backend: store.backend };
  const rows: EvalRow[] = [];
  const embedded: TaskScores[] = [];
  const bm25: TaskScores[] = [];
  const embeddedMs: number[] = [];
  const bm25Ms: number[] = [];
  for (const task of manifest.tasks) {
    let t = performance.now();
    const result = await embeddedAsk({ query: task.query, retriever, corpus, maxDocuments: k });
    embeddedMs.push(performance.now() - t);
    embedded.push(
      scoreTask(
        task.gold,
        result.documents.map((d) => d.id),
        result.trace.seenDocs,
        k,
      ),
    );
    t = performance.now();
    const hits = await store.searchText(task.query, { limit: 50 });
    bm25Ms.push(performance.now() - t);
    const docs = [...new Set(hits.map((h) => h.chunk.doc))].slice(0, k);
    bm25.push(scoreTask(task.gold, docs, docs, k));
  }
  rows.push({
    variant: "embedded (decomposed, fused)",
    tasks: embedded.length,
    scores: meanScores(embedded),
    p50Ms: median(embeddedMs),
  });
  rows.push({ variant: "bm25 only (one search)", tasks: bm25.length, scores: meanScores(bm25), p50Ms: median(bm25Ms) });
  return rows;
}

export async function runCorpusEvalCommand(flags: Record<string, string | undefined>, ctx: CliContext): Promise<void> {
  if (flags.build) {
    if (!flags.out) throw new ConfigError("--build needs --out FILE for the task manifest");
    const manifest = buildSectionTasks(
      flags.build,
      flags.gitDir ? { gitDir: flags.gitDir, prefix: flags.gitPrefix ?? "" } : undefined,
    );
    writeFileSync(flags.out, `${JSON.stringify(manifest, null, 1)}\n`);
    process.stdout.write(`${manifest.tasks.length} tasks written to ${flags.out}\n`);
    ctx.setExitCode(0);
    return;
  }
  if (!flags.tasks) throw new ConfigError("corpus eval needs --tasks FILE (or --build DIR --out FILE)");
  const manifest = JSON.parse(readFileSync(flags.tasks, "utf8")) as TaskManifest;
  const limit = flags.limit ? Number(flags.limit) : manifest.tasks.length;
  const k = flags.k ? Number(flags.k) : 10;
  const subset = { ...manifest, tasks: manifest.tasks.slice(0, limit) };
  let rows: EvalRow[];
  if (flags.baseUrl) {
    const scores: TaskScores[] = [];
    const ms: number[] = [];
    for (const task of subset.tasks) {
      const t = performance.now();
      const result = await askCorpus({
        query: task.query,
        ...(flags.corpus ? { corpus: flags.corpus } : {}),
        model: { baseUrl: flags.baseUrl, ...(flags.model ? { model: flags.model } : {}) },
      });
      ms.push(performance.now() - t);
      scores.push(
        scoreTask(
          task.gold,
          result.documents.map((d) => d.id),
          result.trace.seenDocs,
          k,
        ),
      );
    }
    rows = [{ variant: "model harness", tasks: scores.length, scores: meanScores(scores), p50Ms: median(ms) }];
  } else rows = await evaluateEmbedded(subset, flags.corpus, k);
  if (flags.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else {
    const f = (x: number) => x.toFixed(3);
    process.stdout.write(
      `| variant | tasks | found | recall | precision | F1 | traj. recall | Recall@${k} | nDCG@${k} | p50 ms |\n|---|---|---|---|---|---|---|---|---|---|\n`,
    );
    for (const r of rows)
      process.stdout.write(
        `| ${r.variant} | ${r.tasks} | ${f(r.scores.finalAnswerFound)} | ${f(r.scores.recall)} | ${f(r.scores.precision)} | ${f(r.scores.f1)} | ${f(r.scores.trajectoryRecall)} | ${f(r.scores.recallAtK)} | ${f(r.scores.ndcgAtK)} | ${r.p50Ms.toFixed(1)} |\n`,
      );
  }
  ctx.setExitCode(0);
}
