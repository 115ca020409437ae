/**
 * `checkpoint verify`: dequantize the MXFP4 and NVFP4 tensors of a quantized checkpoint and
 * compare them with the source it came from. Per tensor: relative error, SNR, and the error our own
 * quantizer makes on the same values (the baseline: what the format itself costs), so a verdict
 * needs no hand-set accuracy target. Large tensors are sampled (whole experts for MXFP4, evenly
 * spaced rows for NVFP4) within a per-tensor element budget.
 */
import { type Checkpoint, type LocatedTensor, openCheckpoint } from "./checkpoint-dir.js";
import { CheckpointError } from "./errors.js";
import { numberToBf16 } from "./float-formats.js";
import { dequantizeMxfp4, MXFP4_GROUP, quantizeExpertSlice, SCALE_RULES, type ScaleRule } from "./mxfp4-codec.js";
import { dequantizeNvfp4, quantizeNvfp4 } from "./nvfp4-codec.js";
import { detectQuantization } from "./quant-detect.js";
import { toFloat32 } from "./tensor-values.js";

/**
 * An error power up to twice the baseline's (3 dB) is what calibration choices and the other scale
 * rule cost; ten times (10 dB) is not a rounding difference but a wrong layout, transpose or scale.
 */
export const OK_MARGIN_DB = 3;
export const BROKEN_MARGIN_DB = 10;

export type TensorStatus = "ok" | "degraded" | "broken";

export interface TensorComparison {
  /** The quantized module (MXFP4 base name or NVFP4 module). */
  tensor: string;
  format: "MXFP4" | "NVFP4";
  /** Elements compared (fewer than the tensor's when sampled). */
  elements: number;
  totalElements: number;
  relativeError: number;
  snrDb: number;
  maxAbsError: number;
  /** SNR of our own quantization of the same values. */
  baselineSnrDb: number;
  status: TensorStatus;
  /** MXFP4: the share of group scales equal to each rule's choice (which rule made this checkpoint). */
  scaleRuleMatch?: Record<ScaleRule, number>;
  note?: string;
}

export interface VerifyReport {
  quant: string;
  source: string;
  tensors: TensorComparison[];
  /** The lowest-SNR tensors, worst first. */
  worst: string[];
  sampled: boolean;
  verdict: TensorStatus;
  /** Quantized modules with no source counterpart. */
  unmatched: string[];
}

export interface VerifyOptions {
  quant: string;
  source: string;
  /** Per-tensor element budget (default 4 Mi); 0 or Infinity compares everything. */
  sampleElements?: number;
}

class ErrorStats {
  signal = 0;
  error = 0;
  maxAbs = 0;
  count = 0;
  add(reference: number, value: number): void {
    const d = value - reference;
    this.signal += reference * reference;
    this.error += d * d;
    const a = Math.abs(d);
    if (a > this.maxAbs) this.maxAbs = a;
    this.count++;
  }
}

function snr(signal: number, error: number): number {
  if (error === 0) return Number.POSITIVE_INFINITY;
  if (signal === 0) return Number.NEGATIVE_INFINITY;
  return 10 * Math.log10(signal / error);
}

function status(snrDb: number, baselineDb: number): TensorStatus {
  if (!Number.isFinite(baselineDb)) return snrDb === baselineDb || snrDb > 60 ? "ok" : "broken";
  if (snrDb >= baselineDb - OK_MARGIN_DB) return "ok";
  if (snrDb >= baselineDb - BROKEN_MARGIN_DB) return "degraded";
  return "broken";
}

/** Evenly spaced picks of `count` out of `total`. */
function spread(total: number, count: number): number[] {
  if (count >= total) return Array.from({ length: total }, (_, i) => i);
  return Array.from({ length: count }, (_, k) => Math.floor((k * total) / count));
}

async function compareMxfp4(
  quant: Checkpoint,
  source: LocatedTensor,
  base: string,
  budget: number,
): Promise<TensorComparison> {
  const blocksT = quant.tensors.get(`${base}_blocks`)!;
  const scalesT = quant.tensors.get(`${base}_scales`)!;
  const [experts, out, groups] = blocksT.info.shape as [number, number, number, number];
  const inFeatures = groups * MXFP4_GROUP;
  const [se, a, b] = source.info.shape as [number, number, number];
  const broken = (note: string): TensorComparison => ({
    tensor: base,
    format: "MXFP4",
    elements: 0,
    totalElements: blocksT.info.elements * 2,
    relativeError: Number.NaN,
    snrDb: Number.NEGATIVE_INFINITY,
    maxAbsError: Number.NaN,
    baselineSnrDb: Number.NaN,
    status: "broken",
    note,
  });
  if (source.info.shape.length !== 3 || se !== experts)
    return broken(`source shape [${source.info.shape}] does not fit blocks [${blocksT.info.shape}]`);
  // The HF BF16 layout is [E, in, out]; a source already in [E, out, in] is compared without the transpose.
  const transposed = a === inFeatures && b === out;
  if (!transposed && !(a === out && b === inFeatures))
    return broken(`source shape [${source.info.shape}] does not fit blocks [${blocksT.info.shape}]`);
  const perExpert = out * inFeatures;
  const picks = spread(experts, Math.max(1, Math.ceil(budget / perExpert)));
  const stats = new ErrorStats();
  const baseline = Object.fromEntries(SCALE_RULES.map((r) => [r, new ErrorStats()])) as Record<ScaleRule, ErrorStats>;
  const ruleMatch = Object.fromEntries(SCALE_RULES.map((r) => [r, 0])) as Record<ScaleRule, number>;
  let groupsSeen = 0;
  const elementBytes = (source.info.end - source.info.begin) / source.info.elements;
  for (const e of picks) {
    const blocks = await blocksT.file.read(blocksT.info, e * out * groups * 16, out * groups * 16);
    const scales = await scalesT.file.read(scalesT.info, e * out * groups, out * groups);
    let deq: Float32Array;
    try {
      deq = dequantizeMxfp4(blocks, scales, out, groups);
    } catch (error) {
      return broken(error instanceof Error ? error.message : String(error));
    }
    const raw = await source.file.read(source.info, e * perExpert * elementBytes, perExpert * elementBytes);
    const ref = toFloat32(raw, source.info.dtype, source.info.name);
    // The source as quantizeExpertSlice wants it: BF16 [in, out].
    const bf16 = new Uint16Array(perExpert);
    for (let o = 0; o < out; o++)
      for (let i = 0; i < inFeatures; i++) {
        const r = transposed ? ref[i * out + o]! : ref[o * inFeatures + i]!;
        bf16[i * out + o] = numberToBf16(r);
        stats.add(r, deq[o * inFeatures + i]!);
      }
    for (const rule of SCALE_RULES) {
      const qb = new Uint8Array(out * groups * 16);
      const qs = new Uint8Array(out * groups);
      quantizeExpertSlice(bf16, inFeatures, out, rule, qb, qs);
      const back = dequantizeMxfp4(qb, qs, out, groups);
      for (let o = 0; o < out; o++)
        for (let i = 0; i < inFeatures; i++)
          baseline[rule].add(transposed ? ref[i * out + o]! : ref[o * inFeatures + i]!, back[o * inFeatures + i]!);
      for (let k = 0; k < qs.length; k++) if (qs[k] === scales[k]) ruleMatch[rule]++;
    }
    groupsSeen += out * groups;
  }
  const best = SCALE_RULES.map((r) => snr(baseline[r].signal, baseline[r].error)).reduce((x, y) => Math.max(x, y));
  const snrDb = snr(stats.signal, stats.error);
  return {
    tensor: base,
    format: "MXFP4",
    elements: stats.count,
    totalElements: blocksT.info.elements * 2,
    relativeError: Math.sqrt(stats.error / (stats.signal || 1)),
    snrDb,
    maxAbsError: stats.maxAbs,
    baselineSnrDb: best,
    status: status(snrDb, best),
    scaleRuleMatch: Object.fromEntries(SCALE_RULES.map((r) => [r, ruleMatch[r] / (groupsSeen || 1)])) as Record<
      ScaleRule,
      number
    >,
    ...(transposed ? {} : { note: "source already in [E, out, in] layout" }),
  };
}

async function compareNvfp4(
  quant: Checkpoint,
  source: LocatedTensor,
  module: string,
  groupSize: number,
  budget: number,
): Promise<TensorComparison> {
  const weight = quant.tensors.get(`${module}.weight`)!;
  const scale = quant.tensors.get(`${module}.weight_scale`)!;
  const global = quant.tensors.get(`${module}.weight_scale_2`);
  const [rows, half] = weight.info.shape as [number, number];
  const cols = half * 2;
  const fail = (note: string): TensorComparison => ({
    tensor: module,
    format: "NVFP4",
    elements: 0,
    totalElements: rows * cols,
    relativeError: Number.NaN,
    snrDb: Number.NEGATIVE_INFINITY,
    maxAbsError: Number.NaN,
    baselineSnrDb: Number.NaN,
    status: "broken",
    note,
  });
  if (!global) return fail("no weight_scale_2");
  if (source.info.shape.join() !== [rows, cols].join())
    return fail(`source shape [${source.info.shape}] differs from the quantized [${rows}, ${cols}]`);
  const globalScale = toFloat32(await global.file.read(global.info), global.info.dtype, global.info.name)[0]!;
  const blocksPerRow = cols / groupSize;
  const elementBytes = (source.info.end - source.info.begin) / source.info.elements;
  const stats = new ErrorStats();
  const baseline = new ErrorStats();
  for (const r of spread(rows, Math.max(1, Math.ceil(budget / cols)))) {
    const packed = await weight.file.read(weight.info, r * half, half);
    const scales = await scale.file.read(scale.info, r * blocksPerRow, blocksPerRow);
    const ref = toFloat32(
      await source.file.read(source.info, r * cols * elementBytes, cols * elementBytes),
      source.info.dtype,
      source.info.name,
    );
    const deq = dequantizeNvfp4(packed, scales, globalScale, 1, cols, groupSize);
    const own = quantizeNvfp4(ref, 1, cols, groupSize, globalScale);
    const back = dequantizeNvfp4(own.packed, own.blockScales, globalScale, 1, cols, groupSize);
    for (let c = 0; c < cols; c++) {
      stats.add(ref[c]!, deq[c]!);
      baseline.add(ref[c]!, back[c]!);
    }
  }
  const snrDb = snr(stats.signal, stats.error);
  const baselineSnrDb = snr(baseline.signal, baseline.error);
  return {
    tensor: module,
    format: "NVFP4",
    elements: stats.count,
    totalElements: rows * cols,
    relativeError: Math.sqrt(stats.error / (stats.signal || 1)),
    snrDb,
    maxAbsError: stats.maxAbs,
    baselineSnrDb,
    status: status(snrDb, baselineSnrDb),
  };
}

/** Compare a quantized checkpoint with its source. */
export async function verifyCheckpoint(options: VerifyOptions): Promise<VerifyReport> {
  const budget =
    options.sampleElements === undefined ? 4 * 1024 * 1024 : options.sampleElements || Number.POSITIVE_INFINITY;
  const quant = await openCheckpoint(options.quant);
  try {
    const source = await openCheckpoint(options.source);
    try {
      const detection = detectQuantization(new Map([...quant.tensors].map(([n, t]) => [n, t.info])));
      const tensors: TensorComparison[] = [];
      const unmatched: string[] = [];
      let sampled = false;
      for (const m of detection.modules) {
        if (m.format === "MXFP4") {
          const src = source.tensors.get(m.module);
          if (!src) {
            unmatched.push(m.module);
            continue;
          }
          tensors.push(await compareMxfp4(quant, src, m.module, budget));
        } else if (m.format === "NVFP4" || m.format === "W4A16_NVFP4" || m.format === "NVFP4_AWQ") {
          const src = source.tensors.get(`${m.module}.weight`);
          if (!src || !m.groupSize) {
            unmatched.push(m.module);
            continue;
          }
          tensors.push(await compareNvfp4(quant, src, m.module, m.groupSize, budget));
        }
        const last = tensors[tensors.length - 1];
        if (last && last.elements < last.totalElements) sampled = true;
      }
      if (tensors.length === 0)
        throw new CheckpointError(
          `${options.quant} has no MXFP4 or NVFP4 tensor with a counterpart in ${options.source} (detected ${detection.format})`,
        );
      // Worst = furthest below what the format itself costs; a broken comparison has no baseline.
      const margin = (t: TensorComparison) =>
        Number.isFinite(t.baselineSnrDb) ? t.snrDb - t.baselineSnrDb : Number.NEGATIVE_INFINITY;
      const order = [...tensors].sort((x, y) =>
        margin(x) < margin(y) ? -1 : margin(x) > margin(y) ? 1 : x.snrDb - y.snrDb,
      );
      const verdict: TensorStatus = tensors.some((t) => t.status === "broken")
        ? "broken"
        : tensors.some((t) => t.status === "degraded")
          ? "degraded"
          : "ok";
      return {
        quant: options.quant,
        source: options.source,
        tensors,
        worst: order.slice(0, 5).map((t) => t.tensor),
        sampled,
        verdict,
        unmatched,
      };
    } finally {
      await source.close();
    }
  } finally {
    await quant.close();
  }
}

/** Plain-text rendering. */
export function renderVerify(report: VerifyReport): string {
  const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : String(x));
  const lines = [`verify ${report.quant} against ${report.source}${report.sampled ? " (sampled)" : ""}`, ""];
  lines.push("tensor                                              format  rel.err   SNR dB  baseline  status");
  for (const t of report.tensors)
    lines.push(
      `${t.tensor.padEnd(52)}${t.format.padEnd(8)}${t.relativeError.toFixed(4).padStart(7)}  ${fmt(t.snrDb).padStart(7)}  ${fmt(t.baselineSnrDb).padStart(8)}  ${t.status}${t.note ? ` (${t.note})` : ""}`,
    );
  const rules = report.tensors.flatMap((t) => (t.scaleRuleMatch ? [t.scaleRuleMatch] : []));
  if (rules.length > 0) {
    const avg = (r: ScaleRule) => rules.reduce((n, m) => n + m[r], 0) / rules.length;
    lines.push(
      "",
      `scale rule match: round-up ${(avg("round-up") * 100).toFixed(1)}%, ocp ${(avg("ocp") * 100).toFixed(1)}% of groups`,
    );
  }
  if (report.unmatched.length > 0) lines.push(`no source for: ${report.unmatched.join(", ")}`);
  lines.push("", `worst: ${report.worst.join(", ")}`, `verdict: ${report.verdict}`);
  return lines.join("\n");
}
