/**
 * Run converter jobs on a pool of worker threads, at most one job in flight per worker (which is
 * what bounds memory), reporting bytes done as jobs finish. The first failing job stops the pool.
 */
import { Worker } from "node:worker_threads";
import type { ConvertJob } from "./convert-plan.js";
import type { WorkerReply, WorkerRequest } from "./convert-worker.js";

export interface PoolOptions {
  workers: number;
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

/**
 * Start a worker on the module beside this one. Built, that is `convert-worker.js`; running from
 * source under tsx, worker threads do not inherit tsx's loader, so a small bootstrap registers it
 * before importing `convert-worker.ts`.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./convert-worker.js", import.meta.url));
  const tsx = import.meta.resolve("tsx/esm/api");
  const worker = new URL("./convert-worker.ts", import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(worker)}); });`;
  return new Worker(bootstrap, { eval: true });
}

/** Run every job; resolves when all are done, rejects on the first error or on abort. */
export async function runJobs(jobs: readonly ConvertJob[], options: PoolOptions): Promise<void> {
  const count = Math.max(1, Math.min(options.workers, jobs.length));
  const workers = Array.from({ length: count }, () => startWorker());
  const exited = workers.map((worker) => new Promise<void>((resolve) => worker.once("exit", () => resolve())));
  let next = 0;
  let finished = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      if (jobs.length === 0) return resolve();
      let failed = false;
      const fail = (error: Error) => {
        if (!failed) {
          failed = true;
          reject(error);
        }
      };
      const onAbort = () =>
        fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error("aborted"));
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (options.signal?.aborted) return onAbort();
      const dispatch = (worker: Worker) => {
        if (failed || next >= jobs.length) return;
        const id = next++;
        worker.postMessage({ type: "job", id, job: jobs[id]! } satisfies WorkerRequest);
      };
      for (const worker of workers) {
        worker.on("message", (reply: WorkerReply) => {
          if (reply.type === "error") {
            const job = jobs[reply.id];
            return fail(new Error(`${job?.kind ?? "job"} of ${job?.src ?? "?"} failed: ${reply.message}`));
          }
          finished++;
          options.onProgress?.(reply.bytes);
          if (finished === jobs.length) {
            options.signal?.removeEventListener("abort", onAbort);
            return resolve();
          }
          dispatch(worker);
        });
        worker.on("error", fail);
        dispatch(worker);
      }
    });
  } finally {
    // A worker closes its file descriptors and exits after its current job; terminating it
    // instead would leak them (they belong to the process).
    for (const worker of workers) worker.postMessage({ type: "close" });
    await Promise.all(exited);
  }
}
