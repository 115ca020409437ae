/**
 * `fastcontext mcp --http`: Streamable HTTP on plain `node:http` at `/mcp`, with sessions for
 * 2025-era clients and per-request serving for the 2026-07-28 era (routing: http-sessions.ts).
 * In front of it, in this order: path (`/mcp` only, 404), Host header (DNS rebinding, 403),
 * Origin header (403), bearer token (401), declared body size (413; a streamed body is cut off
 * at the same limit). Loopback is the default; binding elsewhere requires a token. Session
 * lifetime, per-client quotas and the JSON depth limit are enforced by the router (http-sessions.ts).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  localhostAllowedHostnames,
  localhostAllowedOrigins,
  validateHostHeader,
  validateOriginHeader,
} from "@modelcontextprotocol/server";
import { ConfigError } from "../../util/errors.js";
import { createLogger } from "../../util/log.js";
import { createHttpRouter, sendJsonError } from "./http-sessions.js";
import { applyIdleSocketPolicy } from "./idle-sockets.js";
import type { McpRuntime } from "./runtime.js";
import { createServerFactory } from "./server.js";

const log = createLogger("mcp.http");

export const MCP_PATH = "/mcp";
export const DEFAULT_HTTP_PORT = 8765;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface HttpServeOptions {
  host: string;
  /** 0 picks a free port (the bound URL is printed on stderr). */
  port: number;
  /** Required bearer token (`Authorization: Bearer …`); required when `host` is not loopback. */
  token?: string;
  /** Extra Host header names to accept (localhost names are accepted when bound to loopback). */
  allowHosts: string[];
  /** Extra Origin host names to accept besides localhost ones. */
  allowOrigins: string[];
  maxBodyBytes: number;
  /** Idle lifetime of a session in ms. Default: config `mcp_session_idle_s` (90 s). */
  sessionIdleMs?: number;
  /** Sessions one client address may hold. Default: config `mcp_sessions_per_client` (32). */
  sessionsPerClient?: number;
}

export interface RunningHttpServer {
  url: string;
  server: http.Server;
  close(): Promise<void>;
}

/** True for names and addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? "");
  if (!match) return false;
  // Compare digests so the comparison is constant-time whatever the lengths.
  const a = createHash("sha256").update(match[1]!).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b);
}

function reject(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  sendJsonError(res, status, -32000, message, { connection: "close", ...headers });
}

/** Start listening; rejects with a ConfigError for an unsafe or unusable binding. */
export async function startMcpHttp(runtime: McpRuntime, options: HttpServeOptions): Promise<RunningHttpServer> {
  const loopback = isLoopbackHost(options.host);
  if (!loopback && !options.token) {
    throw new ConfigError(
      `refusing to serve MCP on non-loopback host ${options.host} without a token: pass --token (or FC_MCP_TOKEN)`,
    );
  }
  // Bound to loopback, only localhost names are legitimate; elsewhere the token is the guard and
  // Host checking applies only to names the user lists.
  const allowedHosts = loopback ? [...localhostAllowedHostnames(), ...options.allowHosts] : options.allowHosts;
  const allowedOrigins = [...localhostAllowedOrigins(), ...options.allowOrigins];
  const idleS = runtime.config.mcp_session_idle_s as number | undefined;
  const perClient = options.sessionsPerClient ?? runtime.config.mcp_sessions_per_client;
  const router = createHttpRouter(createServerFactory(runtime), {
    maxBodyBytes: options.maxBodyBytes,
    ...(options.sessionIdleMs !== undefined ? { sessionIdleMs: options.sessionIdleMs } : {}),
    ...(options.sessionIdleMs === undefined && idleS !== undefined ? { sessionIdleMs: idleS * 1000 } : {}),
    ...(perClient !== undefined ? { sessionsPerClient: perClient } : {}),
  });

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== MCP_PATH && path !== `${MCP_PATH}/`)
      return reject(res, 404, `not found: the MCP endpoint is ${MCP_PATH}`);
    if (allowedHosts.length > 0) {
      const host = validateHostHeader(req.headers.host, allowedHosts);
      if (!host.ok) return reject(res, 403, `forbidden: ${host.message}`);
    }
    const origin = validateOriginHeader(req.headers.origin, allowedOrigins);
    if (!origin.ok) return reject(res, 403, `forbidden: ${origin.message}`);
    if (options.token && !tokenMatches(req.headers.authorization, options.token)) {
      return reject(res, 401, "unauthorized: send Authorization: Bearer <token>", {
        "www-authenticate": 'Bearer realm="fastcontext"',
      });
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (Number.isFinite(declared) && declared > options.maxBodyBytes) {
      return reject(res, 413, `payload too large: the limit is ${options.maxBodyBytes} bytes`);
    }
    router.handle(req, res).catch((error: unknown) => {
      log.warn("unhandled request failure", { error: String(error) });
      if (!res.headersSent) reject(res, 500, "internal error");
      else res.destroy();
    });
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  applyIdleSocketPolicy(server);

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(new ConfigError(`cannot listen on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address() as AddressInfo; // a TCP listen always yields AddressInfo
  const hostPart = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${hostPart}:${address.port}${MCP_PATH}`;
  return {
    url,
    server,
    close: async () => {
      await router.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open SSE streams would hold close() forever.
        server.closeAllConnections();
      });
    },
  };
}
