/** `fastcontext bench-endpoint` through the real binary: the table, `--vs`, `--json`, exit codes. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { EndpointBench } from "../../src/bench-endpoint/run.js";
import { type FakeOpenAI, reply, startFakeOpenAI } from "../support/fake-openai-server.js";

const BIN = fileURLToPath(new URL("../../bin/fastcontext.js", import.meta.url));
let home: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_CONFIG_HOME: join(home, "config"), FC_LOG_LEVEL: "warn" };
  for (const name of ["FC_BASE_URL", "FC_MODEL", "FC_API_KEY", "BASE_URL", "MODEL", "API_KEY", "FC_CONFIG"])
    delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env, cwd: home }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function fakeAt(model: string, tps: number): Promise<FakeOpenAI> {
  const server = await startFakeOpenAI({ models: [{ id: model, max_model_len: 32768 }] });
  server.match((b) => b.max_tokens === 1, reply().content("ok").delay(100).usage(2000, 1), { times: Infinity });
  server.match(() => true, reply().content("a b c d e f g h i j").tokensPerSecond(tps), { times: Infinity });
  return server;
}

describe("fastcontext bench-endpoint (CLI)", () => {
  let fast: FakeOpenAI;
  let slow: FakeOpenAI;
  before(async () => {
    home = mkdtempSync(join(tmpdir(), "fc-bench-"));
    fast = await fakeAt("org/Model-NVFP4", 40);
    slow = await fakeAt("org/Model", 20);
  });
  after(async () => {
    await fast.close();
    await slow.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("prints the model-card table for one endpoint, progress on stderr", async () => {
    const r = await cli([
      "bench-endpoint",
      "--base-url",
      fast.url,
      "--concurrency",
      "1,2",
      "--runs",
      "1",
      "--max-tokens",
      "16",
      "--prompt-tokens",
      "256",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /^fastcontext bench-endpoint · 1 run per level · 16 tokens per reply · medians \(min–max\)\nModel-NVFP4: http:\/\/127\.0\.0\.1:\d+\/v1 · model org\/Model-NVFP4\n/,
    );
    assert.match(
      r.stdout,
      /^\| concurrency \| TTFT ms \| decode tok\/s per stream \| aggregate tok\/s \| prompt tok\/s \(2,000-token prompt\) \| failed \|$/m,
    );
    assert.match(r.stdout, /^\| 1 \| \d+ \| [\d.]+ \| [\d.]+ \| [\d,]+ \| 0\/2 \|$/m);
    assert.match(r.stdout, /^\| 2 \| \d+ (\(\d+–\d+\) )?\| [\d.]+ .*\| 0\/4 \|$/m);
    assert.match(r.stderr, /^\[Model-NVFP4\] concurrency 1, run 1\/1: TTFT \d+ ms/m);
  });

  it("compares two endpoints side by side with --vs and writes JSON with --json", async () => {
    const r = await cli([
      "bench-endpoint",
      "--base-url",
      fast.url,
      "--vs",
      slow.url,
      "--concurrency",
      "1",
      "--runs",
      "2",
      "--max-tokens",
      "16",
      "--prompt-tokens",
      "0",
      "--json",
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const out = JSON.parse(r.stdout) as { settings: { concurrency: number[] }; endpoints: EndpointBench[] };
    assert.deepEqual(
      out.endpoints.map((e) => [e.label, e.model]),
      [
        ["Model-NVFP4", "org/Model-NVFP4"],
        ["Model", "org/Model"],
      ],
    );
    const [a, b] = out.endpoints.map((e) => e.levels[0]!.decodeTps!.median);
    assert.ok(a! / b! > 1.6 && a! / b! < 2.4, `40 vs 20 tok/s measured as ${a} vs ${b}`);

    const text = await cli([
      "bench-endpoint",
      "--base-url",
      fast.url,
      "--vs",
      slow.url,
      "--label",
      "NVFP4",
      "--vs-label",
      "BF16",
      "--concurrency",
      "1",
      "--runs",
      "1",
      "--max-tokens",
      "16",
      "--prompt-tokens",
      "0",
      "--quiet",
    ]);
    assert.match(text.stdout, /\| metric \| NVFP4 \| BF16 \| NVFP4 vs BF16 \|/);
    assert.match(text.stdout, /\| decode tok\/s per stream \| [\d.]+ \| [\d.]+ \| [\d.]+× faster \|/);
  });

  it("exits 3 when the endpoint cannot be reached and 2 on a usage error", async () => {
    const gone = await startFakeOpenAI();
    await gone.close();
    const r = await cli(["bench-endpoint", "--base-url", gone.url, "--model", "m", "--runs", "1"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /the warm-up request failed: .*ECONNREFUSED|fetch failed/);
    assert.equal((await cli(["bench-endpoint", "--base-url", fast.url, "--concurrency", "0"])).code, 2);
    assert.equal((await cli(["bench-endpoint"])).code, 2);
  });
});
