/**
 * NVFP4 as ModelOpt exports it: `weight` U8 [out, in/2] of E2M1 codes (even column in the low
 * nibble), `weight_scale` F8_E4M3 [out, in/16] per-block scales (row-major, unswizzled in the
 * checkpoint), `weight_scale_2` an f32 global scale = amax/(6·448). A value is
 * e2m1[code] · float(weight_scale) · weight_scale_2.
 */
import { e4m3ToNumber, numberToE4m3 } from "./float-formats.js";
import { E2M1_VALUES, encodeE2M1 } from "./mxfp4-codec.js";

/** Elements per NVFP4 block scale. */
export const NVFP4_GROUP = 16;
/** Largest E2M1 magnitude times largest E4M3 magnitude: the divisor of the global scale. */
export const NVFP4_GLOBAL_DIVISOR = 6 * 448;

/** Dequantize an NVFP4 weight [rows, cols] from its packed codes, block scales and global scale. */
export function dequantizeNvfp4(
  packed: Uint8Array,
  blockScales: Uint8Array,
  globalScale: number,
  rows: number,
  cols: number,
  group = NVFP4_GROUP,
): Float32Array {
  if (cols % group !== 0) throw new RangeError(`columns (${cols}) are not a multiple of the group (${group})`);
  const blocksPerRow = cols / group;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocksPerRow; b++) {
      const scale = e4m3ToNumber(blockScales[r * blocksPerRow + b]!) * globalScale;
      for (let i = 0; i < group; i++) {
        const col = b * group + i;
        const byte = packed[(r * cols + col) >> 1]!;
        const code = col & 1 ? byte >> 4 : byte & 0xf;
        out[r * cols + col] = E2M1_VALUES[code]! * scale;
      }
    }
  }
  return out;
}

/** An NVFP4 weight as ModelOpt would store it. */
export interface Nvfp4Weight {
  packed: Uint8Array;
  blockScales: Uint8Array;
  globalScale: number;
}

/**
 * Quantize [rows, cols] values the ModelOpt way: global = amax/2688, block scale =
 * e4m3(block_amax/(6·global)) with 0 replaced by 1, codes by round-to-nearest-even.
 */
export function quantizeNvfp4(
  values: Float32Array,
  rows: number,
  cols: number,
  group = NVFP4_GROUP,
  /** The tensor's global scale when `values` are only some of its rows. */
  knownGlobalScale?: number,
): Nvfp4Weight {
  if (cols % group !== 0 || cols % 2 !== 0) throw new RangeError(`columns (${cols}) do not fit groups of ${group}`);
  let amax = 0;
  for (const v of values) amax = Math.max(amax, Math.abs(v));
  const globalScale = knownGlobalScale ?? (Math.fround(amax / NVFP4_GLOBAL_DIVISOR) || 1);
  const blocksPerRow = cols / group;
  const packed = new Uint8Array((rows * cols) / 2);
  const blockScales = new Uint8Array(rows * blocksPerRow);
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < blocksPerRow; b++) {
      let blockMax = 0;
      for (let i = 0; i < group; i++) blockMax = Math.max(blockMax, Math.abs(values[r * cols + b * group + i]!));
      let code = numberToE4m3(blockMax / (6 * globalScale));
      if (e4m3ToNumber(code) === 0) code = numberToE4m3(1);
      blockScales[r * blocksPerRow + b] = code;
      const scale = e4m3ToNumber(code) * globalScale;
      for (let i = 0; i < group; i++) {
        const col = b * group + i;
        const q = encodeE2M1(values[r * cols + col]! / scale);
        packed[(r * cols + col) >> 1]! |= q << ((col & 1) * 4);
      }
    }
  }
  return { packed, blockScales, globalScale };
}
