/**
 * Plan a BF16 → MXFP4 conversion (pure, from the source headers): which tensors become
 * `_blocks`/`_scales`, the layout of every output file (one per source file, same names), and the
 * jobs that fill them. Jobs are bounded in size, so memory depends on the job limit and the
 * worker count, never on the checkpoint.
 */
import { basename, join } from "node:path";
import type { Checkpoint } from "./checkpoint-dir.js";
import { CheckpointError } from "./errors.js";
import { MXFP4_GROUP, MXFP4_GROUP_BYTES, type ScaleRule } from "./mxfp4-codec.js";
import { type FileLayout, layoutFile, type TensorSpec } from "./safetensors-layout.js";

/** The gpt-oss expert weights that MXFP4 quantizes (BF16 layout [E, in, out]). */
export const EXPERT_WEIGHT = /(?:^|\.)mlp\.experts\.(?:gate_up_proj|down_proj)$/;

/** Quantize output rows [c0, c1) of expert `expert`: read BF16, write blocks and scales. */
export interface QuantizeJob {
  kind: "quantize";
  src: string;
  /** Absolute offset of the source tensor's first byte. */
  srcOffset: number;
  expert: number;
  /** Input features (the source's middle dimension). */
  rows: number;
  /** Output features (the source's last dimension). */
  cols: number;
  c0: number;
  c1: number;
  dst: string;
  blocksOffset: number;
  scalesOffset: number;
  rule: ScaleRule;
}

/** Copy a byte range unchanged. */
export interface CopyJob {
  kind: "copy";
  src: string;
  srcOffset: number;
  length: number;
  dst: string;
  dstOffset: number;
}

export type ConvertJob = QuantizeJob | CopyJob;

/** One output weight file. */
export interface OutputFile {
  /** File name (same as the source file's). */
  name: string;
  layout: FileLayout;
}

export interface ConvertPlan {
  files: OutputFile[];
  jobs: ConvertJob[];
  /** The source tensors that were quantized. */
  quantized: string[];
  /** Bytes all jobs read (for progress). */
  totalBytes: number;
  /** Tensor name → output file name, for a sharded index. */
  weightMap: Record<string, string>;
  /** Sum of tensor bytes over all output files (the index's total_size). */
  tensorBytes: number;
}

export interface PlanOptions {
  rule: ScaleRule;
  /** Directory the output files are written into (the staging directory). */
  outDir: string;
  /** Largest source slice one job reads (default 32 MiB). */
  jobBytes?: number;
}

/** Build the plan; throws CheckpointError when the source is not a BF16 gpt-oss-style checkpoint. */
export function planConversion(source: Checkpoint, options: PlanOptions): ConvertPlan {
  const jobBytes = options.jobBytes ?? 32 * 1024 * 1024;
  for (const name of source.tensors.keys())
    if (/_blocks$|_scales$/.test(name) && EXPERT_WEIGHT.test(name.replace(/_(?:blocks|scales)$/, "")))
      throw new CheckpointError(`${source.dir} is already MXFP4 (it holds ${name})`);
  const files: OutputFile[] = [];
  const jobs: ConvertJob[] = [];
  const quantized: string[] = [];
  const weightMap: Record<string, string> = {};
  let totalBytes = 0;
  let tensorBytes = 0;
  for (const file of source.files) {
    const name = basename(file.path);
    const dst = join(options.outDir, name);
    const specs: TensorSpec[] = [];
    for (const t of file.header.tensors) {
      if (!EXPERT_WEIGHT.test(t.name)) {
        specs.push({ name: t.name, dtype: t.dtype, shape: t.shape });
        continue;
      }
      if (t.dtype !== "BF16" || t.shape.length !== 3)
        throw new CheckpointError(
          `${t.name} is ${t.dtype} [${t.shape.join(", ")}]; MXFP4 conversion expects BF16 [experts, in, out]`,
        );
      const [experts, rows, cols] = t.shape as [number, number, number];
      if (rows % MXFP4_GROUP !== 0)
        throw new CheckpointError(`${t.name}: input features ${rows} are not a multiple of ${MXFP4_GROUP}`);
      const groups = rows / MXFP4_GROUP;
      specs.push({ name: `${t.name}_blocks`, dtype: "U8", shape: [experts, cols, groups, MXFP4_GROUP_BYTES] });
      specs.push({ name: `${t.name}_scales`, dtype: "U8", shape: [experts, cols, groups] });
      quantized.push(t.name);
    }
    const layout = layoutFile(specs, { ...file.header.metadata, format: file.header.metadata.format ?? "pt" });
    const placed = new Map(layout.tensors.map((p) => [p.name, p]));
    for (const p of layout.tensors) {
      weightMap[p.name] = name;
      tensorBytes += p.bytes;
    }
    for (const t of file.header.tensors) {
      const srcOffset = file.offsetOf(t);
      if (!EXPERT_WEIGHT.test(t.name)) {
        const out = placed.get(t.name)!;
        for (let at = 0; at < out.bytes; at += jobBytes) {
          const length = Math.min(jobBytes, out.bytes - at);
          jobs.push({
            kind: "copy",
            src: file.path,
            srcOffset: srcOffset + at,
            length,
            dst,
            dstOffset: out.offset + at,
          });
          totalBytes += length;
        }
        continue;
      }
      const [experts, rows, cols] = t.shape as [number, number, number];
      const blocks = placed.get(`${t.name}_blocks`)!;
      const scales = placed.get(`${t.name}_scales`)!;
      const step = Math.max(1, Math.floor(jobBytes / (rows * 2)));
      for (let expert = 0; expert < experts; expert++) {
        for (let c0 = 0; c0 < cols; c0 += step) {
          const c1 = Math.min(cols, c0 + step);
          jobs.push({
            kind: "quantize",
            src: file.path,
            srcOffset,
            expert,
            rows,
            cols,
            c0,
            c1,
            dst,
            blocksOffset: blocks.offset,
            scalesOffset: scales.offset,
            rule: options.rule,
          });
          totalBytes += rows * (c1 - c0) * 2;
        }
      }
    }
    files.push({ name, layout });
  }
  if (quantized.length === 0)
    throw new CheckpointError(
      `${source.dir} has no BF16 expert weights (*.mlp.experts.gate_up_proj / down_proj): not a gpt-oss-style checkpoint`,
    );
  return { files, jobs, quantized, totalBytes, weightMap, tensorBytes };
}
