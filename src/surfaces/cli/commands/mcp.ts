/**
 * `fastcontext mcp [--http]`: serve the `explore` and `health` tools over MCP — stdio by default
 * (what coding agents launch), Streamable HTTP with `--http`. Configuration is loaded once at
 * start (same layers as the CLI); the allowlist, concurrency cap and HTTP guards are set here.
 * Only MCP frames go to stdout; the startup line and every diagnostic go to stderr.
 */
import type { Command } from "commander";
import { loadConfig } from "../../../config/load.js";
import type { ConfigKey } from "../../../config/schema.js";
import { createExplorer, resolvePolicy } from "../../../explore/factory.js";
import { useMemoryIndexCache } from "../../../index-cache/install.js";
import { ConfigError } from "../../../util/errors.js";
import { createLogger } from "../../../util/log.js";
import { type CliContext, collect, intFlag, numberFlag } from "../../../util/subcommand.js";
import { createAllowlist } from "../../mcp/allowlist.js";
import { DEFAULT_HTTP_PORT, DEFAULT_MAX_BODY_BYTES, startMcpHttp } from "../../mcp/http.js";
import { ExploreLimiter } from "../../mcp/limiter.js";
import type { McpRuntime } from "../../mcp/runtime.js";
import { serveMcpStdio } from "../../mcp/stdio.js";

const log = createLogger("mcp");

export const DEFAULT_MAX_CONCURRENT = 4;

interface McpFlags {
  http?: boolean;
  host: string;
  port?: string;
  token?: string;
  allowRoot?: string[];
  allowOrigin?: string[];
  allowHost?: string[];
  maxConcurrent?: string;
  maxBody?: string;
  heartbeatMs?: string;
  policy?: string;
  baseUrl?: string;
  model?: string;
  apiKey?: string;
  profile?: string;
  maxTurns?: string;
  deadline?: string;
  fallback?: boolean;
  config?: string;
}

/**
 * Keep serving when something throws outside a request handler: one broken exploration must not
 * take the agent's tool away mid-session. The error is logged on stderr with its stack.
 */
function installCrashGuards(): () => void {
  const onError = (error: unknown) =>
    log.error("uncaught error (the server keeps running)", {
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return () => {
    process.off("uncaughtException", onError);
    process.off("unhandledRejection", onError);
  };
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
}

async function runMcp(flags: McpFlags): Promise<void> {
  const env = process.env;
  const configFlags: Partial<Record<ConfigKey, unknown>> = {
    base_url: flags.baseUrl,
    model: flags.model,
    api_key: flags.apiKey,
    profile: flags.profile,
    max_turns: numberFlag("--max-turns", flags.maxTurns),
    deadline_s: numberFlag("--deadline", flags.deadline),
    fallback: flags.fallback,
  };
  const { config } = loadConfig({ flags: configFlags, ...(flags.config ? { configFile: flags.config } : {}) });
  const policy = resolvePolicy(config, flags.policy);
  // config.allowed_roots includes FC_ALLOWED_ROOTS (the environment layer) and the user config.
  const allowlist = createAllowlist([...(flags.allowRoot ?? []), ...config.allowed_roots]);
  for (const missing of allowlist.missing)
    process.stderr.write(`fastcontext mcp: warning: allowed root ${missing} does not exist; ignored\n`);
  if (allowlist.missing.length > 0 && allowlist.configured.length === 0)
    throw new ConfigError("none of the allowed roots exists");
  const controller = new AbortController();
  // Explorations of one repository reuse its listing while the tree is unchanged.
  useMemoryIndexCache();
  const runtime: McpRuntime = {
    config,
    policy,
    allowlist,
    limiter: new ExploreLimiter(
      intFlag("--max-concurrent", flags.maxConcurrent ?? env.FC_MCP_MAX_CONCURRENT, DEFAULT_MAX_CONCURRENT, 1),
    ),
    transport: flags.http ? "http" : "stdio",
    shutdown: controller.signal,
    heartbeatMs: intFlag("--heartbeat-ms", flags.heartbeatMs, 2000, 100),
    makeExplorer: (c, p) => createExplorer(c, p),
  };
  const roots =
    allowlist.configured.length > 0 ? allowlist.configured.join(", ") : `${allowlist.cwd} and the client's roots`;
  const explorer =
    policy === "embedded"
      ? "embedded (no model)"
      : `model at ${config.base_url}${config.model ? ` (${config.model})` : ""}`;
  const uninstall = installCrashGuards();
  try {
    if (!flags.http) {
      process.stderr.write(
        `fastcontext mcp: serving over stdio; explorer: ${explorer}; allowed roots: ${roots}; max ${runtime.limiter.limit} concurrent explorations\n`,
      );
      await serveMcpStdio(runtime, () => controller.abort());
      return;
    }
    const token = flags.token ?? (env.FC_MCP_TOKEN || undefined);
    const running = await startMcpHttp(runtime, {
      host: flags.host,
      port: intFlag("--port", flags.port, DEFAULT_HTTP_PORT, 0),
      ...(token ? { token } : {}),
      allowHosts: flags.allowHost ?? [],
      allowOrigins: flags.allowOrigin ?? [],
      maxBodyBytes: intFlag("--max-body", flags.maxBody, DEFAULT_MAX_BODY_BYTES, 1024),
    });
    process.stderr.write(
      `fastcontext mcp: listening on ${running.url} (${token ? "bearer token required" : "no token"}); explorer: ${explorer}; allowed roots: ${roots}; max ${runtime.limiter.limit} concurrent explorations\n`,
    );
    await waitForSignal();
    controller.abort();
    await running.close();
  } finally {
    uninstall();
    // Safety net: whatever handle is left (a stuck child, a socket), a stopped server must exit.
    setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
  }
}

export function registerMcpCommand(program: Command, _ctx: CliContext): void {
  program
    .command("mcp")
    .description("Serve the explore and health tools over MCP (stdio by default, Streamable HTTP with --http)")
    .option("--http", "serve Streamable HTTP instead of stdio (endpoint /mcp; sessions for 2025-era clients)")
    .option("--host <host>", "HTTP: interface to bind (a non-loopback host requires --token)", "127.0.0.1")
    .option("--port <n>", `HTTP: port (0 = any free port; default ${DEFAULT_HTTP_PORT})`)
    .option("--token <token>", "HTTP: require Authorization: Bearer <token> (or FC_MCP_TOKEN)")
    .option(
      "--allow-root <dir>",
      "a directory tree the server may explore (repeatable; or FC_ALLOWED_ROOTS; default: the cwd and the client's roots)",
      collect,
    )
    .option("--allow-origin <host>", "HTTP: accept this Origin host besides localhost (repeatable)", collect)
    .option("--allow-host <host>", "HTTP: accept this Host header name (repeatable)", collect)
    .option(
      "--max-concurrent <n>",
      `explorations at once; more get a "busy" answer (default ${DEFAULT_MAX_CONCURRENT}; or FC_MCP_MAX_CONCURRENT)`,
    )
    .option("--max-body <bytes>", `HTTP: largest request body (default ${DEFAULT_MAX_BODY_BYTES})`)
    .option("--heartbeat-ms <ms>", "longest gap between two progress notifications (default 2000)")
    .option("--policy <policy>", "auto | model | embedded (auto: the model when a base URL is configured)")
    .option("--base-url <url>", "OpenAI-compatible endpoint of the model server")
    .option("--model <id>", "model id")
    .option("--api-key <key>", "API key for the endpoint")
    .option("--profile <name>", "model profile")
    .option("--max-turns <n>", "default maximum turns of an exploration")
    .option("--deadline <seconds>", "wall-clock limit of one exploration")
    .option("--fallback", "answer with the embedded explorer when the model's answer is empty")
    .option("--config <file>", "config file to use instead of the discovered ones")
    .action((flags: McpFlags) => runMcp(flags));
}
