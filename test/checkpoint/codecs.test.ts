import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  bf16ToNumber,
  e4m3ToNumber,
  e5m2ToNumber,
  e8m0ToNumber,
  f16ToNumber,
  numberToBf16,
  numberToE4m3,
} from "../../src/checkpoint/float-formats.js";
import {
  decodeMxfp4,
  dequantizeMxfp4,
  E2M1_VALUES,
  encodeE2M1,
  packCodes,
  quantizeExpertSlice,
  quantizeGroup,
  scaleByte,
  scaleByteOfBf16,
} from "../../src/checkpoint/mxfp4-codec.js";
import { dequantizeNvfp4, quantizeNvfp4 } from "../../src/checkpoint/nvfp4-codec.js";
import { gaussian } from "./fixtures.js";

describe("E2M1", () => {
  it("decodes the sixteen codes as the OCP table: bit 3 sign, bits 2-0 magnitude", () => {
    assert.deepEqual(E2M1_VALUES, [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6]);
    assert.ok(Object.is(E2M1_VALUES[8], -0));
  });

  it("encodes every table value to its own code", () => {
    E2M1_VALUES.forEach((v, code) => assert.equal(encodeE2M1(v), code, `value ${v}`));
  });

  it("rounds to nearest with ties to the even code (hand-computed midpoints)", () => {
    const cases: Array<[number, number]> = [
      [0.25, 0], // 0 | 0.5 → code 0 (even)
      [0.26, 1],
      [0.75, 2], // 0.5 | 1 → code 2 (even)
      [0.74, 1],
      [1.25, 2], // 1 | 1.5 → code 2
      [1.75, 4], // 1.5 | 2 → code 4
      [2.5, 4], // 2 | 3 → code 4
      [3.5, 6], // 3 | 4 → code 6
      [5, 6], // 4 | 6 → code 6
      [5.01, 7],
      [-3.5, 8 | 6],
      [-0.1, 8],
    ];
    for (const [value, code] of cases) assert.equal(encodeE2M1(value), code, `value ${value}`);
  });

  it("saturates beyond ±6", () => {
    assert.equal(encodeE2M1(7), 7);
    assert.equal(encodeE2M1(1e30), 7);
    assert.equal(encodeE2M1(-100), 15);
  });

  it("packs the even element into the low nibble", () => {
    assert.deepEqual([...packCodes([1, 2, 15, 0])], [0x21, 0x0f]);
  });
});

describe("E8M0 scales", () => {
  it("has bias 127 and 0xFF is NaN", () => {
    assert.equal(e8m0ToNumber(127), 1);
    assert.equal(e8m0ToNumber(128), 2);
    assert.equal(e8m0ToNumber(125), 0.25);
    assert.equal(e8m0ToNumber(0), 2 ** -127);
    assert.ok(Number.isNaN(e8m0ToNumber(0xff)));
    assert.throws(() => decodeMxfp4(1, 0xff), /NaN/);
  });

  it("round-up is 2^ceil(log2(amax/6)); ocp is 2^(floor(log2(amax)) - 2)", () => {
    // amax 7: ROUND_UP → 7/6 = 1.17 → 2^1; OCP → floor(log2 7) - 2 = 0 → 2^0 (7 saturates to 6).
    assert.equal(scaleByte("round-up", 7), 128);
    assert.equal(scaleByte("ocp", 7), 127);
    // amax 6: 6/6 = 1 exactly → 2^0; OCP floor(log2 6) - 2 = 0.
    assert.equal(scaleByte("round-up", 6), 127);
    assert.equal(scaleByte("ocp", 6), 127);
    // amax 0.75: 0.125 → 2^-3; OCP floor(log2 0.75) = -1 → 2^-3.
    assert.equal(scaleByte("round-up", 0.75), 124);
    assert.equal(scaleByte("ocp", 0.75), 124);
    // amax 8: round-up 8/6 = 1.33 → 2^1; OCP 3 - 2 = 1.
    assert.equal(scaleByte("round-up", 8), 128);
    assert.equal(scaleByte("ocp", 8), 128);
    // zero group: triton's bit trick gives byte 0, microxcaling clamps to -127.
    assert.equal(scaleByte("round-up", 0), 0);
    assert.equal(scaleByte("ocp", 0), 0);
  });

  it("reads the scale from a BF16 amax pattern exactly as from its value, for every finite magnitude", () => {
    for (const rule of ["round-up", "ocp"] as const)
      for (let m = 0; m < 0x7f80; m++)
        assert.equal(
          scaleByteOfBf16(rule, m),
          scaleByte(rule, bf16ToNumber(m)),
          `${rule} magnitude 0x${m.toString(16)}`,
        );
  });

  it("quantizes the amax = 7 example differently by rule", () => {
    const values = [7, 3.5, ...new Array(30).fill(0)];
    const up = quantizeGroup(values, "round-up");
    assert.equal(up.scale, 128);
    assert.deepEqual(up.codes.slice(0, 2), [6, 4]); // 7/2 = 3.5 → 4 (code 6); 3.5/2 = 1.75 → 2 (code 4)
    const ocp = quantizeGroup(values, "ocp");
    assert.equal(ocp.scale, 127);
    assert.deepEqual(ocp.codes.slice(0, 2), [7, 6]); // 7 saturates to 6, 3.5 → 4
  });
});

describe("quantizeExpertSlice", () => {
  it("matches the scalar specification and transposes [in, out] to [out, in/32, 16]", () => {
    const rows = 64;
    const cols = 70; // not a multiple of the 64-column tile
    const next = gaussian(7);
    const values = Array.from({ length: rows * cols }, (_, i) => (i % 97 === 0 ? 0 : next() * 0.3));
    values[5] = -0; // a negative zero keeps its sign bit
    values[cols * 3 + 2] = 1e-40; // a BF16 subnormal takes the exact path
    const src = Uint16Array.from(values, numberToBf16);
    for (const rule of ["round-up", "ocp"] as const) {
      const blocks = new Uint8Array(cols * 2 * 16);
      const scales = new Uint8Array(cols * 2);
      quantizeExpertSlice(src, rows, cols, rule, blocks, scales);
      for (let col = 0; col < cols; col++) {
        for (let g = 0; g < 2; g++) {
          const group = Array.from({ length: 32 }, (_, k) => bf16ToNumber(src[(g * 32 + k) * cols + col]!));
          const expected = quantizeGroup(group, rule);
          assert.equal(scales[col * 2 + g], expected.scale, `scale col ${col} group ${g}`);
          assert.deepEqual(
            [...blocks.subarray((col * 2 + g) * 16, (col * 2 + g + 1) * 16)],
            [...packCodes(expected.codes)],
            `${rule} blocks col ${col} group ${g}`,
          );
        }
      }
      // Row 0, column 5 held −0: the low nibble of that output row's first byte is code 8.
      assert.equal(blocks[5 * 2 * 16]! & 0xf, 8);
    }
  });

  it("round-trips with a relative error typical of 4-bit floats", () => {
    const rows = 32;
    const cols = 8;
    const next = gaussian(3);
    const src = Uint16Array.from({ length: rows * cols }, () => numberToBf16(next()));
    const blocks = new Uint8Array(cols * 16);
    const scales = new Uint8Array(cols);
    quantizeExpertSlice(src, rows, cols, "round-up", blocks, scales);
    const back = dequantizeMxfp4(blocks, scales, cols, 1);
    let err = 0;
    let sig = 0;
    for (let c = 0; c < cols; c++)
      for (let r = 0; r < rows; r++) {
        const x = bf16ToNumber(src[r * cols + c]!);
        err += (back[c * rows + r]! - x) ** 2;
        sig += x ** 2;
      }
    const rel = Math.sqrt(err / sig);
    assert.ok(rel > 0.02 && rel < 0.25, `relative error ${rel}`);
  });

  it("rejects non-finite input", () => {
    const src = new Uint16Array(32).fill(0x7f80);
    assert.throws(() => quantizeExpertSlice(src, 32, 1, "ocp", new Uint8Array(16), new Uint8Array(1)), /non-finite/);
  });
});

describe("narrow floats", () => {
  it("decodes BF16, F16, E4M3 and E5M2 bit patterns", () => {
    assert.equal(bf16ToNumber(0x3f80), 1);
    assert.equal(bf16ToNumber(0xc040), -3);
    assert.equal(numberToBf16(1.00390625), 0x3f80); // halfway: ties to even
    assert.equal(numberToBf16(1.01171875), 0x3f82);
    assert.equal(f16ToNumber(0x3c00), 1);
    assert.equal(f16ToNumber(0x0001), 2 ** -24);
    assert.equal(e4m3ToNumber(0x7e), 448);
    assert.ok(Number.isNaN(e4m3ToNumber(0x7f)));
    assert.equal(e4m3ToNumber(0x01), 2 ** -9);
    assert.equal(e4m3ToNumber(0x38), 1);
    assert.equal(e5m2ToNumber(0x3c), 1);
    assert.equal(e5m2ToNumber(0x7c), Number.POSITIVE_INFINITY);
  });

  it("encodes E4M3 to nearest, ties even, saturating at 448", () => {
    assert.equal(numberToE4m3(1), 0x38);
    assert.equal(numberToE4m3(1000), 0x7e);
    assert.equal(numberToE4m3(1.0625), 0x38); // halfway between 1 and 1.125: even code 0x38
    assert.equal(numberToE4m3(1.1875), 0x3a); // halfway between 1.125 (0x39) and 1.25 (0x3a)
    assert.equal(numberToE4m3(-2), 0xc0);
  });
});

describe("NVFP4", () => {
  it("dequantizes e2m1 × e4m3 block scale × global scale, low nibble first", () => {
    // One row of 16: codes 1..15,0 packed; block scale 2.0 (0x40); global 0.5.
    const codes = [...Array.from({ length: 15 }, (_, i) => i + 1), 0];
    const packed = packCodes(codes);
    const out = dequantizeNvfp4(packed, Uint8Array.of(0x40), 0.5, 1, 16);
    assert.deepEqual(
      [...out],
      codes.map((c) => E2M1_VALUES[c]!),
    );
  });

  it("quantizes like ModelOpt with a small round-trip error", () => {
    const next = gaussian(11);
    const values = Float32Array.from({ length: 4 * 32 }, () => next());
    const q = quantizeNvfp4(values, 4, 32);
    const back = dequantizeNvfp4(q.packed, q.blockScales, q.globalScale, 4, 32);
    let err = 0;
    let sig = 0;
    values.forEach((v, i) => {
      err += (back[i]! - v) ** 2;
      sig += v * v;
    });
    assert.ok(Math.sqrt(err / sig) < 0.2);
    assert.equal(q.globalScale, Math.fround(Math.max(...values.map(Math.abs)) / 2688));
  });
});
