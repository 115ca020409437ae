/**
 * A metering proxy in front of an OpenAI-compatible endpoint, so any agent — ours or a real CLI —
 * can be measured the same way: from the server's own `usage`, not from a tokenizer guess.
 *
 * Every meter has its own base URL, `http://127.0.0.1:PORT/m/<meter>`, which stands for the
 * upstream base URL (the one that ends in `/v1`): `…/m/<meter>/chat/completions` is forwarded to
 * `<upstream>/chat/completions`, headers and body unchanged except for one thing: a streamed chat
 * completion that did not ask for usage gets `stream_options.include_usage = true` (vLLM, SGLang
 * and llama.cpp then send a final usage chunk). Responses pass through as they arrive.
 *
 * Usage is read from JSON bodies (`usage.prompt_tokens/completion_tokens`, or the Responses API's
 * `input_tokens/output_tokens`) and from SSE (`usage` on a chunk, or `response.usage` on a
 * `response.completed` event). A reply with no usage is counted in `missingUsage`: reported, never
 * guessed. Listens on 127.0.0.1 only.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface MeterCounts {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  /** Replies (2xx) that carried no usage. */
  missingUsage: number;
  /** Replies with an HTTP error status, or forwarding failures. */
  errors: number;
  /** Time spent waiting for the upstream, summed over requests. */
  ms: number;
}

export interface MeteringProxy {
  /** Base URL for a meter (created on first use). */
  baseUrl(meter: string): string;
  counts(meter: string): MeterCounts;
  close(): Promise<void>;
}

/** Largest SSE line or JSON body scanned for usage; longer ones pass through unscanned. */
const MAX_SCAN_BYTES = 8 * 1024 * 1024;

function emptyCounts(): MeterCounts {
  return { requests: 0, promptTokens: 0, completionTokens: 0, missingUsage: 0, errors: 0, ms: 0 };
}

export interface Usage {
  prompt: number;
  completion: number;
}

/** Usage from a parsed JSON object (a completion, a chunk, or a Responses API event), if it has one. */
export function usageOf(value: unknown): Usage | null {
  if (!value || typeof value !== "object") return null;
  const record = value as Record<string, unknown>;
  const direct = record.usage;
  if (direct && typeof direct === "object") {
    const u = direct as Record<string, unknown>;
    const prompt = num(u.prompt_tokens) ?? num(u.input_tokens);
    const completion = num(u.completion_tokens) ?? num(u.output_tokens);
    if (prompt !== undefined || completion !== undefined) return { prompt: prompt ?? 0, completion: completion ?? 0 };
  }
  if (record.response && typeof record.response === "object") return usageOf(record.response);
  return null;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Scans an SSE byte stream line by line and keeps the last usage seen. */
class SseUsageScanner {
  private pending = "";
  last: Usage | null = null;

  push(text: string): void {
    this.pending += text;
    let newline = this.pending.indexOf("\n");
    while (newline !== -1) {
      this.line(this.pending.slice(0, newline));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf("\n");
    }
    // A line longer than the scan limit is not usage; drop it rather than grow without bound.
    if (this.pending.length > MAX_SCAN_BYTES) this.pending = "";
  }

  end(): void {
    if (this.pending) this.line(this.pending);
    this.pending = "";
  }

  private line(raw: string): void {
    const line = raw.replace(/\r$/, "");
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (!data || data === "[DONE]" || !data.includes("_tokens")) return;
    try {
      const usage = usageOf(JSON.parse(data));
      if (usage) this.last = usage;
    } catch {
      // Not JSON: passes through, counts nothing.
    }
  }
}

/** Add `stream_options.include_usage` to a streamed chat completion request that lacks it. */
export function withUsageRequested(path: string, body: Buffer): Buffer {
  if (!path.endsWith("/chat/completions") || body.length === 0 || body.length > MAX_SCAN_BYTES) return body;
  try {
    const parsed = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    if (parsed.stream !== true) return body;
    const options = (parsed.stream_options ?? {}) as Record<string, unknown>;
    if (options.include_usage === true) return body;
    parsed.stream_options = { ...options, include_usage: true };
    return Buffer.from(JSON.stringify(parsed));
  } catch {
    return body;
  }
}

/** Start the proxy for `upstream` (an OpenAI-compatible base URL, usually ending in `/v1`). */
export async function startMeteringProxy(upstream: string): Promise<MeteringProxy> {
  const base = upstream.replace(/\/+$/, "");
  const meters = new Map<string, MeterCounts>();
  const meterOf = (name: string) => {
    let counts = meters.get(name);
    if (!counts) {
      counts = emptyCounts();
      meters.set(name, counts);
    }
    return counts;
  };

  const server = http.createServer((req, res) => {
    const match = /^\/m\/([^/]+)(\/.*)?$/.exec(req.url ?? "");
    if (!match) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "metering proxy: use /m/<meter>/<path>" } }));
      return;
    }
    const counts = meterOf(decodeURIComponent(match[1]!));
    const rest = match[2] ?? "/";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => void forward(counts, req, res, rest, Buffer.concat(chunks)));
  });

  async function forward(
    counts: MeterCounts,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    rest: string,
    rawBody: Buffer,
  ): Promise<void> {
    counts.requests += 1;
    const started = Date.now();
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : withUsageRequested(rest, rawBody);
    const headers = new Headers();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined || ["host", "content-length", "connection"].includes(key)) continue;
      headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    try {
      const upstreamRes = await fetch(base + rest, {
        method: req.method ?? "GET",
        headers,
        ...(body ? { body: new Uint8Array(body) } : {}),
        signal: abort.signal,
      });
      const outHeaders: Record<string, string> = {};
      upstreamRes.headers.forEach((value, key) => {
        if (!["content-length", "content-encoding", "transfer-encoding", "connection"].includes(key))
          outHeaders[key] = value;
      });
      res.writeHead(upstreamRes.status, outHeaders);
      if (upstreamRes.status >= 400) counts.errors += 1;
      const isSse = (upstreamRes.headers.get("content-type") ?? "").includes("text/event-stream");
      const scanner = new SseUsageScanner();
      const kept: Buffer[] = [];
      let keptBytes = 0;
      if (upstreamRes.body) {
        const decoder = new TextDecoder();
        for await (const piece of upstreamRes.body as unknown as AsyncIterable<Uint8Array>) {
          res.write(piece);
          if (isSse) scanner.push(decoder.decode(piece, { stream: true }));
          else if (keptBytes < MAX_SCAN_BYTES) {
            kept.push(Buffer.from(piece));
            keptBytes += piece.length;
          }
        }
      }
      res.end();
      if (upstreamRes.status < 400 && req.method === "POST") {
        let usage: Usage | null = null;
        if (isSse) {
          scanner.end();
          usage = scanner.last;
        } else if (keptBytes < MAX_SCAN_BYTES) {
          try {
            usage = usageOf(JSON.parse(Buffer.concat(kept).toString("utf8")));
          } catch {
            usage = null;
          }
        }
        if (usage) {
          counts.promptTokens += usage.prompt;
          counts.completionTokens += usage.completion;
        } else if (/\/(chat\/)?completions$|\/responses$/.test(rest)) counts.missingUsage += 1;
      }
    } catch (error) {
      counts.errors += 1;
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        const message = error instanceof Error ? error.message : String(error);
        res.end(JSON.stringify({ error: { message: `metering proxy: upstream failed: ${message}` } }));
      } else res.destroy();
    } finally {
      counts.ms += Date.now() - started;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: (meter) => `http://127.0.0.1:${port}/m/${encodeURIComponent(meter)}`,
    counts: (meter) => ({ ...meterOf(meter) }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
