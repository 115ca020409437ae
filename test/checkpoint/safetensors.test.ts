import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openCheckpoint } from "../../src/checkpoint/checkpoint-dir.js";
import { CheckpointError } from "../../src/checkpoint/errors.js";
import { SafetensorsFile } from "../../src/checkpoint/safetensors-file.js";
import { parseHeader } from "../../src/checkpoint/safetensors-header.js";
import { layoutFile } from "../../src/checkpoint/safetensors-layout.js";
import { safetensorsBytes, tempDir, withHeader, writeJson, writeMoeCheckpoint } from "./fixtures.js";

async function fileWith(bytes: Buffer): Promise<string> {
  const dir = await tempDir("st");
  const path = join(dir, "model.safetensors");
  await writeFile(path, bytes);
  return path;
}

describe("safetensors reader", () => {
  it("reads the header, metadata and the narrow dtypes, and streams byte ranges", async () => {
    const path = await fileWith(
      safetensorsBytes(
        [
          { name: "w", dtype: "BF16", shape: [2, 3], data: Uint8Array.from({ length: 12 }, (_, i) => i) },
          { name: "s", dtype: "E8M0", shape: [2], data: Uint8Array.of(127, 128) },
          { name: "e4", dtype: "F8_E4M3", shape: [1], data: Uint8Array.of(0x38) },
          { name: "e5", dtype: "F8_E5M2", shape: [1], data: Uint8Array.of(0x3c) },
          { name: "f4", dtype: "F4", shape: [4], data: Uint8Array.of(0x21, 0x43) },
          { name: "u", dtype: "U8", shape: [1], data: Uint8Array.of(9) },
          { name: "i", dtype: "I8", shape: [1], data: Uint8Array.of(0xff) },
          { name: "h", dtype: "F16", shape: [1], data: Uint8Array.of(0x00, 0x3c) },
          { name: "f", dtype: "F32", shape: [], data: new Uint8Array(Float32Array.of(2.5).buffer) },
        ],
        { metadata: { format: "pt" } },
      ),
    );
    const file = await SafetensorsFile.open(path);
    try {
      assert.equal(file.header.metadata.format, "pt");
      assert.equal(file.header.dataStart % 8, 0, "the header is padded to 8 bytes");
      const byName = new Map(file.header.tensors.map((t) => [t.name, t]));
      assert.equal(byName.get("s")!.dtype, "F8_E8M0", "E8M0 is an alias of F8_E8M0");
      assert.equal(byName.get("f4")!.elements, 4, "F4 counts two elements per byte");
      assert.equal(byName.get("f")!.elements, 1, "a scalar has one element");
      assert.deepEqual([...(await file.read(byName.get("w")!, 4, 4))], [4, 5, 6, 7]);
      await assert.rejects(file.read(byName.get("w")!, 10, 4), RangeError);
    } finally {
      await file.close();
    }
  });

  const rejects = async (bytes: Buffer, pattern: RegExp) => {
    const path = await fileWith(bytes);
    await assert.rejects(SafetensorsFile.open(path), (error: unknown) => {
      assert.ok(error instanceof CheckpointError, String(error));
      assert.match((error as Error).message, pattern);
      return true;
    });
  };

  it("rejects a corrupt header: not JSON, too long, past the end of the file, not an object", async () => {
    await rejects(withHeader('{"a": {"dtype": "U8", ', Buffer.alloc(0)), /not JSON/);
    const huge = Buffer.alloc(16);
    huge.writeBigUInt64LE(200_000_000n);
    await rejects(huge, /exceeds the 100000000-byte limit/);
    const short = Buffer.alloc(16);
    short.writeBigUInt64LE(64n);
    await rejects(short, /runs past the end/);
    await rejects(Buffer.alloc(4), /too short/);
    await rejects(withHeader("[1, 2]", Buffer.alloc(0)), /does not start with|not a JSON object/);
  });

  it("rejects overlapping offsets, gaps, size mismatches, unknown dtypes and bad metadata", async () => {
    const data = Buffer.alloc(8);
    await rejects(
      withHeader(
        JSON.stringify({
          a: { dtype: "U8", shape: [6], data_offsets: [0, 6] },
          b: { dtype: "U8", shape: [4], data_offsets: [4, 8] },
        }),
        data,
      ),
      /overlaps/,
    );
    await rejects(
      withHeader(
        JSON.stringify({
          a: { dtype: "U8", shape: [2], data_offsets: [0, 2] },
          b: { dtype: "U8", shape: [4], data_offsets: [4, 8] },
        }),
        data,
      ),
      /gap of 2 bytes/,
    );
    await rejects(
      withHeader(JSON.stringify({ a: { dtype: "BF16", shape: [3], data_offsets: [0, 8] } }), data),
      /needs 6 bytes/,
    );
    await rejects(
      withHeader(JSON.stringify({ a: { dtype: "Q4", shape: [8], data_offsets: [0, 8] } }), data),
      /unknown dtype/,
    );
    await rejects(
      withHeader(JSON.stringify({ a: { dtype: "U8", shape: [-8], data_offsets: [0, 8] } }), data),
      /invalid shape/,
    );
    await rejects(
      withHeader(
        JSON.stringify({ __metadata__: { n: 1 }, a: { dtype: "U8", shape: [8], data_offsets: [0, 8] } }),
        data,
      ),
      /__metadata__.n is not a string/,
    );
    await rejects(
      withHeader(JSON.stringify({ a: { dtype: "U8", shape: [4], data_offsets: [0, 4] } }), data),
      /trailing bytes/,
    );
  });

  it("rejects a truncated file", async () => {
    const full = safetensorsBytes([{ name: "a", dtype: "F32", shape: [64], data: new Uint8Array(256) }]);
    await rejects(full.subarray(0, full.length - 10), /truncated/);
  });

  it("parses what the layout writer produces (order: alignment, then name)", () => {
    const layout = layoutFile(
      [
        { name: "b.scales", dtype: "U8", shape: [3] },
        { name: "a.weight", dtype: "BF16", shape: [2, 2] },
        { name: "c", dtype: "F32", shape: [] },
      ],
      { format: "pt" },
    );
    const n = Number(layout.header.readBigUInt64LE(0));
    assert.equal(n % 8, 0);
    const header = parseHeader(layout.header.subarray(8).toString(), n, layout.size - 8 - n, "layout");
    assert.deepEqual(
      header.tensors.map((t) => t.name),
      ["c", "a.weight", "b.scales"],
    );
    assert.equal(layout.tensors[0]!.offset, 8 + n);
  });
});

describe("checkpoint directories", () => {
  it("opens a sharded checkpoint through its index", async () => {
    const dir = await tempDir("shard");
    const tensors = await writeMoeCheckpoint(dir, { shards: 3 });
    const ckpt = await openCheckpoint(dir);
    try {
      assert.equal(ckpt.files.length, 3);
      assert.equal(ckpt.tensors.size, tensors.length);
      assert.ok(ckpt.index);
      assert.equal(ckpt.json.config?.model_type, "gpt_oss");
    } finally {
      await ckpt.close();
    }
  });

  it("rejects an index naming a missing shard, a shard outside the directory, or the wrong shard", async () => {
    const dir = await tempDir("badindex");
    await writeMoeCheckpoint(dir, { shards: 2 });
    const index = JSON.parse(await readFile(join(dir, "model.safetensors.index.json"), "utf8")) as {
      weight_map: Record<string, string>;
    };
    const name = Object.keys(index.weight_map)[0]!;
    const other = Object.values(index.weight_map).find((f) => f !== index.weight_map[name])!;
    await writeJson(dir, "model.safetensors.index.json", { weight_map: { ...index.weight_map, [name]: other } });
    await assert.rejects(openCheckpoint(dir), /maps .* but it is in/);
    await writeJson(dir, "model.safetensors.index.json", {
      weight_map: { ...index.weight_map, [name]: "../x.safetensors" },
    });
    await assert.rejects(openCheckpoint(dir), /not a shard file name/);
    await writeJson(dir, "model.safetensors.index.json", {
      weight_map: { ...index.weight_map, [name]: "model-00009-of-00009.safetensors" },
    });
    await assert.rejects(openCheckpoint(dir), /which is not in/);
  });

  it("says so when a directory has no weights", async () => {
    const dir = await tempDir("empty");
    await assert.rejects(openCheckpoint(dir), /holds no \.safetensors file/);
    await assert.rejects(openCheckpoint(join(dir, "missing")), CheckpointError);
  });
});
