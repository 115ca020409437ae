/**
 * Context-1's metrics for one task — final answer found (any gold document in the answer),
 * output recall, precision, F1, trajectory recall (gold documents seen anywhere in the run,
 * pruned ones included) — and the retriever's Recall@k and nDCG@k (binary relevance). Pure.
 */

export interface TaskScores {
  finalAnswerFound: number;
  recall: number;
  precision: number;
  f1: number;
  trajectoryRecall: number;
  recallAtK: number;
  ndcgAtK: number;
}

export function scoreTask(
  gold: readonly string[],
  answer: readonly string[],
  seen: readonly string[],
  k: number,
): TaskScores {
  const goldSet = new Set(gold);
  const hits = answer.filter((d) => goldSet.has(d)).length;
  const recall = goldSet.size ? hits / goldSet.size : 0;
  const precision = answer.length ? hits / answer.length : 0;
  const f1 = recall + precision > 0 ? (2 * recall * precision) / (recall + precision) : 0;
  const seenHits = new Set(seen.filter((d) => goldSet.has(d))).size;
  const topK = answer.slice(0, k);
  let dcg = 0;
  topK.forEach((d, i) => {
    if (goldSet.has(d)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, goldSet.size); i++) ideal += 1 / Math.log2(i + 2);
  return {
    finalAnswerFound: hits > 0 ? 1 : 0,
    recall,
    precision,
    f1,
    trajectoryRecall: goldSet.size ? seenHits / goldSet.size : 0,
    recallAtK: goldSet.size ? topK.filter((d) => goldSet.has(d)).length / goldSet.size : 0,
    ndcgAtK: ideal > 0 ? dcg / ideal : 0,
  };
}

export function meanScores(all: TaskScores[]): TaskScores {
  const keys: Array<keyof TaskScores> = [
    "finalAnswerFound",
    "recall",
    "precision",
    "f1",
    "trajectoryRecall",
    "recallAtK",
    "ndcgAtK",
  ];
  const out = Object.fromEntries(keys.map((key) => [key, 0])) as unknown as TaskScores;
  for (const s of all) for (const key of keys) out[key] += s[key] / all.length;
  return out;
}
