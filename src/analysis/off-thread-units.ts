/**
 * Code-unit extraction on a worker thread. A tree-sitter parse is synchronous and runs at about
 * 5 MB/s, so a big file held the event loop for 100–300 ms (211 ms once on the nm:20 tree, BENCHMARKS
 * "parses off the event loop"): an MCP server's other sessions and its progress notifications
 * waited that long. Here one worker parses, one file at a time, and the calling thread only sends
 * the text and receives the units, which are the same as `CodeUnitExtractor`'s (a test compares
 * them).
 *
 * It never hangs and never loses a file: a worker that cannot start makes every call extract on
 * the calling thread (said once on stderr); a worker that dies or errs has its pending files
 * extracted on the calling thread and is started afresh for later calls; a parse that runs past
 * `timeoutMs` ends the worker and that file gets the heuristic units (as a file too large to parse
 * does). The worker does not keep a process alive while nothing is pending.
 */
import { Worker } from "node:worker_threads";
import { createLogger } from "../util/log.js";
import { type CodeUnit, CodeUnitExtractor, type UnitExtractor, type UnitSource } from "./code-units.js";
import { heuristicUnits } from "./heuristic-units.js";
import type { LanguageId } from "./languages.js";

const log = createLogger("analysis.units");

export interface OffThreadOptions {
  /** A parse that takes longer ends its worker (default 10 s). */
  timeoutMs?: number;
  /** Starts the worker (tests inject one that fails). */
  startWorker?: () => Worker;
}

export interface OffThreadResult {
  units: CodeUnit[];
  source: UnitSource;
  /** The thread that parsed (0 when the calling thread did it, as a fallback). */
  threadId: number;
}

interface Pending {
  id: number;
  text: string;
  lang: LanguageId;
  resolve: (r: OffThreadResult) => void;
  timer?: NodeJS.Timeout;
}

/**
 * The worker's young generation, capped: the texts it is sent are garbage once parsed. Peak RSS of
 * the dev set one task at a time, two runs each: 275 / 287 MB with Node's default, 265 / 252 MB
 * with this cap (BENCHMARKS "parses off the event loop").
 */
const LIMITS = { maxYoungGenerationSizeMb: 16 };

function defaultWorker(): Worker {
  const here = import.meta.url;
  // Under tsx (development, tests) the worker registers the TypeScript loader itself (as scan-pool.ts).
  return here.endsWith(".ts")
    ? new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(new URL("./unit-worker.ts", here).href)}); });`,
        { eval: true, resourceLimits: LIMITS },
      )
    : new Worker(new URL("./unit-worker.js", here), { resourceLimits: LIMITS });
}

/** Workers that die before they are ready, in a row, before the calling thread takes over for good. */
const MAX_FAILED_STARTS = 2;

export class OffThreadUnitExtractor implements UnitExtractor {
  private worker: Worker | null = null;
  private ready = false;
  private failedStarts = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly local = new CodeUnitExtractor();
  private readonly timeoutMs: number;
  private readonly startWorker: () => Worker;
  /** Set once workers proved unable to start: every call extracts on the calling thread. */
  unavailable: string | null = null;

  constructor(options: OffThreadOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.startWorker = options.startWorker ?? defaultWorker;
  }

  async extract(text: string, lang: LanguageId): Promise<CodeUnit[]> {
    return (await this.extractWithSource(text, lang)).units;
  }

  extractWithSource(text: string, lang: LanguageId): Promise<OffThreadResult> {
    if (this.unavailable !== null) return this.onThisThread(text, lang);
    return new Promise((resolve) => {
      const job: Pending = { id: ++this.nextId, text, lang, resolve };
      this.pending.set(job.id, job);
      const worker = this.ensureWorker();
      worker.ref(); // something is pending: the process waits for the answer
      if (this.ready) this.post(job);
    });
  }

  /** Start the worker now (it loads its modules while the caller does other work). */
  warm(): void {
    if (this.unavailable === null) this.ensureWorker();
  }

  /** End the worker (pending files are extracted on the calling thread). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = false;
    if (worker) await worker.terminate();
    this.takeOver();
  }

  private async onThisThread(text: string, lang: LanguageId): Promise<OffThreadResult> {
    return { ...(await this.local.extractWithSource(text, lang)), threadId: 0 };
  }

  private post(job: Pending): void {
    job.timer = setTimeout(() => this.timedOut(job), this.timeoutMs);
    job.timer.unref();
    this.worker?.postMessage({ id: job.id, text: job.text, lang: job.lang });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = this.startWorker();
    this.worker = worker;
    this.ready = false;
    worker.on(
      "message",
      (msg: {
        ready?: boolean;
        id?: number;
        units?: CodeUnit[];
        source?: UnitSource;
        threadId?: number;
        error?: string;
      }) => {
        if (worker !== this.worker) return;
        if (msg.ready) {
          this.ready = true;
          this.failedStarts = 0;
          for (const job of this.pending.values()) this.post(job);
          return;
        }
        const job = msg.id === undefined ? undefined : this.pending.get(msg.id);
        if (!job) return;
        this.settle(job);
        if (msg.units && msg.source)
          job.resolve({ units: msg.units, source: msg.source, threadId: msg.threadId ?? -1 });
        else {
          log.warn("off-thread extraction failed; extracting on this thread", { error: msg.error });
          void this.onThisThread(job.text, job.lang).then(job.resolve);
        }
      },
    );
    const lost = (reason: string) => {
      if (worker !== this.worker) return;
      this.worker = null;
      if (!this.ready && ++this.failedStarts >= MAX_FAILED_STARTS) {
        this.unavailable = reason;
        log.warn("unit extraction worker unavailable; extracting on this thread", { reason });
      }
      this.ready = false;
      this.takeOver();
    };
    worker.on("error", (error) => lost(String(error)));
    worker.on("exit", (code) => lost(`worker exited with code ${code}`));
    // After the listeners: adding a "message" listener refs the worker again (Node 20).
    worker.unref();
    return worker;
  }

  /** Every pending file is extracted on the calling thread (the worker is gone). */
  private takeOver(): void {
    for (const job of [...this.pending.values()]) {
      this.settle(job);
      void this.onThisThread(job.text, job.lang).then(job.resolve);
    }
  }

  private settle(job: Pending): void {
    clearTimeout(job.timer);
    this.pending.delete(job.id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  /** A parse past the time limit: the file gets heuristic units, the worker is replaced. */
  private timedOut(job: Pending): void {
    if (!this.pending.has(job.id)) return;
    log.warn("a parse passed the time limit; heuristic units used", { lang: job.lang, chars: job.text.length });
    this.settle(job);
    job.resolve({ units: heuristicUnits(job.text, job.lang), source: "heuristic", threadId: 0 });
    const worker = this.worker;
    this.worker = null;
    this.ready = false;
    void worker?.terminate();
    // The others were queued behind it: a fresh worker takes them.
    const rest = [...this.pending.values()];
    if (rest.length > 0) {
      const fresh = this.ensureWorker();
      fresh.ref();
      for (const j of rest) clearTimeout(j.timer);
    }
  }
}
