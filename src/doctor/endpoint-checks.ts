/**
 * The server-side checks that need no generation: is the endpoint reachable (`GET /models`), is the
 * model id served, and is its context window large enough for an exploration.
 */

import { errorDetail } from "../llm/errors.js";
import { isRecord } from "../llm/json.js";
import { detectContextWindow, windowFromModels } from "../llm/models.js";
import { joinUrl } from "../llm/url.js";
import { guessServer, type ServerKind, windowFix } from "./server-kind.js";
import type { Check } from "./types.js";

/** Below this the system prompt, the tools and one turn of results do not fit: the run cannot work. */
export const MIN_WINDOW = 8192;
/** Below this explorations finalize early (field reports: at least 16k). */
export const RECOMMENDED_WINDOW = 16384;

/** What `GET /models` told us. */
export interface ModelsProbe {
  check: Check;
  /** The served ids; undefined when the list could not be read. */
  served?: string[];
  body?: unknown;
  server: ServerKind;
}

/** Probe `GET {base}/models`: reachability, the served ids and the server software. */
export async function probeEndpoint(
  baseUrl: string,
  apiKey: string | undefined,
  timeoutMs: number,
): Promise<ModelsProbe> {
  const url = joinUrl(baseUrl, "models");
  const started = performance.now();
  const headers: Record<string, string> = { accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const fail = (detail: string, fix: string): ModelsProbe => ({
    check: { name: "endpoint", status: "fail", detail, fix, ms: performance.now() - started },
    server: "unknown",
  });
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    if (timedOut)
      return fail(
        `no answer from ${url} within ${Math.round(timeoutMs / 1000)} s`,
        "check that the server finished loading the model (its log says when it listens), or raise --timeout",
      );
    return fail(
      `cannot reach ${url}: ${networkReason(error)}`,
      "start the model server, or fix --base-url (scheme, host, port and the /v1 path)",
    );
  }
  const ms = performance.now() - started;
  if (response.status === 401 || response.status === 403) {
    return fail(
      `${url} refused the request: HTTP ${response.status} ${errorDetail(text).slice(0, 160)}`,
      "pass the endpoint's key with --api-key (or FC_API_KEY / api_key in the config)",
    );
  }
  if (!response.ok) {
    // Reachable but no model list (some gateways): later checks can still talk to it.
    const check: Check = {
      name: "endpoint",
      status: "warn",
      detail: `reachable, but GET ${url} answered HTTP ${response.status}${text ? `: ${errorDetail(text).slice(0, 160)}` : ""}`,
      fix: "check that --base-url is the API root (usually ends in /v1); pass --model since the served ids cannot be listed",
      ms,
    };
    return { check, server: "unknown" };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(
      `${url} answered, but not with JSON: this is not an OpenAI-compatible API root`,
      "point --base-url at the API root (vLLM/SGLang/llama.cpp: http://HOST:PORT/v1; Ollama: http://HOST:11434/v1)",
    );
  }
  const server = guessServer(body);
  const served = servedIds(body);
  const check: Check = {
    name: "endpoint",
    status: "ok",
    detail: `GET ${url} answered in ${Math.round(ms)} ms${server !== "unknown" ? ` (${server})` : ""}`,
    ms,
  };
  return { check, served, body, server };
}

/** Is the requested model served? Returns the model id to use for the remaining checks. */
export function checkModel(
  requested: string | undefined,
  served: string[] | undefined,
): { check: Check; model?: string } {
  if (served === undefined) {
    if (requested)
      return {
        check: {
          name: "model",
          status: "warn",
          detail: `cannot verify ${requested}: the server does not list its models`,
          fix: "if later checks fail with HTTP 404, the model id is wrong",
        },
        model: requested,
      };
    return {
      check: {
        name: "model",
        status: "fail",
        detail: "no model id given and the server does not list its models",
        fix: "pass --model (or FC_MODEL / model in the config)",
      },
    };
  }
  const list = served.length > 0 ? served.join(", ") : "none";
  if (requested) {
    if (served.includes(requested))
      return { check: { name: "model", status: "ok", detail: `${requested} is served` }, model: requested };
    const near = served.find(
      (id) =>
        id.toLowerCase() === requested.toLowerCase() || id.endsWith(`/${requested}`) || requested.endsWith(`/${id}`),
    );
    const hint = near ? `did you mean ${near}? ` : "";
    return {
      check: {
        name: "model",
        status: "fail",
        detail: `${requested} is not served; the server serves: ${list}`,
        fix: `${hint}pass --model ${near ?? served[0] ?? "<id>"}${served.length === 0 ? " after the server has loaded a model" : ""}`,
      },
    };
  }
  if (served.length === 1)
    return {
      check: { name: "model", status: "ok", detail: `using the only served model, ${served[0]}` },
      model: served[0]!,
    };
  if (served.length === 0)
    return {
      check: {
        name: "model",
        status: "fail",
        detail: "the server lists no model",
        fix: "load a model on the server (its log tells why none is up), then run doctor again",
      },
    };
  return {
    check: {
      name: "model",
      status: "fail",
      detail: `the server serves ${served.length} models (${list}) and none was chosen`,
      fix: `pass --model with one of: ${list}`,
    },
  };
}

/** The context window: detected (or configured) and judged against what an exploration needs. */
export async function checkWindow(
  baseUrl: string,
  apiKey: string | undefined,
  model: string,
  options: { configured?: number; body?: unknown; server: ServerKind; timeoutMs: number },
): Promise<Check> {
  let window: number;
  let source: string;
  if (options.configured !== undefined) {
    window = options.configured;
    source = "max_context in the configuration";
  } else {
    const fromBody = options.body === undefined ? undefined : windowFromModels(options.body, model);
    if (fromBody && !fromBody.trained) {
      window = fromBody.window;
      source = `GET /models ${fromBody.path}`;
    } else {
      const info = await detectContextWindow(baseUrl, apiKey, model, { timeoutMs: options.timeoutMs });
      window = info.window;
      source = info.source;
    }
  }
  const tokens = window.toLocaleString("en-US");
  if (window <= 0) {
    return {
      name: "context-window",
      status: "warn",
      detail: `the server does not say its context window (${source}); the token budget will be off and a long run can overflow`,
      fix: "pass --max-context N (or max_context in the config) with the server's window",
    };
  }
  if (window < MIN_WINDOW) {
    return {
      name: "context-window",
      status: "fail",
      detail: `${tokens} tokens (${source}): too small for the system prompt, the tools and one turn of results (at least ${MIN_WINDOW.toLocaleString("en-US")}, 16k+ recommended)`,
      fix: windowFix(options.server),
    };
  }
  if (window < RECOMMENDED_WINDOW) {
    return {
      name: "context-window",
      status: "warn",
      detail: `${tokens} tokens (${source}): under 16k, explorations will finalize after a few turns`,
      fix: windowFix(options.server),
    };
  }
  return { name: "context-window", status: "ok", detail: `${tokens} tokens (${source})` };
}

function servedIds(body: unknown): string[] {
  const entries: unknown[] =
    isRecord(body) && Array.isArray(body.data)
      ? body.data
      : isRecord(body) && Array.isArray(body.models)
        ? body.models
        : Array.isArray(body)
          ? body
          : [];
  return entries.flatMap((entry) => {
    if (!isRecord(entry)) return [];
    const id = entry.id ?? entry.model ?? entry.name;
    return typeof id === "string" ? [id] : [];
  });
}

function networkReason(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    parts.push(typeof code === "string" ? `${current.message} (${code})` : current.message);
    current = current.cause;
  }
  return parts.filter((p, i) => p && parts.indexOf(p) === i).join(": ") || String(error);
}
