/**
 * The `health` tool: what the server would use for an exploration — the endpoint and model (with
 * a short live probe of `GET /models`), the ripgrep binary, whether the embedded explorer is in
 * use, the allowed roots and the concurrency state. It never fails: problems are reported as
 * fields (`reachable: false`, `error`), so a client can show them.
 */
import type { CallToolResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import { listModels } from "../../llm/models.js";
import { locateRipgrep } from "../../tools/grep/ripgrep.js";
import { errorMessage } from "../../util/errors.js";
import { VERSION } from "../../version.js";
import { defaultRepo, effectiveRoots } from "./allowlist.js";
import type { CallEnvironment } from "./explore-tool.js";
import type { McpRuntime } from "./runtime.js";
import { HealthInput, HealthOutput, type HealthStructured } from "./schemas.js";

/** How long the endpoint probe may take. */
const PROBE_TIMEOUT_MS = 3000;

async function probeEndpoint(
  runtime: McpRuntime,
  probe: boolean,
  signal: AbortSignal,
): Promise<HealthStructured["endpoint"]> {
  const { base_url: baseUrl, api_key: apiKey, model } = runtime.config;
  if (!baseUrl) return { base_url: null, model: model ?? null, reachable: null, served: [] };
  if (!probe) return { base_url: baseUrl, model: model ?? null, reachable: null, served: [] };
  try {
    const served = await listModels(baseUrl, apiKey, { signal, timeoutMs: PROBE_TIMEOUT_MS });
    const chosen = model ?? (served.length === 1 ? served[0]! : null);
    const missing =
      model && !served.includes(model)
        ? `the endpoint does not list the configured model "${model}" (it serves: ${served.join(", ") || "nothing"})`
        : undefined;
    return { base_url: baseUrl, model: chosen, reachable: true, served, ...(missing ? { error: missing } : {}) };
  } catch (error) {
    return { base_url: baseUrl, model: model ?? null, reachable: false, served: [], error: errorMessage(error) };
  }
}

/** Collect the health report (exported for tests). */
export async function healthReport(
  runtime: McpRuntime,
  env: CallEnvironment,
  ctx: ServerContext,
  probe: boolean,
): Promise<HealthStructured> {
  const clientRoots = await env.clientRoots(ctx);
  const [endpoint, rg] = await Promise.all([probeEndpoint(runtime, probe, ctx.mcpReq.signal), locateRipgrep()]);
  const forced = runtime.config.grep_engine === "fallback";
  return {
    version: VERSION,
    transport: runtime.transport,
    policy: runtime.policy,
    embedded: runtime.policy === "embedded",
    fallback: runtime.policy === "model" && runtime.config.fallback,
    endpoint,
    ripgrep: { path: rg?.path ?? null, version: rg?.version ?? null, engine: rg && !forced ? "ripgrep" : "fallback" },
    allowed_roots: effectiveRoots(runtime.allowlist, clientRoots),
    default_repo: defaultRepo(runtime.allowlist, clientRoots),
    concurrency: { limit: runtime.limiter.limit, running: runtime.limiter.running },
  };
}

function renderHealth(h: HealthStructured): string {
  const endpoint = h.endpoint.base_url
    ? `${h.endpoint.base_url} (${h.endpoint.reachable === null ? "not probed" : h.endpoint.reachable ? "reachable" : "UNREACHABLE"}${h.endpoint.model ? `, model ${h.endpoint.model}` : ""})${h.endpoint.error ? `: ${h.endpoint.error}` : ""}`
    : "none configured";
  return [
    `fastcontext ${h.version} over ${h.transport}`,
    `explorer: ${h.embedded ? "embedded (no model)" : `model${h.fallback ? " with embedded fallback" : ""}`}`,
    `endpoint: ${endpoint}`,
    `grep: ${h.ripgrep.engine}${h.ripgrep.path ? ` (${h.ripgrep.path}, ripgrep ${h.ripgrep.version})` : ""}`,
    `allowed roots: ${h.allowed_roots.join(", ")}`,
    `default repository: ${h.default_repo ?? "none"}`,
    `explorations: ${h.concurrency.running} running, limit ${h.concurrency.limit}`,
  ].join("\n");
}

/** Register `health` on one server instance. */
export function registerHealthTool(server: McpServer, runtime: McpRuntime, env: CallEnvironment): void {
  server.registerTool(
    "health",
    {
      title: "fastcontext health",
      description:
        "Report the model endpoint (with a quick reachability probe), the model, the ripgrep binary, whether the embedded explorer is in use, the allowed roots and the concurrency state.",
      inputSchema: HealthInput,
      outputSchema: HealthOutput,
      annotations: {
        title: "fastcontext health",
        readOnlyHint: true,
        idempotentHint: true,
        destructiveHint: false,
        openWorldHint: false,
      },
    },
    async (args, ctx): Promise<CallToolResult> => {
      const report = await healthReport(runtime, env, ctx, args.probe_model !== false);
      return { content: [{ type: "text", text: renderHealth(report) }], structuredContent: report };
    },
  );
}
