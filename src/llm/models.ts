/**
 * What the server says about its models: the served ids (`GET /models`) and the usable context
 * window (vLLM/SGLang `max_model_len`, LM Studio `loaded_context_length`, llama.cpp `/props`,
 * llama-swap launch arguments…). Detection never throws; it reports window 0 when unsure.
 */
import { httpError, LlmError, networkError } from "./errors.js";
import { isRecord } from "./json.js";
import { abortedError } from "./retry.js";
import { MAX_ERROR_BODY_BYTES, readCapped } from "./transport.js";
import { joinUrl, normalizeBaseUrl, serverRoot } from "./url.js";

/** Cancellation and time limit of a models lookup. */
export interface ModelsRequestOptions {
  signal?: AbortSignal;
  /** Cap for the whole lookup (every GET together). Default 5 000 ms. */
  timeoutMs?: number;
}

/** The detected window, where it came from, and the served ids. */
export interface ContextWindowInfo {
  /** Usable tokens per request, or 0 when unknown (the caller then turns its context budget off). */
  window: number;
  /** Where the number came from (`GET /models data[0].max_model_len`), or why there is none. */
  source: string;
  /** Model ids the server lists ([] when `/models` failed). */
  served: string[];
}

/**
 * Window keys, best first: what the server serves comes before what the model was trained for.
 * `loaded_context_length` (LM Studio's loaded window) is ranked above `max_context_length` (its model maximum).
 */
const WINDOW_KEYS = [
  "max_model_len",
  "loaded_context_length",
  "max_context_length",
  "context_length",
  "context_window",
  "n_ctx",
  "max_total_tokens",
  "n_ctx_train",
  "max_position_embeddings",
] as const;
const TRAINED_KEYS = new Set(["n_ctx_train", "max_position_embeddings"]);
const LAUNCH_RANK = WINDOW_KEYS.indexOf("n_ctx");
/** Siblings of `n_ctx` that mean it is a total shared by parallel slots. */
const SLOT_KEYS = ["n_parallel", "parallel", "total_slots", "n_slots"];
const COMMAND_KEYS = ["cmd", "command", "args", "argv"];
const DEFAULT_TIMEOUT_MS = 5_000;

/** A window value found while scanning a response. */
export interface WindowCandidate {
  window: number;
  /** JSON path of the key, e.g. `data[0].max_model_len`. */
  path: string;
  /** True for a trained (not served) length: worth a better source if one exists. */
  trained: boolean;
}

/** List the served model ids. Rejects with `LlmError` (for `doctor`-style diagnostics). */
export async function listModels(
  baseUrl: string,
  apiKey: string | undefined,
  options: ModelsRequestOptions = {},
): Promise<string[]> {
  const signal = lookupSignal(options);
  return servedIds(await getJson(joinUrl(normalizeBaseUrl(baseUrl), "models"), apiKey, signal, options.signal));
}

/**
 * Find the context window the server gives `model`: `GET {base}/models` (the entry whose id is the
 * model first, then any), then llama.cpp's `GET {root}/props` when `/models` gave nothing served.
 * Never throws: any failure yields window 0 with the reason in `source`.
 */
export async function detectContextWindow(
  baseUrl: string,
  apiKey: string | undefined,
  model: string,
  options: ModelsRequestOptions = {},
): Promise<ContextWindowInfo> {
  let base: string;
  try {
    base = normalizeBaseUrl(baseUrl);
  } catch (error) {
    return { window: 0, source: `none (${describe(error)})`, served: [] };
  }
  const signal = lookupSignal(options);
  const problems: string[] = [];
  let served: string[] = [];
  let fromModels: WindowCandidate | undefined;
  try {
    const body = await getJson(joinUrl(base, "models"), apiKey, signal, options.signal);
    served = servedIds(body);
    fromModels = windowFromModels(body, model);
    if (fromModels && !fromModels.trained)
      return { window: fromModels.window, source: `GET /models ${fromModels.path}`, served };
  } catch (error) {
    problems.push(`/models: ${describe(error)}`);
  }
  try {
    const props = findWindow(await getJson(`${serverRoot(base)}/props`, apiKey, signal, options.signal), "");
    if (props && !props.trained) return { window: props.window, source: `GET /props ${props.path}`, served };
  } catch (error) {
    problems.push(`/props: ${describe(error)}`);
  }
  if (fromModels)
    return { window: fromModels.window, source: `GET /models ${fromModels.path} (trained length)`, served };
  return { window: 0, source: `none (${problems.join("; ") || "no window field"})`, served };
}

/**
 * The window in a `/models` body for `model` (pure; exported for tests): the entry whose id is the
 * model (case-insensitive) if it has one, else the first entry with a served window, else a trained one.
 */
export function windowFromModels(body: unknown, model: string): WindowCandidate | undefined {
  const { entries, paths, ids } = modelEntries(body);
  const wanted = model.toLowerCase();
  const found = entries.map((entry, i) => ({
    match: ids[i]?.toLowerCase() === wanted,
    candidate: findWindow(entry, paths[i] ?? ""),
  }));
  const own = found.find((f) => f.match && f.candidate)?.candidate;
  if (own) return own;
  return found.find((f) => f.candidate && !f.candidate.trained)?.candidate ?? found.find((f) => f.candidate)?.candidate;
}

/**
 * Scan a value recursively for window keys and launch arguments; the best-ranked key wins, then the
 * shallowest. An `n_ctx` beside a slot count (`n_parallel`, `total_slots`…) is divided by it;
 * llama.cpp's `/props` puts `n_ctx` (already per slot) one level below `total_slots`, so it is not.
 */
export function findWindow(value: unknown, path: string): WindowCandidate | undefined {
  let best: { rank: number; depth: number; candidate: WindowCandidate } | undefined;
  const consider = (rank: number, depth: number, candidate: WindowCandidate) => {
    if (!best || rank < best.rank || (rank === best.rank && depth < best.depth)) best = { rank, depth, candidate };
  };
  const visit = (node: unknown, at: string, depth: number) => {
    if (depth > 8) return;
    if (Array.isArray(node)) {
      if (node.length > 0 && node.every((item) => typeof item === "string")) {
        const window = windowFromLaunchArgs(node.join(" "));
        if (window) consider(LAUNCH_RANK, depth, { window, path: at, trained: false });
        return;
      }
      node.forEach((item, i) => visit(item, `${at}[${i}]`, depth + 1));
      return;
    }
    if (!isRecord(node)) return;
    WINDOW_KEYS.forEach((key, rank) => {
      const n = positiveInt(node[key]);
      if (!n) return;
      const slots =
        key === "n_ctx" ? SLOT_KEYS.map((k) => positiveInt(node[k])).find((v) => v !== undefined) : undefined;
      const window = slots && slots > 1 ? Math.floor(n / slots) : n;
      consider(rank, depth, { window, path: join(at, key), trained: TRAINED_KEYS.has(key) });
    });
    for (const key of COMMAND_KEYS) {
      const command = node[key];
      const window = typeof command === "string" ? windowFromLaunchArgs(command) : undefined;
      if (window) consider(LAUNCH_RANK, depth, { window, path: join(at, key), trained: false });
    }
    for (const [key, child] of Object.entries(node))
      if (typeof child === "object" && child !== null) visit(child, join(at, key), depth + 1);
  };
  visit(value, path, 0);
  return best?.candidate;
}

/** `--ctx-size N` / `-c N` / `--ctx-size=N`, divided by `--parallel N` / `-np N`; undefined without a ctx size. */
export function windowFromLaunchArgs(command: string): number | undefined {
  const tokens = command.split(/\s+/).filter(Boolean);
  let ctx: number | undefined;
  let parallel = 1;
  tokens.forEach((token, i) => {
    const [flag = "", inline] = token.split("=", 2);
    const value = positiveInt(inline ?? tokens[i + 1]);
    if (value === undefined) return;
    if (flag === "--ctx-size" || flag === "-c" || flag === "--ctx_size") ctx = value;
    else if (flag === "--parallel" || flag === "-np") parallel = value;
  });
  return ctx === undefined ? undefined : Math.floor(ctx / Math.max(1, parallel));
}

function servedIds(body: unknown): string[] {
  return modelEntries(body).ids.filter((id): id is string => id !== undefined);
}

function modelEntries(body: unknown): { entries: unknown[]; paths: string[]; ids: Array<string | undefined> } {
  let entries: unknown[] = [];
  let prefix = "";
  if (Array.isArray(body)) entries = body;
  else if (isRecord(body) && Array.isArray(body.data)) [entries, prefix] = [body.data, "data"];
  else if (isRecord(body) && Array.isArray(body.models)) [entries, prefix] = [body.models, "models"];
  else if (isRecord(body)) entries = [body];
  const paths = entries.map((_, i) => (Array.isArray(body) || prefix ? `${prefix}[${i}]` : ""));
  const ids = entries.map((entry) => {
    if (!isRecord(entry)) return undefined;
    const id = entry.id ?? entry.model ?? entry.name;
    return typeof id === "string" ? id : undefined;
  });
  return { entries, paths, ids };
}

/** Most bytes read from a `/models` or `/props` answer. */
export const MAX_MODELS_BODY_BYTES = 4 * 1024 * 1024;

async function getJson(
  url: string,
  apiKey: string | undefined,
  signal: AbortSignal,
  caller?: AbortSignal,
): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  let response: Response;
  try {
    response = await fetch(url, { headers, signal });
    // Bounded like chat replies: a model list is KiBs (hundreds of models stay under 1 MiB).
    const text = await readCapped(
      response.body,
      response.ok ? MAX_MODELS_BODY_BYTES : MAX_ERROR_BODY_BYTES,
      response.ok ? "fail" : "truncate",
      "MAX_MODELS_BODY_BYTES",
    );
    if (!response.ok) throw httpError(response.status, response.statusText, text);
    return JSON.parse(text);
  } catch (error) {
    if (caller?.aborted) throw abortedError(caller);
    if (signal.aborted) throw new LlmError("timeout", "the model server did not answer in time", { cause: error });
    if (error instanceof LlmError) throw error;
    if (error instanceof SyntaxError) throw new LlmError("parse", "the answer is not JSON", { cause: error });
    throw networkError(error, "connect");
  }
}

function lookupSignal(options: ModelsRequestOptions): AbortSignal {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  return options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
}

function positiveInt(value: unknown): number | undefined {
  const n = typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
