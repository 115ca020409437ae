/**
 * The fallback engine's worker threads. A JavaScript regex cannot be interrupted, so every scan runs
 * in a worker and nothing is ever scanned on the main thread: when a search reaches its time limit
 * (or is cancelled) only the workers busy with that search are terminated and replaced, and its
 * queued batches are dropped, so other searches running at the same time keep their workers and
 * their own limits. A worker that dies is replaced and its batch retried once; when workers cannot
 * be started at all, searches fail with a clear error instead of scanning in-process.
 */
import { Worker } from "node:worker_threads";
import type { ScanJob, ScanResult } from "./fallback-scan.js";

interface Task {
  search: number;
  job: ScanJob;
  attempts: number;
  done: (result: ScanResult) => void;
  fail: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task: Task | null;
}

export interface PoolRun {
  results: ScanResult[];
  /** The time limit ended the search before every batch was scanned. */
  timedOut: boolean;
  /** Why some batch could not be scanned (workers unavailable or crashing), if so. */
  failure: string | null;
}

/** A worker that never got ready this many times in a row means workers cannot run here. */
const MAX_FAILED_STARTS = 3;

export class ScanPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextSearch = 1;
  /** Searches at least one of whose batches a worker has begun. */
  private readonly begun = new Set<number>();
  private failedStarts = 0;
  private closed = false;
  /** Set once workers proved unable to start; every later search fails fast with it. */
  unavailable: string | null = null;

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const here = import.meta.url;
    // Under tsx (development, tests) the worker must register the TypeScript loader itself; the
    // loader is resolved here because an eval'd worker resolves bare names from the process cwd.
    const worker = here.endsWith(".ts")
      ? new Worker(
          `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(new URL("./fallback-worker.ts", here).href)}); });`,
          { eval: true },
        )
      : new Worker(new URL("./fallback-worker.js", here));
    const slot: Slot = { worker, ready: false, task: null };
    worker.on("message", (msg: { ready?: boolean; result?: ScanResult; error?: string }) => {
      if (msg.ready) {
        slot.ready = true;
        this.failedStarts = 0;
        this.dispatch();
        return;
      }
      const task = slot.task;
      slot.task = null;
      if (task) {
        if (msg.result) task.done(msg.result);
        else task.fail(new Error(msg.error ?? "scan failed"));
      }
      this.dispatch();
    });
    const lost = (error: Error) => {
      const index = this.slots.indexOf(slot);
      if (index === -1) return; // terminated on purpose and already replaced
      if (!slot.ready) this.failedStarts++;
      const task = slot.task;
      slot.task = null;
      void worker.terminate();
      if (this.failedStarts >= MAX_FAILED_STARTS) {
        this.slots.splice(index, 1);
        this.unavailable = `worker threads could not start (${error.message})`;
        task?.fail(new Error(this.unavailable));
        for (const queued of this.queue.splice(0)) queued.fail(new Error(this.unavailable));
        return;
      }
      this.slots[index] = this.spawn();
      if (task) {
        if (task.attempts < 2) this.queue.unshift(task);
        else task.fail(error);
      }
      this.dispatch();
    };
    worker.on("error", lost);
    worker.on("exit", (code) => lost(new Error(`worker exited with code ${code}`)));
    // After the listeners: adding a "message" listener refs the port again, which would keep the
    // process alive after the CLI is done.
    worker.unref();
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (!slot.ready || slot.task || this.queue.length === 0) continue;
      const task = this.queue.shift()!;
      task.attempts++;
      slot.task = task;
      this.begun.add(task.search);
      slot.worker.postMessage({ id: task.search, job: task.job });
    }
  }

  /** Terminate and replace the workers busy with `search`; drop its queued batches. */
  private stop(search: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.search === search) this.queue.splice(i, 1);
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot.task?.search !== search) continue;
      slot.task = null;
      this.slots[i] = this.spawn(); // replaced first, so its exit is not taken for a crash
      void slot.worker.terminate();
    }
  }

  /** Scan `jobs` for one search within `timeoutMs` (or until `signal` aborts). */
  async run(jobs: ScanJob[], timeoutMs: number, signal: AbortSignal): Promise<PoolRun> {
    if (this.unavailable) return { results: [], timedOut: false, failure: this.unavailable };
    if (this.closed) return { results: [], timedOut: false, failure: "the search pool was shut down" };
    const search = this.nextSearch++;
    const results: ScanResult[] = [];
    let failure: string | null = null;
    const all = Promise.all(
      jobs.map(
        (job) =>
          new Promise<void>((resolve) => {
            this.queue.push({
              search,
              job,
              attempts: 0,
              done: (r) => {
                results.push(r);
                resolve();
              },
              fail: (error) => {
                failure ??= error.message;
                resolve();
              },
            });
          }),
      ),
    );
    this.dispatch();
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const limit = new Promise<"timeout" | "abort">((resolve) => {
      // A search that waited the whole limit for a worker (replacements still starting, or every
      // worker busy with other searches until their own limits) gets the limit once more to scan.
      const expire = (extended: boolean) => {
        if (!extended && !this.begun.has(search)) timer = setTimeout(() => expire(true), Math.max(1, timeoutMs));
        else resolve("timeout");
      };
      timer = setTimeout(() => expire(false), Math.max(1, timeoutMs));
      onAbort = () => resolve("abort");
      signal.addEventListener("abort", onAbort, { once: true });
    });
    const outcome = await Promise.race([all.then(() => "done" as const), limit]);
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener("abort", onAbort);
    if (outcome !== "done") this.stop(search);
    this.begun.delete(search);
    return { results: [...results], timedOut: outcome === "timeout", failure };
  }

  /** Number of live workers (tests). */
  get workers(): number {
    return this.slots.length;
  }

  async terminate(): Promise<void> {
    this.closed = true;
    const slots = this.slots.splice(0);
    for (const queued of this.queue.splice(0)) queued.fail(new Error("the search pool was shut down"));
    for (const slot of slots) slot.task?.fail(new Error("the search pool was shut down"));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
