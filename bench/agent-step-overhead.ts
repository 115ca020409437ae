/**
 * The A/B harness's own cost per main-agent step, against a zero-latency fake server.
 *
 *   node --import tsx bench/agent-step-overhead.ts [--steps 30] [--runs 5]
 *
 * A run is the built-in main agent doing `steps − 1` steps of `bash("true")` and then submitting,
 * through the metering proxy, once with the network namespace and once without. Reported per step
 * (medians over runs), next to references measured in the same run:
 *   step              = wall / steps: model call through the proxy + one shell command + the loop.
 *   direct request    = the same request bodies sent straight to the fake server (no proxy).
 *   proxied request   = the same bodies through the proxy: proxy cost = proxied − direct.
 *   bare shell        = spawn `bash -c true` (and inside `unshare --net`) with node's spawn.
 *   loop overhead     = step − proxied request − shell: what the agent loop adds itself.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runMainAgent } from "../src/agent-eval/main-agent.js";
import { startMeteringProxy } from "../src/agent-eval/metering-proxy.js";
import { networkIsolation, runShellCommand } from "../src/agent-eval/shell.js";
import { reply, startFakeOpenAI } from "../test/support/fake-openai-server.js";

const { values } = parseArgs({
  options: { steps: { type: "string", default: "30" }, runs: { type: "string", default: "5" } },
});
const STEPS = Number(values.steps);
const RUNS = Number(values.runs);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

const fake = await startFakeOpenAI();
const proxy = await startMeteringProxy(fake.url);
const cwd = mkdtempSync(join(tmpdir(), "fc-bench-agent-"));

async function agentRun(isolate: boolean): Promise<{ perStep: number; bodies: string[] }> {
  for (let i = 0; i < STEPS - 1; i++) fake.enqueue(reply().toolCall("bash", { command: "true" }).usage(100, 5));
  fake.enqueue(reply().toolCall("bash", { command: "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT" }).usage(100, 5));
  const before = fake.chatRequests().length;
  const started = performance.now();
  const run = await runMainAgent({
    baseUrl: proxy.baseUrl(`bench-${isolate}`),
    model: "fake-model",
    systemPrompt: "bench",
    instancePrompt: "bench",
    shell: { cwd, isolateNetwork: isolate },
    stepLimit: STEPS + 1,
  });
  const wall = performance.now() - started;
  if (run.exit !== "submitted" || run.steps !== STEPS)
    throw new Error(`bench run ended ${run.exit} after ${run.steps}`);
  return {
    perStep: wall / STEPS,
    bodies: fake
      .chatRequests()
      .slice(before)
      .map((r) => r.rawBody),
  };
}

async function replay(base: string, bodies: readonly string[]): Promise<number> {
  for (let i = 0; i < bodies.length; i++) fake.enqueue(reply().toolCall("bash", { command: "true" }).usage(100, 5));
  const started = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await res.text();
  }
  return (performance.now() - started) / bodies.length;
}

async function bareShell(isolate: boolean, n = 20): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < n; i++) await runShellCommand("true", { cwd, isolateNetwork: isolate });
  return (performance.now() - started) / n;
}

const rows: Record<string, number[]> = {};
const add = (k: string, v: number) => {
  rows[k] ??= [];
  rows[k].push(v);
};
const canIsolate = networkIsolation().prefix !== null;
for (let r = 0; r < RUNS; r++) {
  for (const isolate of canIsolate ? [false, true] : [false]) {
    const { perStep, bodies } = await agentRun(isolate);
    const tag = isolate ? "netns" : "open";
    add(`step (${tag})`, perStep);
    add(`shell (${tag})`, await bareShell(isolate));
    if (!isolate) {
      add("direct request", await replay(fake.url, bodies));
      add("proxied request", await replay(proxy.baseUrl("replay"), bodies));
    }
  }
}
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
console.log(
  `# agent step overhead: ${STEPS} steps x ${RUNS} runs, ${spawnSync("nproc").stdout.toString().trim()} cores`,
);
console.log("| measure | ms per step (median) |\n|---|---|");
for (const [k, v] of Object.entries(m)) console.log(`| ${k} | ${v.toFixed(2)} |`);
const proxyCost = (m["proxied request"] ?? 0) - (m["direct request"] ?? 0);
for (const tag of canIsolate ? ["open", "netns"] : ["open"]) {
  const loop = (m[`step (${tag})`] ?? 0) - (m["proxied request"] ?? 0) - (m[`shell (${tag})`] ?? 0);
  console.log(`| loop overhead (${tag}) = step − proxied request − shell | ${loop.toFixed(2)} |`);
}
console.log(`| proxy cost = proxied − direct | ${proxyCost.toFixed(2)} |`);
await proxy.close();
await fake.close();
rmSync(cwd, { recursive: true, force: true });
