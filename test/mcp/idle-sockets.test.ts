/**
 * The HTTP server's keep-alive policy (src/surfaces/mcp/idle-sockets.ts): a request written on a
 * kept-alive socket while the server's event loop is stalled is answered, not reset; no
 * `Keep-Alive: timeout=` is advertised; idle sockets are reaped after the limit, busy ones never.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { describe, test } from "node:test";
import { applyIdleSocketPolicy } from "../../src/surfaces/mcp/idle-sockets.js";

const REQUEST = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}";

async function serve(
  handler: http.RequestListener,
  policy?: { idleMs: number; checkEveryMs: number },
): Promise<{ server: http.Server; port: number; policy: ReturnType<typeof applyIdleSocketPolicy> }> {
  const server = http.createServer(handler);
  const applied = applyIdleSocketPolicy(server, policy);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as net.AddressInfo).port, policy: applied };
}

/** Child process: two requests on one socket, the second GAP ms after the first response. */
const RAW_CLIENT = `
const net = require("node:net");
const [port, gap] = process.argv.slice(1).map(Number);
const request = ${JSON.stringify(REQUEST)};
const socket = net.connect(port, "127.0.0.1");
let data = "", sent = 1;
socket.write(request);
socket.on("data", (d) => {
  data += d;
  if (sent === 1 && data.includes("ok")) { sent = 2; setTimeout(() => socket.write(request), gap); }
  if (data.split("HTTP/1.1 200").length === 3) { console.log("responses 2"); process.exit(0); }
});
socket.on("error", (e) => { console.log(e.code); process.exit(0); });
socket.on("close", () => { console.log("closed after " + (data.split("HTTP/1.1 200").length - 1)); process.exit(0); });
setTimeout(() => { console.log("timeout"); process.exit(0); }, 15000);
`;

const answerOk: http.RequestListener = (req, res) => {
  req.resume();
  req.on("end", () => res.end("ok"));
};

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // A stalled event loop, as a long synchronous step of an exploration makes it.
  }
}

/** Responses seen on one raw socket, and whether the peer reset or closed it. */
function rawClient(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  const state = { data: "", reset: false, closed: false };
  socket.on("data", (d: Buffer) => (state.data += d.toString("utf8")));
  socket.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "ECONNRESET") state.reset = true;
  });
  socket.on("close", () => (state.closed = true));
  const responses = () => state.data.split("HTTP/1.1 200").length - 1;
  const until = async (predicate: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!predicate() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  };
  return { socket, state, responses, until };
}

describe("HTTP keep-alive policy", () => {
  test("a request written during a stall longer than Node's keep-alive timeout is answered", async () => {
    // The stall starts 200 ms after the first response and lasts 6.5 s, so it spans Node's
    // default idle close (5 s advertised, about 6 s on Node 20); the client, another process, writes its second request 500 ms in.
    // With Node's idle close the first timers phase after the stall destroys the socket before
    // the poll phase reads that request, and the client reads ECONNRESET.
    let served = 0;
    const { server, port } = await serve((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
      if (++served === 1) res.once("finish", () => setTimeout(() => setImmediate(() => busyWait(6_500)), 200));
    });
    const client = spawn(process.execPath, ["-e", RAW_CLIENT, String(port), "500"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    client.stdout.on("data", (d: Buffer) => (out += d.toString("utf8")));
    await new Promise((resolve) => client.once("exit", resolve));
    server.close();
    assert.equal(out.trim(), "responses 2", "the server reset a socket that held a request");
  });

  test("responses say keep-alive without advertising a timeout", async () => {
    const { server, port } = await serve(answerOk);
    const client = rawClient(port);
    client.socket.write(REQUEST);
    await client.until(() => client.responses() === 1);
    assert.match(client.state.data, /^connection: keep-alive\r$/im);
    assert.doesNotMatch(client.state.data, /^keep-alive:/im);
    client.socket.destroy();
    server.close();
  });

  test("an idle socket is reaped after the limit; one with a request in flight is not", async () => {
    let release: (() => void) | undefined;
    const slow: http.RequestListener = (req, res) => {
      req.resume();
      release = () => res.end("ok");
    };
    const { server, port, policy } = await serve(slow, { idleMs: 150, checkEveryMs: 25 });
    const idle = rawClient(port);
    const busy = rawClient(port);
    await busy.until(() => policy.counts().open === 2);
    busy.socket.write(REQUEST);
    await idle.until(() => idle.state.closed, 3000);
    assert.equal(idle.state.closed, true, "an idle socket outlived the limit");
    // The busy socket has been open as long, but its request is in flight.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(busy.state.closed, false, "a socket with a request in flight was reaped");
    assert.deepEqual(policy.counts(), { open: 1, idle: 0 });
    release?.();
    await busy.until(() => busy.responses() === 1);
    assert.equal(busy.responses(), 1);
    await busy.until(() => busy.state.closed, 3000);
    assert.equal(busy.state.closed, true, "the socket was not reaped once its response was done");
    server.close();
  });
});
