/**
 * `convert-mxfp4`: a BF16 gpt-oss-style checkpoint to MXFP4 as the Context-1 card describes
 * (experts transposed [E, in, out] → [E, out, in], gate/up interleave kept, groups of 32, E8M0
 * scales by the chosen rule, E2M1 by round-to-nearest-even, low nibble = even element). Every other
 * tensor is copied; config, tokenizer, chat template and a generation config stopping on 200012 are
 * written. Streaming on worker threads; the destination is complete or absent.
 */
import { copyFile, open, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { INDEX_FILE, openCheckpoint } from "./checkpoint-dir.js";
import { planConversion } from "./convert-plan.js";
import { CheckpointError } from "./errors.js";
import { eosIds, HARMONY_EOS_IDS, MXFP4_QUANTIZATION_CONFIG } from "./harmony.js";
import type { ScaleRule } from "./mxfp4-codec.js";
import { ProgressBar, type ProgressSink } from "./progress.js";
import { createStagingDir } from "./staging-dir.js";
import { runJobs } from "./worker-pool.js";

export interface ConvertOptions {
  source: string;
  destination: string;
  /** Default `round-up`. */
  rule?: ScaleRule;
  /** Worker threads (default: available parallelism, at most 8). */
  workers?: number;
  /** Where the progress bar goes (default stderr; drawn only on a terminal); false for none. */
  progress?: ProgressSink | false;
  signal?: AbortSignal;
  /** Largest source slice per job (default 32 MiB); smaller means less memory per worker. */
  jobBytes?: number;
}

export interface ConvertResult {
  destination: string;
  rule: ScaleRule;
  /** Source tensors quantized to `_blocks`/`_scales`. */
  quantized: string[];
  /** Tensors copied unchanged. */
  copied: number;
  /** Output weight files. */
  files: string[];
  /** Other files written or copied (config, tokenizer, chat template…). */
  sideFiles: string[];
  bytesIn: number;
  bytesOut: number;
  seconds: number;
  /** Things the user should know (a non-gpt-oss model type, no tokenizer…). */
  warnings: string[];
}

/** Convert; throws CheckpointError for a source that does not fit, leaving no destination behind. */
export async function convertToMxfp4(options: ConvertOptions): Promise<ConvertResult> {
  const started = performance.now();
  const rule = options.rule ?? "round-up";
  const source = await openCheckpoint(options.source);
  try {
    const config = source.json.config;
    if (!config) throw new CheckpointError(`${options.source} has no config.json`);
    const staging = await createStagingDir(options.destination);
    try {
      const plan = planConversion(source, {
        rule,
        outDir: staging.path,
        ...(options.jobBytes ? { jobBytes: options.jobBytes } : {}),
      });
      for (const file of plan.files) {
        const handle = await open(join(staging.path, file.name), "wx");
        try {
          await handle.write(file.layout.header, 0, file.layout.header.length, 0);
          await handle.truncate(file.layout.size);
        } finally {
          await handle.close();
        }
      }
      const bar =
        options.progress === false ? undefined : new ProgressBar("convert-mxfp4", plan.totalBytes, options.progress);
      await runJobs(plan.jobs, {
        workers: options.workers ?? Math.min(8, availableParallelism()),
        ...(bar ? { onProgress: (bytes: number) => bar.advance(bytes) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      bar?.finish();
      for (const file of plan.files) {
        const handle = await open(join(staging.path, file.name), "r+");
        await handle.sync();
        await handle.close();
      }
      const sideFiles = await writeSideFiles(source.fileNames, options.source, staging.path, config, source.json);
      if (source.index) {
        const index = {
          metadata: { ...source.index.metadata, total_size: plan.tensorBytes },
          weight_map: sortKeys(plan.weightMap),
        };
        await writeFile(join(staging.path, INDEX_FILE), `${JSON.stringify(index, null, 2)}\n`);
        sideFiles.push(INDEX_FILE);
      }
      const warnings: string[] = [];
      if (config.model_type !== "gpt_oss")
        warnings.push(`config.json model_type is ${JSON.stringify(config.model_type)}, not "gpt_oss"`);
      if (!source.fileNames.some((n) => n === "tokenizer.json" || n === "tokenizer.model"))
        warnings.push("the source has no tokenizer.json: the output cannot be served as is");
      await staging.commit();
      return {
        destination: options.destination,
        rule,
        quantized: plan.quantized,
        copied: plan.files.reduce((n, f) => n + f.layout.tensors.length, 0) - 2 * plan.quantized.length,
        files: plan.files.map((f) => f.name),
        sideFiles: sideFiles.sort(),
        bytesIn: source.weightBytes,
        bytesOut: plan.files.reduce((n, f) => n + f.layout.size, 0),
        seconds: (performance.now() - started) / 1000,
        warnings,
      };
    } catch (error) {
      await staging.discard();
      throw error;
    }
  } finally {
    await source.close();
  }
}

function sortKeys(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** config.json with the MXFP4 block, a generation config stopping on `<|call|>`, and every other side file copied. */
async function writeSideFiles(
  names: readonly string[],
  from: string,
  to: string,
  config: Record<string, unknown>,
  json: { generationConfig?: Record<string, unknown> },
): Promise<string[]> {
  const written: string[] = [];
  const skip = new Set(["config.json", "generation_config.json", INDEX_FILE]);
  for (const name of names) {
    if (skip.has(name) || name.endsWith(".safetensors")) continue;
    await copyFile(join(from, name), join(to, name));
    written.push(name);
  }
  const quantized = { ...config, quantization_config: MXFP4_QUANTIZATION_CONFIG };
  await writeFile(join(to, "config.json"), `${JSON.stringify(quantized, null, 2)}\n`);
  const eos = [...new Set([...eosIds(json.generationConfig), ...HARMONY_EOS_IDS])];
  const generation = { ...(json.generationConfig ?? {}), eos_token_id: eos };
  await writeFile(join(to, "generation_config.json"), `${JSON.stringify(generation, null, 2)}\n`);
  written.push("config.json", "generation_config.json");
  return written;
}
