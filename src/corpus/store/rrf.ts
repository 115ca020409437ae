/**
 * Reciprocal-rank fusion: each list adds 1 / (k + rank) to an item's score (Cormack et al. 2009;
 * k = 60 as there and in the Context-1 re-implementation). Used for BM25 + dense search and for
 * fusing the answers of several rollouts. Pure.
 */
export const RRF_K = 60;

/** Fuse ranked lists of keys; ties keep the order of first appearance. */
export function rrfFuse(lists: ReadonlyArray<readonly string[]>, k = RRF_K): Array<{ key: string; score: number }> {
  const scores = new Map<string, number>();
  for (const list of lists) {
    list.forEach((key, rank) => {
      scores.set(key, (scores.get(key) ?? 0) + 1 / (k + rank + 1));
    });
  }
  return [...scores.entries()].map(([key, score]) => ({ key, score })).sort((a, b) => b.score - a.score);
}
