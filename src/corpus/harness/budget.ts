/**
 * The context budget of a corpus run, as Context-1 trains it: a total (T_budget), a per-search
 * budget for chunk text (S_budget), a read budget, a reserve always left for the model's next
 * reply, an optional soft threshold ("prune or conclude", shown only in training rollouts, so off
 * by default) and a hard cutoff between T/2 and T past which only `prune_chunks` runs.
 */

export interface CorpusBudget {
  /** T_budget: tokens the model's view may hold (Context-1's example line shows 32,768). */
  totalTokens: number;
  /** Chunk tokens one `search_corpus` call may return. */
  searchTokens: number;
  /** Chunk tokens one `read_document` call may return. */
  readTokens: number;
  /** Tokens always kept free for the model's next reply. */
  reserveTokens: number;
  /** Fraction of the total past which every tool but `prune_chunks` is rejected (0.5 < x ≤ 1). */
  hardCutoff: number;
  /** Fraction past which the "prune or conclude" message is shown; undefined = off. */
  softThreshold?: number;
}

/**
 * Defaults: 32,768 tokens as in the report's usage line; 2,000 search and 4,000 read tokens and
 * the 0.95 hard stop from the public re-implementation (theepicflyer/context-1-harness); a reserve
 * the size of a typical gpt-oss tool-call turn with its reasoning.
 */
export const DEFAULT_BUDGET: CorpusBudget = {
  totalTokens: 32_768,
  searchTokens: 2_000,
  readTokens: 4_000,
  reserveTokens: 2_048,
  hardCutoff: 0.95,
};

/** Check a budget, returning the problem in one sentence (undefined when it is valid). */
export function budgetProblem(b: CorpusBudget): string | undefined {
  if (!(b.totalTokens >= 1024)) return "the token budget must be at least 1,024 tokens";
  if (!(b.hardCutoff > 0.5 && b.hardCutoff <= 1)) return "the hard cutoff must lie above 0.5 and at most 1";
  if (b.softThreshold !== undefined && !(b.softThreshold > 0 && b.softThreshold < 1))
    return "the soft threshold must lie between 0 and 1";
  if (b.reserveTokens >= b.totalTokens / 2) return "the reserve must be under half the token budget";
  if (b.searchTokens <= 0 || b.readTokens <= 0) return "search and read budgets must be positive";
  return undefined;
}

/** `[Token usage: 14,203/32,768]`: the exact form of Context-1's usage line. */
export function usageLine(used: number, total: number): string {
  const fmt = (n: number) => Math.max(0, Math.round(n)).toLocaleString("en-US");
  return `[Token usage: ${fmt(used)}/${fmt(total)}]`;
}

export const SOFT_THRESHOLD_MESSAGE =
  "You have used more than half of your context budget. Prune chunks you no longer need with prune_chunks, or assess what you have found and give your final answer.";

export function hardCutoffError(used: number, total: number): string {
  return `Error: the context budget is nearly spent (${usageLine(used, total).slice(1, -1)}). Only prune_chunks can run now: prune chunks you do not need, or give your final answer.`;
}
