/**
 * Benchmark: the HTTP MCP server under many users. Starts `fastcontext mcp --http` (embedded
 * explorer, the in-memory warm index) as a child process and talks to it with the official MCP SDK
 * client, as a coding agent does.
 *
 *   node --import tsx bench/mcp-concurrency.ts burst  [--tree DIR] [--clients 64]
 *   node --import tsx bench/mcp-concurrency.ts soak   [--repos 20] [--calls 1000] [--parallel 4]
 *
 * burst: `--clients` explorations at once on one tree (distinct questions); errors, p50/p95/max
 *   latency, the server's peak RSS (VmHWM from /proc).
 * soak: `--calls` explorations spread over `--repos` generated repositories (200 files each, under
 *   /tmp/fc-soak), `--parallel` at a time; the server's RSS after each tenth of the calls, to show
 *   whether it stays bounded.
 * BENCH_SERVER_ENV="K=V,K=V" sets variables in the server's environment (it starts without any FC_*).
 * BENCH_SERVER_LOG=1 copies the server's stderr (its warnings) to this process's stderr, timestamped.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";

const argv = process.argv.slice(2);
const mode = argv[0] ?? "burst";
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (argv[i + 1] ?? fallback);
};
const BIN = join(import.meta.dirname, "..", "bin", "fastcontext.js");

const QUESTIONS = [
  "where is the retry backoff computed for a failed request?",
  "which function parses the command line arguments?",
  "where are connection errors turned into exceptions?",
  "how is the session timeout configured?",
  "where is the handler for a request with a retry budget?",
  "which code raises RuntimeError gave up?",
  "where is compute_backoff defined?",
  "what imports helper functions from other packages?",
];

interface Server {
  url: string;
  pid: number;
  stop(): void;
}

function startServer(roots: string[], maxConcurrent: number): Promise<Server> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !/^(FC_|MODEL$|BASE_URL$|API_KEY$)/.test(k)) env[k] = v;
  // For A/B runs: BENCH_SERVER_ENV="FC_TERM_INDEX=off,FC_SEARCH_MEMO=off" reaches the server.
  for (const pair of (process.env.BENCH_SERVER_ENV ?? "").split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq > 0) env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const args = [BIN, "mcp", "--http", "--port", "0", "--max-concurrent", String(maxConcurrent)];
  for (const r of roots) args.push("--allow-root", r);
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (process.env.BENCH_SERVER_LOG) process.stderr.write(`[server ${new Date().toISOString()}] ${d.toString()}`);
      if (m) resolve({ url: m[1]!, pid: child.pid!, stop: () => child.kill("SIGTERM") });
    });
    child.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
}

function rssMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function connect(url: string): Promise<Client> {
  const client = new Client({ name: "fastcontext-bench", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

async function explore(url: string, repo: string, query: string): Promise<{ ms: number; error?: string }> {
  const started = performance.now();
  let client: Client | undefined;
  try {
    client = await connect(url);
    const r = await client.callTool(
      { name: "explore", arguments: { query, repo_path: repo } },
      { timeout: 600_000, resetTimeoutOnProgress: true },
    );
    const ms = performance.now() - started;
    return r.isError ? { ms, error: JSON.stringify(r.content).slice(0, 200) } : { ms };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      ms: performance.now() - started,
      error: `${String(error).slice(0, 200)} cause=${String(cause)} after ${Math.round(performance.now() - started)} ms`,
    };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function burst(): Promise<void> {
  const tree = opt("tree", "/tmp/fc-synth-2000-20");
  const clients = Number(opt("clients", "64"));
  const server = await startServer([tree], clients);
  try {
    await explore(server.url, tree, QUESTIONS[0]!); // one warm-up call lists the tree
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: clients }, (_, i) => explore(server.url, tree, QUESTIONS[i % QUESTIONS.length]!)),
    );
    const wall = performance.now() - started;
    const errors = results.filter((r) => r.error);
    const ms = results.map((r) => r.ms);
    console.log(
      `tree ${tree}; ${clients} concurrent explorations over HTTP: ${errors.length} errors; wall ${(wall / 1000).toFixed(1)} s; ` +
        `latency p50 ${(pct(ms, 0.5) / 1000).toFixed(1)} s, p95 ${(pct(ms, 0.95) / 1000).toFixed(1)} s, max ${(Math.max(...ms) / 1000).toFixed(1)} s; ` +
        `server peak RSS ${rssMb(server.pid, "VmHWM")} MB`,
    );
    for (const e of errors.slice(0, 3)) console.log(`error: ${e.error}`);
  } finally {
    server.stop();
  }
}

function soakRepo(i: number): string {
  const root = `/tmp/fc-soak/repo${i}`;
  if (existsSync(join(root, ".built"))) return root;
  for (let f = 0; f < 200; f++) {
    const dir = join(root, `pkg${f % 10}`);
    mkdirSync(dir, { recursive: true });
    const body = Array.from(
      { length: 40 },
      (_, k) => `def handler_${i}_${f}_${k}(request):\n    return compute_backoff(request, ${k})\n`,
    );
    writeFileSync(join(dir, `mod${f}.py`), `import os\n\n${body.join("\n")}`);
  }
  writeFileSync(join(root, ".built"), "");
  return root;
}

async function soak(): Promise<void> {
  const repos = Array.from({ length: Number(opt("repos", "20")) }, (_, i) => soakRepo(i));
  const calls = Number(opt("calls", "1000"));
  const parallel = Number(opt("parallel", "4"));
  const server = await startServer(repos, parallel);
  const samples: string[] = [];
  let errors = 0;
  let done = 0;
  try {
    let next = 0;
    const worker = async () => {
      while (next < calls) {
        const i = next++;
        const r = await explore(server.url, repos[i % repos.length]!, QUESTIONS[i % QUESTIONS.length]!);
        if (r.error) errors++;
        done++;
        if (done % Math.max(1, Math.floor(calls / 10)) === 0) samples.push(`${done}: ${rssMb(server.pid, "VmRSS")} MB`);
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    console.log(
      `${calls} explorations over ${repos.length} repositories, ${parallel} at a time: ${errors} errors; server RSS after n calls: ${samples.join(", ")}; peak ${rssMb(server.pid, "VmHWM")} MB`,
    );
  } finally {
    server.stop();
  }
}

if (mode === "burst") await burst();
else if (mode === "soak") await soak();
else throw new Error(`unknown mode ${mode}: burst or soak`);
process.exit(0);
