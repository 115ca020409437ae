/**
 * The server factory both transports use: one `McpServer` with the `explore` and `health` tools per
 * stdio connection, HTTP session or 2026-era HTTP request, all sharing one runtime. On a 2025-era
 * connection whose client declared the `roots` capability, the client's workspace roots are asked
 * for (within the call, so the request travels on the call's own stream), cached, refreshed on
 * `notifications/roots/list_changed`, and used as the default repository and, without an explicit
 * allowlist, as allowed roots. The 2026-07-28 era has no server→client request channel (roots are
 * deprecated there), so `repo_path` or the server's defaults apply.
 */
import { type McpRequestContext, McpServer, type McpServerFactory } from "@modelcontextprotocol/server";
import { listCorpora } from "../../corpus/paths.js";
import { createLogger } from "../../util/log.js";
import { VERSION } from "../../version.js";
import { rootUriToPath } from "./allowlist.js";
import { registerCorpusTool } from "./corpus-tool.js";
import { type CallEnvironment, registerExploreTool } from "./explore-tool.js";
import { registerHealthTool } from "./health-tool.js";
import { type McpRuntime, SERVER_INSTRUCTIONS } from "./runtime.js";

const log = createLogger("mcp.server");

/** How long a `roots/list` request may take before the call goes on without roots. */
const ROOTS_TIMEOUT_MS = 3000;

/** Roots of one connection, fetched lazily and cached until the client says they changed. */
function createRootsProvider(server: McpServer, era: McpRequestContext["era"]): CallEnvironment["clientRoots"] {
  let cached: Promise<string[]> | undefined;
  server.server.setNotificationHandler("notifications/roots/list_changed", () => {
    cached = undefined;
  });
  return async (ctx) => {
    if (era !== "legacy") return [];
    if (!server.server.getClientCapabilities()?.roots) return [];
    cached ??= ctx.mcpReq
      .send({ method: "roots/list" }, { timeout: ROOTS_TIMEOUT_MS })
      .then((result) =>
        result.roots.map((root) => rootUriToPath(root.uri)).filter((path): path is string => path !== null),
      )
      .catch((error: unknown) => {
        // Remembered until the client announces a change: retrying would cost every call a timeout.
        log.warn("could not list the client's roots; using the server's defaults", { error: String(error) });
        return [];
      });
    return cached;
  };
}

/** The factory handed to `serveStdio`, the HTTP session router and `createMcpHandler`. */
export function createServerFactory(runtime: McpRuntime): McpServerFactory {
  return (ctx: McpRequestContext) => {
    const server = new McpServer(
      { name: "fastcontext", title: "fastcontext", version: VERSION },
      { capabilities: { tools: {} }, instructions: SERVER_INSTRUCTIONS },
    );
    // An HTTP request's signal aborts when the client disconnects before the answer.
    const signals = ctx.requestInfo?.signal ? [ctx.requestInfo.signal] : [];
    const env: CallEnvironment = { clientRoots: createRootsProvider(server, ctx.era), signals };
    registerExploreTool(server, runtime, env);
    registerHealthTool(server, runtime, env);
    // Only where a corpus exists: a tool that can only fail is noise in every main agent's tool list.
    const corpora = listCorpora();
    if (corpora.length > 0) registerCorpusTool(server, runtime, corpora);
    return server;
  };
}
