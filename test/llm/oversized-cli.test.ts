/**
 * Oversized model replies through the real CLI (a child process): a 32 MB `content` as one JSON
 * body or streamed, 10 MB of tool arguments and an endless token stream each end with exit 3 and
 * one sentence naming the cap, within seconds, and the child's peak RSS (its own
 * `process.resourceUsage().maxRSS`, printed at exit) stays within `RSS_GROWTH_BOUND_MB` of a run
 * that got a normal reply.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CliRun, demoRepo, spawnCli } from "../e2e/harness.js";
import {
  type FakeOpenAI,
  generatedSSE,
  rawResponse,
  rawSSE,
  reply,
  type Script,
  startFakeOpenAI,
} from "../support/fake-openai-server.js";
import type { TmpRepo } from "../support/tmp-repo.js";

const MiB = 1024 * 1024;
/** Stated in README ("Response limits"): what an oversized reply may add to a run's peak RSS. */
const RSS_GROWTH_BOUND_MB = 64;
const REPORT_RSS =
  "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))";

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "fastcontext-4b",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;

let repo: TmpRepo;
let server: FakeOpenAI;
before(async () => {
  repo = await demoRepo();
  server = await startFakeOpenAI({ models: [{ id: "fastcontext-4b", max_model_len: 32768 }] });
});
after(async () => {
  await server.close();
  repo.cleanup();
});

/** Run one exploration whose first model reply is `script`; returns the run and its peak RSS in MB. */
async function explore(scripts: Script[], deadlineS = 60): Promise<{ run: CliRun; peakMb: number }> {
  server.enqueue(...scripts);
  const run = await spawnCli(
    [
      "-q",
      "Where is the User model defined?",
      "--repo",
      repo.root,
      "--base-url",
      server.url,
      "--deadline",
      String(deadlineS),
    ],
    { env: { NODE_OPTIONS: REPORT_RSS, FC_MAX_RETRIES: "0" }, timeoutMs: 90_000 },
  );
  const peaks = [...run.stderr.matchAll(/maxrss_kb=(\d+)/g)].map((m) => Number(m[1]));
  assert.ok(peaks.length > 0, run.stderr);
  return { run, peakMb: Math.max(...peaks) / 1024 };
}

let baselineMb = 0;
const assertBounded = (name: string, peakMb: number) =>
  assert.ok(
    peakMb - baselineMb < RSS_GROWTH_BOUND_MB,
    `${name}: peak RSS ${peakMb.toFixed(0)} MB vs ${baselineMb.toFixed(0)} MB for a normal reply`,
  );
const assertModelError = (run: CliRun) => {
  assert.equal(run.code, 3, run.stderr);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /the model's response passed 8388608 bytes \(max_response_bytes\)/);
};

describe("oversized replies through the CLI", () => {
  it("a normal reply (the baseline)", async () => {
    const cite = `${repo.path("src/app/models.py")}:10-20 (User)`;
    const { run, peakMb } = await explore([
      reply().toolCall("Read", { path: repo.path("src/app/models.py") }),
      reply().content(`<final_answer>\n${cite}\n</final_answer>`),
    ]);
    assert.equal(run.code, 0, run.stderr);
    baselineMb = peakMb;
  });

  it("32 MB content in one JSON body: exit 3, bounded memory", async () => {
    const body = JSON.stringify({
      choices: [{ index: 0, message: { role: "assistant", content: "a".repeat(32 * MiB) }, finish_reason: "stop" }],
    });
    const { run, peakMb } = await explore([rawResponse(200, body, { "content-type": "application/json" })]);
    assertModelError(run);
    assertBounded("32 MB JSON", peakMb);
  });

  it("32 MB content streamed in 16 KiB deltas: exit 3, bounded memory", async () => {
    const piece = "b".repeat(16 * 1024);
    const { run, peakMb } = await explore([
      generatedSSE((i) => (i < 2048 ? chunk({ content: piece }) : `${chunk({}, "stop")}data: [DONE]\n\n`), {
        count: 2049,
      }),
    ]);
    assertModelError(run);
    assertBounded("32 MB streamed", peakMb);
  });

  it("10 MB of tool arguments: exit 3, bounded memory", async () => {
    const args = JSON.stringify({ path: "x".repeat(10 * MiB) });
    const pieces = [chunk({ role: "assistant", tool_calls: [{ index: 0, id: "t1", function: { name: "Read" } }] })];
    for (let at = 0; at < args.length; at += 16 * 1024)
      pieces.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(at, at + 16 * 1024) } }] }));
    pieces.push(chunk({}, "tool_calls"), "data: [DONE]\n\n");
    const { run, peakMb } = await explore([rawSSE(pieces)]);
    assertModelError(run);
    assertBounded("10 MB tool arguments", peakMb);
  });

  it("6 MB of tool arguments, under the byte cap: exit 3 (more than the token budget can carry), quickly", async () => {
    const args = JSON.stringify({ path: "x".repeat(6 * MiB) });
    const pieces = [chunk({ role: "assistant", tool_calls: [{ index: 0, id: "t1", function: { name: "Read" } }] })];
    for (let at = 0; at < args.length; at += 16 * 1024)
      pieces.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(at, at + 16 * 1024) } }] }));
    pieces.push(chunk({}, "tool_calls"), "data: [DONE]\n\n");
    const { run, peakMb } = await explore([rawSSE(pieces)]);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /the model's reply holds \d+ characters, more than 4096 tokens \(max_completion_tokens\)/);
    assert.ok(run.ms < 30_000, `took ${run.ms} ms`);
    assertBounded("6 MB tool arguments", peakMb);
  });

  it("an endless token stream: exit 3 at the cap, bounded memory", async () => {
    const { run, peakMb } = await explore([generatedSSE((i) => chunk({ content: ` token${i}` }))]);
    assertModelError(run);
    assert.ok(run.ms < 60_000, `took ${run.ms} ms`);
    assertBounded("endless stream", peakMb);
    server.assertDrained();
  });

  it("an endless stream slower than the cap ends at the deadline, bounded memory", async () => {
    const { run, peakMb } = await explore(
      [generatedSSE((i) => chunk({ content: ` token${i}` }), { delayMs: 5 }), reply().content("No answer.")],
      4,
    );
    assert.equal(run.code, 4, run.stderr);
    assert.match(run.stderr, /no answer \(deadline\)/);
    assert.ok(run.ms < 15_000, `took ${run.ms} ms`);
    assertBounded("paced endless stream", peakMb);
    server.assertDrained();
  });
});
