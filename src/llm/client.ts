/**
 * The model client: builds OpenAI-compatible chat requests, retries transient failures with capped
 * backoff, and returns one parsed `AssistantTurn` per call. Talks HTTP through built-in `fetch` only;
 * knows nothing about tools' behaviour or the explore loop. Never logs the API key.
 */
import { createLogger } from "../util/log.js";
import type { Delta } from "./accumulate.js";
import { type EndpointPool, parseBaseUrls, poolFor } from "./endpoint-pool.js";
import { LlmError } from "./errors.js";
import { finalizeTurn } from "./finalize.js";
import { checkReplySize, limitToolArguments } from "./reply-limits.js";
import { abortedError, type BackoffPolicy, backoffDelay, DEFAULT_RETRY_AFTER_MAX_MS, sleep } from "./retry.js";
import { type AttemptLimits, attemptChat } from "./transport.js";
import type { AssistantTurn, ChatMessage, ChatRequestOptions, JsonSchema, ToolDefinition } from "./types.js";
import { joinUrl, normalizeBaseUrl, redactUrl } from "./url.js";

const log = createLogger("llm.client");

/** Defaults of `ChatClientConfig` (see each field). */
export const DEFAULT_TIMEOUT_MS = 120_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 4;
export const DEFAULT_RETRY_BASE_MS = 500;
export const DEFAULT_RETRY_MAX_MS = 8_000;
/**
 * 8 MiB. A vLLM stream sends one ~200-byte chunk per token, so the largest completion the profiles
 * ask for (8 192 tokens) is under 2 MiB on the wire; the cap leaves 4x headroom for reasoning and
 * chunkier servers. Same value as the config default `max_response_bytes`.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Shorter keys are not checked for in request bodies (they would match ordinary text). */
const MIN_CHECKED_KEY_LENGTH = 8;

/** Endpoint, model, timeouts and retry policy of one client. */
export interface ChatClientConfig {
  /**
   * Any of `host:8000`, `http://host:8000`, `…/v1/`, `…/v1/chat/completions` (see `normalizeBaseUrl`);
   * several, separated by commas or spaces, are replicas of one model served as a pool
   * (endpoint-pool.ts: fewest in flight first, failing replicas ejected for a while).
   */
  baseUrl: string;
  /** The pool to send through (default: the process-wide pool of `baseUrl`'s replicas, when it names several). */
  pool?: EndpointPool;
  /** Sent as `Authorization: Bearer …` only when non-empty. Never logged. */
  apiKey?: string;
  model: string;
  /** Total cap of one attempt (headers + whole body), in ms. Default 120 000. Retries get a fresh one. */
  timeoutMs?: number;
  /** Cap until response headers arrive (covers connect and, on some servers, prefill). Default `timeoutMs`. */
  connectTimeoutMs?: number;
  /** Streaming: longest silence between chunks, first chunk included. Default min(`timeoutMs`, 60 000). */
  idleTimeoutMs?: number;
  /**
   * Most bytes read from one response (a JSON body or a whole SSE stream). Past it the attempt fails
   * with `LlmError{kind:"too_large"}`, not retried. Default `DEFAULT_MAX_RESPONSE_BYTES` (8 MiB).
   */
  maxResponseBytes?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** First backoff delay. Default 500 ms; doubles per retry, with jitter. */
  retryBaseMs?: number;
  /** Cap of the exponential backoff. Default 8 000 ms. */
  retryMaxMs?: number;
  /** Cap of a server's `Retry-After`. Default 60 000 ms: longer waits are cut to this. */
  retryAfterMaxMs?: number;
  /** Extra HTTP headers (they may override the defaults, Authorization included). */
  headers?: Record<string, string>;
  /** Stream with SSE (default true). */
  stream?: boolean;
  /** Vendor fields added to every request body (per-request `extraBody` and named options win). */
  extraBody?: Record<string, unknown>;
}

/** Per-call cancellation and progress hooks. */
export interface ChatCallControl {
  /** Aborting rejects promptly with `LlmError{kind:"aborted"}`, also during a retry sleep. */
  signal?: AbortSignal;
  /**
   * Streamed text for display. `<think>` text in content arrives on "reasoning". After `onRetry` the
   * text starts over. The returned turn, not these deltas, is authoritative. Errors thrown are logged and ignored.
   */
  onDelta?: (channel: "content" | "reasoning", text: string) => void;
  /** Called before each retry sleep with the 1-based retry number, the delay and the failure. */
  onRetry?: (attempt: number, delayMs: number, reason: string) => void;
}

/** A client bound to one endpoint and model. */
export interface ChatClient {
  /** The normalized base URL (ends in `/v1` or the user's explicit path). */
  readonly baseUrl: string;
  readonly model: string;
  /**
   * Send one chat completion request and return the parsed turn. Rejects with `LlmError` only:
   * `aborted` when the caller aborted, otherwise the last failure after retries (`attempts` set).
   * Bounded (reply-limits.ts): more text than `max_completion_tokens` can carry is `too_large`; a
   * tool call whose arguments pass 64 KiB comes back as a malformed call.
   */
  chat(
    messages: ChatMessage[],
    tools?: ToolDefinition[],
    options?: ChatRequestOptions,
    control?: ChatCallControl,
  ): Promise<AssistantTurn>;
}

const SAMPLING_KEYS = [
  "temperature",
  "top_p",
  "top_k",
  "max_completion_tokens",
  "tool_choice",
  "stop",
  "chat_template_kwargs",
  "reasoning_effort",
] as const;

/** Create a client for one OpenAI-compatible endpoint and model. Throws a TypeError for an invalid base URL. */
export function createChatClient(config: ChatClientConfig): ChatClient {
  const replicas = parseBaseUrls(config.baseUrl);
  const pool = config.pool ?? (replicas.length > 1 ? poolFor(replicas) : undefined);
  const baseUrl = replicas[0] ?? normalizeBaseUrl(config.baseUrl);
  const url = joinUrl(baseUrl, "chat/completions");
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const limits: AttemptLimits = {
    timeoutMs,
    connectTimeoutMs: config.connectTimeoutMs ?? timeoutMs,
    idleTimeoutMs: config.idleTimeoutMs ?? Math.min(timeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
    maxResponseBytes: config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
  const policy: BackoffPolicy = {
    baseMs: config.retryBaseMs ?? DEFAULT_RETRY_BASE_MS,
    maxMs: config.retryMaxMs ?? DEFAULT_RETRY_MAX_MS,
    retryAfterMaxMs: config.retryAfterMaxMs ?? DEFAULT_RETRY_AFTER_MAX_MS,
  };
  const maxRetries = Math.max(0, config.maxRetries ?? DEFAULT_MAX_RETRIES);
  const stream = config.stream ?? true;

  async function chat(
    messages: ChatMessage[],
    tools: ToolDefinition[] = [],
    options: ChatRequestOptions = {},
    control: ChatCallControl = {},
  ): Promise<AssistantTurn> {
    const body = JSON.stringify(buildBody(config.model, messages, tools, options, config.extraBody, stream));
    // The key belongs in the Authorization header only. A prompt or tool result that carries it (a
    // system prompt read from /proc/self/environ, say) is refused before anything is sent.
    if (carriesKey(body, config.apiKey))
      throw new LlmError(
        "refused",
        "refusing to send the request: its body contains the API key (check system_prompt, tool_descriptions and the files read)",
      );
    const headers = buildHeaders(config, stream);
    const parseOptions = {
      knownTools: tools.map((tool) => tool.function.name),
      schemas: Object.fromEntries(
        tools.map((tool): [string, JsonSchema] => [tool.function.name, tool.function.parameters]),
      ),
    };
    const onDelta = control.onDelta ? safeDelta(control.onDelta) : undefined;

    for (let attempt = 1; ; attempt++) {
      if (control.signal?.aborted) throw abortedError(control.signal);
      const started = Date.now();
      try {
        log.debug("request", { url: redactUrl(url), attempt, stream, messages: messages.length, tools: tools.length });
        const send = (to: string) =>
          attemptChat({ url: to, headers, body, stream, limits, signal: control.signal, onDelta });
        const raw = pool ? await pool.run((base) => send(joinUrl(base, "chat/completions"))) : await send(url);
        log.debug("response", { ms: Date.now() - started, attempt });
        checkReplySize(raw, options.max_completion_tokens);
        return limitToolArguments(finalizeTurn(raw, parseOptions));
      } catch (error) {
        if (!(error instanceof LlmError)) throw error;
        error.attempts = attempt;
        if (!error.retryable || attempt > maxRetries) {
          if (attempt > 1) error.message += ` (gave up after ${attempt} attempts)`;
          throw error;
        }
        const delay = backoffDelay(attempt, policy, error.retryAfterMs);
        log.debug("retry", { attempt, delayMs: delay, kind: error.kind, status: error.status });
        try {
          control.onRetry?.(attempt, delay, error.message);
        } catch (hookError) {
          log.warn("onRetry hook threw; ignored", { error: String(hookError) });
        }
        await sleep(delay, control.signal);
      }
    }
  }

  return { baseUrl, model: config.model, chat };
}

/** The request body. Named options win over `extraBody`; the protocol fields win over everything. */
export function buildBody(
  model: string,
  messages: ChatMessage[],
  tools: ToolDefinition[],
  options: ChatRequestOptions,
  clientExtra: Record<string, unknown> | undefined,
  stream: boolean,
): Record<string, unknown> {
  const body: Record<string, unknown> = { ...clientExtra, ...options.extraBody };
  for (const key of SAMPLING_KEYS) if (options[key] !== undefined) body[key] = options[key];
  body.model = options.model ?? model;
  body.messages = messages;
  if (tools.length > 0) body.tools = tools;
  else {
    delete body.tools;
    // Servers reject tool_choice without tools.
    delete body.tool_choice;
  }
  body.stream = stream;
  if (stream) body.stream_options = { include_usage: true };
  else delete body.stream_options;
  return body;
}

function buildHeaders(config: ChatClientConfig, stream: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    accept: stream ? "text/event-stream" : "application/json",
  };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  // Lower-cased so a user "Authorization" replaces ours instead of being appended to it.
  for (const [name, value] of Object.entries(config.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** True when `body` (serialized JSON) contains `key` as sent or as JSON escapes it. */
export function carriesKey(body: string, key: string | undefined): boolean {
  if (!key || key.length < MIN_CHECKED_KEY_LENGTH) return false;
  return body.includes(key) || body.includes(JSON.stringify(key).slice(1, -1));
}

function safeDelta(onDelta: NonNullable<ChatCallControl["onDelta"]>): (delta: Delta) => void {
  return (delta) => {
    try {
      onDelta(delta.channel, delta.text);
    } catch (error) {
      log.warn("onDelta hook threw; ignored", { error: String(error) });
    }
  };
}
