/**
 * `fastcontext mcp --http` (Streamable HTTP with sessions) driven by the SDK client against the
 * spawned CLI: explorations with progress, client roots, 64 concurrent calls with zero errors,
 * cancellation, and the guards — Origin and Host validation, bearer token, body size, path, and
 * the refusal to bind a non-loopback host without a token.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { type CallToolResult, Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { ExploreOutput, HealthOutput } from "../../src/surfaces/mcp/schemas.js";
import { type FakeOpenAI, hang, reply, startFakeOpenAI } from "../support/fake-openai-server.js";
import type { TmpRepo } from "../support/tmp-repo.js";
import { BIN, cleanEnv, connectHttp, demoRepo, type HttpServerProcess, startHttpServer } from "./support.js";

const TOKEN = "s3cret-token";
const INITIALIZE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
});

function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
}

/** A raw request with full control of headers (fetch forbids setting Host). */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: options.method ?? "POST",
        headers: options.headers ?? {},
      },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    if (options.body !== undefined) {
      if (options.chunked) {
        // Written in pieces without a Content-Length, so only the streaming check can catch it.
        const data = Buffer.from(options.body);
        for (let i = 0; i < data.length; i += 64 * 1024) req.write(data.subarray(i, i + 64 * 1024));
      } else req.write(options.body);
    }
    req.end();
  });
}

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("mcp over Streamable HTTP", () => {
  let repo: TmpRepo;
  let server: HttpServerProcess;
  let client: Client;

  before(async () => {
    repo = await demoRepo();
    server = await startHttpServer({ cwd: repo.root, args: ["--token", TOKEN, "--max-concurrent", "64"] });
    client = await connectHttp(server.url, TOKEN);
  });
  after(async () => {
    await client?.close();
    await server?.stop();
    repo?.cleanup();
  });

  test("binds loopback, prints its URL, lists the tools and explores with progress", async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ["explore", "health"]);
    const progress: number[] = [];
    const result = await client.callTool(
      { name: "explore", arguments: { query: "Where is the config file parsed?" } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    assert.notEqual(result.isError, true, text(result));
    const out = ExploreOutput.parse(result.structuredContent);
    assert.equal(out.root, repo.root);
    assert.ok(out.citations.some((c) => c.path === "src/config.ts"));
    assert.ok(progress.length >= 1, "progress arrives over the SSE response");
    const health = HealthOutput.parse(
      (await client.callTool({ name: "health", arguments: { probe_model: false } })).structuredContent,
    );
    assert.equal(health.transport, "http");
    assert.equal(health.concurrency.limit, 64);
  });

  test("the client's roots are used over HTTP sessions too", async () => {
    const other = await demoRepo("fc-mcp-http-other-");
    const rooted = await connectHttp(server.url, TOKEN, [other.root]);
    try {
      const result = await rooted.callTool({
        name: "explore",
        arguments: { query: "Where is the config file parsed?" },
      });
      assert.notEqual(result.isError, true, text(result));
      assert.equal(ExploreOutput.parse(result.structuredContent).root, other.root);
    } finally {
      await rooted.close();
      other.cleanup();
    }
  });

  test("a 2026-07-28-era client (version negotiation) is served per request, with progress", async () => {
    const modern = new Client({ name: "modern", version: "1.0.0" }, { versionNegotiation: { mode: "auto" } });
    await modern.connect(
      new StreamableHTTPClientTransport(new URL(server.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    try {
      assert.equal(modern.getProtocolEra(), "modern");
      let progress = 0;
      const result = await modern.callTool(
        { name: "explore", arguments: { query: "How is the retry delay computed?" } },
        { onprogress: () => progress++ },
      );
      assert.notEqual(result.isError, true, text(result));
      assert.ok(ExploreOutput.parse(result.structuredContent).citations.some((c) => c.path === "src/retry.ts"));
      assert.ok(progress >= 1);
    } finally {
      await modern.close();
    }
  });

  test("64 concurrent explore calls all succeed", async (t) => {
    const queries = [
      "Where is the config file parsed?",
      "How is the retry delay computed?",
      "Where is main defined?",
      "Who calls loadConfig?",
    ];
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: 64 }, (_, i) =>
        client.callTool({ name: "explore", arguments: { query: queries[i % queries.length]!, thoroughness: "quick" } }),
      ),
    );
    const ms = performance.now() - t0;
    const failures = results.filter((r) => r.status === "rejected" || r.value.isError === true);
    assert.equal(failures.length, 0, JSON.stringify(failures.slice(0, 3)));
    for (const r of results)
      if (r.status === "fulfilled") assert.ok(ExploreOutput.parse(r.value.structuredContent).citations.length > 0);
    t.diagnostic(`64 concurrent explore calls over HTTP: ${Math.round(ms)} ms, 0 errors`);
  });

  test("a browser Origin other than localhost is rejected with 403", async () => {
    const res = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}`, origin: "http://evil.example" },
      body: INITIALIZE,
    });
    assert.equal(res.status, 403);
    const ok = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}`, origin: "http://localhost:3000" },
      body: INITIALIZE,
    });
    assert.equal(ok.status, 200);
  });

  test("a Host header that is not localhost (DNS rebinding) is rejected with 403", async () => {
    const port = new URL(server.url).port;
    const res = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}`, host: `attacker.example:${port}` },
      body: INITIALIZE,
    });
    assert.equal(res.status, 403);
  });

  test("a missing or wrong bearer token gets 401", async () => {
    const missing = await rawRequest(server.url, { headers: JSON_HEADERS, body: INITIALIZE });
    assert.equal(missing.status, 401);
    const wrong = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: "Bearer nope" },
      body: INITIALIZE,
    });
    assert.equal(wrong.status, 401);
    await assert.rejects(connectHttp(server.url), /401|unauthori/i);
  });

  test("an oversize body gets 413, declared or streamed", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/list",
      params: { pad: "x".repeat(2 * 1024 * 1024) },
    });
    const declared = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: big,
    });
    assert.equal(declared.status, 413);
    const streamed = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: big,
      chunked: true,
    });
    assert.equal(streamed.status, 413);
  });

  test("protocol misuse gets HTTP/JSON-RPC errors and the server keeps serving", async () => {
    const garbage = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: "{not json",
    });
    assert.ok(garbage.status >= 400 && garbage.status < 500, `status ${garbage.status}`);
    const get = await rawRequest(server.url, {
      method: "GET",
      headers: { accept: "text/event-stream", authorization: `Bearer ${TOKEN}` },
    });
    assert.ok(get.status >= 400 && get.status < 500, `GET without a session: ${get.status}`);
    const stale = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}`, "mcp-session-id": "no-such-session" },
      body: INITIALIZE,
    });
    assert.equal(stale.status, 404, "an unknown session must re-initialize");
    const noSession = await rawRequest(server.url, {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
    });
    assert.equal(noSession.status, 400);
    const elsewhere = await rawRequest(server.url.replace(/\/mcp$/, "/other"), {
      headers: { ...JSON_HEADERS, authorization: `Bearer ${TOKEN}` },
      body: INITIALIZE,
    });
    assert.equal(elsewhere.status, 404);
    const health = await client.callTool({ name: "health", arguments: { probe_model: false } });
    assert.notEqual(health.isError, true);
  });

  test("a non-loopback host without a token is refused at startup", async () => {
    const child = spawn(process.execPath, [BIN, "mcp", "--http", "--host", "0.0.0.0", "--port", "0"], {
      cwd: repo.root,
      env: cleanEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    assert.equal(code, 2, stderr);
    assert.match(stderr, /non-loopback host 0\.0\.0\.0 without a token/);
  });
});

describe("mcp over Streamable HTTP, cancellation", () => {
  let repo: TmpRepo;
  let fake: FakeOpenAI;
  let server: HttpServerProcess;
  let client: Client;

  before(async () => {
    repo = await demoRepo();
    fake = await startFakeOpenAI();
    server = await startHttpServer({
      cwd: repo.root,
      args: ["--max-concurrent", "1", "--heartbeat-ms", "300"],
      env: { FC_BASE_URL: fake.url, FC_MODEL: "fake-model" },
    });
    client = await connectHttp(server.url);
  });
  after(async () => {
    await client?.close();
    await server?.stop();
    await fake?.close();
    repo?.cleanup();
  });

  test("a cancelled call stops the run on the server (its slot is free for the next call)", async () => {
    fake.enqueue(reply().toolCall("Read", { path: "src/main.ts" }), hang());
    const controller = new AbortController();
    const call = client.callTool(
      { name: "explore", arguments: { query: "Who calls loadConfig?" } },
      {
        signal: controller.signal,
        timeout: 15_000,
        onprogress: (p) => (/turn 2\/\d+: waiting on the model/.test(p.message ?? "") ? controller.abort() : undefined),
      },
    );
    await assert.rejects(call, /abort/i);
    const until = Date.now() + 5000;
    for (;;) {
      const health = HealthOutput.parse(
        (await client.callTool({ name: "health", arguments: { probe_model: false } })).structuredContent,
      );
      if (health.concurrency.running === 0) break;
      assert.ok(Date.now() < until, "the cancelled exploration released its slot");
      await new Promise((r) => setTimeout(r, 50));
    }
    fake.enqueue(
      reply().toolCall("Read", { path: "src/main.ts" }),
      reply().content(`<final_answer>\n${repo.root}/src/main.ts:3-6\n</final_answer>`),
    );
    const next = await client.callTool({ name: "explore", arguments: { query: "Where is main?" } });
    assert.notEqual(next.isError, true, text(next));
    fake.assertDrained();
  });
});
