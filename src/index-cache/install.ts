/**
 * Which warm index a process uses: the MCP server keeps indexes in memory across explorations;
 * CLI runs share them on disk under the user's cache directory. `FC_INDEX_CACHE=off` turns both off
 * (every exploration lists afresh), e.g. for benchmarks of the cold path.
 */
import { setDefaultIndexSource } from "../workspace/workspace.js";
import { DiskIndexCache } from "./disk-cache.js";
import { MemoryIndexCache, type MemoryIndexCacheOptions } from "./memory-cache.js";

function disabled(env: NodeJS.ProcessEnv): boolean {
  return /^(off|0|false|no)$/i.test(env.FC_INDEX_CACHE ?? "");
}

/** For CLI commands: workspaces read and write the on-disk index cache. */
export function useDiskIndexCache(env: NodeJS.ProcessEnv = process.env): DiskIndexCache | null {
  if (disabled(env)) return null;
  const cache = new DiskIndexCache();
  setDefaultIndexSource(cache.source);
  return cache;
}

/**
 * For the long-running server: workspaces share warm in-memory indexes (LRU, memory cap), and the
 * most recently used repositories a term index each; `FC_TERM_INDEX=off` keeps the listings only.
 */
export function useMemoryIndexCache(
  options: MemoryIndexCacheOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): MemoryIndexCache | null {
  if (disabled(env)) return null;
  const terms = /^(off|0|false|no)$/i.test(env.FC_TERM_INDEX ?? "") ? { maxTermIndexes: 0 } : {};
  const cache = new MemoryIndexCache({ ...options, ...terms });
  setDefaultIndexSource(cache.source);
  return cache;
}
