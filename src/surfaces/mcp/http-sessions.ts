/**
 * Routing of MCP HTTP traffic once the guards have passed. 2025-era clients (every MCP host today)
 * get a session: `initialize` creates a `NodeStreamableHTTPServerTransport` with its own server
 * instance, and later requests carrying `Mcp-Session-Id` reach the same instance. That is what
 * makes cancellation work over HTTP (`notifications/cancelled` arrives as a separate POST and must
 * find the running call) and lets the server ask the client for its roots. 2026-07-28-era
 * requests are self-contained and go to the SDK's per-request handler. Sessions idle for
 * `SESSION_IDLE_MS` are closed; beyond `MAX_SESSIONS` a new `initialize` gets 503.
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

export const SESSION_IDLE_MS = 30 * 60_000;
export const MAX_SESSIONS = 512;

interface Session {
  transport: NodeStreamableHTTPServerTransport;
  server: McpServer | Server;
  lastSeen: number;
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

export function createHttpRouter(factory: McpServerFactory, options: { maxBodyBytes: number }): HttpRouter {
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
  const sweep = setInterval(() => {
    const cutoff = Date.now() - SESSION_IDLE_MS;
    for (const [id, session] of sessions) if (session.lastSeen < cutoff) closeSession(id);
  }, 60_000);
  sweep.unref();

  async function openSession(req: http.IncomingMessage, res: http.ServerResponse, body: unknown): Promise<void> {
    if (sessions.size >= MAX_SESSIONS)
      return sendJsonError(res, 503, -32000, `too many open sessions (${MAX_SESSIONS}); close idle clients and retry`);
    const server = await factory({ era: "legacy" });
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: options.maxBodyBytes,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server, lastSeen: Date.now() });
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
      if (sessionId) {
        const session = sessions.get(sessionId);
        // 404 tells a 2025-era client its session is gone and it must initialize again.
        if (!session) return sendJsonError(res, 404, -32001, "session not found; initialize a new session");
        session.lastSeen = Date.now();
        return session.transport.handleRequest(req, res);
      }
      if (req.method !== "POST") return modernNode(req, res);
      const text = await readBody(req, options.maxBodyBytes);
      if (text === null)
        return sendJsonError(res, 413, -32000, `payload too large: the limit is ${options.maxBodyBytes} bytes`, {
          connection: "close",
        });
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return sendJsonError(res, 400, -32700, "parse error: the body is not JSON");
      }
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
