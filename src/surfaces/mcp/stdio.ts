/**
 * `fastcontext mcp` over stdio: newline-delimited JSON-RPC on stdin/stdout through the SDK's
 * `serveStdio` (which serves both the 2025 handshake and the 2026-07-28 era). stdout carries MCP
 * frames only; every diagnostic goes to stderr. Resolves when the client closes stdin or the
 * process is asked to stop; running explorations are aborted then.
 */
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { createLogger } from "../../util/log.js";
import type { McpRuntime } from "./runtime.js";
import { createServerFactory } from "./server.js";

const log = createLogger("mcp.stdio");

/** Serve until stdin ends or SIGINT/SIGTERM; `stop` aborts the runtime's shutdown signal. */
export async function serveMcpStdio(runtime: McpRuntime, stop: () => void): Promise<void> {
  const handle = serveStdio(createServerFactory(runtime), {
    onerror: (error) => log.warn("stdio transport error", { error: error.message }),
  });
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdin.off("end", done);
      process.stdin.off("close", done);
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.stdin.once("end", done);
    process.stdin.once("close", done);
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  stop();
  await handle.close().catch((error: unknown) => log.debug("close failed", { error: String(error) }));
}
