/**
 * Drives `fastcontext mcp` the way a real MCP client does: the built CLI is spawned
 * (`node bin/fastcontext.js mcp …`) and the SDK's own client connects over stdio or Streamable
 * HTTP. The environment is isolated from the developer's FC_* variables and config files.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Client, type ClientCapabilities, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { type TmpRepo, tmpRepo } from "../support/tmp-repo.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(ROOT, "bin", "fastcontext.js");

const LEAKY = /^(FC_.*|MODEL|BASE_URL|API_KEY|XDG_CONFIG_HOME|XDG_STATE_HOME|XDG_CACHE_HOME)$/;
let home: string | undefined;
process.on("exit", () => {
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The current environment minus FC_* and friends, with an empty XDG home, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  home ??= realpathSync(mkdtempSync(join(tmpdir(), "fc-mcp-home-")));
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !LEAKY.test(k)) env[k] = v;
  env.XDG_CONFIG_HOME = join(home, "config");
  env.XDG_STATE_HOME = join(home, "state");
  env.XDG_CACHE_HOME = join(home, "cache");
  return { ...env, ...extra };
}

/** A stdio connection to a spawned server. */
export interface StdioSession {
  client: Client;
  pid: number;
  stderr(): string;
  close(): Promise<void>;
}

export async function connectStdio(options: {
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
  capabilities?: ClientCapabilities;
  roots?: string[];
}): Promise<StdioSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, "mcp", ...(options.args ?? [])],
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  const client = new Client(
    { name: "fastcontext-test", version: "1.0.0" },
    options.roots ? { capabilities: { roots: { listChanged: true } } } : {},
  );
  if (options.roots) {
    const roots = options.roots;
    client.setRequestHandler("roots/list", async () => ({
      roots: roots.map((r, i) => ({ uri: `file://${r}`, name: `root${i}` })),
    }));
  }
  await client.connect(transport);
  const pid = transport.pid;
  if (pid === null) throw new Error("the server process has no pid");
  return { client, pid, stderr: () => stderr, close: () => client.close() };
}

/** A spawned HTTP server (its URL read from the startup line on stderr). */
export interface HttpServerProcess {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

export function startHttpServer(options: {
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
}): Promise<HttpServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "mcp", "--http", "--port", "0", ...(options.args ?? [])], {
      cwd: options.cwd,
      env: cleanEnv(options.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the HTTP server did not start:\n${stderr}`));
    }, 20_000);
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        child,
        stderr: () => stderr,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the HTTP server exited with ${code}:\n${stderr}`));
    });
  });
}

export async function connectHttp(url: string, token?: string, roots?: string[]): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {},
  );
  const client = new Client(
    { name: "fastcontext-test", version: "1.0.0" },
    roots ? { capabilities: { roots: { listChanged: true } } } : {},
  );
  if (roots)
    client.setRequestHandler("roots/list", async () => ({
      roots: roots.map((r, i) => ({ uri: `file://${r}`, name: `root${i}` })),
    }));
  await client.connect(transport);
  return client;
}

/** Direct children of `pid` with their command names (Linux /proc). */
export function childProcesses(pid: number): Array<{ pid: number; comm: string }> {
  const out: Array<{ pid: number; comm: string }> = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the parenthesised command name: state, ppid, …
      const close = stat.lastIndexOf(")");
      const comm = stat.slice(stat.indexOf("(") + 1, close);
      const ppid = Number(stat.slice(close + 2).split(" ")[1]);
      if (ppid === pid) out.push({ pid: Number(entry), comm });
    } catch {
      // The process exited while we looked.
    }
  }
  return out;
}

/** Wait until `predicate` holds, polling every 20 ms. */
export async function waitFor(predicate: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A small TypeScript project the explorers can answer questions about. */
export function demoRepo(prefix = "fc-mcp-"): Promise<TmpRepo> {
  return tmpRepo({
    git: true,
    commit: true,
    prefix,
    files: {
      "src/config.ts": [
        'import { readFileSync } from "node:fs";',
        "",
        "export function parseConfig(text: string): Record<string, unknown> {",
        "  return JSON.parse(text) as Record<string, unknown>;",
        "}",
        "",
        "export function loadConfig(path: string): Record<string, unknown> {",
        '  return parseConfig(readFileSync(path, "utf8"));',
        "}",
        "",
      ].join("\n"),
      "src/main.ts": [
        'import { loadConfig } from "./config";',
        "",
        "export function main(): void {",
        '  const config = loadConfig("app.json");',
        "  console.log(config);",
        "}",
        "",
      ].join("\n"),
      "src/retry.ts": [
        "export function retryDelay(attempt: number): number {",
        "  return Math.min(30_000, 250 * 2 ** attempt);",
        "}",
        "",
      ].join("\n"),
      "README.md": "# demo\n",
    },
  });
}
