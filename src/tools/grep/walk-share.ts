/**
 * The entries ripgrep's walk skipped for ignore rules, shared by the index-free searches of one
 * turn over the same target.
 *
 * Every such search walks the same tree with the same rules, so the entries it skips are the same
 * whatever its pattern. Asking ripgrep to name them (`--debug`) costs each pass 8–20% more CPU
 * (BENCHMARKS.md, "One walk's ignore notices per turn"), and the embedded explorer's first turn
 * walks a tree four or five times at once. So the first search of a target leads: it runs with
 * `--debug` and publishes what its walk skipped when it ends. The searches started after it run
 * without and take the leader's entries.
 *
 * Contract:
 * - Only the calls of one turn share (`Toolbox.runTurn` makes one `WalkShare` per turn). Their
 *   results are delivered together, so a follower waiting for its leader delays nothing. A call
 *   made alone (an MCP request, `fastcontext tool`) gets no share and behaves as before.
 * - A leader whose walk did not end normally publishes null. That covers an invalid pattern, a
 *   failure, a cancellation, the time limit, or a kill at the line cap. Its followers then report
 *   no walk facts, and Grep takes the ignored entries from the file index instead (grep.ts
 *   `ignoredDirs`), which is slower but never wrong. The entry is dropped, so a later search of
 *   the target leads again.
 * - A member of a shared count pass neither leads nor follows: the pass's command line is the same
 *   for all its members, so it always carries `--debug`. It is also the turn's longest walk, and a
 *   follower holds its call's slot of the turn until its leader publishes: a call queued behind
 *   them would start late (the first version let it lead; the explorer's ninth call then started
 *   3 s late on the 100k tree).
 * - A follower waits for its leader last, after its own walk and link search.
 */
export class WalkShare {
  private readonly leaders = new Map<string, Promise<string[] | null>>();

  /** The leader's skipped entries for `targetRel`; undefined when no search leads it yet. */
  follow(targetRel: string): Promise<string[] | null> | undefined {
    return this.leaders.get(targetRel);
  }

  /**
   * Makes the caller the leader of `targetRel`. It must call the returned function once, when its
   * walk has ended: with the entries its `--debug` lines named, or with null when the walk did not
   * end normally.
   */
  lead(targetRel: string): (skipped: readonly string[] | null) => void {
    let settle: (v: string[] | null) => void = () => undefined;
    const published = new Promise<string[] | null>((resolve) => (settle = resolve));
    this.leaders.set(targetRel, published);
    let done = false;
    return (skipped) => {
      if (done) return;
      done = true;
      if (skipped === null && this.leaders.get(targetRel) === published) this.leaders.delete(targetRel);
      settle(skipped === null ? null : [...skipped]);
    };
  }
}
