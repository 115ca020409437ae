/**
 * Facts derived from a whole file list, remembered per list: a server's kept listing hands every
 * exploration the same frozen candidate array (explorer.ts `candidatesOf`) until a file changes,
 * and passes over 100k paths cost tens to hundreds of milliseconds each. Only a frozen list is
 * remembered (any other may change under the memo); a changed tree is a new array, so nothing
 * outlives its listing. A pending computation is shared too.
 */
export class ListMemo<T> {
  private readonly byList = new WeakMap<readonly string[], Map<string, Promise<T>>>();

  /** `maxVariants`: distinct keys kept per list before that list's entries start over. */
  constructor(private readonly maxVariants = 4) {}

  get(list: readonly string[], key: string, compute: () => Promise<T>): Promise<T> {
    if (!Object.isFrozen(list)) return compute();
    let variants = this.byList.get(list);
    const known = variants?.get(key);
    if (known) return known;
    const computing = compute();
    if (!variants) this.byList.set(list, (variants = new Map()));
    if (variants.size >= this.maxVariants) variants.clear();
    variants.set(key, computing);
    return computing;
  }
}
