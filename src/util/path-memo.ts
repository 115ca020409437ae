import { yieldToLoop } from "./yield.js";

/**
 * A memo of facts derived from a repository-relative path alone (its role by folder names, its
 * words, its language). Ranking asks them of every candidate file on every exploration: on a
 * 50k-file tree computing them took about 0.5 s of one synchronous stretch per call. The facts
 * depend on the path string only, so one memo serves every repository a server explores.
 *
 * Bounded by entries, not time: past `maxEntries` the memo starts over (a tree bigger than the
 * bound recomputes, never grows memory without end).
 */
export class PathMemo<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly compute: (rel: string) => T,
    private readonly maxEntries = 250_000,
  ) {}

  get(rel: string): T {
    let value = this.entries.get(rel);
    if (value === undefined) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      value = this.compute(rel);
      this.entries.set(rel, value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Computes the memo's facts for `rels` in slices, yielding to the event loop between slices. */
export async function primePathMemo<T>(memo: PathMemo<T>, rels: readonly string[], slice = 2000): Promise<void> {
  for (let i = 0; i < rels.length; i++) {
    if (i > 0 && i % slice === 0) await yieldToLoop();
    memo.get(rels[i]!);
  }
}
