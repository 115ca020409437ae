/**
 * An OpenAI-compatible `/v1/embeddings` and `/v1/rerank` server on 127.0.0.1 for corpus tests
 * (the shared fake serves chat only). Vectors are hashed bags of words, so texts that share words
 * are close; rerank scores count distinct shared words. Every request is recorded; other routes get 404.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeEmbeddingServer {
  url: string;
  requests: Array<{ path: string; body: Record<string, unknown> }>;
  /** Answer the next request on `path` with this HTTP status. */
  failNext(path: string, status: number): void;
  close(): Promise<void>;
}

const DIMS = 64;

function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z]{3,}/g) ?? [];
}

export function hashedVector(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const w of words(text)) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % DIMS] = (v[(h >>> 0) % DIMS] ?? 0) + 1;
  }
  return v;
}

export async function startFakeEmbeddingServer(): Promise<FakeEmbeddingServer> {
  const requests: FakeEmbeddingServer["requests"] = [];
  const failures = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
      requests.push({ path, body });
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      const fail = failures.get(path);
      if (fail !== undefined) {
        failures.delete(path);
        return send(fail, { error: { message: "scripted failure" } });
      }
      if (path === "/v1/embeddings") {
        const input = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
        return send(200, {
          object: "list",
          data: input.map((text, index) => ({ object: "embedding", index, embedding: hashedVector(text) })),
          model: body.model,
        });
      }
      if (path === "/v1/rerank") {
        const query = new Set(words(String(body.query)));
        const docs = (body.documents as string[]) ?? [];
        const results = docs.map((d, index) => ({
          index,
          relevance_score: new Set(words(d).filter((w) => query.has(w))).size,
        }));
        return send(200, { results: results.sort((a, b) => b.relevance_score - a.relevance_score) });
      }
      send(404, { error: { message: `no route ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext: (path, status) => failures.set(path, status),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
