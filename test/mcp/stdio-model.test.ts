/**
 * `fastcontext mcp` over stdio with the model policy against the fake OpenAI-compatible server:
 * a scripted exploration with progress heartbeats, cancellation mid-run (the model request is
 * aborted, no rg child survives, the slot is released) and the "busy" answer beyond the cap.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { ExploreOutput, HealthOutput } from "../../src/surfaces/mcp/schemas.js";
import { type FakeOpenAI, gate, hang, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { TmpRepo } from "../support/tmp-repo.js";
import { childProcesses, connectStdio, demoRepo, type StdioSession, waitFor } from "./support.js";

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
}

describe("mcp over stdio, model policy against the fake server", () => {
  let repo: TmpRepo;
  let fake: FakeOpenAI;
  let session: StdioSession;
  let bin: string;

  before(async () => {
    repo = await demoRepo();
    fake = await startFakeOpenAI();
    // A stand-in for ripgrep that answers --version and then blocks, so a Grep is still running
    // when the client cancels (`exec` keeps the pid the server spawned).
    bin = mkdtempSync(join(tmpdir(), "fc-mcp-rg-"));
    writeFileSync(
      join(bin, "rg"),
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "ripgrep 15.0.0 (stand-in)"; exit 0; fi\nexec sleep 30\n',
    );
    chmodSync(join(bin, "rg"), 0o755);
    // One slot: a cancelled run that did not stop would make the next call "busy".
    session = await connectStdio({
      cwd: repo.root,
      args: ["--max-concurrent", "1", "--heartbeat-ms", "300"],
      env: { FC_BASE_URL: fake.url, FC_MODEL: "fake-model", FC_RG_PATH: join(bin, "rg") },
    });
  });
  after(async () => {
    await session?.close();
    await fake?.close();
    repo?.cleanup();
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  async function running(): Promise<number> {
    const result = await session.client.callTool({ name: "health", arguments: { probe_model: false } });
    return HealthOutput.parse(result.structuredContent).concurrency.running;
  }

  async function waitForIdle(): Promise<void> {
    const until = Date.now() + 5000;
    while ((await running()) !== 0) {
      assert.ok(Date.now() < until, "the cancelled exploration released its slot");
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  test("health reports the endpoint, the served model and the model policy", async () => {
    const health = HealthOutput.parse(
      (await session.client.callTool({ name: "health", arguments: {} })).structuredContent,
    );
    assert.equal(health.embedded, false);
    assert.equal(health.policy, "model");
    assert.equal(health.endpoint.base_url, fake.url);
    assert.equal(health.endpoint.reachable, true);
    assert.equal(health.endpoint.model, "fake-model");
    assert.deepEqual(health.endpoint.served, ["fake-model"]);
  });

  test("explore runs the model loop, cites what it read and streams progress with heartbeats", async () => {
    fake.enqueue(
      reply().toolCall("Read", { path: "src/config.ts" }),
      reply()
        .content(
          `The config is parsed here.\n<final_answer>\n${repo.root}/src/config.ts:3-5 (parseConfig)\n</final_answer>`,
        )
        .delay(1500),
    );
    const messages: string[] = [];
    const result = await session.client.callTool(
      { name: "explore", arguments: { query: "Where is the config file parsed?", max_turns: 3 } },
      { onprogress: (p) => messages.push(p.message ?? "") },
    );
    assert.notEqual(result.isError, true, text(result));
    const out = ExploreOutput.parse(result.structuredContent);
    assert.deepEqual(
      out.citations.map((c) => [c.path, c.start, c.end, c.verified]),
      [["src/config.ts", 3, 5, true]],
    );
    assert.equal(out.stop_reason, "answered");
    assert.equal(out.stats.policy, "model");
    assert.equal(out.stats.model, "fake-model");
    assert.equal(out.stats.turns, 2);
    assert.match(text(result), /<final_answer>\n.*src\/config\.ts:3-5 \(parseConfig\)\n<\/final_answer>/);
    // Fast phases may be coalesced (updates are throttled); the slow model wait must show, repeatedly.
    const waits = messages.filter((m) =>
      /^turn 2\/3: waiting on the model for \d+ s \(last tool: Read src\/config\.ts\) \(\d+\.\d s elapsed\)$/.test(m),
    ).length;
    assert.ok(waits >= 3, `several heartbeats during the 1.5 s wait: ${messages.join(" | ")}`);
    fake.assertDrained();
  });

  test("cancelling mid-run kills the running rg, stops the run and frees the slot", async () => {
    fake.enqueue(reply().toolCall("Grep", { pattern: "loadConfig" }));
    const controller = new AbortController();
    const messages: string[] = [];
    let toolChildren: string[] = [];
    const call = session.client.callTool(
      { name: "explore", arguments: { query: "Who calls loadConfig?" } },
      {
        signal: controller.signal,
        timeout: 15_000,
        onprogress: (p) => {
          messages.push(p.message ?? "");
          if (/turn 1\/\d+: running Grep loadConfig/.test(p.message ?? "") && !controller.signal.aborted) {
            toolChildren = childProcesses(session.pid).map((c) => c.comm);
            controller.abort();
          }
        },
      },
    );
    await assert.rejects(call, /abort/i);
    assert.deepEqual(toolChildren, ["sleep"], `the stand-in rg was running when cancelled: ${messages.join(" | ")}`);
    await waitFor(() => childProcesses(session.pid).length === 0, 3000, "the rg child to be killed");
    await waitForIdle();
    fake.assertDrained();
  });

  test("cancelling while the model is thinking aborts the model request and frees the slot", async () => {
    fake.enqueue(reply().toolCall("Read", { path: "src/main.ts" }), hang());
    const controller = new AbortController();
    const call = session.client.callTool(
      { name: "explore", arguments: { query: "Who calls loadConfig?" } },
      {
        signal: controller.signal,
        timeout: 15_000,
        onprogress: (p) => {
          if (/turn 2\/\d+: waiting on the model/.test(p.message ?? "")) controller.abort();
        },
      },
    );
    await assert.rejects(call, /abort/i);
    // The slot comes back only when the run actually stopped, i.e. its hanging model request was aborted.
    await waitForIdle();
    fake.enqueue(
      reply().toolCall("Read", { path: "src/main.ts" }),
      reply().content(`<final_answer>\n${repo.root}/src/main.ts:3-6\n</final_answer>`),
    );
    const next = await session.client.callTool({ name: "explore", arguments: { query: "Where is main?" } });
    assert.notEqual(next.isError, true, text(next));
    assert.equal(ExploreOutput.parse(next.structuredContent).citations[0]?.path, "src/main.ts");
    fake.assertDrained();
  });

  test("beyond the concurrency cap a call gets a busy isError at once, and the first call still finishes", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    fake.enqueue(
      gate(held),
      reply().toolCall("Read", { path: "src/retry.ts" }),
      reply().content(`<final_answer>\n${repo.root}/src/retry.ts:1-3\n</final_answer>`),
    );
    const before = fake.chatRequests().length;
    const first = session.client.callTool({
      name: "explore",
      arguments: { query: "How is the retry delay computed?" },
    });
    await waitFor(() => fake.chatRequests().length > before, 10_000, "the first call to reach the model");
    const t0 = Date.now();
    const second = await session.client.callTool({ name: "explore", arguments: { query: "Where is main?" } });
    assert.equal(second.isError, true);
    assert.match(text(second), /busy: 1 explorations are already running .*Retry in a few seconds/);
    assert.ok(Date.now() - t0 < 2000, "the busy answer does not wait");
    release();
    const done = await first;
    assert.notEqual(done.isError, true, text(done));
    assert.equal(ExploreOutput.parse(done.structuredContent).citations[0]?.path, "src/retry.ts");
    fake.assertDrained();
  });

  test("an unreachable endpoint is an isError that says what to do", async () => {
    const dead = await connectStdio({
      cwd: repo.root,
      env: { FC_BASE_URL: "http://127.0.0.1:9/v1", FC_MODEL: "m", FC_MAX_RETRIES: "0", FC_MAX_CONTEXT: "32768" },
    });
    try {
      const result = await dead.client.callTool({
        name: "explore",
        arguments: { query: "Where is the config parsed?" },
      });
      assert.equal(result.isError, true);
      assert.match(text(result), /endpoint/);
      assert.match(text(result), /health tool|retry later|own tools/i);
    } finally {
      await dead.close();
    }
  });
});
