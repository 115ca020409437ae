/**
 * Keep-alive for the HTTP MCP server without the server-side close race.
 *
 * Node closes an idle kept-alive socket `keepAliveTimeout` (5 s) after its last response, from a
 * timer. On a busy event loop that timer can run before the poll phase reads a request the client
 * has already written on that socket: the socket is destroyed with the request unread and the
 * client gets `read ECONNRESET` for a request the server never saw. Reproduced on Node 20 with a
 * 6 s stall in a check-phase callback and a request sent 1 s into it; under 64 concurrent
 * explorations on a 100k-file tree it failed 1 to 12 clients at once in 5 bursts of 12 (BENCHMARKS.md).
 *
 * So the server advertises no keep-alive timeout: each client closes its idle sockets on its own
 * clock (undici after 4 s, httpx after 5 s), and the race cannot happen on a socket the client
 * closes itself. To bound what a client that never closes can hold, a socket idle (no request in
 * flight) for longer than `idleMs` is reaped; that is far past the reuse window of common clients,
 * so the same race there needs a client that waits that long and a stall at that moment.
 */
import type http from "node:http";
import type { Socket } from "node:net";

/** Idle sockets older than this are closed. Ten minutes: past OkHttp's 5 min and Go's 90 s pools. */
export const DEFAULT_IDLE_SOCKET_MS = 10 * 60_000;

interface SocketState {
  inFlight: number;
  idleSince: number;
}

export interface IdleSocketPolicy {
  /** Sockets open now, and how many of them have no request in flight (for tests and health). */
  counts(): { open: number; idle: number };
}

export function applyIdleSocketPolicy(
  server: http.Server,
  options: { idleMs?: number; checkEveryMs?: number } = {},
): IdleSocketPolicy {
  const idleMs = options.idleMs ?? DEFAULT_IDLE_SOCKET_MS;
  // 0 turns Node's own idle close off, and with it the `Keep-Alive: timeout=` header.
  server.keepAliveTimeout = 0;
  const sockets = new Map<Socket, SocketState>();
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, { inFlight: 0, idleSince: Date.now() });
    socket.once("close", () => sockets.delete(socket));
  });
  // Counted per socket, not flagged: a pipelining client can have two requests on one socket.
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const state = sockets.get(req.socket);
    if (!state) return;
    state.inFlight++;
    res.once("close", () => {
      state.inFlight--;
      state.idleSince = Date.now();
    });
  });
  const reap = () => {
    const now = Date.now();
    for (const [socket, state] of sockets) if (state.inFlight === 0 && now - state.idleSince > idleMs) socket.destroy();
  };
  const timer = setInterval(reap, options.checkEveryMs ?? Math.min(30_000, idleMs));
  timer.unref();
  server.once("close", () => clearInterval(timer));
  return {
    counts: () => {
      let idle = 0;
      for (const state of sockets.values()) if (state.inFlight === 0) idle++;
      return { open: sockets.size, idle };
    },
  };
}
