/**
 * Memory and time bounds of issue 18: oversized model replies and an MCP HTTP session flood, each
 * run through the real CLI in a child process whose peak RSS is its own
 * `process.resourceUsage().maxRSS` at exit (VmHWM polled from /proc for one that crashes first).
 * Ratios are against a reference measured in the same run (a normal two-turn exploration; for MCP,
 * a server that served one client).
 *
 *   node --import tsx bench/oversized-replies.ts [--seconds 10] [--sessions 512] [--uncapped]
 *
 * Cases: 32 MB `content` in one JSON body; 32 MB streamed in 16 KiB deltas; 10 MB of streamed tool
 * arguments; 6 MB of them (under the byte cap, over what max_completion_tokens can carry); an endless fast token stream (ends at max_response_bytes); an endless stream paced at
 * 200 tokens/s for `--seconds` (ends at the deadline); `--sessions` abandoned MCP `initialize`
 * calls, then a new SDK client calls `health`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  type FakeOpenAI,
  generatedSSE,
  rawResponse,
  rawSSE,
  reply,
  type Script,
  startFakeOpenAI,
} from "../test/support/fake-openai-server.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    sessions: { type: "string", default: "512" },
    // Lift the cap to 1 GiB: what the same replies cost without it (the reading path is otherwise the
    // same). The children then get a 1 GiB heap limit so the shared machine is not swamped.
    uncapped: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const SESSIONS = Number(values.sessions);
const MiB = 1024 * 1024;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "bin", "fastcontext.js");
const REPORT_RSS =
  "--import=data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))";

interface Row {
  name: string;
  code: number;
  seconds: number;
  peakMb: number;
  note: string;
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(FC_.*|MODEL|BASE_URL|API_KEY|XDG_CONFIG_HOME|XDG_STATE_HOME)$/.test(k)) out[k] = v;
  out.XDG_CONFIG_HOME = join(home, "config");
  out.XDG_STATE_HOME = join(home, "state");
  out.NODE_OPTIONS = values.uncapped ? `${REPORT_RSS} --max-old-space-size=1024` : REPORT_RSS;
  return { ...out, ...extra };
}

function peakOf(stderr: string): number {
  const peaks = [...stderr.matchAll(/maxrss_kb=(\d+)/g)].map((m) => Number(m[1]));
  return peaks.length > 0 ? Math.max(...peaks) / 1024 : Number.NaN;
}

/** Peak RSS of a live process from /proc (Linux), in MB. */
function highWaterMb(pid: number | undefined): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function lastLine(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() && !l.startsWith("maxrss_kb="));
  return (lines.at(-1) ?? "").replace(/^fastcontext: /, "").slice(0, 90);
}

const home = realpathSync(mkdtempSync(join(tmpdir(), "fc-bench-home-")));
const repo = realpathSync(mkdtempSync(join(tmpdir(), "fc-bench-repo-")));
mkdirSync(join(repo, "src"));
writeFileSync(join(repo, "src", "models.py"), "class User:\n    name = 1\n    email = 2\n");

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "fastcontext-4b",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;

async function explore(server: FakeOpenAI, name: string, scripts: Script[], deadline = 60): Promise<Row> {
  server.enqueue(...scripts);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, "-q", "Where is User defined?", "--repo", repo, "--base-url", server.url, "--deadline", String(deadline)],
    {
      env: env({ FC_MAX_RETRIES: "0", ...(values.uncapped ? { FC_MAX_RESPONSE_BYTES: String(1024 * MiB) } : {}) }),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  // Peak RSS: the child's own maxRSS at exit, or, for a child that crashes or is killed before its
  // exit handler runs, the highest VmHWM polled from /proc every 100 ms. A runaway case is killed.
  let polledMb = Number.NaN;
  const poller = setInterval(() => {
    const mb = highWaterMb(child.pid);
    if (!(mb <= polledMb)) polledMb = mb;
  }, 100);
  let killed = false;
  const killer = setTimeout(
    () => {
      killed = true;
      child.kill("SIGKILL");
    },
    (deadline + 30) * 1000,
  );
  const { code, stderr } = await finished(child);
  clearTimeout(killer);
  clearInterval(poller);
  const reported = peakOf(stderr);
  const crashed = /Reached heap limit|heap out of memory/.test(stderr);
  return {
    name,
    code,
    seconds: (performance.now() - started) / 1000,
    peakMb: Number.isNaN(reported) ? polledMb : reported,
    note: killed
      ? `killed after ${deadline + 30} s (still running)`
      : crashed
        ? "crashed: JavaScript heap out of memory"
        : lastLine(stderr),
  };
}

function finished(child: ChildProcess): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
  child.stdout?.resume();
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, stderr })));
}

async function mcpServer(): Promise<{
  url: string;
  child: ChildProcess;
  done: Promise<{ code: number; stderr: string }>;
}> {
  const child = spawn(process.execPath, [BIN, "mcp", "--http", "--port", "0"], {
    cwd: repo,
    env: env(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const done = finished(child);
  let seen = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (d: Buffer) => {
      seen += d.toString("utf8");
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve(match[1]!);
    });
    child.on("exit", () => reject(new Error(`mcp server exited:\n${seen}`)));
  });
  return { url, child, done };
}

async function healthCall(url: string): Promise<number> {
  const started = performance.now();
  const client = new Client({ name: "bench", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  await client.callTool({ name: "health", arguments: { probe_model: false } });
  await client.close();
  return (performance.now() - started) / 1000;
}

const HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };
async function abandon(url: string, i: number): Promise<number> {
  const response = await fetch(url, {
    method: "POST",
    headers: HEADERS,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: `flood-${i}`, version: "1" } },
    }),
  });
  await response.text();
  return response.status;
}

async function mcpCase(sessions: number): Promise<Row> {
  const server = await mcpServer();
  const started = performance.now();
  let refused = 0;
  for (let start = 0; start < sessions; start += 32) {
    const batch = Array.from({ length: Math.min(32, sessions - start) }, (_, k) => abandon(server.url, start + k));
    refused += (await Promise.all(batch)).filter((status) => status !== 200).length;
  }
  const flooded = (performance.now() - started) / 1000;
  let note: string;
  try {
    note = `flood ${flooded.toFixed(1)} s (${refused} refused); new client health in ${(await healthCall(server.url)).toFixed(2)} s`;
  } catch (error) {
    note = `new client FAILED: ${String(error).slice(0, 60)}`;
  }
  server.child.kill("SIGTERM");
  const { code, stderr } = await server.done;
  return {
    name: `${sessions} idle MCP sessions, then a new client`,
    code,
    seconds: (performance.now() - started) / 1000,
    peakMb: peakOf(stderr),
    note,
  };
}

async function mcpReference(): Promise<Row> {
  const server = await mcpServer();
  const started = performance.now();
  const seconds = await healthCall(server.url);
  server.child.kill("SIGTERM");
  const { code, stderr } = await server.done;
  return {
    name: "reference: MCP server, one client",
    code,
    seconds: (performance.now() - started) / 1000,
    peakMb: peakOf(stderr),
    note: `health in ${seconds.toFixed(2)} s`,
  };
}

let cliReference: Row | undefined;
let mcpReferenceRow: Row | undefined;
function print(row: Row): void {
  const ref = row.name.includes("MCP") ? mcpReferenceRow : cliReference;
  const ratio = ref ? `${(row.peakMb / ref.peakMb).toFixed(2)}x` : "";
  console.log(
    `| ${row.name} | ${row.code} | ${row.seconds.toFixed(1)} s | ${row.peakMb.toFixed(0)} MB | ${ratio} | ${row.note.replace(/\|/g, "/")} |`,
  );
}

async function main(): Promise<void> {
  console.log(
    `fastcontext oversized-replies bench${values.uncapped ? " (max_response_bytes lifted to 1 GiB, 1 GiB heap)" : ""} · Node ${process.version} · ${cpus().length} cores · ${new Date().toISOString()}`,
  );
  console.log("| case | exit | time | peak RSS | RSS vs reference | what it said (last stderr line) |");
  console.log("|---|---|---|---|---|---|");
  const server = await startFakeOpenAI({ models: [{ id: "fastcontext-4b", max_model_len: 32768 }] });
  try {
    const cite = `${join(repo, "src", "models.py")}:1-3 (User)`;
    cliReference = await explore(server, "reference: normal 2-turn exploration", [
      reply().toolCall("Read", { path: join(repo, "src", "models.py") }),
      reply().content(`<final_answer>\n${cite}\n</final_answer>`),
    ]);
    print(cliReference);
    const json = JSON.stringify({
      choices: [{ index: 0, message: { role: "assistant", content: "a".repeat(32 * MiB) }, finish_reason: "stop" }],
    });
    print(
      await explore(server, "32 MB content, one JSON body", [
        rawResponse(200, json, { "content-type": "application/json" }),
      ]),
    );
    const piece = "b".repeat(16 * 1024);
    print(
      await explore(server, "32 MB content, streamed", [
        generatedSSE((i) => (i < 2048 ? chunk({ content: piece }) : `${chunk({}, "stop")}data: [DONE]\n\n`), {
          count: 2049,
        }),
      ]),
    );
    const args = JSON.stringify({ path: "x".repeat(10 * MiB) });
    const pieces = [chunk({ role: "assistant", tool_calls: [{ index: 0, id: "t1", function: { name: "Read" } }] })];
    for (let at = 0; at < args.length; at += 16 * 1024)
      pieces.push(chunk({ tool_calls: [{ index: 0, function: { arguments: args.slice(at, at + 16 * 1024) } }] }));
    pieces.push(chunk({}, "tool_calls"), "data: [DONE]\n\n");
    print(await explore(server, "10 MB tool arguments, streamed", [rawSSE(pieces)]));
    const six = JSON.stringify({ path: "x".repeat(6 * MiB) });
    const sixPieces = [chunk({ role: "assistant", tool_calls: [{ index: 0, id: "t1", function: { name: "Read" } }] })];
    for (let at = 0; at < six.length; at += 16 * 1024)
      sixPieces.push(chunk({ tool_calls: [{ index: 0, function: { arguments: six.slice(at, at + 16 * 1024) } }] }));
    sixPieces.push(chunk({}, "tool_calls"), "data: [DONE]\n\n");
    print(await explore(server, "6 MB tool arguments (under the byte cap)", [rawSSE(sixPieces)]));
    print(
      await explore(server, "endless token stream, full speed", [generatedSSE((i) => chunk({ content: ` tok${i}` }))]),
    );
    print(
      await explore(
        server,
        `endless token stream, 200 tok/s for ${SECONDS} s`,
        // The deadline cuts the stream; the loop's one tools-free final turn gets a short reply.
        [generatedSSE((i) => chunk({ content: ` tok${i}` }), { delayMs: 5 }), reply().content("No answer.")],
        SECONDS,
      ),
    );
  } finally {
    await server.close();
  }
  if (values.uncapped) return;
  mcpReferenceRow = await mcpReference();
  print(mcpReferenceRow);
  print(await mcpCase(SESSIONS));
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    rmSync(home, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  });
