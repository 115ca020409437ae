/**
 * Check a checkpoint's quantization configuration against what vLLM accepts and against what the
 * tensors really hold: `hf_quant_config.json` (ModelOpt's legacy shape), `config.json`
 * `quantization_config` (mxfp4, modelopt, awq…), the exclude lists, and group sizes claimed by
 * config or card versus measured. Facts: shared/protocol/checkpoints.md §3–4.
 */
import type { Detection } from "./quant-detect.js";

export type FindingLevel = "error" | "warn" | "info";

/** One thing inspect found; errors mean vLLM will refuse or misload the checkpoint. */
export interface Finding {
  level: FindingLevel;
  message: string;
}

/** quant_algo values vLLM's modelopt integration accepts (upper-cased first). */
export const VLLM_MODELOPT_ALGOS = [
  "FP8",
  "FP8_PER_CHANNEL_PER_TOKEN",
  "FP8_PB_WO",
  "NVFP4",
  "W4A16_NVFP4",
  "MXFP8",
  "MIXED_PRECISION",
] as const;

/** Keys vLLM requires in `hf_quant_config.json` `quantization` for NVFP4 (a missing one raises). */
export const VLLM_NVFP4_REQUIRED_KEYS = ["group_size", "kv_cache_quant_algo", "exclude_modules"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

/** fnmatch-style pattern (`*`, `?`) to a regular expression over the whole name. */
function globRegex(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/** Whether an exclude pattern covers a module: the module itself or a module under it. */
export function moduleMatches(module: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globRegex(p).test(module) || globRegex(`${p}.*`).test(module));
}

/** The quantization method a config declares, normalized. */
export interface DeclaredQuantization {
  /** Where it was declared. */
  source: "hf_quant_config.json" | "config.json";
  /** `mxfp4`, `modelopt`, `awq`, `gptq`, `fp8`, `compressed-tensors`… */
  method: string;
  /** ModelOpt's quant_algo, upper-cased. */
  algo?: string;
  groupSize?: number;
  excludes: string[];
  kvCache?: string;
}

/** Read the declared quantization from the two config files (hf_quant_config.json wins, as in vLLM). */
export function declaredQuantization(
  config: Record<string, unknown> | undefined,
  hfQuant: Record<string, unknown> | undefined,
): DeclaredQuantization | undefined {
  const q = isRecord(hfQuant?.quantization) ? hfQuant.quantization : undefined;
  if (q) {
    const algo = typeof q.quant_algo === "string" ? q.quant_algo.toUpperCase() : undefined;
    return {
      source: "hf_quant_config.json",
      method: "modelopt",
      ...(algo ? { algo } : {}),
      ...(typeof q.group_size === "number" ? { groupSize: q.group_size } : {}),
      excludes: strings(q.exclude_modules),
      ...(typeof q.kv_cache_quant_algo === "string" ? { kvCache: q.kv_cache_quant_algo } : {}),
    };
  }
  const qc = isRecord(config?.quantization_config) ? config.quantization_config : undefined;
  if (!qc) return undefined;
  const method = typeof qc.quant_method === "string" ? qc.quant_method.toLowerCase() : "unknown";
  const algo = typeof qc.quant_algo === "string" ? qc.quant_algo.toUpperCase() : undefined;
  const kv = isRecord(qc.kv_cache_scheme)
    ? `${qc.kv_cache_scheme.type ?? "?"}${qc.kv_cache_scheme.num_bits ?? ""}`
    : undefined;
  const groupSize = typeof qc.group_size === "number" ? qc.group_size : undefined;
  return {
    source: "config.json",
    method,
    ...(algo ? { algo } : {}),
    ...(groupSize ? { groupSize } : {}),
    excludes: [...strings(qc.modules_to_not_convert), ...strings(qc.ignore), ...strings(qc.exclude_modules)],
    ...(kv ? { kvCache: kv } : {}),
  };
}

/** The format a declaration promises, comparable with `Detection.format`. */
function promisedFormat(d: DeclaredQuantization): string | undefined {
  if (d.method === "mxfp4") return "MXFP4";
  if (d.method === "awq") return "W4A16_AWQ";
  if (d.method === "gptq") return "GPTQ";
  if (d.method === "modelopt" || d.method === "modelopt_fp4") {
    if (d.algo === "NVFP4" || d.algo === "W4A16_NVFP4" || d.algo === "NVFP4_AWQ") return d.algo;
    if (d.algo?.startsWith("FP8")) return "FP8";
  }
  return undefined;
}

/** Group sizes a model card (README.md) states, e.g. "Group Size: 128" or "group_size=16". */
export function cardGroupSizes(card: string | undefined): number[] {
  if (!card) return [];
  const found = new Set<number>();
  for (const m of card.matchAll(/group[ _-]?size\s*(?:\*\*|\||:|=|\s)*\s*(\d{1,4})\b/gi)) found.add(Number(m[1]));
  return [...found];
}

export interface QuantConfigInput {
  detection: Detection;
  config?: Record<string, unknown>;
  hfQuantConfig?: Record<string, unknown>;
  card?: string;
}

/** Every config finding for a checkpoint. */
export function checkQuantConfig(input: QuantConfigInput): Finding[] {
  const { detection } = input;
  const findings: Finding[] = [];
  const add = (level: FindingLevel, message: string) => findings.push({ level, message });
  const quantized = detection.modules.length > 0;
  const declared = declaredQuantization(input.config, input.hfQuantConfig);

  for (const problem of detection.problems) add("error", problem);
  if (detection.swizzledScales.length > 0)
    add(
      "error",
      `${detection.swizzledScales.length} weight_scale tensors are 1-D U8: TensorRT-LLM's swizzled layout; vLLM expects ModelOpt's row-major F8_E4M3 [out, in/16] (convert them back with ModelOpt)`,
    );

  if (input.hfQuantConfig) checkHfQuantConfig(input.hfQuantConfig, add);
  if (!declared) {
    if (quantized)
      add(
        "error",
        `the tensors are ${detection.format} but neither hf_quant_config.json nor config.json quantization_config declares it: vLLM will not load them as quantized`,
      );
  } else {
    const promised = promisedFormat(declared);
    if (!quantized)
      add("warn", `${declared.source} declares ${declared.algo ?? declared.method} but no tensor is quantized`);
    else if (promised && detection.format !== "mixed" && promised !== detection.format)
      add("error", `${declared.source} declares ${promised} but the tensors are ${detection.format}`);
    if (declared.method === "mxfp4" && declared.excludes.length === 0)
      add("warn", "config.json quantization_config (mxfp4) has no modules_to_not_convert list");
    if (declared.algo === "MIXED_PRECISION")
      add("info", "MIXED_PRECISION: per-layer formats live in quant_cfg.json; check it is present");
    // vLLM tries to load every linear layer that no exclude pattern covers as quantized.
    if (quantized) {
      const uncovered = detection.denseLinear.filter((m) => !moduleMatches(m, declared.excludes));
      const embeddings = uncovered.filter((m) => /embed_tokens|wte|word_embeddings/.test(m));
      const linear = uncovered.filter((m) => !embeddings.includes(m));
      if (linear.length > 0)
        add(
          declared.method === "mxfp4" ? "warn" : "error",
          `${linear.length} unquantized linear modules are not excluded in ${declared.source} (vLLM will look for quantized weights), e.g. ${linear.slice(0, 3).join(", ")}`,
        );
      const excludedButQuantized = detection.modules.filter(
        (m) => declared.excludes.length > 0 && moduleMatches(m.module, declared.excludes),
      );
      if (excludedButQuantized.length > 0)
        add(
          "error",
          `${excludedButQuantized.length} quantized modules match the exclude list (they would load as dense), e.g. ${excludedButQuantized[0]!.module}`,
        );
    }
    if (
      declared.groupSize !== undefined &&
      detection.groupSizes.length > 0 &&
      !detection.groupSizes.includes(declared.groupSize)
    )
      add(
        "warn",
        `${declared.source} says group_size ${declared.groupSize}, but the tensor shapes give ${detection.groupSizes.join(", ")}`,
      );
    if (declared.kvCache && declared.kvCache !== "null")
      add(
        "warn",
        `the checkpoint asks for a quantized KV cache (${declared.kvCache}); field tests saw explorer accuracy drop sharply with it: serve with --kv-cache-dtype auto unless memory forces it`,
      );
  }
  for (const claimed of cardGroupSizes(input.card))
    if (detection.groupSizes.length > 0 && !detection.groupSizes.includes(claimed))
      add(
        "warn",
        `the model card says group size ${claimed}, but the tensor shapes give ${detection.groupSizes.join(", ")}`,
      );
  return findings;
}

function checkHfQuantConfig(value: Record<string, unknown>, add: (level: FindingLevel, message: string) => void): void {
  const producer = isRecord(value.producer) ? value.producer : undefined;
  if (!producer || typeof producer.name !== "string") add("warn", "hf_quant_config.json has no producer.name");
  const q = value.quantization;
  if (!isRecord(q)) {
    add("error", "hf_quant_config.json has no quantization object");
    return;
  }
  if (typeof q.quant_algo !== "string") {
    add("error", "hf_quant_config.json quantization.quant_algo is missing");
    return;
  }
  const algo = q.quant_algo.toUpperCase();
  if (algo === "NVFP4_AWQ")
    add("error", "quant_algo NVFP4_AWQ is rejected by vLLM (support is an open request, vllm#45333); SGLang loads it");
  else if (!(VLLM_MODELOPT_ALGOS as readonly string[]).includes(algo))
    add("error", `quant_algo ${q.quant_algo} is not one vLLM accepts (${VLLM_MODELOPT_ALGOS.join(", ")})`);
  if (algo.includes("NVFP4") || algo.includes("FP4"))
    for (const key of VLLM_NVFP4_REQUIRED_KEYS)
      if (!(key in q))
        add("error", `hf_quant_config.json quantization lacks "${key}", which vLLM requires for ${algo}`);
}
