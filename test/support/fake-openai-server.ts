/**
 * A scripted OpenAI-compatible server on node:http (127.0.0.1, random port) that answers chat
 * completions the way vLLM does, byte for byte where it matters: SSE chunks, tool-call deltas by
 * index, a usage-only chunk, `[DONE]`. The same scripts also answer `POST …/responses` the way
 * vLLM's Responses API does (Codex speaks it): `event:`/`data:` SSE pairs from `response.created`
 * through output items, `output_text` and `function_call_arguments` deltas, to `response.completed`
 * with usage; or one Response object when not streamed. Replies are queued (FIFO) or routed by
 * predicate; failures (HTTP errors, resets, hangs, broken SSE) are scripts too. Every request is
 * recorded, and a request with nothing scripted gets HTTP 500 and makes `assertDrained()` throw.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { performance } from "node:perf_hooks";
import { afterEach, beforeEach } from "node:test";

// ---------------------------------------------------------------------------------------------
// Reply builder

type ToolArgs = Record<string, unknown> | string;

interface ScriptedCall {
  id: string;
  name: string;
  /** Responses API only: the tool namespace the function belongs to (Codex puts MCP tools in one). */
  namespace?: string;
  /** The exact argument string streamed. */
  arguments: string;
}

/** A successful completion, streamed or not depending on the request's `stream`. */
export class ReplyBuilder {
  readonly kind = "reply";
  private readonly texts: Array<{ channel: "content" | "reasoning"; text: string }> = [];
  private readonly calls: ScriptedCall[] = [];
  private usageCounts?: { prompt: number; completion: number };
  private finishReason?: string;
  private ttftMs = 0;
  private chunkDelayMs = 0;
  private tps?: number;
  private pieceCount = 3;
  private reasoningKey = "reasoning_content";
  private omitIds = false;
  private omitIndex = false;
  private argsInHead = false;
  private emptyFinal = false;
  private modelId?: string;

  /** Append visible content (streamed as several deltas). */
  content(text: string): this {
    this.texts.push({ channel: "content", text });
    return this;
  }
  /** Append reasoning, sent as `reasoning_content` deltas (see `reasoningField`). */
  reasoning(text: string): this {
    this.texts.push({ channel: "reasoning", text });
    return this;
  }
  /**
   * Add a native tool call; an object is serialized like vLLM does, a string is sent verbatim.
   * `namespace` is sent on a Responses API `function_call` item only (chat has no namespaces).
   */
  toolCall(name: string, args: ToolArgs = {}, options: { id?: string; namespace?: string } = {}): this {
    const id = options.id ?? `chatcmpl-tool-${randomBytes(16).toString("hex")}`;
    this.calls.push({
      id,
      name,
      arguments: typeof args === "string" ? args : pythonJson(args),
      ...(options.namespace ? { namespace: options.namespace } : {}),
    });
    return this;
  }
  /** Usage reported (default: prompt ≈ chars/4 of the messages, completion = number of pieces sent). */
  usage(prompt: number, completion: number): this {
    this.usageCounts = { prompt, completion };
    return this;
  }
  /** Override `finish_reason` (default `tool_calls` when there are calls, else `stop`). */
  finish(reason: "stop" | "tool_calls" | "length" | (string & {})): this {
    this.finishReason = reason;
    return this;
  }
  /** Time to first token: wait before the first chunk (headers go out at once, as with vLLM). */
  delay(ms: number): this {
    this.ttftMs = ms;
    return this;
  }
  /** Wait between chunks. */
  chunkDelay(ms: number): this {
    this.chunkDelayMs = ms;
    return this;
  }
  /** Pace decoding: texts are split into word tokens, one per chunk, `1000 / n` ms apart. */
  tokensPerSecond(n: number): this {
    this.tps = n;
    return this;
  }
  /** Split each text and argument string into this many deltas (default 3; arguments at least 3). */
  pieces(n: number): this {
    this.pieceCount = Math.max(1, n);
    return this;
  }
  /** Send reasoning under another field (`reasoning` for newer vLLM, `reasoning_text`). */
  reasoningField(name: string): this {
    this.reasoningKey = name;
    return this;
  }
  /** Omit tool-call ids (some servers do). */
  withoutToolCallIds(): this {
    this.omitIds = true;
    return this;
  }
  /** Omit tool-call `index` in deltas (some llama.cpp/Ollama versions). */
  withoutToolCallIndex(): this {
    this.omitIndex = true;
    return this;
  }
  /** Send the first piece of each call's arguments in the fragment that names it (vLLM's qwen3_coder parser does). */
  argumentsInFirstFragment(): this {
    this.argsInHead = true;
    return this;
  }
  /** Put `finish_reason` on an extra empty delta after the last token (as several servers do). */
  finishOnEmptyDelta(): this {
    this.emptyFinal = true;
    return this;
  }
  /** The model id echoed in responses (default: the request's model). */
  model(id: string): this {
    this.modelId = id;
    return this;
  }

  /** The deltas of one streamed reply, in order (role chunk first), before wrapping into chunks. */
  deltas(): Array<Record<string, unknown>> {
    const deltas: Array<Record<string, unknown>> = [{ role: "assistant", content: "" }];
    for (const part of this.texts) {
      const key = part.channel === "content" ? "content" : this.reasoningKey;
      for (const piece of this.split(part.text, this.pieceCount)) deltas.push({ [key]: piece });
    }
    this.calls.forEach((call, index) => {
      const head: Record<string, unknown> = { type: "function", function: { name: call.name } };
      if (!this.omitIds) head.id = call.id;
      if (!this.omitIndex) head.index = index;
      const pieces = this.split(call.arguments, Math.max(3, this.pieceCount));
      if (this.argsInHead) head.function = { name: call.name, arguments: pieces.shift() ?? "" };
      deltas.push({ tool_calls: [head] });
      for (const piece of pieces) {
        const fragment: Record<string, unknown> = { function: { arguments: piece } };
        if (!this.omitIndex) fragment.index = index;
        deltas.push({ tool_calls: [fragment] });
      }
    });
    if (this.emptyFinal) deltas.push({});
    return deltas;
  }

  /** Milliseconds to wait before delta `i` (0 = the role chunk). */
  waitBefore(i: number): number {
    if (i === 0) return this.ttftMs;
    if (this.tps) return 1000 / this.tps;
    return this.chunkDelayMs;
  }

  finishFor(): string {
    return this.finishReason ?? (this.calls.length > 0 ? "tool_calls" : "stop");
  }

  usageFor(
    body: ChatBody,
    deltaCount: number,
  ): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
    const prompt = this.usageCounts?.prompt ?? Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
    const completion = this.usageCounts?.completion ?? Math.max(0, deltaCount - 1);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  /** Usage in the Responses API's shape (default prompt ≈ chars/4 of `input` and `instructions`). */
  responsesUsageFor(body: ChatBody, pieceCount: number): Record<string, unknown> {
    const input =
      this.usageCounts?.prompt ?? Math.ceil(JSON.stringify([body.instructions ?? "", body.input ?? []]).length / 4);
    const output = this.usageCounts?.completion ?? pieceCount;
    return {
      input_tokens: input,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: output,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: input + output,
    };
  }

  /**
   * The Responses API output items of this reply, each with the deltas it streams: reasoning, then
   * the message, then one `function_call` per tool call (vLLM's order).
   */
  responseItems(): Array<{ item: Record<string, unknown>; pieces: string[] }> {
    const out: Array<{ item: Record<string, unknown>; pieces: string[] }> = [];
    const text = (channel: "content" | "reasoning") =>
      this.texts
        .filter((t) => t.channel === channel)
        .map((t) => t.text)
        .join("");
    const reasoning = text("reasoning");
    if (reasoning)
      out.push({
        item: {
          id: `rs_${randomBytes(12).toString("hex")}`,
          type: "reasoning",
          summary: [],
          content: [{ type: "reasoning_text", text: reasoning }],
          encrypted_content: null,
          status: null,
        },
        pieces: this.split(reasoning, this.pieceCount),
      });
    const content = text("content");
    if (content)
      out.push({
        item: {
          id: `msg_${randomBytes(12).toString("hex")}`,
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: content, annotations: [], logprobs: null }],
        },
        pieces: this.split(content, this.pieceCount),
      });
    for (const call of this.calls)
      out.push({
        item: {
          id: `fc_${randomBytes(12).toString("hex")}`,
          type: "function_call",
          call_id: call.id.replace(/^chatcmpl-tool-/, "call_"),
          name: call.name,
          ...(call.namespace ? { namespace: call.namespace } : {}),
          arguments: call.arguments,
          status: "completed",
        },
        pieces: this.split(call.arguments, Math.max(3, this.pieceCount)),
      });
    return out;
  }

  modelFor(body: ChatBody, fallback: string): string {
    return this.modelId ?? (typeof body.model === "string" ? body.model : fallback);
  }

  /** The non-streamed `message` object. */
  message(): Record<string, unknown> {
    const join = (channel: "content" | "reasoning") =>
      this.texts
        .filter((t) => t.channel === channel)
        .map((t) => t.text)
        .join("");
    const content = join("content");
    const message: Record<string, unknown> = {
      role: "assistant",
      content: content || (this.calls.length > 0 ? null : ""),
      [this.reasoningKey]: join("reasoning") || null,
      tool_calls: this.calls.map((call) => ({
        id: call.id,
        type: "function",
        function: { name: call.name, arguments: call.arguments },
      })),
    };
    return message;
  }

  private split(text: string, n: number): string[] {
    if (this.tps) return text.match(/\s*\S+|\s+/g) ?? [text];
    const chars = Array.from(text);
    if (chars.length <= 1) return [text];
    const size = Math.ceil(chars.length / n);
    const out: string[] = [];
    for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
    return out;
  }
}

/** `json.dumps(value, ensure_ascii=False)`: the spacing vLLM's parsers give argument strings. */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pythonJson(item)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Start a reply script. */
export function reply(): ReplyBuilder {
  return new ReplyBuilder();
}

// ---------------------------------------------------------------------------------------------
// Failure and raw scripts

export type Script =
  | ReplyBuilder
  | { kind: "http_error"; status: number; body: string; headers: Record<string, string> }
  | { kind: "reset" }
  | { kind: "cut"; afterChunks: number; then: "reset" | "hang"; reply: ReplyBuilder }
  | { kind: "hang" }
  | { kind: "raw_sse"; pieces: string[]; delayMs: number }
  | { kind: "generated_sse"; piece: (i: number) => string; count: number; delayMs: number }
  | { kind: "raw"; status: number; body: string; headers: Record<string, string> }
  | { kind: "gate"; wait: Promise<unknown>; then?: Script };

/**
 * An HTTP error. An object body becomes vLLM's `{"error":{message,type,param,code}}`; a string is
 * sent as is. `retryAfter`: seconds (number) or an HTTP date / raw header value (string).
 */
export function httpError(
  status: number,
  body: { message?: string; type?: string } | string = {},
  options: { retryAfter?: number | string; headers?: Record<string, string> } = {},
): Script {
  const headers: Record<string, string> = { ...options.headers };
  if (options.retryAfter !== undefined) headers["retry-after"] = String(options.retryAfter);
  if (typeof body === "string")
    return { kind: "http_error", status, body, headers: { "content-type": "text/plain", ...headers } };
  const message = body.message ?? `fake error ${status}`;
  const error = {
    error: {
      message,
      type: body.type ?? (status < 500 ? "BadRequestError" : "InternalServerError"),
      param: null,
      code: status,
    },
  };
  return {
    kind: "http_error",
    status,
    body: JSON.stringify(error),
    headers: { "content-type": "application/json", ...headers },
  };
}

/** Destroy the connection without answering. */
export function reset(): Script {
  return { kind: "reset" };
}

/** Stream `r` (default: a long text reply) and destroy the connection after `n` chunks (role chunk included). */
export function resetAfterChunks(
  n: number,
  r: ReplyBuilder = reply().content("this reply is cut off mid-way").pieces(8),
): Script {
  return { kind: "cut", afterChunks: n, then: "reset", reply: r };
}

/** Never answer (headers included); released when the client gives up or the server closes. */
export function hang(): Script {
  return { kind: "hang" };
}

/** Send headers and `n` chunks of `r`, then go silent (for idle-timeout tests). */
export function hangAfterChunks(
  n: number,
  r: ReplyBuilder = reply().content("this reply stalls mid-way").pieces(8),
): Script {
  return { kind: "cut", afterChunks: n, then: "hang", reply: r };
}

/** A 200 stream whose second event is not JSON, then `[DONE]`. */
export function malformedSSE(): Script {
  const head = {
    id: "chatcmpl-bad",
    object: "chat.completion.chunk",
    created: 0,
    model: "fake",
    choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }],
  };
  return rawSSE([
    `data: ${JSON.stringify(head)}\n\n`,
    'data: {"id": "chatcmpl-bad", "choices": [{"delta": {"content": "oops"\n\n',
    "data: [DONE]\n\n",
  ]);
}

/** A reply whose tool call JSON cannot be repaired: in content (hermes parser off) or as native arguments. */
export function garbageToolJson(options: { native?: boolean } = {}): ReplyBuilder {
  if (options.native) return reply().toolCall("Grep", "pattern: @@@ ))) not json");
  return reply().content('<tool_call>\n{"name": "Grep", "arguments": {"pattern": @@@ )))}}\n</tool_call>');
}

/** Write these exact strings as separate chunks of a 200 `text/event-stream` body. */
export function rawSSE(pieces: string[], options: { delayMs?: number } = {}): Script {
  return { kind: "raw_sse", pieces, delayMs: options.delayMs ?? 0 };
}

/**
 * An SSE stream made of `piece(i)` for i = 0, 1, … `count - 1` (default: endless, until the client
 * goes away), `delayMs` apart; each write waits for the socket (a slow reader slows the server).
 */
export function generatedSSE(piece: (i: number) => string, options: { count?: number; delayMs?: number } = {}): Script {
  return {
    kind: "generated_sse",
    piece,
    count: options.count ?? Number.POSITIVE_INFINITY,
    delayMs: options.delayMs ?? 0,
  };
}

/** Any status and body (an object is JSON-encoded). */
export function rawResponse(status: number, body: unknown, headers: Record<string, string> = {}): Script {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/plain" : "application/json";
  return { kind: "raw", status, body: text, headers: { "content-type": type, ...headers } };
}

/**
 * Hold the request until `wait` settles (fulfilled or rejected), then answer with `then` — or, when
 * omitted, with the next script taken from the matchers/queue at release time.
 */
export function gate(wait: Promise<unknown>, then?: Script): Script {
  return { kind: "gate", wait: wait.catch(() => undefined), then };
}

// ---------------------------------------------------------------------------------------------
// Server

/** The parsed body of a chat request (loosely typed: tests assert on what the client sent). */
export interface ChatBody {
  model?: unknown;
  messages?: unknown;
  stream?: unknown;
  stream_options?: unknown;
  tools?: unknown;
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The JSON body, or undefined when there was none or it was not JSON. */
  body: ChatBody | undefined;
  rawBody: string;
  /** `performance.now()` when the request body had been read. */
  at: number;
  /** True for a chat or Responses request that found nothing scripted (it got HTTP 500). */
  unscripted: boolean;
}

export interface FakeModel {
  id: string;
  max_model_len?: number;
  [key: string]: unknown;
}

export interface FakeOpenAIOptions {
  /** Served by `GET …/models` in vLLM's shape. Default: one `fake-model` with `max_model_len` 32768. */
  models?: FakeModel[];
  /** Replaces the whole `GET …/models` body (LM Studio, llama.cpp, llama-swap shapes…). */
  modelsBody?: unknown;
  /** HTTP status for `GET …/models` (default 200). */
  modelsStatus?: number;
  /** llama.cpp `GET /props` body; 404 when unset. */
  props?: unknown;
  /** Serve vLLM-style `POST …/tokenize` (count ≈ chars / 4). */
  tokenize?: boolean;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedRequest[];
  /** Only the chat-completion requests. */
  chatRequests(): RecordedRequest[];
  /** Only the Responses API requests (`POST …/responses`). */
  responsesRequests(): RecordedRequest[];
  /** Queue scripts, answered in order. */
  enqueue(...scripts: Script[]): void;
  /** Route requests whose body satisfies `predicate` to `script` (checked before the queue), `times` times (default 1; Infinity allowed). */
  match(
    predicate: (body: ChatBody, request: RecordedRequest) => boolean,
    script: Script,
    options?: { times?: number },
  ): void;
  /** Scripts not used yet (queue + finite matchers). */
  pending(): number;
  /** Throw if scripts remain unused or any request arrived with nothing scripted. */
  assertDrained(): void;
  /** Change the models/props/tokenize configuration. */
  configure(options: FakeOpenAIOptions): void;
  /** Stop: every open connection (hangs included) is destroyed. */
  close(): Promise<void>;
}

interface Matcher {
  predicate: (body: ChatBody, request: RecordedRequest) => boolean;
  script: Script;
  remaining: number;
}

/** Start the fake on 127.0.0.1 with a random port. */
export async function startFakeOpenAI(initial: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let options: FakeOpenAIOptions = { ...initial };
  const requests: RecordedRequest[] = [];
  const queue: Script[] = [];
  const matchers: Matcher[] = [];
  const sockets = new Set<Socket>();
  const live = new Set<AbortController>();
  let closed = false;

  const server = http.createServer((req, res) => {
    const abort = new AbortController();
    live.add(abort);
    // Client gone (reset, timeout, abort): stop writing and release any wait.
    res.on("close", () => abort.abort());
    handle(req, res, abort.signal)
      .catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`fake-openai internal error: ${String(error)}`);
        } else res.destroy();
      })
      .finally(() => live.delete(abort));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, signal: AbortSignal): Promise<void> {
    const rawBody = await readBody(req);
    let body: ChatBody | undefined;
    try {
      const parsed: unknown = rawBody ? JSON.parse(rawBody) : undefined;
      body = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as ChatBody) : undefined; // a JSON object; fields stay unknown
    } catch {
      body = undefined;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const record: RecordedRequest = {
      method: req.method ?? "GET",
      path,
      headers: req.headers,
      body,
      rawBody,
      at: performance.now(),
      unscripted: false,
    };
    requests.push(record);

    const isResponses = req.method === "POST" && path.endsWith("/responses");
    if ((req.method === "POST" && path.endsWith("/chat/completions")) || isResponses) {
      if (!body)
        return json(res, 400, {
          error: {
            message: "fake-openai: the body is not a JSON object",
            type: "BadRequestError",
            param: null,
            code: 400,
          },
        });
      const script = takeScript(body, record);
      if (!script) return unscripted(res, record);
      return run(script, body, req, res, signal, record);
    }
    if (req.method === "GET" && path.endsWith("/models")) {
      const models = options.models ?? [{ id: "fake-model", max_model_len: 32768 }];
      const list = {
        object: "list",
        data: models.map((m) => ({
          object: "model",
          created: 0,
          owned_by: "vllm",
          root: m.id,
          parent: null,
          permission: [],
          ...m,
        })),
      };
      return json(res, options.modelsStatus ?? 200, options.modelsBody ?? list);
    }
    if (req.method === "GET" && path === "/props" && options.props !== undefined) return json(res, 200, options.props);
    if (req.method === "POST" && path.endsWith("/tokenize") && options.tokenize) {
      const count = Math.ceil(JSON.stringify(body?.messages ?? body?.prompt ?? "").length / 4);
      return json(res, 200, {
        count,
        max_model_len: options.models?.[0]?.max_model_len ?? 32768,
        tokens: Array.from({ length: count }, (_, i) => i),
      });
    }
    if (req.method === "GET" && path === "/health") return json(res, 200, {});
    return json(res, 404, {
      error: { message: `fake-openai: no route ${req.method} ${path}`, type: "NotFoundError", param: null, code: 404 },
    });
  }

  function takeScript(body: ChatBody, record: RecordedRequest): Script | undefined {
    const matcher = matchers.find((m) => m.remaining > 0 && m.predicate(body, record));
    if (matcher) {
      matcher.remaining--;
      return matcher.script;
    }
    return queue.shift();
  }

  function unscripted(res: http.ServerResponse, record: RecordedRequest): void {
    record.unscripted = true;
    const kind = record.path.endsWith("/responses") ? "responses" : "chat";
    const n = requests.filter((r) => isModelRequest(r) && r.path.endsWith(record.path)).indexOf(record) + 1;
    json(res, 500, {
      error: {
        message: `fake-openai: no reply scripted for ${kind} request #${n} (enqueue() or match() one)`,
        type: "FakeServerError",
        param: null,
        code: 500,
      },
    });
  }

  async function run(
    script: Script,
    body: ChatBody,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    signal: AbortSignal,
    record: RecordedRequest,
  ): Promise<void> {
    switch (script.kind) {
      case "reply":
        if (record.path.endsWith("/responses"))
          return body.stream === true
            ? streamResponse(script, body, res, signal)
            : completeResponse(script, body, res, signal);
        return body.stream === true ? streamReply(script, body, res, signal) : completeReply(script, body, res, signal);
      case "http_error":
        res.writeHead(script.status, script.headers);
        res.end(script.body);
        return;
      case "raw":
        res.writeHead(script.status, script.headers);
        res.end(script.body);
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "hang":
        return waitForAbort(signal);
      case "cut":
        if (record.path.endsWith("/responses")) return streamResponse(script.reply, body, res, signal, script);
        return streamReply(script.reply, body, res, signal, script);
      case "raw_sse":
        res.writeHead(200, SSE_HEADERS);
        for (const piece of script.pieces) {
          if (!(await pause(script.delayMs, signal))) return;
          await write(res, piece);
        }
        res.end();
        return;
      case "generated_sse":
        res.writeHead(200, SSE_HEADERS);
        for (let i = 0; i < script.count && !signal.aborted && !res.destroyed; i++) {
          if (!(await pause(script.delayMs, signal))) return;
          await write(res, script.piece(i));
        }
        res.end();
        return;
      case "gate": {
        await Promise.race([script.wait, waitForAbort(signal)]);
        if (signal.aborted) return;
        const next = script.then ?? takeScript(body, record);
        return next ? run(next, body, req, res, signal, record) : unscripted(res, record);
      }
    }
  }

  async function streamReply(
    r: ReplyBuilder,
    body: ChatBody,
    res: http.ServerResponse,
    signal: AbortSignal,
    cut?: { afterChunks: number; then: "reset" | "hang" },
  ): Promise<void> {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const model = r.modelFor(body, "fake-model");
    const deltas = r.deltas();
    const envelope = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices,
      ...extra,
    });
    // Deltas are due at fixed times from the start (a late timer is caught up on the next delta),
    // so a paced stream keeps its nominal rate on a loaded machine, as a real server's clock does.
    let due = Date.now();
    for (let i = 0; i < deltas.length; i++) {
      if (cut && i === cut.afterChunks) {
        if (cut.then === "reset") res.socket?.destroy();
        else await waitForAbort(signal);
        return;
      }
      due += r.waitBefore(i);
      if (!(await pause(Math.max(0, due - Date.now()), signal))) return;
      const last = i === deltas.length - 1;
      // vLLM puts finish_reason on the delta that carries the last token.
      const choice = {
        index: 0,
        delta: deltas[i],
        logprobs: null,
        finish_reason: last ? r.finishFor() : null,
        ...(last ? { stop_reason: null } : {}),
      };
      await write(res, `data: ${JSON.stringify(envelope([choice]))}\n\n`);
    }
    const options = body.stream_options;
    if (
      typeof options === "object" &&
      options !== null &&
      "include_usage" in options &&
      options.include_usage === true
    ) {
      await write(res, `data: ${JSON.stringify(envelope([], { usage: r.usageFor(body, deltas.length) }))}\n\n`);
    }
    await write(res, "data: [DONE]\n\n");
    res.end();
  }

  async function completeReply(
    r: ReplyBuilder,
    body: ChatBody,
    res: http.ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const deltas = r.deltas();
    let wait = 0;
    for (let i = 0; i < deltas.length; i++) wait += r.waitBefore(i);
    if (!(await pause(wait, signal))) return;
    json(res, 200, {
      id: `chatcmpl-${randomBytes(12).toString("hex")}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model: r.modelFor(body, "fake-model"),
      choices: [{ index: 0, message: r.message(), logprobs: null, finish_reason: r.finishFor(), stop_reason: null }],
      usage: r.usageFor(body, deltas.length),
      prompt_logprobs: null,
    });
  }

  /** The Response object (vLLM's fields that clients read), in progress or completed. */
  function responseObject(
    id: string,
    created: number,
    model: string,
    body: ChatBody,
    status: "in_progress" | "completed",
    output: unknown[],
    usage: unknown,
  ): Record<string, unknown> {
    return {
      id,
      object: "response",
      created_at: created,
      model,
      status,
      output,
      usage,
      parallel_tool_calls: body.parallel_tool_calls ?? true,
      tool_choice: body.tool_choice ?? "auto",
      tools: Array.isArray(body.tools) ? body.tools : [],
      instructions: body.instructions ?? null,
      previous_response_id: body.previous_response_id ?? null,
      temperature: body.temperature ?? 1,
      top_p: body.top_p ?? 1,
      max_output_tokens: body.max_output_tokens ?? null,
      incomplete_details: null,
      error: null,
      metadata: null,
      background: false,
      reasoning: null,
      text: null,
      truncation: "disabled",
      user: null,
    };
  }

  /**
   * A streamed Response as vLLM sends it: `event: <type>` + `data: <json>` per event, a
   * `sequence_number` on each, no `[DONE]`. A `cut` counts events (`response.created` is event 0).
   */
  async function streamResponse(
    r: ReplyBuilder,
    body: ChatBody,
    res: http.ServerResponse,
    signal: AbortSignal,
    cut?: { afterChunks: number; then: "reset" | "hang" },
  ): Promise<void> {
    res.writeHead(200, SSE_HEADERS);
    res.flushHeaders();
    const id = `resp_${randomBytes(12).toString("hex")}`;
    const created = Math.floor(Date.now() / 1000);
    const model = r.modelFor(body, "fake-model");
    const items = r.responseItems();
    const events: Array<{ event: Record<string, unknown>; delta: boolean }> = [];
    const add = (event: Record<string, unknown>, delta = false) => events.push({ event, delta });
    add({ type: "response.created", response: responseObject(id, created, model, body, "in_progress", [], null) });
    add({ type: "response.in_progress", response: responseObject(id, created, model, body, "in_progress", [], null) });
    let pieceCount = 0;
    items.forEach(({ item, pieces }, output_index) => {
      const itemId = item.id as string;
      pieceCount += pieces.length;
      if (item.type === "function_call") {
        add({
          type: "response.output_item.added",
          output_index,
          item: { ...item, arguments: "", status: "in_progress" },
        });
        for (const delta of pieces)
          add({ type: "response.function_call_arguments.delta", item_id: itemId, output_index, delta }, true);
        add({
          type: "response.function_call_arguments.done",
          item_id: itemId,
          output_index,
          name: item.name,
          arguments: item.arguments,
        });
      } else {
        const isMessage = item.type === "message";
        const part = (item.content as Array<Record<string, unknown>>)[0]!;
        const prefix = isMessage ? "response.output_text" : "response.reasoning_text";
        add({
          type: "response.output_item.added",
          output_index,
          item: isMessage ? { ...item, status: "in_progress", content: [] } : { ...item, content: [] },
        });
        if (isMessage)
          add({
            type: "response.content_part.added",
            item_id: itemId,
            output_index,
            content_index: 0,
            part: { ...part, text: "" },
          });
        for (const delta of pieces)
          add(
            {
              type: `${prefix}.delta`,
              item_id: itemId,
              output_index,
              content_index: 0,
              delta,
              ...(isMessage ? { logprobs: [] } : {}),
            },
            true,
          );
        add({
          type: `${prefix}.done`,
          item_id: itemId,
          output_index,
          content_index: 0,
          text: part.text,
          ...(isMessage ? { logprobs: [] } : {}),
        });
        if (isMessage)
          add({ type: "response.content_part.done", item_id: itemId, output_index, content_index: 0, part });
      }
      add({ type: "response.output_item.done", output_index, item });
    });
    add({
      type: "response.completed",
      response: responseObject(
        id,
        created,
        model,
        body,
        "completed",
        items.map((i) => i.item),
        r.responsesUsageFor(body, pieceCount),
      ),
    });
    let deltaIndex = 0;
    for (let i = 0; i < events.length; i++) {
      if (cut && i === cut.afterChunks) {
        if (cut.then === "reset") res.socket?.destroy();
        else await waitForAbort(signal);
        return;
      }
      const { event, delta } = events[i]!;
      // Pacing as for chat: time to first token before the first delta, chunk/decode pace after.
      if (delta && !(await pause(r.waitBefore(deltaIndex++ === 0 ? 0 : 1), signal))) return;
      const data = { ...event, sequence_number: i };
      await write(res, `event: ${event.type as string}\ndata: ${JSON.stringify(data)}\n\n`);
    }
    res.end();
  }

  async function completeResponse(
    r: ReplyBuilder,
    body: ChatBody,
    res: http.ServerResponse,
    signal: AbortSignal,
  ): Promise<void> {
    const items = r.responseItems();
    const pieceCount = items.reduce((n, i) => n + i.pieces.length, 0);
    let wait = r.waitBefore(0);
    for (let i = 1; i < pieceCount; i++) wait += r.waitBefore(i);
    if (!(await pause(wait, signal))) return;
    const model = r.modelFor(body, "fake-model");
    json(
      res,
      200,
      responseObject(
        `resp_${randomBytes(12).toString("hex")}`,
        Math.floor(Date.now() / 1000),
        model,
        body,
        "completed",
        items.map((i) => i.item),
        r.responsesUsageFor(body, pieceCount),
      ),
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port; // listen() on a TCP port always yields AddressInfo
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/v1`,
    origin,
    requests,
    chatRequests: () => requests.filter((r) => r.path.endsWith("/chat/completions")),
    responsesRequests: () => requests.filter((r) => r.method === "POST" && r.path.endsWith("/responses")),
    enqueue: (...scripts) => {
      queue.push(...scripts);
    },
    match: (predicate, script, matchOptions = {}) => {
      matchers.push({ predicate, script, remaining: matchOptions.times ?? 1 });
    },
    pending: () => queue.length + matchers.filter((m) => Number.isFinite(m.remaining) && m.remaining > 0).length,
    assertDrained: () => {
      const problems: string[] = [];
      if (queue.length > 0)
        problems.push(`${queue.length} queued script(s) never used (${queue.map((s) => s.kind).join(", ")})`);
      const unusedMatchers = matchers.filter((m) => Number.isFinite(m.remaining) && m.remaining > 0);
      if (unusedMatchers.length > 0) problems.push(`${unusedMatchers.length} match() script(s) never used`);
      const unscripted = requests.filter((r) => r.unscripted);
      if (unscripted.length > 0) {
        const kinds = unscripted.some((r) => r.path.endsWith("/responses")) ? "chat or responses" : "chat";
        problems.push(`${unscripted.length} ${kinds} request(s) arrived with nothing scripted`);
      }
      if (problems.length > 0) throw new Error(`fake-openai not drained: ${problems.join("; ")}`);
    },
    configure: (next) => {
      options = { ...options, ...next };
    },
    close: async () => {
      if (closed) return;
      closed = true;
      for (const abort of live) abort.abort();
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isModelRequest(r: RecordedRequest): boolean {
  return r.method === "POST" && (r.path.endsWith("/chat/completions") || r.path.endsWith("/responses"));
}

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  connection: "keep-alive",
};

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** Resolves once the data is handed to the socket, so a following destroy() cannot drop it. */
function write(res: http.ServerResponse, data: string): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    res.write(data, () => resolve());
  });
}

/** Sleep unless aborted; true when the full time elapsed. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * Test fixture: a fresh fake server for each test, which must end drained (every scripted reply
 * used, no unscripted request) and is closed afterwards. Read `fixture.server` inside tests.
 */
export function useFakeOpenAI(options: FakeOpenAIOptions = {}): { readonly server: FakeOpenAI } {
  let server: FakeOpenAI | undefined;
  beforeEach(async () => {
    server = await startFakeOpenAI(options);
  });
  afterEach(async () => {
    try {
      server?.assertDrained();
    } finally {
      await server?.close();
    }
  });
  return {
    get server() {
      return server!;
    },
  };
}
