import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { describe, it } from "node:test";
import { openCheckpoint } from "../../src/checkpoint/checkpoint-dir.js";
import { convertToMxfp4 } from "../../src/checkpoint/convert.js";
import { bf16ToNumber } from "../../src/checkpoint/float-formats.js";
import { quantizeGroup } from "../../src/checkpoint/mxfp4-codec.js";
import { ProgressBar } from "../../src/checkpoint/progress.js";
import { main } from "../../src/surfaces/cli/main.js";
import { safetensorsBytes, TINY_MOE, tempDir, writeGptOssSideFiles, writeMoeCheckpoint } from "./fixtures.js";

async function capture(run: () => Promise<number>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await run();
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
  }
}

describe("convert-mxfp4", () => {
  it("transposes, quantizes the experts by the rule, copies the rest, and writes the serving files", async () => {
    const dir = await tempDir("conv");
    const tensors = await writeMoeCheckpoint(join(dir, "src"), { shards: 2 });
    const result = await convertToMxfp4({
      source: join(dir, "src"),
      destination: join(dir, "out"),
      workers: 2,
      progress: false,
    });
    assert.equal(result.quantized.length, 4);
    assert.deepEqual(result.files, ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]);
    const out = await openCheckpoint(join(dir, "out"));
    try {
      const { experts: e, hidden: h, inter: i } = TINY_MOE;
      const blocks = out.tensors.get("model.layers.1.mlp.experts.gate_up_proj_blocks")!;
      assert.equal(blocks.info.dtype, "U8");
      assert.deepEqual(blocks.info.shape, [e, 2 * i, h / 32, 16], "[E, out, in/32, 16]");
      assert.deepEqual(out.tensors.get("model.layers.1.mlp.experts.down_proj_scales")!.info.shape, [e, h, i / 32]);
      assert.equal(out.tensors.has("model.layers.1.mlp.experts.gate_up_proj"), false);
      // Expert 2, output row 5 (an up row: odd rows are up, the interleave is kept), group 1: it
      // must hold source [2, 32..63, 5] quantized by the scalar specification.
      const src = tensors.find((t) => t.name === "model.layers.1.mlp.experts.gate_up_proj")!;
      const bits = new Uint16Array(src.data.buffer, src.data.byteOffset, src.data.length / 2);
      const cols = 2 * i;
      const group = Array.from({ length: 32 }, (_, k) => bf16ToNumber(bits[(2 * h + 32 + k) * cols + 5]!));
      const expected = quantizeGroup(group, "round-up");
      const groups = h / 32;
      const row = 2 * cols + 5;
      const scales = out.tensors.get("model.layers.1.mlp.experts.gate_up_proj_scales")!;
      const scale = await scales.file.read(scales.info, row * groups + 1, 1);
      assert.equal(scale[0], expected.scale);
      const packed = await blocks.file.read(blocks.info, (row * groups + 1) * 16, 16);
      const codes = [...packed].flatMap((b) => [b & 0xf, b >> 4]);
      assert.deepEqual(codes, expected.codes, "low nibble = even element");
      // Every other tensor is copied byte for byte.
      const bias = out.tensors.get("model.layers.0.mlp.experts.down_proj_bias")!;
      const srcBias = tensors.find((t) => t.name === "model.layers.0.mlp.experts.down_proj_bias")!;
      assert.deepEqual(new Uint8Array(await bias.file.read(bias.info)), srcBias.data);
      assert.equal(out.json.config?.model_type, "gpt_oss");
      const qc = out.json.config?.quantization_config as { quant_method: string; modules_to_not_convert: string[] };
      assert.equal(qc.quant_method, "mxfp4");
      assert.ok(qc.modules_to_not_convert.includes("model.layers.*.mlp.router"));
      assert.deepEqual(out.json.generationConfig?.eos_token_id, [200002, 200012]);
      assert.ok(out.index, "a sharded source gives a sharded output with an index");
      assert.equal(out.index.weightMap["model.layers.1.mlp.experts.gate_up_proj_blocks"], basename(blocks.file.path));
    } finally {
      await out.close();
    }
    const names = await readdir(join(dir, "out"));
    for (const side of ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"])
      assert.ok(names.includes(side), side);
    assert.deepEqual((await readdir(dir)).sort(), ["out", "src"], "no staging directory left behind");
  });

  it("gives different bytes for the two scale rules and the same bytes for one rule at any worker count", async () => {
    const dir = await tempDir("rules");
    await writeMoeCheckpoint(join(dir, "src"));
    const run = async (name: string, rule: "round-up" | "ocp", workers: number, jobBytes?: number) => {
      await convertToMxfp4({
        source: join(dir, "src"),
        destination: join(dir, name),
        rule,
        workers,
        progress: false,
        ...(jobBytes ? { jobBytes } : {}),
      });
      return readFile(join(dir, name, "model.safetensors"));
    };
    const a = await run("a", "round-up", 1);
    const b = await run("b", "round-up", 2, 2048); // small jobs split experts by output columns
    const c = await run("c", "ocp", 2);
    assert.ok(a.equals(b));
    assert.ok(!a.equals(c));
    assert.equal(a.length, c.length);
  });

  it("refuses an existing destination and an already-MXFP4 source, and leaves nothing on failure", async () => {
    const dir = await tempDir("fail");
    await writeMoeCheckpoint(join(dir, "src"));
    await convertToMxfp4({ source: join(dir, "src"), destination: join(dir, "out"), progress: false });
    await assert.rejects(convertToMxfp4({ source: join(dir, "src"), destination: join(dir, "out") }), /already exists/);
    await assert.rejects(
      convertToMxfp4({ source: join(dir, "out"), destination: join(dir, "again") }),
      /already MXFP4/,
    );
    // A NaN in the last expert fails a worker after other jobs already wrote their bytes.
    const bad = join(dir, "bad");
    const tensors = await writeMoeCheckpoint(bad);
    const target = tensors.find((t) => t.name === "model.layers.1.mlp.experts.down_proj")!;
    target.data[target.data.length - 1] = 0x7f;
    target.data[target.data.length - 2] = 0xc0;
    await writeFile(join(bad, "model.safetensors"), safetensorsBytes(tensors));
    await assert.rejects(
      convertToMxfp4({ source: bad, destination: join(dir, "bad-out"), workers: 2, progress: false }),
      /non-finite/,
    );
    assert.deepEqual((await readdir(dir)).sort(), ["bad", "out", "src"], "complete or absent");
  });

  it("leaves nothing behind when cancelled", async () => {
    const dir = await tempDir("abort");
    await writeMoeCheckpoint(join(dir, "src"));
    const controller = new AbortController();
    controller.abort(new Error("cancelled by the test"));
    await assert.rejects(
      convertToMxfp4({
        source: join(dir, "src"),
        destination: join(dir, "out"),
        signal: controller.signal,
        progress: false,
      }),
      /cancelled by the test/,
    );
    assert.deepEqual(await readdir(dir), ["src"]);
  });

  it("rejects a checkpoint that is not gpt-oss-shaped", async () => {
    const dir = await tempDir("dense");
    await writeGptOssSideFiles(dir);
    await writeFile(
      join(dir, "model.safetensors"),
      safetensorsBytes([{ name: "model.embed_tokens.weight", dtype: "BF16", shape: [4, 4], data: new Uint8Array(32) }]),
    );
    await assert.rejects(
      convertToMxfp4({ source: dir, destination: join(dir, "..", "x-out") }),
      /no BF16 expert weights/,
    );
  });

  it("runs from the command line with --json and reports bad flags with exit 2", async () => {
    const dir = await tempDir("cli");
    await writeMoeCheckpoint(join(dir, "src"));
    const ok = await capture(() =>
      main([
        "checkpoint",
        "convert-mxfp4",
        join(dir, "src"),
        join(dir, "out"),
        "--scale-rule",
        "ocp",
        "--json",
        "--no-progress",
      ]),
    );
    assert.equal(ok.code, 0, ok.stderr);
    const result = JSON.parse(ok.stdout) as { rule: string; quantized: string[] };
    assert.equal(result.rule, "ocp");
    assert.equal(result.quantized.length, 4);
    const bad = await capture(() =>
      main(["checkpoint", "convert-mxfp4", join(dir, "src"), join(dir, "o2"), "--scale-rule", "floor"]),
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--scale-rule expects round-up or ocp/);
    // A corrupt weight file is bad input: exit 2 and one sentence naming the file.
    await writeFile(join(dir, "src", "model.safetensors"), Buffer.from("not a safetensors file"));
    const corrupt = await capture(() => main(["checkpoint", "inspect", join(dir, "src")]));
    assert.equal(corrupt.code, 2);
    assert.match(corrupt.stderr, /model\.safetensors: header length \d+ exceeds|model\.safetensors: .*header/);
  });
});

describe("progress bar", () => {
  it("draws on a terminal sink only, with percentage and bytes", () => {
    const lines: string[] = [];
    const bar = new ProgressBar("convert", 2_000_000, { isTTY: true, write: (s: string) => lines.push(s) });
    bar.advance(1_000_000);
    bar.advance(1_000_000);
    bar.finish();
    assert.ok(lines.some((l) => l.includes(" 50%") || l.includes("100%")));
    assert.match(lines[lines.length - 1]!, /100% 2\.0 MB\/2\.0 MB/);
    const silent: string[] = [];
    const quiet = new ProgressBar("convert", 10, { isTTY: false, write: (s: string) => silent.push(s) });
    quiet.advance(10);
    quiet.finish();
    assert.deepEqual(silent, []);
  });
});
