/**
 * MXFP4 as gpt-oss stores it: groups of 32 elements share one E8M0 scale, each element is an E2M1
 * code, two codes per byte with the even element in the low nibble. Two scale rules are in use
 * (see shared/protocol/checkpoints.md §3.3); both are implemented and chosen by name.
 *
 * The scalar functions are the specification; `quantizeExpertSlice` is the fast kernel the
 * converter runs, and the tests hold it to the scalar functions.
 */
import { bf16ToNumber, E8M0_BIAS, f32Bits } from "./float-formats.js";

/** Elements per MXFP4 group (one E8M0 scale). */
export const MXFP4_GROUP = 32;
/** Bytes per packed group. */
export const MXFP4_GROUP_BYTES = MXFP4_GROUP / 2;

/** E2M1 values by 4-bit code: bit 3 is the sign, bits 2–0 index the magnitude. */
export const E2M1_VALUES: readonly number[] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

/**
 * How a group's scale is chosen.
 * - `round-up` (triton_kernels / HF `quantize_to_mxfp4`, the gpt-oss tooling): 2^ceil(log2(amax/6)),
 *   amax/6 taken in f32; no element exceeds 6.
 * - `ocp` (the OCP MX reference, microxcaling): 2^(floor(log2(amax)) − 2), elements beyond 6 saturate.
 */
export type ScaleRule = "round-up" | "ocp";
export const SCALE_RULES: readonly ScaleRule[] = ["round-up", "ocp"];

/** The E2M1 code nearest to a value, ties to the even code, saturating at ±6; the sign bit follows the value's sign (−0 included). */
export function encodeE2M1(value: number): number {
  const sign = value < 0 || Object.is(value, -0) ? 8 : 0;
  const mag = Math.abs(value);
  if (!(mag < 6)) return sign | 7;
  let lo = 0;
  while (lo < 6 && E2M1_VALUES[lo + 1]! <= mag) lo++;
  const below = mag - E2M1_VALUES[lo]!;
  const above = E2M1_VALUES[lo + 1]! - mag;
  const code = below < above ? lo : above < below ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
  return sign | code;
}

/** floor(log2(x)) for a positive finite x, exactly (no floating log error at powers of two). */
function floorLog2(x: number): number {
  let e = Math.floor(Math.log2(x));
  while (2 ** e > x) e--;
  while (2 ** (e + 1) <= x) e++;
  return e;
}

/** The E8M0 scale byte for a group whose largest magnitude is `amax` (finite, ≥ 0). */
export function scaleByte(rule: ScaleRule, amax: number): number {
  if (rule === "round-up") {
    // Bit trick of triton's ROUND_UP: bump the f32 exponent when any mantissa bit is set.
    const bits = f32Bits(Math.fround(amax / 6));
    return ((bits + 0x7fffff) & 0x7f800000) >>> 23;
  }
  // microxcaling adds FP32_MIN_NORMAL to a zero amax, giving floor(log2) = −126.
  const exponent = amax === 0 ? -126 : floorLog2(amax);
  const shared = Math.min(127, Math.max(-E8M0_BIAS, exponent - 2));
  return shared + E8M0_BIAS;
}

/**
 * `scaleByte` for an amax given as a BF16 magnitude pattern (what the kernel has at hand): the
 * OCP rule reads floor(log2) straight from the exponent field instead of a logarithm.
 */
export function scaleByteOfBf16(rule: ScaleRule, magnitude: number): number {
  if (rule === "round-up") return scaleByte(rule, bf16ToNumber(magnitude));
  const field = magnitude >> 7;
  let exponent: number;
  if (field > 0) exponent = field - 127;
  else if (magnitude === 0) exponent = -126;
  // A BF16 subnormal m·2^−133.
  else exponent = 31 - Math.clz32(magnitude) - 133;
  return Math.min(127, Math.max(-E8M0_BIAS, exponent - 2)) + E8M0_BIAS;
}

/** One group quantized by the scalar specification: its scale byte and 32 codes. */
export function quantizeGroup(values: readonly number[], rule: ScaleRule): { scale: number; codes: number[] } {
  let amax = 0;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`cannot quantize a non-finite value (${v})`);
    amax = Math.max(amax, Math.abs(v));
  }
  const scale = scaleByte(rule, amax);
  const factor = 2 ** (E8M0_BIAS - scale);
  return { scale, codes: values.map((v) => encodeE2M1(v * factor)) };
}

/** Two codes per byte: element 2j in the low nibble, 2j+1 in the high nibble. */
export function packCodes(codes: readonly number[]): Uint8Array {
  const out = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) out[i >> 1]! |= (codes[i]! & 0xf) << ((i & 1) * 4);
  return out;
}

/** The value of one packed MXFP4 element. */
export function decodeMxfp4(code: number, scale: number): number {
  if (scale === 0xff) throw new RangeError("E8M0 scale 0xFF is NaN");
  return E2M1_VALUES[code & 0xf]! * 2 ** (scale - E8M0_BIAS);
}

/** Largest |e·128| a scale exponent shifts a BF16 magnitude pattern by (e in [−127, 127]). */
const SHIFT_RANGE = 127 * 128;

/**
 * E2M1 magnitude code (bits 0–2) by BF16 magnitude pattern after scaling, offset by SHIFT_RANGE so
 * that `m − e·128 + SHIFT_RANGE` indexes it for any scale without clamping. Scaling by 2^−e is a
 * subtraction of e·128 from the pattern while the result stays normal; below the normal range
 * everything rounds to 0, at or above 0x7F80 (≥ 2^128) everything saturates to 6.
 */
const CODE_BY_SHIFTED_MAGNITUDE: Uint8Array = (() => {
  const table = new Uint8Array(0x8000 + 2 * SHIFT_RANGE);
  for (let i = 0; i < table.length; i++) {
    const m = i - SHIFT_RANGE;
    table[i] = m < 0x80 ? 0 : m >= 0x7f80 ? 7 : encodeE2M1(bf16ToNumber(m)) & 7;
  }
  return table;
})();

/**
 * Quantize one expert slice (or a range of its output columns) to MXFP4 with the transpose the
 * gpt-oss layout needs: `src` is BF16 [rows = in, cols] row-major (the HF [in, out] layout, `cols`
 * being the output features held), and the result is written as blocks [cols, in/32, 16] and scales
 * [cols, in/32], i.e. one output row per input column. Throws on NaN/Inf.
 */
export function quantizeExpertSlice(
  src: Uint16Array,
  rows: number,
  cols: number,
  rule: ScaleRule,
  blocks: Uint8Array,
  scales: Uint8Array,
): void {
  if (rows % MXFP4_GROUP !== 0) throw new RangeError(`input features (${rows}) are not a multiple of 32`);
  const groups = rows / MXFP4_GROUP;
  const width = 64;
  const amax = new Uint16Array(width);
  const offsets = new Int32Array(width);
  const exponents = new Int32Array(width);
  const lut = CODE_BY_SHIFTED_MAGNITUDE;
  // Column tiles of 64: the amax pass reads rows contiguously; the encode pass then reads the same
  // 32 × 64 tile column-wise while it is still in cache (measured faster than copying a transposed tile).
  for (let g = 0; g < groups; g++) {
    const rowBase = g * MXFP4_GROUP;
    for (let c0 = 0; c0 < cols; c0 += width) {
      const w = Math.min(width, cols - c0);
      amax.fill(0);
      for (let k = 0; k < MXFP4_GROUP; k++) {
        const base = (rowBase + k) * cols + c0;
        for (let j = 0; j < w; j++) {
          const m = src[base + j]! & 0x7fff;
          if (m > amax[j]!) amax[j] = m;
        }
      }
      for (let j = 0; j < w; j++) {
        const a = amax[j]!;
        if (a >= 0x7f80) throw new RangeError(`non-finite value in input rows ${rowBase}–${rowBase + 31}`);
        const byte = scaleByteOfBf16(rule, a);
        scales[(c0 + j) * groups + g] = byte;
        exponents[j] = byte - E8M0_BIAS;
        offsets[j] = SHIFT_RANGE - exponents[j]! * 128;
      }
      for (let j = 0; j < w; j++) {
        const col = c0 + j;
        const offset = offsets[j]!;
        const exponent = exponents[j]!;
        const outBase = (col * groups + g) * MXFP4_GROUP_BYTES;
        let at = rowBase * cols + col;
        for (let k = 0; k < MXFP4_GROUP; k += 2) {
          const a = src[at]!;
          const b = src[at + cols]!;
          at += 2 * cols;
          let lo = lut[(a & 0x7fff) + offset]! | ((a >> 12) & 8);
          let hi = lut[(b & 0x7fff) + offset]! | ((b >> 12) & 8);
          // A BF16 subnormal scaled up has no implicit bit to shift: take the exact path (rare).
          if (exponent < 0) {
            if ((a & 0x7f80) === 0 && (a & 0x7f) !== 0) lo = encodeE2M1(bf16ToNumber(a) * 2 ** -exponent);
            if ((b & 0x7f80) === 0 && (b & 0x7f) !== 0) hi = encodeE2M1(bf16ToNumber(b) * 2 ** -exponent);
          }
          blocks[outBase + (k >> 1)] = lo | (hi << 4);
        }
      }
    }
  }
}

/**
 * Dequantize MXFP4 rows: blocks [rows, groups, 16] and scales [rows, groups] to f32 [rows, groups·32].
 * Throws on a NaN (0xFF) scale.
 */
export function dequantizeMxfp4(blocks: Uint8Array, scales: Uint8Array, rows: number, groups: number): Float32Array {
  const out = new Float32Array(rows * groups * MXFP4_GROUP);
  for (let r = 0; r < rows; r++) {
    for (let g = 0; g < groups; g++) {
      const s = scales[r * groups + g]!;
      if (s === 0xff) throw new RangeError(`E8M0 scale 0xFF (NaN) at row ${r}, group ${g}`);
      const factor = 2 ** (s - E8M0_BIAS);
      const inBase = (r * groups + g) * MXFP4_GROUP_BYTES;
      const outBase = (r * groups + g) * MXFP4_GROUP;
      for (let b = 0; b < MXFP4_GROUP_BYTES; b++) {
        const byte = blocks[inBase + b]!;
        out[outBase + 2 * b] = E2M1_VALUES[byte & 0xf]! * factor;
        out[outBase + 2 * b + 1] = E2M1_VALUES[byte >> 4]! * factor;
      }
    }
  }
  return out;
}
