/**
 * `checkpoint serve`: the serve command a checkpoint needs, per engine, with the flags users get
 * wrong: the quantization method, the tool-call parser (hermes for FastContext/Qwen3, openai for
 * gpt-oss), auto tool choice, the context length from the config, the KV cache dtype (quantized KV
 * cost accuracy in field tests), and GPU notes (NVFP4 runs natively only on Blackwell).
 */
import { basename } from "node:path";
import { CheckpointError } from "./errors.js";
import type { ServeFacts } from "./serve-facts.js";

export type Engine = "vllm" | "sglang" | "llama.cpp";
export const ENGINES: readonly Engine[] = ["vllm", "sglang", "llama.cpp"];

export interface ServeOptions {
  engine: Engine;
  port?: number;
  /** `auto` (default) or a quantized cache such as `fp8`; a quantized cache draws a warning. */
  kvCacheDtype?: string;
  /** Overrides the context length from the config. */
  maxModelLen?: number;
  servedModelName?: string;
}

/** A serve command and what to know about it. */
export interface ServePlan {
  engine: Engine;
  /** argv[0] first. */
  argv: string[];
  /** Container image for `--compose`. */
  image: string;
  /** The tool-call parser chosen. */
  toolParser: string;
  contextLength?: number;
  warnings: string[];
  notes: string[];
  /** Where the model lives inside the container (`--compose`). */
  containerModel: string;
}

const TOOL_PARSER: Record<Engine, Record<ServeFacts["family"], string>> = {
  vllm: { "gpt-oss": "openai", qwen: "hermes", other: "hermes" },
  sglang: { "gpt-oss": "gpt-oss", qwen: "qwen", other: "qwen" },
  "llama.cpp": { "gpt-oss": "(built in, --jinja)", qwen: "(built in, --jinja)", other: "(built in, --jinja)" },
};

const KV_WARNING =
  "a quantized KV cache halved exploration accuracy in field tests (FastContext / Context-1 reports): keep --kv-cache-dtype auto unless memory forces it";

function gpuNotes(format: string): string[] {
  if (format.includes("NVFP4"))
    return [
      "NVFP4 runs natively only on Blackwell GPUs (SM100/SM120); older GPUs fall back to emulation or weight-only kernels, far slower",
    ];
  if (format === "MXFP4")
    return ["MXFP4 runs natively on Blackwell; Hopper and Ampere use weight-only (Marlin/Triton) MoE kernels"];
  if (format === "FP8") return ["FP8 compute needs Ada or Hopper (SM89+); Ampere runs FP8 weights through Marlin"];
  return [];
}

/** Build the plan; throws CheckpointError where the engine cannot serve the checkpoint. */
export function planServe(facts: ServeFacts, options: ServeOptions): ServePlan {
  const warnings = [...facts.blocking.map((b) => `fix the checkpoint first: ${b}`)];
  const notes = [...gpuNotes(facts.format)];
  if (!facts.local) notes.push(`facts from ${facts.evidence}`);
  const port = options.port ?? (options.engine === "sglang" ? 30000 : 8000);
  const context = options.maxModelLen ?? facts.contextLength;
  if (context === undefined)
    warnings.push("no context length known: pass --max-model-len (at least 16384 for explorations)");
  const kv = options.kvCacheDtype ?? "auto";
  if (kv !== "auto") warnings.push(KV_WARNING);
  else if (facts.kvCache)
    warnings.push(`the checkpoint declares a ${facts.kvCache} KV cache; this command keeps auto: ${KV_WARNING}`);
  if (facts.family === "other")
    warnings.push("not a Qwen3 or gpt-oss model: check that the tool-call parser fits its chat template");
  const toolParser = TOOL_PARSER[options.engine][facts.family];
  const name = options.servedModelName ?? (facts.local ? basename(facts.model.replace(/[\\/]+$/, "")) : facts.model);
  const containerModel = facts.local ? "/model" : facts.model;

  if (options.engine === "vllm") {
    if (facts.format === "NVFP4_AWQ")
      throw new CheckpointError("vLLM rejects NVFP4_AWQ checkpoints (vllm#45333); serve this one with --engine sglang");
    const argv = ["vllm", "serve", facts.model, "--served-model-name", name];
    if (facts.modelopt) argv.push("--quantization", "modelopt");
    if (facts.trustRemoteCode) argv.push("--trust-remote-code");
    if (context !== undefined) argv.push("--max-model-len", String(context));
    argv.push("--kv-cache-dtype", kv, "--enable-auto-tool-choice", "--tool-call-parser", toolParser);
    argv.push("--port", String(port));
    if (facts.family === "gpt-oss")
      notes.push(
        "gpt-oss: vLLM returns reasoning as `reasoning`; tool calls need generation_config.json to stop on 200012",
      );
    return {
      engine: "vllm",
      argv,
      image: "vllm/vllm-openai:latest",
      toolParser,
      ...(context !== undefined ? { contextLength: context } : {}),
      warnings,
      notes,
      containerModel,
    };
  }

  if (options.engine === "sglang") {
    const argv = ["python3", "-m", "sglang.launch_server", "--model-path", facts.model, "--served-model-name", name];
    if (facts.modelopt) argv.push("--quantization", facts.format.includes("NVFP4") ? "modelopt_fp4" : "modelopt");
    if (facts.trustRemoteCode) argv.push("--trust-remote-code");
    if (context !== undefined) argv.push("--context-length", String(context));
    if (kv !== "auto") argv.push("--kv-cache-dtype", kv === "fp8" ? "fp8_e4m3" : kv);
    argv.push("--tool-call-parser", toolParser);
    if (facts.family === "gpt-oss") argv.push("--reasoning-parser", "gpt-oss");
    argv.push("--host", "0.0.0.0", "--port", String(port));
    return {
      engine: "sglang",
      argv,
      image: "lmsysorg/sglang:latest",
      toolParser,
      ...(context !== undefined ? { contextLength: context } : {}),
      warnings,
      notes,
      containerModel,
    };
  }

  if (!facts.gguf)
    throw new CheckpointError(
      `llama.cpp serves GGUF files and ${facts.model} has none: convert the BF16 source with llama.cpp's convert_hf_to_gguf.py, or use --engine vllm`,
    );
  const argv = ["llama-server", "-m", facts.gguf, "--jinja", "--parallel", "1", "-ngl", "999"];
  if (context !== undefined) argv.push("-c", String(context));
  if (kv !== "auto") argv.push("--cache-type-k", "q8_0", "--cache-type-v", "q8_0");
  argv.push("--host", "0.0.0.0", "--port", String(port));
  notes.push("llama.cpp splits -c across --parallel slots: the usable context per request is ctx-size ÷ parallel");
  return {
    engine: "llama.cpp",
    argv,
    image: "ghcr.io/ggml-org/llama.cpp:server-cuda",
    toolParser,
    ...(context !== undefined ? { contextLength: context } : {}),
    warnings,
    notes,
    containerModel: facts.local ? `/model/${basename(facts.gguf)}` : facts.gguf,
  };
}

/** Quote one argument for a POSIX shell. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The command as a multi-line shell command: the program line, then one flag and its value per line. */
export function renderCommand(argv: readonly string[]): string {
  const lines: string[][] = [[]];
  argv.forEach((arg, i) => {
    // `python3 -m module` stays on the program line; every later flag starts a line.
    if (i > 2 && arg.startsWith("-")) lines.push([]);
    lines[lines.length - 1]!.push(arg);
  });
  return lines.map((parts) => parts.map(shellQuote).join(" ")).join(" \\\n  ");
}

/** A docker compose file running the plan, the checkpoint directory mounted read-only at /model. */
export function renderCompose(plan: ServePlan, facts: ServeFacts, port: number): string {
  const containerArgv = plan.argv.map((a) => {
    if (facts.local && a === facts.model) return "/model";
    if (facts.gguf && a === facts.gguf) return plan.containerModel;
    return a;
  });
  const [program, ...args] = containerArgv;
  const lines = ["services:", `  ${plan.engine.replace(".", "")}:`, `    image: ${plan.image}`, "    ipc: host"];
  lines.push(`    entrypoint: [${JSON.stringify(program)}]`);
  lines.push(`    command: [${args.map((a) => JSON.stringify(a)).join(", ")}]`);
  lines.push("    ports:", `      - "${port}:${port}"`);
  if (facts.local)
    lines.push("    volumes:", `      - ${JSON.stringify(`${facts.model.replace(/[\\/]+$/, "")}:/model:ro`)}`);
  lines.push(
    "    deploy:",
    "      resources:",
    "        reservations:",
    "          devices:",
    "            - driver: nvidia",
    "              count: all",
    "              capabilities: [gpu]",
  );
  return lines.join("\n");
}
