/** Worker-thread entry of the fallback search engine: scans the batches it is sent. */
import { parentPort } from "node:worker_threads";
import { type ScanJob, scanFiles } from "./fallback-scan.js";

parentPort?.on("message", (message: { id: number; job: ScanJob }) => {
  try {
    parentPort?.postMessage({ id: message.id, result: scanFiles(message.job) });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: String(error) });
  }
});

// Tell the pool the listener is attached: messages posted before that point could be lost while
// the module was still loading (the tsx development loader imports it asynchronously).
parentPort?.postMessage({ ready: true });
