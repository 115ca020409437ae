/**
 * Which server software answers (guessed from `GET /models`), and the launch flags that fix each
 * serving problem on it. When the server is unknown, every server's flag is listed.
 */
import { isRecord } from "../llm/json.js";

/** The servers the model cards and users run. */
export type ServerKind = "vLLM" | "SGLang" | "llama.cpp" | "Ollama" | "LM Studio" | "unknown";

/** Guess the server from a `/models` body (`owned_by` and the fields each one adds). */
export function guessServer(body: unknown): ServerKind {
  const entries = isRecord(body) && Array.isArray(body.data) ? body.data : Array.isArray(body) ? body : [];
  const first: unknown = entries[0];
  if (isRecord(body) && Array.isArray(body.models) && !Array.isArray(body.data)) return "Ollama";
  if (!isRecord(first)) return "unknown";
  const owner = typeof first.owned_by === "string" ? first.owned_by.toLowerCase() : "";
  if (owner === "vllm" || "max_model_len" in first) return "vLLM";
  if (owner === "sglang") return "SGLang";
  if (owner === "llamacpp" || isRecord(first.meta)) return "llama.cpp";
  if (owner === "library" || owner === "ollama") return "Ollama";
  if (owner === "organization_owner") return "LM Studio";
  return "unknown";
}

const PARSER_FIX: Record<Exclude<ServerKind, "unknown">, (harmony: boolean) => string> = {
  vLLM: (harmony) =>
    harmony
      ? "vLLM: add --enable-auto-tool-choice --tool-call-parser openai (and make generation_config stop on <|call|>, id 200012)"
      : "vLLM: add --enable-auto-tool-choice --tool-call-parser hermes",
  SGLang: (harmony) =>
    harmony ? "SGLang: add --tool-call-parser gpt-oss" : "SGLang: add --tool-call-parser qwen (qwen25 in older builds)",
  "llama.cpp": () => "llama.cpp: start llama-server with --jinja",
  Ollama: () => "Ollama: use a model whose template declares tools (check `ollama show --modelfile`)",
  "LM Studio": () => "LM Studio: load a build whose chat template supports tools",
};

/** The flag that turns server-side tool-call parsing on. */
export function parserFix(kind: ServerKind, harmony = false): string {
  if (kind !== "unknown") return PARSER_FIX[kind](harmony);
  return [PARSER_FIX.vLLM(harmony), PARSER_FIX.SGLang(harmony), PARSER_FIX["llama.cpp"](harmony)].join("; ");
}

const WINDOW_FIX: Record<Exclude<ServerKind, "unknown">, (tokens: number) => string> = {
  vLLM: (n) => `vLLM: --max-model-len ${n}`,
  SGLang: (n) => `SGLang: --context-length ${n}`,
  "llama.cpp": (n) =>
    `llama.cpp: --ctx-size ${n} times the --parallel slot count (each request gets ctx-size ÷ parallel)`,
  Ollama: (n) => `Ollama: OLLAMA_CONTEXT_LENGTH=${n} (or PARAMETER num_ctx ${n} in the Modelfile)`,
  "LM Studio": (n) => `LM Studio: load the model with a context length of ${n}`,
};

/** How to serve a larger window. */
export function windowFix(kind: ServerKind, tokens = 32768): string {
  if (kind !== "unknown") return `restart with a larger window: ${WINDOW_FIX[kind](tokens)}`;
  return `restart with a larger window: ${[WINDOW_FIX.vLLM(tokens), WINDOW_FIX.SGLang(tokens), WINDOW_FIX["llama.cpp"](tokens), WINDOW_FIX.Ollama(tokens)].join("; ")}`;
}

/** How to keep thinking out of a model that should not think. */
export function thinkingFix(kind: ServerKind): string {
  const perServer: Record<Exclude<ServerKind, "unknown">, string> = {
    vLLM: "vLLM: serve the Instruct (non-thinking) build, or keep the model's own chat template so chat_template_kwargs.enable_thinking=false applies",
    SGLang:
      "SGLang: serve the Instruct (non-thinking) build, or keep the model's own chat template so enable_thinking=false applies",
    "llama.cpp": "llama.cpp: --reasoning-budget 0 (with --jinja)",
    Ollama: "Ollama: a no-think Modelfile, or think=false",
    "LM Studio": "LM Studio: turn thinking off in the model's settings",
  };
  if (kind !== "unknown") return perServer[kind];
  return `the server ignores enable_thinking=false: ${perServer.vLLM}; ${perServer["llama.cpp"]}; ${perServer.Ollama}`;
}
