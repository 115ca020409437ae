/**
 * Tell a checkpoint's quantization from its tensors alone (names, dtypes, shapes), whatever its
 * config or card claims: MXFP4 (`_blocks`/`_scales`), NVFP4 (U8 `weight` + F8_E4M3 `weight_scale`
 * + `weight_scale_2`, `input_scale` for W4A4), FP8, W4A16 AWQ/GPTQ (`qweight`/`qzeros`/`scales`),
 * else dense. Group sizes are measured from shapes. Parameter counts unpack 4-bit weights.
 */
import type { TensorInfo } from "./safetensors-header.js";

/** What a module's weights are stored as. */
export type ModuleFormat = "MXFP4" | "NVFP4" | "W4A16_NVFP4" | "NVFP4_AWQ" | "FP8" | "W4A16_AWQ" | "GPTQ";

/** One quantized module. */
export interface QuantizedModule {
  module: string;
  format: ModuleFormat;
  /** Elements per scale, measured from shapes (undefined when the layout hides it, e.g. swizzled scales). */
  groupSize?: number;
  /** Unpacked weight elements. */
  parameters: number;
}

export interface Detection {
  /** The dominant stored format: a quantized format, "mixed", or the dense dtype (BF16, F16, F32). */
  format: string;
  modules: QuantizedModule[];
  /** Dense 2-D `.weight` tensors of modules left unquantized (embeddings, lm_head, routers, attention…). */
  denseLinear: string[];
  /** Distinct measured group sizes. */
  groupSizes: number[];
  /** Weight parameters (4-bit packed counted two per byte, int32-packed int4 eight per element). */
  parameters: number;
  /** Elements of scales, zeros and other quantization side tensors (not parameters). */
  auxiliaryElements: number;
  /** NVFP4 block scales stored 1-D as U8: TensorRT-LLM's swizzled layout, not what vLLM loads. */
  swizzledScales: string[];
  /** Shape or dtype combinations that do not fit their format. */
  problems: string[];
}

const FLOAT_DTYPES = new Set(["BF16", "F16", "F32", "F64"]);

/** Detect the quantization of a set of tensors. */
export function detectQuantization(tensors: ReadonlyMap<string, TensorInfo>): Detection {
  const modules: QuantizedModule[] = [];
  const consumed = new Set<string>();
  const auxiliary = new Set<string>();
  const problems: string[] = [];
  const swizzledScales: string[] = [];
  const get = (name: string) => tensors.get(name);

  for (const [name, t] of tensors) {
    // MXFP4: X_blocks [..., groups, 16] U8 and X_scales [..., groups] U8.
    if (name.endsWith("_blocks") && t.dtype === "U8") {
      const base = name.slice(0, -"_blocks".length);
      const scales = get(`${base}_scales`);
      if (!scales) continue;
      const last = t.shape[t.shape.length - 1] ?? 0;
      if (scales.shape.join() !== t.shape.slice(0, -1).join())
        problems.push(`${base}: scales [${scales.shape}] do not match blocks [${t.shape}] without the last dimension`);
      modules.push({ module: base, format: "MXFP4", groupSize: last * 2, parameters: t.elements * 2 });
      consumed.add(name);
      auxiliary.add(`${base}_scales`);
    }
  }

  for (const [name, t] of tensors) {
    if (!name.endsWith(".weight")) continue;
    const module = name.slice(0, -".weight".length);
    const scale = get(`${module}.weight_scale`);
    if (t.dtype === "U8" && scale) {
      const inFeatures = (t.shape[t.shape.length - 1] ?? 0) * 2;
      let groupSize: number | undefined;
      if (scale.dtype === "U8" && scale.shape.length === 1) swizzledScales.push(`${module}.weight_scale`);
      else if (scale.dtype !== "F8_E4M3")
        problems.push(`${module}.weight_scale is ${scale.dtype}; NVFP4 block scales are F8_E4M3`);
      if (scale.shape.length >= 2) {
        const blocks = scale.shape[scale.shape.length - 1]!;
        groupSize = blocks > 0 && inFeatures % blocks === 0 ? inFeatures / blocks : undefined;
        if (groupSize === undefined)
          problems.push(`${module}: ${inFeatures} input features do not divide into ${blocks} blocks`);
        if (scale.shape[0] !== t.shape[0])
          problems.push(`${module}: weight_scale rows ${scale.shape[0]} differ from weight rows ${t.shape[0]}`);
      }
      if (!get(`${module}.weight_scale_2`)) problems.push(`${module} has no weight_scale_2 (the NVFP4 global scale)`);
      const format: ModuleFormat = get(`${module}.pre_quant_scale`)
        ? "NVFP4_AWQ"
        : get(`${module}.input_scale`)
          ? "NVFP4"
          : "W4A16_NVFP4";
      modules.push({ module, format, ...(groupSize ? { groupSize } : {}), parameters: t.elements * 2 });
      consumed.add(name);
      for (const aux of ["weight_scale", "weight_scale_2", "input_scale", "pre_quant_scale"])
        auxiliary.add(`${module}.${aux}`);
    } else if ((t.dtype === "F8_E4M3" || t.dtype === "F8_E5M2") && t.shape.length === 2) {
      let groupSize: number | undefined;
      if (scale && scale.shape.length === 2 && scale.shape[1]! > 1)
        groupSize = Math.ceil(t.shape[1]! / scale.shape[1]!);
      modules.push({ module, format: "FP8", ...(groupSize ? { groupSize } : {}), parameters: t.elements });
      consumed.add(name);
      for (const aux of ["weight_scale", "weight_scale_inv", "input_scale"]) auxiliary.add(`${module}.${aux}`);
    }
  }

  for (const [name, t] of tensors) {
    if (!name.endsWith(".qweight")) continue;
    const module = name.slice(0, -".qweight".length);
    const scales = get(`${module}.scales`);
    if (!scales || t.shape.length !== 2 || scales.shape.length !== 2) continue;
    // AutoAWQ: qweight [in, out/8], scales [in/group, out]. GPTQ: qweight [in/8, out], scales [in/group, out].
    const gptq = scales.shape[1] === t.shape[1];
    const inFeatures = gptq ? t.shape[0]! * 8 : t.shape[0]!;
    const groups = scales.shape[0]!;
    const groupSize = groups > 0 && inFeatures % groups === 0 ? inFeatures / groups : undefined;
    modules.push({
      module,
      format: gptq ? "GPTQ" : "W4A16_AWQ",
      ...(groupSize ? { groupSize } : {}),
      parameters: t.elements * 8,
    });
    consumed.add(name);
    for (const aux of ["scales", "qzeros", "g_idx"]) auxiliary.add(`${module}.${aux}`);
  }

  let parameters = 0;
  let auxiliaryElements = 0;
  const denseBytes = new Map<string, number>();
  const quantizedModules = new Set(modules.map((m) => m.module));
  const denseLinear: string[] = [];
  for (const [name, t] of tensors) {
    if (consumed.has(name)) continue;
    if (auxiliary.has(name) || /\.(?:k_scale|v_scale|q_scale)$/.test(name)) {
      auxiliaryElements += t.elements;
      continue;
    }
    parameters += t.elements;
    if (FLOAT_DTYPES.has(t.dtype)) denseBytes.set(t.dtype, (denseBytes.get(t.dtype) ?? 0) + t.end - t.begin);
    if (name.endsWith(".weight") && t.shape.length === 2 && FLOAT_DTYPES.has(t.dtype)) {
      const module = name.slice(0, -".weight".length);
      if (!quantizedModules.has(module)) denseLinear.push(module);
    }
  }
  parameters += modules.reduce((n, m) => n + m.parameters, 0);

  const counts = new Map<string, number>();
  for (const m of modules) counts.set(m.format, (counts.get(m.format) ?? 0) + 1);
  let format: string;
  if (counts.size > 1) format = "mixed";
  else if (counts.size === 1) format = [...counts.keys()][0]!;
  else format = [...denseBytes.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "unknown";

  const groupSizes = [...new Set(modules.flatMap((m) => (m.groupSize ? [m.groupSize] : [])))].sort((a, b) => a - b);
  return {
    format,
    modules,
    denseLinear: denseLinear.sort(),
    groupSizes,
    parameters,
    auxiliaryElements,
    swizzledScales,
    problems,
  };
}

/**
 * Collapse module names into patterns with layer numbers replaced by `*`, with counts, e.g.
 * `model.layers.*.self_attn.q_proj` × 24.
 */
export function modulePatterns(names: readonly string[]): Array<{ pattern: string; count: number }> {
  const counts = new Map<string, number>();
  for (const name of names) {
    const pattern = name.replace(/\.\d+(?=\.|$)/g, ".*");
    counts.set(pattern, (counts.get(pattern) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([pattern, count]) => ({ pattern, count }))
    .sort((a, b) => (a.pattern < b.pattern ? -1 : 1));
}
