/**
 * Routing of MCP HTTP traffic once the guards have passed. 2025-era clients (every MCP host today)
 * get a session: `initialize` creates a `NodeStreamableHTTPServerTransport` with its own server
 * instance, and later requests carrying `Mcp-Session-Id` reach the same instance. That is what
 * makes cancellation work over HTTP (`notifications/cancelled` arrives as a separate POST and must
 * find the running call) and lets the server ask the client for its roots. 2026-07-28-era
 * requests are self-contained and go to the SDK's per-request handler.
 *
 * Room is kept for new clients: a session with no request and no open notification stream for
 * `sessionIdleMs` is closed (an `initialize` that is never followed up costs 90 s, not 30 min), and
 * the table holds `MAX_SESSIONS`. When a new `initialize` finds the table full, the least recently
 * used session without a call in flight is closed to make room (detached ones first): the
 * client's own once it holds `sessionsPerClient`, else those of clients over that quota, else
 * anyone's; only when every candidate is busy is the client refused (429 / 503). Every POST body is read here (size limit) and checked for
 * nesting depth before any JSON-RPC processing: deeper than `MAX_JSON_DEPTH` is a 400.
 */
import { randomUUID } from "node:crypto";
import type http from "node:http";
import { NodeStreamableHTTPServerTransport, toNodeHandler, toWebRequest } from "@modelcontextprotocol/node";
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type McpServer,
  type McpServerFactory,
  type Server,
} from "@modelcontextprotocol/server";
import { createLogger } from "../../util/log.js";

const log = createLogger("mcp.http");

/** Default idle lifetime of a session (config `mcp_session_idle_s`). */
export const SESSION_IDLE_MS = 90_000;
/** Default sessions per client address (config `mcp_sessions_per_client`). */
export const SESSIONS_PER_CLIENT = 32;
export const MAX_SESSIONS = 512;
/**
 * MCP messages are shallow (the deepest tool schema here nests 4 levels); 64 leaves room for any
 * client's `_meta` and still stops recursion-based crashes in JSON-RPC and schema validation.
 */
export const MAX_JSON_DEPTH = 64;

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  server: McpServer | Server;
  lastSeen: number;
  /** The client's address: the unit of the per-client quota. */
  client: string;
  /** POST/DELETE requests being served now (a call running): a session with any is never closed. */
  inFlight: number;
  /**
   * Open GET streams (server-to-client notifications). A client holding one is connected, so the
   * idle sweep keeps its session; under pressure it is evicted after the sessions with none.
   */
  streams: number;
}

/** Limits of the router; every field has a default. */
export interface HttpRouterOptions {
  maxBodyBytes: number;
  /** Close a session after this long without a request (ms). Default `SESSION_IDLE_MS`. */
  sessionIdleMs?: number;
  /** Most sessions one client address may hold. Default `SESSIONS_PER_CLIENT`. */
  sessionsPerClient?: number;
  /** Most sessions in all. Default `MAX_SESSIONS`. */
  maxSessions?: number;
}

export interface HttpRouter {
  handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void>;
  /** Open sessions (for tests and logs). */
  sessionCount(): number;
  close(): Promise<void>;
}

/** Answer with a JSON-RPC error body. */
export function sendJsonError(
  res: http.ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }));
}

/**
 * The deepest nesting of arrays and objects in a JSON text, or `limit + 1` as soon as it passes
 * `limit`. One pass without recursion, strings skipped (brackets inside them do not count).
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return limit + 1;
      }
    } else if (c === 93 || c === 125) depth--;
  }
  return deepest;
}

/** Read a request body up to `max` bytes (null when it is larger). */
async function readBody(req: http.IncomingMessage, max: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > max) return null;
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function createHttpRouter(factory: McpServerFactory, options: HttpRouterOptions): HttpRouter {
  const sessionIdleMs = options.sessionIdleMs ?? SESSION_IDLE_MS;
  const perClient = options.sessionsPerClient ?? SESSIONS_PER_CLIENT;
  const maxSessions = options.maxSessions ?? MAX_SESSIONS;
  const sessions = new Map<string, Session>();
  const modern = createMcpHandler(factory, {
    legacy: "reject",
    maxRequestBodySize: options.maxBodyBytes,
    onerror: (error) => log.debug("modern handler", { error: error.message }),
  });
  const modernNode = toNodeHandler(modern, {
    maxRequestBodySize: options.maxBodyBytes,
    onerror: (error) => log.warn("request failed", { error: error.message }),
  });

  const closeSession = (id: string) => {
    const session = sessions.get(id);
    if (!session) return;
    sessions.delete(id);
    session.transport.close().catch(() => undefined);
    session.server.close().catch(() => undefined);
  };
  const sweep = setInterval(
    () => {
      const cutoff = Date.now() - sessionIdleMs;
      for (const [id, session] of sessions)
        if (session.inFlight === 0 && session.streams === 0 && session.lastSeen < cutoff) closeSession(id);
    },
    Math.max(250, Math.min(sessionIdleMs / 4, 15_000)),
  );
  sweep.unref();

  /**
   * Close one session among `candidates` to make room: the least recently used with nothing open,
   * else the least recently used with only a notification stream; never one with a call in flight.
   * False when every candidate is busy.
   */
  const evictOne = (candidates: Iterable<[string, Session]>): boolean => {
    let detached: [string, Session] | undefined;
    let attached: [string, Session] | undefined;
    for (const entry of candidates) {
      const session = entry[1];
      if (session.inFlight > 0) continue;
      if (session.streams === 0) {
        if (!detached || session.lastSeen < detached[1].lastSeen) detached = entry;
      } else if (!attached || session.lastSeen < attached[1].lastSeen) attached = entry;
    }
    const victim = detached ?? attached;
    if (!victim) return false;
    log.debug("session evicted to make room", { client: victim[1].client });
    closeSession(victim[0]);
    return true;
  };

  /** Serve one request of a session, counted (call or stream) until its response is done. */
  const serve = async (session: Session, req: http.IncomingMessage, res: http.ServerResponse, body?: unknown) => {
    const counter = req.method === "GET" ? "streams" : "inFlight";
    session[counter]++;
    session.lastSeen = Date.now();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      session[counter]--;
      session.lastSeen = Date.now();
    };
    res.once("close", finish);
    try {
      await session.transport.handleRequest(req, res, body);
    } catch (error) {
      finish();
      throw error;
    }
  };

  /**
   * Make room for a new session of `client`, or say why there is none. While the table has room,
   * nothing is closed: many agents on one machine share one address (loopback), and closing their
   * idle sessions would break them. Once it is full, a client at its quota makes room from its own
   * sessions (429 when all of them are busy), and any other client from those over their quota
   * first, then from anyone's (503 when every session is busy).
   */
  const makeRoom = (client: string): 200 | 429 | 503 => {
    if (sessions.size < maxSessions) return 200;
    const held = new Map<string, number>();
    for (const session of sessions.values()) held.set(session.client, (held.get(session.client) ?? 0) + 1);
    const own = [...sessions].filter(([, session]) => session.client === client);
    if ((held.get(client) ?? 0) >= perClient) return evictOne(own) ? 200 : 429;
    const overQuota = [...sessions].filter(([, session]) => (held.get(session.client) ?? 0) > perClient);
    return evictOne(overQuota) || evictOne(sessions) ? 200 : 503;
  };

  async function openSession(req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> {
    const client = req.socket.remoteAddress ?? "unknown";
    const room = makeRoom(client);
    if (room === 429)
      return sendJsonError(
        res,
        429,
        -32000,
        `all ${maxSessions} sessions are taken and this client's ${perClient} or more are busy; wait for a call to finish or close a session`,
      );
    if (room === 503) return sendJsonError(res, 503, -32000, `all ${maxSessions} sessions are busy; retry shortly`);
    const server = await factory({ era: "legacy" });
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: options.maxBodyBytes,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now(), client, inFlight: 0, streams: 0 });
      },
      onsessionclosed: (id) => closeSession(id),
    });
    transport.onclose = () => {
      if (transport.sessionId) closeSession(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  return {
    sessionCount: () => sessions.size,
    async handle(req, res) {
      const header = req.headers["mcp-session-id"];
      const sessionId = Array.isArray(header) ? header[0] : header;
      const session = sessionId ? sessions.get(sessionId) : undefined;
      // 404 tells a 2025-era client its session is gone and it must initialize again.
      if (sessionId && !session) return sendJsonError(res, 404, -32001, "session not found; initialize a new session");
      if (req.method !== "POST") return session ? serve(session, req, res) : modernNode(req, res);
      const text = await readBody(req, options.maxBodyBytes);
      if (text === null)
        return sendJsonError(res, 413, -32000, `payload too large: the limit is ${options.maxBodyBytes} bytes`, {
          connection: "close",
        });
      // Checked before parsing: deep nesting would overflow the stack of the recursive steps after it.
      if (jsonDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
        return sendJsonError(res, 400, -32600, `invalid request: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return sendJsonError(res, 400, -32700, "parse error: the body is not JSON");
      }
      if (session) return serve(session, req, res, body);
      if (!(await isLegacyRequest(await toWebRequest(req, body), body))) return modernNode(req, res, body);
      if (isInitializeRequest(body)) return openSession(req, res, body);
      return sendJsonError(res, 400, -32000, "bad request: no Mcp-Session-Id; send initialize first");
    },
    async close() {
      clearInterval(sweep);
      for (const id of [...sessions.keys()]) closeSession(id);
      await modern.close().catch(() => undefined);
    },
  };
}
