/**
 * What a serve command depends on, from a local checkpoint directory (read like `inspect`) or,
 * with no local files, from a model id alone (its name is the only evidence then, and the plan
 * says so).
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { readJsonFile } from "./checkpoint-dir.js";
import { inspectCheckpoint } from "./inspect.js";

/** Model families that decide the tool-call parser. */
export type ModelFamily = "gpt-oss" | "qwen" | "other";

export interface ServeFacts {
  /** What to pass as the model: the directory or the model id. */
  model: string;
  local: boolean;
  family: ModelFamily;
  /** Detected (local) or guessed (id) stored format: MXFP4, NVFP4, W4A16_NVFP4, NVFP4_AWQ, FP8, W4A16_AWQ, GPTQ, BF16… */
  format: string;
  /** ModelOpt export (hf_quant_config.json or quant_method modelopt): vLLM needs --quantization modelopt. */
  modelopt: boolean;
  contextLength?: number;
  trustRemoteCode: boolean;
  /** The checkpoint's own KV cache quantization request, if any. */
  kvCache?: string;
  /** A GGUF file in the directory, for llama.cpp. */
  gguf?: string;
  /** Problems inspect found that flags cannot fix (missing stop id…). */
  blocking: string[];
  /** How the facts were obtained. */
  evidence: string;
}

function familyOf(modelType: string | undefined, name: string): ModelFamily {
  if (modelType === "gpt_oss") return "gpt-oss";
  if (modelType && /^qwen/.test(modelType)) return "qwen";
  if (modelType) return "other";
  // Names only: "FastContext-1.0" must not read as Chroma's "context-1".
  if (/qwen|fastcontext/i.test(name)) return "qwen";
  if (/gpt-?oss|(?:^|[^a-z])context-1(?![\d.])/i.test(name)) return "gpt-oss";
  return "other";
}

/** Gather the facts for a directory or a model id. */
export async function serveFacts(target: string): Promise<ServeFacts> {
  const isDir = await stat(target).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    const format = /nvfp4/i.test(target)
      ? "NVFP4"
      : /mxfp4/i.test(target)
        ? "MXFP4"
        : /awq/i.test(target)
          ? "W4A16_AWQ"
          : /fp8/i.test(target)
            ? "FP8"
            : "unknown";
    return {
      model: target,
      local: false,
      family: familyOf(undefined, target),
      format,
      modelopt: format === "NVFP4",
      trustRemoteCode: false,
      blocking: [],
      evidence: "the model id only (no local directory): check the card for the context length and quantization",
    };
  }
  const names = await readdir(target);
  const gguf = names.filter((n) => n.endsWith(".gguf")).sort()[0];
  const hasWeights = names.some((n) => n.endsWith(".safetensors"));
  if (!hasWeights && gguf)
    return {
      model: target,
      local: true,
      family: familyOf(undefined, gguf),
      format: "GGUF",
      modelopt: false,
      trustRemoteCode: false,
      gguf: join(target, gguf),
      blocking: [],
      evidence: `the GGUF file name ${gguf}`,
    };
  const report = await inspectCheckpoint(target);
  const declared = report.quantization.declared;
  const config = await readJsonFile(join(target, "config.json"));
  return {
    model: target,
    local: true,
    family: familyOf(report.modelType, report.architecture ?? target),
    format: report.quantization.format,
    modelopt: declared?.method === "modelopt",
    ...(report.contextLength !== undefined ? { contextLength: report.contextLength } : {}),
    trustRemoteCode: config?.auto_map !== undefined,
    ...(declared?.kvCache && declared.kvCache !== "null" ? { kvCache: declared.kvCache } : {}),
    ...(gguf ? { gguf: join(target, gguf) } : {}),
    blocking: report.findings.filter((f) => f.level === "error").map((f) => f.message),
    evidence: `inspected ${target}`,
  };
}
