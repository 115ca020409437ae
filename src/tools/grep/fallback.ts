/**
 * The pure-TypeScript search engine used when no ripgrep binary runs. It searches the workspace's
 * shared file index with ripgrep's rules (globs relative to the workspace root, `--type` globs,
 * binary and size skips) in worker threads, so a catastrophic regex is terminated at the time
 * limit instead of hanging the exploration. Output is identical to the ripgrep engine's.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { createLogger } from "../../util/log.js";
import type { FileIndex, IndexedFile, Workspace } from "../../workspace/workspace.js";
import { type Collected, type FileMatches, type GrepQuery, MAX_COLLECTED_LINES } from "./collect.js";
import { type ScanJob, type ScanResult, scanFiles } from "./fallback-scan.js";
import { compileFileFilter, type FileFilter, selectsFile } from "./file-filter.js";
import { translateRegex } from "./regex-translate.js";
import type { RipgrepOutcome } from "./ripgrep.js";

const log = createLogger("tools.grep.fallback");
const BATCH = 256;
/**
 * The fallback engine reads a file whole; a file named explicitly may be bigger than the search
 * limit for directories, but not unbounded (a 2 GB log would not fit in a JavaScript string).
 */
export const FALLBACK_MAX_EXPLICIT_BYTES = 256 * 1024 * 1024;

type Pending = { resolve: (r: ScanResult) => void; reject: (e: Error) => void };

interface PooledWorker {
  worker: Worker;
  ready: Promise<void>;
}

class ScanPool {
  private readonly workers: PooledWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private next = 0;
  /** A worker died (e.g. failed to load); callers then scan in-process. */
  broken = false;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.spawn());
  }

  private spawn(): PooledWorker {
    const here = import.meta.url;
    // Under tsx (development, tests) the worker must register the TypeScript loader itself; the
    // loader is resolved here because an eval'd worker resolves bare names from the process cwd.
    const worker = here.endsWith(".ts")
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(new URL("./fallback-worker.ts", here).href)}); });`,
          { eval: true },
        )
      : new Worker(new URL("./fallback-worker.js", here));
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    worker.on("message", (msg: { id: number; ready?: boolean; result?: ScanResult; error?: string }) => {
      if (msg.ready) {
        markReady();
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.result) p.resolve(msg.result);
      else p.reject(new Error(msg.error ?? "scan failed"));
    });
    worker.on("error", (error) => {
      this.broken = true;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      markReady();
    });
    // After the listeners: adding a "message" listener refs the port again, which would keep the
    // process alive after the CLI is done.
    worker.unref();
    return { worker, ready };
  }

  run(job: ScanJob): Promise<ScanResult> {
    const id = this.nextId++;
    const pooled = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      void pooled.ready.then(() => pooled.worker.postMessage({ id, job }));
    });
  }

  async terminate(): Promise<void> {
    for (const p of this.pending.values()) p.reject(new Error("terminated"));
    this.pending.clear();
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

let pool: ScanPool | null = null;
let poolBroken = false;

function getPool(): ScanPool | null {
  if (poolBroken) return null;
  if (!pool) {
    try {
      pool = new ScanPool(Math.max(1, Math.min(2, availableParallelism())));
    } catch (error) {
      poolBroken = true;
      log.warn("worker threads unavailable; the fallback search runs in-process without a time limit", {
        error: String(error),
      });
      return null;
    }
  }
  return pool;
}

/** Stop the worker pool (tests, and after a timed-out runaway regex). */
export async function shutdownFallbackPool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.terminate();
}

/**
 * The files a search of `targetRel` covers: the shared index's files the filter selects, plus,
 * for a positive glob, the ignored files and directories it names (ripgrep's glob overrides
 * ignore rules). Secret files are counted, not searched.
 */
function searchTargets(
  ws: Workspace,
  targetRel: string,
  filter: FileFilter,
): { targets: Array<{ rel: string; abs: string }>; secret: number } {
  const targets: Array<{ rel: string; abs: string }> = [];
  let secret = 0;
  const add = (f: IndexedFile) => {
    if (f.secret) secret++;
    else targets.push({ rel: f.rel, abs: f.abs });
  };
  const { files, index } = ws.filesUnder(targetRel);
  for (const f of files) if (selectsFile(filter, f.rel, targetRel)) add(f);
  const whitelist = filter.whitelist;
  if (whitelist) {
    const seen = new Set<string>();
    const overridden = (idx: FileIndex, under: string) => {
      const prefix = under === "" ? "" : `${under}/`;
      for (const e of idx.ignoredEntries) {
        if (e.link || !e.rel.startsWith(prefix) || seen.has(e.rel) || !whitelist(e.rel)) continue;
        seen.add(e.rel);
        if (!e.dir) {
          add({ rel: e.rel, abs: ws.display(e.rel), viaSymlink: false, secret: ws.isSecret(e.rel) });
          continue;
        }
        const sub = ws.filesUnder(e.rel);
        for (const f of sub.files) if (whitelist(f.rel)) add(f);
        overridden(sub.index, e.rel);
      }
    };
    overridden(index, targetRel);
  }
  targets.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { targets, secret };
}

export async function runFallback(
  ws: Workspace,
  q: GrepQuery,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<RipgrepOutcome> {
  const tr = translateRegex(q.pattern, { ignoreCase: q.ignoreCase, multiline: q.multiline });
  if (!tr.ok) return { ok: false, kind: "invalid_regex", message: tr.message };
  const compiled = compileFileFilter(q);
  if (!compiled.ok) return { ok: false, kind: "invalid_args", message: compiled.message };

  const started = performance.now();
  let secret = 0;
  let targets: Array<{ rel: string; abs: string }> = [];
  if (q.targetIsFile) targets.push({ rel: q.targetRel, abs: ws.display(q.targetRel) });
  else {
    await ws.filesUnderAsync(q.targetRel); // the index is listed without blocking the event loop
    ({ targets, secret } = searchTargets(ws, q.targetRel, compiled.filter));
  }
  const base: Omit<ScanJob, "files"> = {
    source: tr.source,
    flags: tr.flags,
    literal: tr.literal,
    multiline: q.multiline,
    before: q.mode === "content" ? q.before : 0,
    after: q.mode === "content" ? q.after : 0,
    firstOnly: q.mode === "files_with_matches",
    maxBytes: q.targetIsFile ? FALLBACK_MAX_EXPLICIT_BYTES : ws.maxSearchFileBytes,
  };
  const results: ScanResult[] = [];
  let timedOut = false;
  const workers = targets.length > 0 ? getPool() : null;
  if (!workers) {
    results.push(scanFiles({ ...base, files: targets }));
  } else {
    const batches: Promise<void>[] = [];
    let stopped = false;
    for (let i = 0; i < targets.length; i += BATCH) {
      const job = { ...base, files: targets.slice(i, i + BATCH) };
      batches.push(
        workers.run(job).then(
          (r) => void results.push(r),
          (error: unknown) => {
            // Terminated at the time limit: these files count as not searched. A worker that
            // could not run at all must not turn into "no matches": scan here instead.
            if (stopped) return;
            log.warn("fallback worker failed; scanning in-process", { error: String(error) });
            results.push(scanFiles(job));
          },
        ),
      );
    }
    let timer: NodeJS.Timeout | undefined;
    const stop = new Promise<"stop">((resolve) => {
      timer = setTimeout(
        () => {
          timedOut = true;
          resolve("stop");
        },
        Math.max(1, options.timeoutMs - (performance.now() - started)),
      ); // the listing counts too
      options.signal.addEventListener("abort", () => resolve("stop"), { once: true });
    });
    const outcome = await Promise.race([Promise.all(batches).then(() => "done" as const), stop]);
    clearTimeout(timer);
    if (outcome === "stop") {
      stopped = true;
      await shutdownFallbackPool();
    }
    if (workers.broken) await shutdownFallbackPool();
  }
  if (options.signal.aborted) return { ok: false, kind: "failed", message: "the search was cancelled." };
  const files: FileMatches[] = results
    .flatMap((r) => r.files)
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  let lines = 0;
  let cut = files.length;
  // Counts are kept whole (ripgrep counts natively); shown lines are capped.
  for (let i = 0; i < files.length && q.mode !== "count"; i++) {
    lines += files[i]!.lines.length;
    if (lines >= MAX_COLLECTED_LINES) {
      cut = i + 1;
      break;
    }
  }
  const collected: Collected = {
    files: files.slice(0, cut),
    binary: results.reduce((n, r) => n + r.binary, 0),
    secret,
    tooLarge: results.reduce((n, r) => n + r.tooLarge, 0),
    unreadable: results.reduce((n, r) => n + r.unreadable, 0),
    atLeast: timedOut || cut < files.length,
    timedOut,
    engine: "fallback",
  };
  return { ok: true, collected };
}
