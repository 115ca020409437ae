/**
 * `checkpoint inspect`: everything that decides whether and how a checkpoint serves, read from the
 * directory alone: architecture, parameters, size, the quantization the tensors really hold (with
 * measured group sizes), what is quantized and what is not, config checks against vLLM, tied
 * embeddings, stop ids, tokenizer and chat template.
 */
import { readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { openCheckpoint } from "./checkpoint-dir.js";
import { checkQuantConfig, declaredQuantization, type Finding } from "./quant-config-checks.js";
import { detectQuantization, modulePatterns } from "./quant-detect.js";
import type { TensorInfo } from "./safetensors-header.js";
import { checkServingFiles, type ServingFiles } from "./serving-files.js";

export interface ModuleGroup {
  pattern: string;
  count: number;
}

/** What `inspect --json` prints. */
export interface InspectReport {
  dir: string;
  architecture?: string;
  modelType?: string;
  layers?: number;
  experts?: number;
  /** Trained context length from config.json. */
  contextLength?: number;
  /** Weight parameters, 4-bit packed weights unpacked. */
  parameters: number;
  /** Elements of scales and zeros (not counted as parameters). */
  auxiliaryElements: number;
  tensors: number;
  files: string[];
  sharded: boolean;
  /** Bytes of the weight files; `totalBytes` includes every file of the directory. */
  weightBytes: number;
  totalBytes: number;
  /** Bytes per dtype over all tensors. */
  dtypes: Record<string, number>;
  quantization: {
    /** Detected from the tensors. */
    format: string;
    /** Module count per format. */
    formats: Record<string, number>;
    groupSizes: number[];
    declared?: { source: string; method: string; algo?: string; groupSize?: number; kvCache?: string };
    quantized: ModuleGroup[];
    excluded: ModuleGroup[];
  };
  serving: Omit<ServingFiles, "findings">;
  findings: Finding[];
  /** No error finding. */
  ok: boolean;
}

function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Inspect a checkpoint directory. */
export async function inspectCheckpoint(dir: string): Promise<InspectReport> {
  const ckpt = await openCheckpoint(dir);
  try {
    const infos = new Map<string, TensorInfo>([...ckpt.tensors].map(([name, t]) => [name, t.info]));
    const detection = detectQuantization(infos);
    const card = ckpt.fileNames.includes("README.md")
      ? await readFile(join(dir, "README.md"), "utf8").catch(() => undefined)
      : undefined;
    const config = ckpt.json.config;
    const findings = checkQuantConfig({
      detection,
      ...(config ? { config } : {}),
      ...(ckpt.json.hfQuantConfig ? { hfQuantConfig: ckpt.json.hfQuantConfig } : {}),
      ...(card ? { card } : {}),
    });
    const serving = await checkServingFiles(ckpt);
    if (!config) findings.unshift({ level: "error", message: "no config.json: no server can load this directory" });
    findings.push(...serving.findings);
    const { findings: _unused, ...servingReport } = serving;
    const dtypes: Record<string, number> = {};
    for (const t of infos.values()) dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + t.end - t.begin;
    let totalBytes = 0;
    for (const name of ckpt.fileNames) totalBytes += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
    const formats: Record<string, number> = {};
    for (const m of detection.modules) formats[m.format] = (formats[m.format] ?? 0) + 1;
    const declared = declaredQuantization(config, ckpt.json.hfQuantConfig);
    const architectures = Array.isArray(config?.architectures) ? config.architectures : [];
    const text =
      config?.text_config && typeof config.text_config === "object"
        ? (config.text_config as Record<string, unknown>)
        : config;
    const layers = num(text?.num_hidden_layers);
    const experts = num(text?.num_local_experts) ?? num(text?.num_experts);
    const contextLength = num(text?.max_position_embeddings);
    return {
      dir,
      ...(typeof architectures[0] === "string" ? { architecture: architectures[0] } : {}),
      ...(typeof config?.model_type === "string" ? { modelType: config.model_type } : {}),
      ...(layers !== undefined ? { layers } : {}),
      ...(experts !== undefined ? { experts } : {}),
      ...(contextLength !== undefined ? { contextLength } : {}),
      parameters: detection.parameters,
      auxiliaryElements: detection.auxiliaryElements,
      tensors: infos.size,
      files: ckpt.files.map((f) => basename(f.path)),
      sharded: ckpt.index !== undefined,
      weightBytes: ckpt.weightBytes,
      totalBytes,
      dtypes,
      quantization: {
        format: detection.format,
        formats,
        groupSizes: detection.groupSizes,
        ...(declared
          ? {
              declared: {
                source: declared.source,
                method: declared.method,
                ...(declared.algo ? { algo: declared.algo } : {}),
                ...(declared.groupSize !== undefined ? { groupSize: declared.groupSize } : {}),
                ...(declared.kvCache ? { kvCache: declared.kvCache } : {}),
              },
            }
          : {}),
        quantized: modulePatterns(detection.modules.map((m) => m.module)),
        excluded: modulePatterns(detection.denseLinear),
      },
      serving: servingReport,
      findings,
      ok: !findings.some((f) => f.level === "error"),
    };
  } finally {
    await ckpt.close();
  }
}
