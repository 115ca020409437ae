/**
 * Scalar conversions for the narrow float formats found in checkpoints, written out rather than
 * pulled from a dependency: BF16/F16 to f32, FP8 E4M3 (OCP "fn": no infinities, 0x7F/0xFF NaN, max
 * 448) and E5M2 (IEEE-like), E8M0 power-of-two scales, and E4M3 encoding by round-to-nearest-even.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 value of a BF16 bit pattern (BF16 is the top half of an f32). */
export function bf16ToNumber(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** The BF16 bit pattern of a number, rounded to nearest even (NaN stays NaN). */
export function numberToBf16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** The f32 bit pattern of a number (after rounding to f32). */
export function f32Bits(value: number): number {
  f32[0] = value;
  return u32[0]!;
}

/** The value of an IEEE half-precision bit pattern. */
export function f16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const man = bits & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 0x1f) return man ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

/** The value of an FP8 E4M3 (fn) byte: bias 7, no infinities, S.1111.111 is NaN. */
export function e4m3ToNumber(byte: number): number {
  const sign = byte & 0x80 ? -1 : 1;
  const exp = (byte >> 3) & 0xf;
  const man = byte & 0x7;
  if (exp === 0xf && man === 0x7) return Number.NaN;
  if (exp === 0) return sign * man * 2 ** -9;
  return sign * (1 + man / 8) * 2 ** (exp - 7);
}

/** The value of an FP8 E5M2 byte: bias 15, with infinities and NaNs like IEEE. */
export function e5m2ToNumber(byte: number): number {
  const sign = byte & 0x80 ? -1 : 1;
  const exp = (byte >> 2) & 0x1f;
  const man = byte & 0x3;
  if (exp === 0) return sign * man * 2 ** -16;
  if (exp === 0x1f) return man ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + man / 4) * 2 ** (exp - 15);
}

/** E8M0 holds a biased exponent: 2^(byte − 127); 0xFF is NaN (OCP MX). */
export const E8M0_BIAS = 127;

/** The value of an E8M0 scale byte. */
export function e8m0ToNumber(byte: number): number {
  if (byte === 0xff) return Number.NaN;
  return 2 ** (byte - E8M0_BIAS);
}

/** Non-negative E4M3 values by code 0x00–0x7E, increasing; the encoder searches this table. */
const E4M3_POSITIVE: number[] = Array.from({ length: 0x7f }, (_, code) => e4m3ToNumber(code));

/**
 * The E4M3 byte nearest to a value, ties to the even code, saturating at ±448 (as ModelOpt's
 * cast of block scales does); NaN maps to 0x7F.
 */
export function numberToE4m3(value: number): number {
  if (Number.isNaN(value)) return 0x7f;
  const sign = value < 0 || Object.is(value, -0) ? 0x80 : 0;
  const mag = Math.abs(value);
  const last = E4M3_POSITIVE.length - 1;
  if (mag >= E4M3_POSITIVE[last]!) return sign | last;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (E4M3_POSITIVE[mid]! <= mag) lo = mid;
    else hi = mid;
  }
  const below = mag - E4M3_POSITIVE[lo]!;
  const above = E4M3_POSITIVE[hi]! - mag;
  const code = below < above ? lo : above < below ? hi : lo % 2 === 0 ? lo : hi;
  return sign | code;
}
