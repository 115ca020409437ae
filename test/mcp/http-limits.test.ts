/**
 * MCP over HTTP keeps room for new clients and survives hostile input (the spawned CLI, the SDK's
 * own client and raw fetch): 512 `initialize` calls that are never followed up lock nobody out,
 * idle sessions expire after `mcp_session_idle_s`, and parameters nested 10,000 deep get a 400.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MAX_JSON_DEPTH } from "../../src/surfaces/mcp/http-sessions.js";
import { HealthOutput } from "../../src/surfaces/mcp/schemas.js";
import type { TmpRepo } from "../support/tmp-repo.js";
import { connectHttp, demoRepo, type HttpServerProcess, startHttpServer } from "./support.js";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const initialize = (name: string) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name, version: "1" } },
  });

/** One raw `initialize` that is never followed up; returns the session id. */
async function abandonedSession(url: string, i: number): Promise<string> {
  const response = await fetch(url, { method: "POST", headers: HEADERS, body: initialize(`flood-${i}`) });
  await response.text();
  assert.equal(response.status, 200, `initialize #${i}`);
  const id = response.headers.get("mcp-session-id");
  assert.ok(id);
  return id;
}

async function flood(url: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 32)
    ids.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(32, count - start) }, (_, k) => abandonedSession(url, start + k)),
      )),
    );
  return ids;
}

async function health(url: string): Promise<string> {
  const client = await connectHttp(url);
  try {
    const result = await client.callTool({ name: "health", arguments: { probe_model: false } });
    return HealthOutput.parse(result.structuredContent).transport;
  } finally {
    await client.close();
  }
}

const listTools = (url: string, session: string) =>
  fetch(url, {
    method: "POST",
    headers: { ...HEADERS, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: {} }),
  });

describe("mcp HTTP: room for new clients", () => {
  let repo: TmpRepo;
  let server: HttpServerProcess;
  before(async () => {
    repo = await demoRepo();
    server = await startHttpServer({ cwd: repo.root });
  });
  after(async () => {
    await server?.stop();
    repo?.cleanup();
  });

  test("512 abandoned initialize calls from one client do not lock out a new client; a connected one keeps working", async () => {
    const early = await connectHttp(server.url);
    try {
      const ids = await flood(server.url, 512);
      assert.equal(new Set(ids).size, 512);
      assert.equal(await health(server.url), "http", "a new client gets in");
      const result = await early.callTool({ name: "health", arguments: { probe_model: false } });
      assert.equal(HealthOutput.parse(result.structuredContent).transport, "http", "the connected client was kept");
      // The oldest abandoned sessions made room: they are gone (404), the newest is still there.
      assert.equal((await listTools(server.url, ids[0]!)).status, 404);
      const newest = await listTools(server.url, ids.at(-1)!);
      await newest.text();
      assert.equal(newest.status, 200);
    } finally {
      await early.close();
    }
    assert.doesNotMatch(server.stderr(), /uncaught|RangeError/);
  });

  test(`parameters nested 10,000 deep get a 400 (limit ${MAX_JSON_DEPTH}), with or without a session; the server keeps serving`, async () => {
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const body = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"x","version":"1"},"x":${deep}}}`;
    const fresh = await fetch(server.url, { method: "POST", headers: HEADERS, body });
    assert.equal(fresh.status, 400);
    assert.match(await fresh.text(), /nested deeper than 64 levels/);
    const [session] = await flood(server.url, 1);
    const call = `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"health","arguments":{"probe_model":${deep}}}}`;
    const inSession = await fetch(server.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": session!, "mcp-protocol-version": "2025-11-25" },
      body: call,
    });
    assert.equal(inSession.status, 400);
    await inSession.text();
    // Brackets inside strings are not nesting.
    const stringy = `{"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"note":"${"[".repeat(10_000)}"}}}`;
    const ok = await fetch(server.url, {
      method: "POST",
      headers: { ...HEADERS, "mcp-session-id": session!, "mcp-protocol-version": "2025-11-25" },
      body: stringy,
    });
    assert.equal(ok.status, 200);
    await ok.text();
    assert.equal(await health(server.url), "http");
    assert.doesNotMatch(server.stderr(), /Maximum call stack|RangeError|internal error/);
  });
});

describe("mcp HTTP: idle sessions expire", () => {
  let repo: TmpRepo;
  let server: HttpServerProcess;
  before(async () => {
    repo = await demoRepo();
    server = await startHttpServer({ cwd: repo.root, env: { FC_MCP_SESSION_IDLE_S: "1" } });
  });
  after(async () => {
    await server?.stop();
    repo?.cleanup();
  });

  test("an abandoned session is gone after mcp_session_idle_s; a connected client's session stays", async () => {
    const early = await connectHttp(server.url);
    try {
      const [id] = await flood(server.url, 1);
      const before = await listTools(server.url, id!);
      await before.text();
      assert.equal(before.status, 200);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      assert.equal((await listTools(server.url, id!)).status, 404);
      const result = await early.callTool({ name: "health", arguments: { probe_model: false } });
      assert.equal(HealthOutput.parse(result.structuredContent).transport, "http");
    } finally {
      await early.close();
    }
  });
});
