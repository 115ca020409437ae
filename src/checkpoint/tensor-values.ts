/** Decode dense tensor bytes (BF16, F16, F32) to f32 values. */
import type { Dtype } from "./dtypes.js";
import { CheckpointError } from "./errors.js";
import { f16ToNumber } from "./float-formats.js";

/** The f32 values of little-endian tensor bytes. */
export function toFloat32(bytes: Uint8Array, dtype: Dtype, label: string): Float32Array {
  // Copy into a fresh, aligned buffer: a Buffer may start at any byte offset.
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  if (dtype === "F32") return new Float32Array(aligned.buffer);
  if (dtype === "BF16") {
    const bits = new Uint16Array(aligned.buffer);
    const out = new Float32Array(bits.length);
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) u32[i] = bits[i]! << 16;
    return out;
  }
  if (dtype === "F16") {
    const bits = new Uint16Array(aligned.buffer);
    return Float32Array.from(bits, f16ToNumber);
  }
  throw new CheckpointError(`${label} is ${dtype}; only BF16, F16 and F32 sources can be compared`);
}
