/**
 * The long-running server's warm file indexes: one per repository (and secret policy), reused by
 * every exploration while its stamp says the tree did not change, re-listed when it did. Least
 * recently used repositories are dropped beyond `maxRepos` or the memory cap (an estimate of the
 * index's size). Concurrent explorations of one repository share one listing or check.
 */
import { yieldToLoop } from "../util/yield.js";
import type { FileIndex, WalkOptions } from "../workspace/file-index.js";
import type { IndexSource } from "../workspace/workspace.js";
import { type IndexStamp, stampIndex, stampIsCurrent } from "./stamp.js";
import { TermIndex } from "./term-index/term-index.js";

export interface MemoryIndexCacheOptions {
  /** Repositories kept (default 32). */
  maxRepos?: number;
  /** Estimated bytes of all kept indexes together (default 512 MiB). */
  maxBytes?: number;
  /**
   * Repositories whose listing also gets a term index (built in a worker thread once listed, see
   * term-index/term-index.ts): the most recently used ones, default 4; 0 turns term indexes off.
   */
  maxTermIndexes?: number;
}

interface Entry {
  index: FileIndex;
  stamp: IndexStamp;
  bytes: number;
  terms?: TermIndex;
}

/** A cache key: the root, the start directory and everything that changes what a listing contains. */
export function listingKey(options: WalkOptions): string {
  return JSON.stringify([
    options.root,
    options.startRel ?? "",
    options.explicit ?? false,
    options.maxFiles ?? null,
    options.secrets.allowAll,
    [...options.secrets.allow].sort(),
  ]);
}

/** Rough memory held by an index: its strings twice (array and map) plus per-object overhead. */
export function estimateIndexBytes(index: FileIndex): number {
  let bytes = 0;
  for (const f of index.files) bytes += 2 * (f.rel.length + f.abs.length) + 160;
  for (const d of index.dirs) bytes += 2 * d.length + 48;
  for (const e of index.ignoredEntries) bytes += 2 * e.rel.length + 64;
  return bytes;
}

export class MemoryIndexCache {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<FileIndex>>();
  private readonly maxRepos: number;
  private readonly maxBytes: number;
  private readonly maxTermIndexes: number;
  private bytes = 0;
  /** Counters for diagnostics, `health` and tests. */
  readonly stats = { hits: 0, misses: 0, stale: 0, evicted: 0 };

  constructor(options: MemoryIndexCacheOptions = {}) {
    this.maxRepos = Math.max(1, options.maxRepos ?? 32);
    this.maxBytes = Math.max(1, options.maxBytes ?? 512 * 1024 * 1024);
    this.maxTermIndexes = Math.max(0, options.maxTermIndexes ?? 4);
  }

  /** The index source for workspaces (see `setDefaultIndexSource`). */
  readonly source: IndexSource = Object.assign(
    (options: WalkOptions, list: (options: WalkOptions) => Promise<FileIndex>) => {
      const key = listingKey(options);
      const inFlight = this.pending.get(key);
      if (inFlight) return inFlight;
      const run = this.lookup(key, options, list).finally(() => this.pending.delete(key));
      this.pending.set(key, run);
      return run;
    },
    {
      holds: (options: WalkOptions) => {
        const key = listingKey(options);
        return this.entries.has(key) || this.pending.has(key);
      },
      primeInBackground: true,
      peek: (options: WalkOptions) => this.entries.get(listingKey(options))?.index,
      terms: (options: WalkOptions, index: FileIndex) => {
        const terms = this.entries.get(listingKey(options))?.terms;
        return terms?.ready && terms.listing === index ? terms : undefined;
      },
    },
  );

  private async lookup(
    key: string,
    options: WalkOptions,
    list: (options: WalkOptions) => Promise<FileIndex>,
  ): Promise<FileIndex> {
    const entry = this.entries.get(key);
    if (entry) {
      if (await stampIsCurrent(options.root, entry.stamp)) {
        this.stats.hits++;
        this.entries.delete(key); // re-insert: Map order is recency order
        this.entries.set(key, entry);
        return entry.index;
      }
      this.stats.stale++;
      this.drop(key);
    } else this.stats.misses++;
    const listedAt = Date.now();
    const index = await list(options);
    const stamp = await stampIndex(options.root, index, listedAt, options.startRel ?? "");
    // Sizing a 100k-file listing and starting its term index take 10–30 ms each: separate turns of
    // the event loop (the pending promise keeps other callers waiting for this one meanwhile).
    await yieldToLoop();
    const bytes = estimateIndexBytes(index);
    await yieldToLoop();
    this.store(key, { index, stamp, bytes });
    return index;
  }

  private store(key: string, entry: Entry): void {
    this.drop(key);
    this.entries.set(key, entry);
    this.bytes += entry.bytes;
    if (this.maxTermIndexes > 0) this.startTerms(key, entry);
    this.evict();
  }

  /** Builds the entry's term index in the background; its size counts once it is known. */
  private startTerms(key: string, entry: Entry): void {
    const terms = new TermIndex(entry.index);
    entry.terms = terms;
    // Only the most recently used repositories keep one.
    const withTerms = [...this.entries.values()].filter((e) => e.terms);
    for (const old of withTerms.slice(0, Math.max(0, withTerms.length - this.maxTermIndexes))) this.closeTerms(old);
    void terms.built().then(() => {
      if (this.entries.get(key) !== entry || entry.terms !== terms || !terms.ready) return;
      entry.bytes += terms.bytes;
      this.bytes += terms.bytes;
      this.evict();
    });
  }

  private closeTerms(entry: Entry): void {
    const terms = entry.terms;
    if (!terms) return;
    entry.terms = undefined;
    if (terms.ready) {
      entry.bytes -= terms.bytes;
      this.bytes -= terms.bytes;
    }
    terms.close();
  }

  private evict(): void {
    // Keep at least the newest entry even when it alone is over the cap: it is in use.
    while (this.entries.size > 1 && (this.entries.size > this.maxRepos || this.bytes > this.maxBytes)) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
      this.stats.evicted++;
    }
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.closeTerms(old);
    this.bytes -= old.bytes;
    this.entries.delete(key);
  }

  /** Repositories currently kept, and their estimated bytes. */
  get size(): { repos: number; bytes: number } {
    return { repos: this.entries.size, bytes: this.bytes };
  }

  /** The term index kept for a listing (ready or building), for diagnostics and tests. */
  termIndexOf(index: FileIndex): TermIndex | undefined {
    for (const e of this.entries.values()) if (e.index === index) return e.terms;
    return undefined;
  }

  clear(): void {
    for (const e of this.entries.values()) this.closeTerms(e);
    this.entries.clear();
    this.bytes = 0;
  }
}
