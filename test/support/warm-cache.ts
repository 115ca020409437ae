/**
 * A memory index cache holding a tree's listing, and (when `terms`) its term index built: the
 * server's warm state, for tests of searches through it.
 */
import { MemoryIndexCache } from "../../src/index-cache/memory-cache.js";
import type { TermIndex } from "../../src/index-cache/term-index/term-index.js";
import { Workspace } from "../../src/workspace/workspace.js";

export async function warmCache(root: string, terms: boolean): Promise<{ cache: MemoryIndexCache; index?: TermIndex }> {
  const cache = new MemoryIndexCache({ maxTermIndexes: terms ? 4 : 0 });
  const listing = await Workspace.openSync(root, { indexSource: cache.source }).fileIndex();
  const index = cache.termIndexOf(listing);
  await index?.built();
  return index ? { cache, index } : { cache };
}
