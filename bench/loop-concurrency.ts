/**
 * Many explorations at once in one process, each with its own scripted conversation on one fake
 * vLLM server (routed by a marker in the query and the turn number), all sharing one repository.
 *
 *   node --import tsx bench/loop-concurrency.ts [--runs 32] [--turns 4] [--ttft 0]
 *
 * Passes when every exploration answers with exactly its own expected citation (0 errors), no
 * request goes unscripted and no script is left over.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigSchema } from "../src/config/schema.js";
import type { ExploreResult } from "../src/core/types.js";
import { createModelExplorer } from "../src/explore/model-explorer.js";
import { type ChatBody, reply, startFakeOpenAI } from "../test/support/fake-openai-server.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "32" },
    turns: { type: "string", default: "4" },
    ttft: { type: "string", default: "0" },
  },
});
const RUNS = Number(values.runs);
const TURNS = Number(values.turns);
const TTFT = Number(values.ttft);

const root = realpathSync(mkdtempSync(join(tmpdir(), "fc-bench-conc-")));
for (let f = 0; f < RUNS; f++) {
  mkdirSync(join(root, "src", `area${f % 4}`), { recursive: true });
  const body = Array.from({ length: 120 }, (_, i) => (i === 29 ? `def target_${f}():` : `    step_${f}_${i}()`)).join(
    "\n",
  );
  writeFileSync(join(root, "src", `area${f % 4}`, `unit${f}.py`), `${body}\n`);
}

const server = await startFakeOpenAI({ models: [{ id: "fastcontext-4b", max_model_len: 65536 }] });
const marker = (i: number) => `[run-${i}]`;
const assistantTurns = (body: ChatBody) =>
  (body.messages as Array<{ role: string }>).filter((m) => m.role === "assistant").length;
const queryOf = (body: ChatBody) => String((body.messages as Array<{ content: string }>)[1]?.content ?? "");

for (let i = 0; i < RUNS; i++) {
  const file = `${root}/src/area${i % 4}/unit${i}.py`;
  for (let t = 0; t < TURNS - 1; t++) {
    const r =
      t === 0
        ? reply()
            .toolCall("Grep", { pattern: `def target_${i}\\(`, path: `${root}/src`, output_mode: "content" })
            .toolCall("Glob", { pattern: `**/unit${i}.py` })
        : reply()
            .toolCall("Read", { path: file, offset: 20 + t, limit: 20 })
            .toolCall("Grep", { pattern: `step_${i}_${t}\\(`, path: file });
    server.match(
      (body) => queryOf(body).includes(marker(i)) && assistantTurns(body) === t,
      r.delay(TTFT).usage(3000 + t * 500, 40),
    );
  }
  server.match(
    (body) => queryOf(body).includes(marker(i)) && assistantTurns(body) === TURNS - 1,
    reply().delay(TTFT).content(`<final_answer>\n${file}:30-35 (target)\n</final_answer>`).usage(5000, 20),
  );
}

const config = ConfigSchema.parse({ base_url: server.url, model: "fastcontext-4b" });
const explore = createModelExplorer({ config });
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
const t0 = performance.now();
const outcomes = await Promise.allSettled(
  Array.from({ length: RUNS }, async (_, i) => {
    const started = performance.now();
    const result = await explore({ query: `${marker(i)} Where is target_${i} defined?`, root });
    return { i, result, ms: performance.now() - started };
  }),
);
const wall = performance.now() - t0;
clearInterval(sampler);

const errors: string[] = [];
const times: number[] = [];
for (const [i, o] of outcomes.entries()) {
  if (o.status === "rejected") {
    errors.push(`run ${i}: threw ${String(o.reason)}`);
    continue;
  }
  const r: ExploreResult = o.value.result;
  times.push(o.value.ms);
  const cite = r.citations.map((c) => `${c.path}:${c.start}-${c.end}`).join(",");
  const want = `src/area${i % 4}/unit${i}.py:30-35`;
  if (r.stopReason !== "answered" || cite !== want || r.turns !== TURNS || r.toolCalls !== 2 * (TURNS - 1))
    errors.push(
      `run ${i}: ${r.stopReason} ${cite} turns=${r.turns} calls=${r.toolCalls}${r.error ? ` ${r.error.message}` : ""}`,
    );
}
try {
  server.assertDrained();
} catch (error) {
  errors.push(String(error));
}
await server.close();
rmSync(root, { recursive: true, force: true });

times.sort((a, b) => a - b);
const q = (p: number) => (times.length ? times[Math.min(times.length - 1, Math.floor(p * times.length))]! : Number.NaN);
console.log(
  `loop concurrency: ${RUNS} explorations × ${TURNS} turns (2 tool calls per tool turn), TTFT ${TTFT} ms; Node ${process.version}, ${cpus().length} cores`,
);
console.log(
  `  wall for all             ${wall.toFixed(0)} ms (${server.chatRequests().length} chat requests, ${((server.chatRequests().length / wall) * 1000).toFixed(0)} req/s)`,
);
console.log(
  `  per exploration          p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${q(1).toFixed(0)} ms`,
);
console.log(`  peak RSS                 ${(peakRss / 1048576).toFixed(0)} MB`);
console.log(`  errors                   ${errors.length}`);
for (const e of errors.slice(0, 10)) console.log(`    ${e}`);
if (errors.length > 0) process.exitCode = 1;
