/**
 * Who gives way when the session table is full (`createHttpRouter` behind a real HTTP server,
 * clients told apart by their loopback source address: 127.0.0.2, 127.0.0.3). While there is room
 * nothing is closed, however many sessions one address holds (many agents on one machine share
 * 127.0.0.1); once it is full, a newcomer takes the room of the client over its quota, and a
 * client at its quota gives way from its own sessions.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { createHttpRouter, type HttpRouter } from "../../src/surfaces/mcp/http-sessions.js";

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

function post(
  port: number,
  from: string,
  body: unknown,
  session?: string,
): Promise<{ status: number; session?: string; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        localAddress: from,
        method: "POST",
        path: "/mcp",
        headers: {
          ...HEADERS,
          "content-length": Buffer.byteLength(payload),
          ...(session ? { "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" } : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          const id = res.headers["mcp-session-id"];
          resolve({ status: res.statusCode ?? 0, text, ...(typeof id === "string" ? { session: id } : {}) });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};
const ping = { jsonrpc: "2.0", id: 2, method: "ping", params: {} };

async function open(port: number, from: string): Promise<string> {
  const r = await post(port, from, initialize);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.session);
  return r.session;
}

const alive = async (port: number, from: string, session: string) => (await post(port, from, ping, session)).status;

describe("mcp HTTP sessions: who gives way when the table is full", () => {
  let router: HttpRouter;
  let server: http.Server;
  let port = 0;
  before(async () => {
    router = createHttpRouter(() => new McpServer({ name: "t", version: "0" }, { capabilities: { tools: {} } }), {
      maxBodyBytes: 1 << 20,
      maxSessions: 6,
      sessionsPerClient: 2,
    });
    server = http.createServer((req, res) => {
      router.handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    await router.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test("one address may fill the table; then newcomers evict its oldest idle sessions, and a client at its quota its own", async () => {
    const a = "127.0.0.2";
    const b = "127.0.0.3";
    const mine: string[] = [];
    for (let i = 0; i < 6; i++) mine.push(await open(port, a));
    assert.equal(router.sessionCount(), 6, "no session was closed while the table had room");
    for (const id of mine) assert.equal(await alive(port, a, id), 200);

    // mine[0] was used last by the loop above in order, so it is the least recently used still.
    const b1 = await open(port, b);
    assert.equal(await alive(port, a, mine[0]!), 404, "the heavy client's oldest session made room");
    const b2 = await open(port, b);
    assert.equal(await alive(port, a, mine[1]!), 404);
    assert.equal(router.sessionCount(), 6);

    // b holds its quota (2): its next session comes out of its own, the other client keeps the rest.
    await alive(port, b, b2);
    const b3 = await open(port, b);
    assert.equal(await alive(port, b, b1), 404, "b's own oldest gave way");
    assert.equal(await alive(port, b, b2), 200);
    assert.equal(await alive(port, b, b3), 200);
    for (const id of mine.slice(2)) assert.equal(await alive(port, a, id), 200, "a's newer sessions were kept");
  });
});
