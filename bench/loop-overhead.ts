/**
 * Harness overhead of the model loop per turn, against a zero-latency fake vLLM server.
 *
 *   node --import tsx bench/loop-overhead.ts [--turns 20] [--runs 10] [--calls 3]
 *
 * Each run is a scripted exploration through the model explorer (workspace, toolbox, client, loop,
 * validation; the same path the CLI takes): `turns - 1` turns of `calls` small tool calls each,
 * then the answer. Reported per turn (medians over the runs):
 *   loop overhead   = (wall − tool phases − model calls) / turns: everything the loop does around
 *                     the model and the tools (messages, cache, budget, events, validation, setup).
 *   client overhead = (model calls − transport) / turns, where transport is measured by replaying
 *                     the run's exact request bodies against a fresh fake server with plain fetch
 *                     (server work + HTTP, what a real server's latency replaces). Noisy: it is the
 *                     difference of two small timings taken at different moments.
 *   harness overhead = loop + client overhead. Target: ≤ 10 ms per turn.
 */
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigSchema } from "../src/config/schema.js";
import { createModelExplorer } from "../src/explore/model-explorer.js";
import { type FakeOpenAI, type ReplyBuilder, reply, startFakeOpenAI } from "../test/support/fake-openai-server.js";

const { values } = parseArgs({
  options: {
    turns: { type: "string", default: "20" },
    runs: { type: "string", default: "10" },
    calls: { type: "string", default: "3" },
  },
});
const TURNS = Number(values.turns);
const RUNS = Number(values.runs);
const CALLS = Number(values.calls);

function makeRepo(): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "fc-bench-loop-")));
  for (let f = 0; f < 40; f++) {
    const dir = join(root, "src", `pkg${f % 5}`);
    mkdirSync(dir, { recursive: true });
    const body = Array.from({ length: 200 }, (_, i) =>
      i === 50 ? `def handler_${f}(request):` : `    value_${f}_${i} = compute(${i})  # line ${i + 1}`,
    ).join("\n");
    writeFileSync(join(dir, `mod${f}.py`), `${body}\n`);
  }
  return root;
}

/** The scripted replies: small, distinct tool calls every turn (no cache hits), then the answer. */
function script(root: string): ReplyBuilder[] {
  const replies: ReplyBuilder[] = [];
  for (let t = 0; t < TURNS - 1; t++) {
    let r = reply().content("");
    for (let c = 0; c < CALLS; c++) {
      const f = (t * CALLS + c) % 40;
      const path = `${root}/src/pkg${f % 5}/mod${f}.py`;
      if (c % 3 === 0) r = r.toolCall("Read", { path, offset: 45 + t, limit: 15 });
      else if (c % 3 === 1)
        r = r.toolCall("Grep", { pattern: `def handler_${f}\\(`, path: `${root}/src`, output_mode: "content" });
      else r = r.toolCall("Glob", { pattern: `**/mod${f}.py` });
    }
    replies.push(r.usage(2000 + t * 400, 40));
  }
  replies.push(
    reply()
      .content(`Found.\n<final_answer>\n${root}/src/pkg0/mod0.py:46-55 (handler)\n</final_answer>`)
      .usage(2000 + TURNS * 400, 30),
  );
  return replies;
}

async function transportMs(bodies: string[], replies: ReplyBuilder[]): Promise<number> {
  const server = await startFakeOpenAI();
  server.enqueue(...replies);
  const t0 = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await res.text();
  }
  const ms = performance.now() - t0;
  server.assertDrained();
  await server.close();
  return ms;
}

async function oneRun(
  root: string,
): Promise<{ wall: number; tool: number; transport: number; model: number; other: number; turns: number }> {
  const server: FakeOpenAI = await startFakeOpenAI({ models: [{ id: "fastcontext-4b", max_model_len: 131072 }] });
  server.enqueue(...script(root));
  const config = ConfigSchema.parse({ base_url: server.url, model: "fastcontext-4b", max_turns: TURNS + 5 });
  const explore = createModelExplorer({ config });
  const t0 = performance.now();
  const result = await explore({ query: "Where is handler_0 defined?", root });
  const wall = performance.now() - t0;
  server.assertDrained();
  if (result.stopReason !== "answered" || result.turns !== TURNS)
    throw new Error(`unexpected result: ${result.stopReason}, ${result.turns} turns`);
  const bodies = server.chatRequests().map((r) => r.rawBody);
  await server.close();
  const transport = await transportMs(bodies, script(root));
  return {
    wall,
    tool: result.timings.toolMs,
    transport,
    model: result.timings.modelMs,
    other: result.timings.otherMs,
    turns: result.turns,
  };
}

const root = makeRepo();
try {
  await oneRun(root); // warm-up: JIT, file index code paths, first connections
  const rows: Array<Awaited<ReturnType<typeof oneRun>>> = [];
  for (let i = 0; i < RUNS; i++) rows.push(await oneRun(root));
  const perTurn = (f: (r: (typeof rows)[number]) => number) => rows.map((r) => f(r) / r.turns).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
  const loop = perTurn((r) => r.wall - r.tool - r.model);
  const client = perTurn((r) => r.model - r.transport);
  const harness = perTurn((r) => r.wall - r.tool - r.transport);
  const fmt = (x: number) => x.toFixed(2);
  console.log(
    `loop overhead: ${RUNS} runs × ${TURNS} turns × ${CALLS} calls/turn; Node ${process.version}, ${cpus().length} cores`,
  );
  console.log(`  wall per turn             median ${fmt(median(perTurn((r) => r.wall)))} ms`);
  console.log(`  tool phases per turn      median ${fmt(median(perTurn((r) => r.tool)))} ms`);
  console.log(
    `  model calls per turn      median ${fmt(median(perTurn((r) => r.model)))} ms (request build, HTTP, SSE parse, fake server)`,
  );
  console.log(
    `  transport per turn        median ${fmt(median(perTurn((r) => r.transport)))} ms (replayed request bodies, plain fetch)`,
  );
  console.log(`  loop overhead per turn    median ${fmt(median(loop))} ms, max ${fmt(loop.at(-1)!)} ms`);
  console.log(`  client overhead per turn  median ${fmt(median(client))} ms, max ${fmt(client.at(-1)!)} ms`);
  console.log(
    `  HARNESS OVERHEAD per turn median ${fmt(median(harness))} ms, max ${fmt(harness.at(-1)!)} ms (target ≤ 10 ms)`,
  );
  if (median(harness) > 10) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
