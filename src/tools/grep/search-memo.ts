/**
 * Results of ripgrep searches kept from one exploration to the next on the server's kept listing.
 * The embedded explorer asks the same questions of a tree every time (import lines, generated-file
 * headers, definition keywords), and on a big tree each is a walk of every file; a model explorer
 * repeats its searches too. A kept result is handed back only when nothing it depends on moved:
 *
 * - the same listing object (no file added, deleted or renamed, no ignore file edited: the memory
 *   cache re-lists, and a new listing has a new term index and an empty memo);
 * - the same content: the term index checked every stamped file for this exploration (a changed
 *   one loses its stamp), and the files it holds no stamp of (secret, through a link, not read,
 *   changed) are the same ones, with the same size, mtime, ctime and inode (`TermIndex.contentState`);
 * - the same question (every field of the query, and whether links may be followed).
 *
 * As with the narrowed searches, one exploration's view of the content is fixed at its first check:
 * a file edited in the middle of an exploration is seen by the next one. Results that a timeout,
 * an unreadable file or a change during the search cut short are never kept. Memory: at most
 * `MAX_MEMO_BYTES` of results per term index, least recently used dropped first. A kept result is
 * frozen (deeply) and shared, never copied: a reader that changed one would throw.
 */
import type { ContentState, TermIndex } from "../../index-cache/term-index/term-index.js";
import type { Workspace } from "../../workspace/workspace.js";
import type { Collected } from "./collect.js";

/** Estimated bytes of kept results per term index (the memory cache's cap does not count them). */
export const MAX_MEMO_BYTES = 16 * 1024 * 1024;

interface Kept {
  state: ContentState;
  collected: Collected;
  bytes: number;
}

interface Memo {
  entries: Map<string, Kept>;
  bytes: number;
}

const memos = new WeakMap<TermIndex, Memo>();

/** Each workspace's number: its first question has the term index check the files' stamps. */
const epochs = new WeakMap<Workspace, number>();
let nextEpoch = 1;

/** The exploration (workspace) a question to the term index belongs to. */
export function epochOf(ws: Workspace): number {
  let epoch = epochs.get(ws);
  if (epoch === undefined) epochs.set(ws, (epoch = nextEpoch++));
  return epoch;
}

/** Rough bytes a collected result holds (strings twice: UTF-16, plus per-object overhead). */
function estimateBytes(collected: Collected): number {
  let bytes = 256;
  for (const f of collected.files) {
    bytes += 2 * f.rel.length + 96;
    for (const l of f.lines) bytes += 2 * l.text.length + 64;
  }
  return bytes;
}

/** `value` and everything in it made read-only (a kept result is shared by every later exploration). */
function deepFreeze<V>(value: V): V {
  if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}

function keepable(collected: Collected): boolean {
  return !collected.timedOut && collected.unreadable === 0 && (collected.pathTooLong?.count ?? 0) === 0;
}

function sameState(a: ContentState, b: ContentState): boolean {
  return a.unstamped === b.unstamped;
}

/**
 * `search()`'s outcome, or the one kept for the same `key` while the content is as it was then.
 * Without a ready term index (or when it cannot vouch for the content) the search just runs.
 */
export async function rememberedSearch<T extends { ok: true; collected: Collected } | { ok: false }>(
  ws: Workspace,
  terms: TermIndex | undefined,
  key: string,
  search: () => Promise<T>,
): Promise<T> {
  // FC_SEARCH_MEMO=off: every search runs (for A/B measurements, and as a way out).
  const state = terms && process.env.FC_SEARCH_MEMO !== "off" ? await terms.contentState(epochOf(ws)) : null;
  if (!terms || !state) return search();
  let memo = memos.get(terms);
  if (!memo) memos.set(terms, (memo = { entries: new Map(), bytes: 0 }));
  const kept = memo.entries.get(key);
  if (kept) {
    memo.entries.delete(key); // re-inserted below or dropped: Map order is recency order
    memo.bytes -= kept.bytes;
    if (sameState(kept.state, state)) {
      memo.entries.set(key, kept);
      memo.bytes += kept.bytes;
      terms.stats.remembered++;
      // Frozen when kept, so handed out as is: a copy of a 20,000-line result held the event loop
      // for 40-50 ms on the 100k-file tree, on every later exploration.
      return { ok: true, collected: kept.collected } as T;
    }
  }
  const outcome = await search();
  if (!outcome.ok || !keepable(outcome.collected)) return outcome;
  const bytes = estimateBytes(outcome.collected);
  if (bytes > MAX_MEMO_BYTES / 2) return outcome;
  // Kept and handed back frozen, not copied: no reader changes a result.
  memo.entries.set(key, { state, collected: deepFreeze(outcome.collected), bytes });
  memo.bytes += bytes;
  for (const [oldKey, old] of memo.entries) {
    if (memo.bytes <= MAX_MEMO_BYTES) break;
    memo.entries.delete(oldKey);
    memo.bytes -= old.bytes;
  }
  return outcome;
}
