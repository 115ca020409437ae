/**
 * The endpoint pool: fewest in flight first, a failing replica ejected and the request moved to
 * another at once, a slow replica passed over while it is busy, and all replicas down ending in the
 * client's honest error (the CLI's exit code 3). Real HTTP against fake vLLM servers.
 */
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { createChatClient } from "../../src/llm/client.js";
import { EJECT_BASE_MS, EndpointPool, parseBaseUrls, resetPools } from "../../src/llm/endpoint-pool.js";
import { LlmError } from "../../src/llm/errors.js";
import type { ChatMessage } from "../../src/llm/types.js";
import { runMain } from "../e2e/harness.js";
import { type FakeOpenAI, httpError, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import { tmpRepo } from "../support/tmp-repo.js";

const MESSAGES: ChatMessage[] = [{ role: "user", content: "<query>q</query>" }];

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("endpoint pool (unit)", () => {
  it("parses a list, picks the replica with the fewest in flight, ejects a failing one for a while", () => {
    assert.deepEqual(parseBaseUrls("http://a:1/v1, http://b:2/v1  http://a:1/v1/"), ["http://a:1/v1", "http://b:2/v1"]);
    let now = 1_000_000;
    const pool = new EndpointPool(["http://a/v1", "http://b/v1", "http://c/v1"], { now: () => now });
    const first = pool.acquire()!;
    const second = pool.acquire()!;
    const third = pool.acquire()!;
    assert.deepEqual(new Set([first.url, second.url, third.url]).size, 3, "one request each");
    pool.release(second);
    assert.equal(pool.pick()!.url, second.url, "the idle replica is next");
    pool.release(first);
    pool.release(third);
    // Ejection: b fails, and is skipped until its time is up.
    const b = pool.replicas[1]!;
    (pool as unknown as { failed(r: typeof b, e: unknown): void }).failed(b, new Error("down"));
    for (let i = 0; i < 4; i++) assert.notEqual(pool.pick()!.url, "http://b/v1");
    now += EJECT_BASE_MS + 1;
    assert.ok(
      [0, 1, 2].some(() => pool.acquire()!.url === "http://b/v1"),
      "b is back after its ejection",
    );
  });
});

describe("endpoint pool (client, real HTTP)", () => {
  let fast: FakeOpenAI;
  let slow: FakeOpenAI;
  before(async () => {
    fast = await startFakeOpenAI();
    slow = await startFakeOpenAI();
  });
  after(async () => {
    await fast.close();
    await slow.close();
  });

  it("moves a request off a failing replica at once and leaves that replica out", async () => {
    resetPools();
    const dead = `http://127.0.0.1:${await closedPort()}/v1`;
    const client = createChatClient({ baseUrl: `${dead},${fast.url}`, model: "m", maxRetries: 0, timeoutMs: 5000 });
    fast.enqueue(reply().content("one"), reply().content("two"), reply().content("three"));
    for (const expected of ["one", "two", "three"]) {
      const turn = await client.chat(MESSAGES);
      assert.equal(turn.content, expected);
    }
    assert.equal(fast.chatRequests().length, 3);
    fast.assertDrained();
  });

  it("a 5xx replica is ejected too; a slow one is passed over while it is busy", async () => {
    resetPools();
    const before = { fast: fast.chatRequests().length, slow: slow.chatRequests().length };
    slow.enqueue(reply().content("slow").delay(600));
    fast.enqueue(reply().content("fast-1"), reply().content("fast-2"));
    const client = createChatClient({ baseUrl: `${slow.url},${fast.url}`, model: "m", maxRetries: 0, timeoutMs: 5000 });
    // Two at once: one on each replica (fewest in flight).
    const a = client.chat(MESSAGES);
    const b = client.chat(MESSAGES);
    const [ra, rb] = await Promise.all([
      a,
      b.then(async (turn) => {
        // The fast replica is free again while the slow one still works: the next request goes there.
        const next = await client.chat(MESSAGES);
        return [turn, next] as const;
      }),
    ]);
    assert.equal(ra.content, "slow");
    assert.deepEqual(
      rb.map((t) => t.content),
      ["fast-1", "fast-2"],
    );
    assert.equal(slow.chatRequests().length - before.slow, 1);
    assert.equal(fast.chatRequests().length - before.fast, 2);

    resetPools();
    slow.enqueue(httpError(503, { message: "overloaded" }));
    fast.enqueue(reply().content("rescued"));
    const failover = createChatClient({ baseUrl: `${slow.url},${fast.url}`, model: "m", maxRetries: 0 });
    assert.equal((await failover.chat(MESSAGES)).content, "rescued");
    slow.assertDrained();
    fast.assertDrained();
  });

  it("all replicas down: the client's honest error, and the CLI exits 3 with nothing on stdout", async () => {
    resetPools();
    const urls = [`http://127.0.0.1:${await closedPort()}/v1`, `http://127.0.0.1:${await closedPort()}/v1`];
    const client = createChatClient({ baseUrl: urls.join(","), model: "m", maxRetries: 1, retryBaseMs: 5 });
    await assert.rejects(client.chat(MESSAGES), (error: unknown) => {
      assert.ok(error instanceof LlmError && error.kind === "network", String(error));
      assert.match(error.message, /could not reach the model server/);
      assert.match(error.message, /all 2 replicas failed/);
      return true;
    });
    await using repo = await tmpRepo({ files: { "a.py": "def f():\n    pass\n" } });
    const run = await runMain(
      ["-q", "where is f?", "--repo", repo.root, "--base-url", urls.join(","), "--model", "m"],
      {
        env: { FC_MAX_RETRIES: "0" },
      },
    );
    assert.equal(run.code, 3, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /fastcontext: the model server failed: .*could not reach the model server/);
  });
});
