/**
 * The warm term index of one listing: which files hold which words, so that a search through the
 * server's kept listing hands ripgrep only the files its pattern may match (as explicit paths)
 * instead of walking the whole tree. Built once per listing in a worker thread, in the background;
 * a search never waits for it (until it is ready, searches walk as before).
 *
 * Soundness, which the tests check against ripgrep's own walk: a file left out is one whose words
 * cannot meet the pattern's requirement (src/tools/grep/regex-requirement.ts), or a binary file the
 * walk would show nothing of. Files not read (secret, reached through a link, too large, unreadable,
 * changed) are always handed over. Each workspace (one exploration) checks every indexed file's
 * stamp once, on its first narrowed search; a file changed since it was read is a candidate from
 * then on. When a binary that ripgrep might read differently as an explicit path may match, or the
 * candidates are too many for a command line, the search is not narrowed.
 */
import { type BigIntStats, statSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { Requirement } from "../../tools/grep/regex-requirement.js";
import { argumentCost, processCommandLineBudget } from "../../util/command-line-budget.js";
import { createLogger } from "../../util/log.js";
import { timeSlice, yieldToLoop } from "../../util/yield.js";
import type { FileIndex } from "../../workspace/file-index.js";
import type { FileStat } from "../../workspace/workspace.js";
import { RACY_MS } from "../stamp.js";
import type { CountMember } from "./word-table.js";
import { FileState, type TermIndexReply, type TermIndexRequest } from "./worker.js";

const log = createLogger("index.terms");

/**
 * Candidates handed to ripgrep as explicit paths at most, as a share of the indexed files: past it a
 * walk reads about as much. Measured on the 100k-file tree (BENCHMARKS.md, "explicit paths against
 * the walk"): 15% of its files as explicit paths 0.20 s, 45% 0.60 s, the walk 0.87 s. The command
 * line's own limit (src/util/command-line-budget.ts) usually binds first.
 */
const MAX_EXPLICIT_SHARE = 0.5;
/** Counted files turned into results between two turns of the event loop. */
const COUNT_SLICE = 20_000;

/** A shared count pass answered by the index: what it counted, and what ripgrep must still count. */
export interface IndexedCounts {
  /** Per member (in request order): relative path and matches, for the files the index settles. */
  counts: Array<Array<{ rel: string; count: number }>>;
  /** Files ripgrep must count (relative paths, listing order): not read, changed, secret, or doubtful. */
  rest: string[];
  /** Size and mtime of each file counted here (the index's stamps, checked this exploration). */
  stats: Map<string, FileStat>;
}

/**
 * What the bytes a search reads depend on, beyond the listing itself (see `TermIndex.contentState`):
 * two equal states of one listing mean every file held the same content.
 */
export interface ContentState {
  /**
   * The stat of every file the index holds no stamp of, in one string. A file found changed loses
   * its stamp for good, so it joins this list: every change moves the state.
   */
  unstamped: string;
}

/** Files without a stamp that `contentState` still stats; beyond this it vouches for nothing. */
const MAX_UNSTAMPED = 2000;
/** Time between yields to the event loop while the listing is prepared for the worker. */
const PREPARE_SLICE_MS = 8;

export interface TermIndexOptions {
  /** Files larger than this are not read (default 16 MiB). */
  maxFileBytes?: number;
}

function startWorker(): Worker {
  const here = import.meta.url;
  // Under tsx (development, tests) the worker registers the TypeScript loader itself (as scan-pool.ts).
  return here.endsWith(".ts")
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(new URL("./worker.ts", here).href)}); });`,
        { eval: true },
      )
    : new Worker(new URL("./worker.js", here));
}

export class TermIndex {
  /** Estimated bytes held by the worker's table (0 until ready). */
  bytes = 0;
  /** Set once built; `candidates` answers only then. */
  ready = false;
  /** Why the index is not usable, once it failed. */
  failed: string | null = null;
  /** `remembered`: searches answered with a result kept from an earlier exploration (search-memo.ts). */
  readonly stats = { queries: 0, narrowed: 0, walked: 0, counted: 0, remembered: 0, buildMs: 0, words: 0, changed: 0 };
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (reply: TermIndexReply) => void>();
  private nextId = 1;
  private awaited = 0;
  /** Listing position of each indexed file (file number → index into `listing.files`). */
  private readonly indexed: number[] = [];
  /** Listing files that are never read (secret) but searched as ripgrep's walk searches them. */
  private readonly alwaysSearched: number[] = [];
  /** Listing files reached through a link (searched through it, never read by the index). */
  private readonly linked: number[] = [];
  private readonly whenReady: Promise<void>;

  /** Starts building the index of `listing` (whose root is `root`) in a worker. */
  constructor(
    readonly listing: FileIndex,
    options: TermIndexOptions = {},
  ) {
    // The stamps vouch for files as they were when the index was asked for.
    const notAfterMs = Date.now() - 1000;
    this.worker = startWorker();
    this.worker.on("message", (reply: TermIndexReply & { started?: boolean }) => {
      if (reply.started) return;
      const resolve = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      resolve?.(reply);
    });
    this.worker.on("error", (error) => this.fail(String(error)));
    this.worker.on("exit", (code) => this.fail(`the term index worker exited (${code})`));
    // After the listeners (attaching one refs the worker again): a process need not wait for a build.
    this.worker.unref();
    const maxBytes = options.maxFileBytes ?? 16 * 1024 * 1024;
    let fileCount = 0;
    this.whenReady = this.indexedPaths()
      .then((paths) => {
        fileCount = this.indexed.length;
        return this.request({ type: "build", id: 0, paths, maxBytes, notAfterMs }, false);
      })
      .then((reply) => {
        if (reply.error || !reply.ready) return this.fail(reply.error ?? "no index");
        this.bytes = reply.ready.bytes + fileCount * 8;
        this.stats.buildMs = Math.round(reply.ready.ms);
        this.stats.words = reply.ready.words;
        this.ready = true;
        log.debug("term index ready", { files: fileCount, words: reply.ready.words, ms: this.stats.buildMs });
      });
  }

  /**
   * The listing sorted into indexed, secret and linked files; the indexed files' paths for the
   * worker, in order, as UTF-8 parts of paths joined by NUL (see `TermIndexRequest.paths`). In
   * slices of the event loop: on a 100k-file listing this took 50–75 ms in one piece.
   */
  private async indexedPaths(): Promise<Uint8Array[]> {
    const slice = timeSlice(PREPARE_SLICE_MS);
    const utf8 = new TextEncoder(); // each part in a buffer of its own, to be transferred
    const parts: Uint8Array[] = [];
    let paths: string[] = [];
    for (const [k, f] of this.listing.files.entries()) {
      if (slice.due()) {
        parts.push(utf8.encode(paths.join("\0")));
        paths = [];
        await yieldToLoop();
      }
      // Files reached through a link are searched through the link itself (an explicit path of its own).
      if (f.viaSymlink) {
        this.linked.push(k);
        continue;
      }
      if (f.secret) this.alwaysSearched.push(k);
      else {
        this.indexed.push(k);
        paths.push(f.abs);
      }
    }
    parts.push(utf8.encode(paths.join("\0")));
    return parts;
  }

  /** Resolves when the index is built (or failed); for tests and benchmarks. */
  built(): Promise<void> {
    if (this.ready || this.failed) return this.whenReady;
    // Whoever waits for the build keeps the process alive for it.
    this.awaited++;
    this.worker.ref();
    return this.whenReady.finally(() => {
      if (--this.awaited === 0 && !this.failed) this.worker.unref();
    });
  }

  private fail(reason: string): void {
    if (this.failed) return;
    this.failed = reason;
    this.ready = false;
    for (const resolve of this.waiting.values()) resolve({ id: -1, error: reason });
    this.waiting.clear();
  }

  /** `awaited`: a search waits for the answer, so the process stays alive for it (a build does not hold it). */
  private request(message: TermIndexRequest, awaited = true): Promise<TermIndexReply> {
    if (this.failed) return Promise.resolve({ id: -1, error: this.failed });
    const id = this.nextId++;
    return new Promise<TermIndexReply>((resolve) => {
      this.waiting.set(id, resolve);
      if (awaited) {
        this.awaited++;
        this.worker.ref();
      }
      // The build's path buffers are moved, not copied (nothing here reads them again).
      this.worker.postMessage({ ...message, id }, message.paths?.map((part) => part.buffer as ArrayBuffer) ?? []);
    }).then((reply) => {
      if (awaited && --this.awaited === 0) this.worker.unref();
      return reply;
    });
  }

  /**
   * The files under `targetRel` (relative, "" = the root) that may hold a match of a pattern with
   * this requirement, in listing order; null when the search should walk instead (not ready, the
   * requirement is "anything", a late binary may match, or too many candidates). `epoch` names the
   * caller's workspace: its first query checks the files' stamps. `omitLateBinaries`, for a content
   * search: a late binary is no candidate instead of a reason to walk (see FileState.LateBinary).
   * `split`: the caller hands the paths to several ripgreps when one command line cannot hold them,
   * so only the share cap applies (not the command line's bytes).
   */
  async candidates(
    requirement: Requirement,
    targetRel: string,
    epoch: number,
    options: { omitLateBinaries?: boolean; split?: boolean } = {},
  ): Promise<string[] | null> {
    if (!this.ready || requirement.kind === "anything") return null;
    const omit = options.omitLateBinaries === true;
    const reply = await this.ask(
      { type: "query", id: 0, requirement, ...(omit ? { omitLateBinaries: true } : {}) },
      targetRel,
      epoch,
    );
    if (!reply.mask) return this.walk();
    const picked: number[] = [];
    for (let n = 0; n < reply.mask.length; n++) if (reply.mask[n] === 1) picked.push(this.indexed[n]!);
    const out = this.explicitPaths(picked, targetRel, options.split === true);
    if (out === null) return this.walk();
    this.stats.narrowed++;
    return out;
  }

  /**
   * One question to the worker, counted: the caller's epoch (its first question checks the stamps)
   * and, at the root, the explicit-path cap (below it the worker cannot tell which files are under
   * the target: no limit there). An error or a late binary that may match is no answer.
   */
  private async ask(message: TermIndexRequest, targetRel: string, epoch: number): Promise<Partial<TermIndexReply>> {
    this.stats.queries++;
    const limit = targetRel === "" ? this.maxExplicitFiles() - this.alwaysSearched.length : undefined;
    const reply = await this.request({ ...message, epoch, ...(limit !== undefined ? { limit } : {}) });
    this.stats.changed += reply.changed ?? 0;
    return reply.error || reply.lateBinary ? {} : reply;
  }

  private maxExplicitFiles(): number {
    return Math.floor(this.listing.files.length * MAX_EXPLICIT_SHARE);
  }

  private walk(): null {
    this.stats.walked++;
    return null;
  }

  /**
   * The listing files `picked` (listing positions) under `targetRel`, then the always-searched ones,
   * as relative paths; null past the explicit-path cap (files, and command-line bytes unless `split`).
   */
  private explicitPaths(picked: Iterable<number>, targetRel: string, split = false): string[] | null {
    const prefix = targetRel === "" ? "" : `${targetRel}/`;
    const out: string[] = [];
    const maxFiles = this.maxExplicitFiles();
    const maxBytes = split ? Number.POSITIVE_INFINITY : processCommandLineBudget();
    let bytes = 0;
    for (const list of [picked, this.alwaysSearched])
      for (const k of list) {
        const f = this.listing.files[k]!;
        if (prefix !== "" && !f.rel.startsWith(prefix)) continue;
        out.push(f.rel);
        bytes += argumentCost(f.abs);
        if (out.length > maxFiles || bytes > maxBytes) return null;
      }
    return out;
  }

  /**
   * The counts of a shared count pass's whole-word members under `targetRel`, as far as the index
   * can settle them; null when the pass should run as before (not ready, or too many files are left
   * to ripgrep). See `count` in worker.ts.
   */
  async countWords(members: CountMember[], targetRel: string, epoch: number): Promise<IndexedCounts | null> {
    if (!this.ready) return null;
    const reply = await this.ask({ type: "count", id: 0, members }, targetRel, epoch);
    if (!reply.counts || !reply.rest || !reply.sizes || !reply.mtimes) return this.walk();
    const prefix = targetRel === "" ? "" : `${targetRel}/`;
    const under = (k: number) => prefix === "" || this.listing.files[k]!.rel.startsWith(prefix);
    const stats = new Map<string, FileStat>();
    const counts: Array<Array<{ rel: string; count: number }>> = [];
    let done = 0;
    for (const c of reply.counts) {
      const out: Array<{ rel: string; count: number }> = [];
      for (let i = 0; i < c.files.length; i++) {
        // A common word's files are tens of thousands on a large tree: the event loop turns between slices.
        if (++done % COUNT_SLICE === 0) await yieldToLoop();
        const n = c.files[i]!;
        const k = this.indexed[n]!;
        if (!under(k)) continue;
        const rel = this.listing.files[k]!.rel;
        out.push({ rel, count: c.counts[i]! });
        if (!stats.has(rel)) stats.set(rel, { size: reply.sizes![n]!, mtimeMs: reply.mtimes![n]! });
      }
      counts.push(out);
    }
    const rest = this.explicitPaths(
      Array.from(reply.rest, (n) => this.indexed[n]!),
      targetRel,
    );
    if (rest === null) return this.walk();
    this.stats.counted++;
    return { counts, rest, stats };
  }

  /**
   * The state of the listing's content, for results kept from one exploration to the next
   * (src/tools/grep/search-memo.ts), read once per `epoch`. The worker first checks every stamp (as the
   * epoch's first query would): an indexed file edited since it was read loses its stamp. Every
   * file with no stamp (secret, through a link, not read, changed) is stat'ed here instead
   * (size, mtime, ctime and inode, the link followed). Null when the index is not ready, too many
   * files have no stamp, or one of them changed too recently for its timestamps to be trusted.
   */
  contentState(epoch: number): Promise<ContentState | null> {
    // Once per exploration, as the stamps are checked once per exploration: its calls share one answer.
    if (this.lastState?.epoch !== epoch) this.lastState = { epoch, state: this.readContentState(epoch) };
    return this.lastState.state;
  }

  private lastState: { epoch: number; state: Promise<ContentState | null> } | undefined;

  private async readContentState(epoch: number): Promise<ContentState | null> {
    if (!this.ready) return null;
    const reply = await this.ask({ type: "check", id: 0 }, "", epoch);
    if (!reply.unstamped) return null;
    const files = [...this.alwaysSearched, ...this.linked, ...Array.from(reply.unstamped, (n) => this.indexed[n]!)];
    if (files.length > MAX_UNSTAMPED) return null;
    const racy = BigInt(Date.now() - RACY_MS) * 1_000_000n;
    const parts: string[] = [];
    for (const k of files) {
      const f = this.listing.files[k]!;
      let st: BigIntStats | undefined;
      try {
        st = statSync(f.abs, { bigint: true });
      } catch {
        parts.push(`${k}:-`);
        continue;
      }
      if (st.mtimeNs > racy || st.ctimeNs > racy) return null;
      parts.push(`${k}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`);
    }
    return { unstamped: parts.join(" ") };
  }

  /** Stops the worker; the index answers nothing after this. */
  close(): void {
    this.fail("closed");
    void this.worker.terminate();
  }
}

export { FileState };
