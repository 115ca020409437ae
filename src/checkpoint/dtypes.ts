/**
 * The safetensors dtype strings we understand and how many bits one element takes. The names are
 * the Rust crate's enum (`F8_E8M0` is also written `E8M0` by some exporters; both are accepted).
 */

/** A dtype string as it appears in a safetensors header. */
export type Dtype =
  | "BOOL"
  | "F4"
  | "F6_E2M3"
  | "F6_E3M2"
  | "U8"
  | "I8"
  | "F8_E5M2"
  | "F8_E4M3"
  | "F8_E8M0"
  | "F8_E4M3FNUZ"
  | "F8_E5M2FNUZ"
  | "I16"
  | "U16"
  | "F16"
  | "BF16"
  | "I32"
  | "U32"
  | "F32"
  | "C64"
  | "F64"
  | "I64"
  | "U64";

const BITS: Record<Dtype, number> = {
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
};

/** Spellings seen in the wild that mean one of the canonical dtypes. */
const ALIASES: Record<string, Dtype> = { E8M0: "F8_E8M0", F8_E8M0FNU: "F8_E8M0" };

/** The canonical dtype for a header string, or undefined when it is not a safetensors dtype. */
export function parseDtype(name: string): Dtype | undefined {
  if (Object.hasOwn(BITS, name)) return name as Dtype;
  return ALIASES[name];
}

/** Bits per element (F4 is 4: one byte holds two elements). */
export function dtypeBits(dtype: Dtype): number {
  return BITS[dtype];
}

/**
 * Bytes a tensor of this dtype and element count occupies, or undefined when sub-byte elements do
 * not fill whole bytes (the Rust reader rejects those too).
 */
export function byteSize(dtype: Dtype, elements: bigint): bigint | undefined {
  const bits = elements * BigInt(BITS[dtype]);
  return bits % 8n === 0n ? bits / 8n : undefined;
}

/** Alignment the official writer sorts by (largest first): the element size in bytes, at least 1. */
export function dtypeAlignment(dtype: Dtype): number {
  return Math.max(1, BITS[dtype] / 8);
}
