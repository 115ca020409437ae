/** Worker-thread entry of the off-thread unit extractor (off-thread-units.ts): extracts what it is sent. */
import { parentPort, threadId } from "node:worker_threads";
import { CodeUnitExtractor } from "./code-units.js";
import type { LanguageId } from "./languages.js";

const extractor = new CodeUnitExtractor();

parentPort?.on("message", (message: { id: number; text: string; lang: LanguageId }) => {
  extractor.extractWithSource(message.text, message.lang).then(
    ({ units, source }) => parentPort?.postMessage({ id: message.id, units, source, threadId }),
    (error: unknown) => parentPort?.postMessage({ id: message.id, error: String(error) }),
  );
});

// Tell the extractor the listener is attached: messages posted before that point could be lost
// while the module was still loading (the tsx development loader imports it asynchronously).
parentPort?.postMessage({ ready: true });
