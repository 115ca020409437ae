import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { convertToMxfp4 } from "../../src/checkpoint/convert.js";
import { inspectCheckpoint } from "../../src/checkpoint/inspect.js";
import { main } from "../../src/surfaces/cli/main.js";
import {
  type FixtureTensor,
  safetensorsBytes,
  TINY_MOE,
  tempDir,
  writeJson,
  writeMoeCheckpoint,
  writeNvfp4Checkpoint,
} from "./fixtures.js";

const errors = (r: { findings: Array<{ level: string; message: string }> }) =>
  r.findings.filter((f) => f.level === "error").map((f) => f.message);
const warnings = (r: { findings: Array<{ level: string; message: string }> }) =>
  r.findings.filter((f) => f.level === "warn").map((f) => f.message);

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { code: await main(args), stdout: out.join("") };
  } finally {
    process.stdout.write = write;
  }
}

describe("inspect", () => {
  it("reads a converted gpt-oss MoE: MXFP4 group 32, experts quantized, attention/router/embeddings not", async () => {
    const dir = await tempDir("insp-mx");
    await writeMoeCheckpoint(join(dir, "src"));
    await convertToMxfp4({ source: join(dir, "src"), destination: join(dir, "out"), progress: false });
    const src = await inspectCheckpoint(join(dir, "src"));
    const out = await inspectCheckpoint(join(dir, "out"));
    assert.equal(src.quantization.format, "BF16");
    assert.equal(out.quantization.format, "MXFP4");
    assert.deepEqual(out.quantization.groupSizes, [32]);
    assert.equal(out.parameters, src.parameters, "packed 4-bit weights count two per byte");
    const { layers, experts, hidden, inter } = TINY_MOE;
    assert.equal(out.auxiliaryElements, layers * experts * (2 * inter * (hidden / 32) + hidden * (inter / 32)));
    assert.deepEqual(
      out.quantization.quantized.map((g) => g.pattern),
      ["model.layers.*.mlp.experts.down_proj", "model.layers.*.mlp.experts.gate_up_proj"],
    );
    const excluded = out.quantization.excluded.map((g) => g.pattern);
    for (const m of ["lm_head", "model.embed_tokens", "model.layers.*.mlp.router", "model.layers.*.self_attn.q_proj"])
      assert.ok(excluded.includes(m), m);
    assert.equal(out.architecture, "GptOssForCausalLM");
    assert.deepEqual(out.files, ["model.safetensors"]);
    assert.equal(out.contextLength, 131072);
    assert.equal(out.serving.harmony, true);
    assert.deepEqual(out.serving.eos.missing, []);
    assert.equal(out.serving.tools, true);
    assert.deepEqual(errors(out), []);
    assert.equal(out.ok, true);
    // The BF16 source's generation config stops on 200002 only.
    assert.deepEqual(src.serving.eos.missing, [200012]);
    assert.ok(errors(src).some((m) => /200012/.test(m)));
  });

  it("measures NVFP4 group 16 and warns where hf_quant_config and the card say 128", async () => {
    const dir = await tempDir("insp-nv");
    await writeNvfp4Checkpoint(join(dir, "q"), join(dir, "s"), { cardGroup: 128 });
    await writeFile(
      join(dir, "q", "README.md"),
      "# Model\n- Quantization: AWQ + FP8 scales\n- Group Size: 128 (Standard)\n",
    );
    const r = await inspectCheckpoint(join(dir, "q"));
    assert.equal(r.quantization.format, "NVFP4");
    assert.deepEqual(r.quantization.groupSizes, [16]);
    assert.equal(r.quantization.declared?.algo, "NVFP4");
    assert.ok(
      warnings(r).some((m) => /hf_quant_config.json says group_size 128, but the tensor shapes give 16/.test(m)),
    );
    assert.ok(warnings(r).some((m) => /model card says group size 128/.test(m)));
    assert.deepEqual(r.serving.tiedEmbeddings, { configured: true, lmHeadTensor: false });
    assert.deepEqual(errors(r), []);
    assert.equal(r.serving.eos.required[0], 151645, "the eos id comes from tokenizer.json");
  });

  it("reports what vLLM would refuse: NVFP4_AWQ, missing required keys, W4A16 without input_scale", async () => {
    const dir = await tempDir("insp-bad");
    await writeNvfp4Checkpoint(join(dir, "awq"), join(dir, "s1"), { quantAlgo: "NVFP4_AWQ" });
    assert.ok(errors(await inspectCheckpoint(join(dir, "awq"))).some((m) => /NVFP4_AWQ is rejected by vLLM/.test(m)));
    await writeNvfp4Checkpoint(join(dir, "keys"), join(dir, "s2"), {
      dropKeys: ["kv_cache_quant_algo", "exclude_modules"],
    });
    const keys = errors(await inspectCheckpoint(join(dir, "keys")));
    assert.ok(keys.some((m) => /lacks "kv_cache_quant_algo"/.test(m)));
    assert.ok(keys.some((m) => /lacks "exclude_modules"/.test(m)));
    await writeNvfp4Checkpoint(join(dir, "w4a16"), join(dir, "s3"), { inputScale: false });
    const w4 = await inspectCheckpoint(join(dir, "w4a16"));
    assert.equal(w4.quantization.format, "W4A16_NVFP4");
    assert.ok(errors(w4).some((m) => /declares NVFP4 but the tensors are W4A16_NVFP4/.test(m)));
    const cmd = await cli(["checkpoint", "inspect", join(dir, "awq"), "--json"]);
    assert.equal(cmd.code, 1, "errors exit 1");
    assert.equal((JSON.parse(cmd.stdout) as { ok: boolean }).ok, false);
  });

  it("detects AWQ group 128, FP8 block scales, swizzled NVFP4 scales and undeclared quantization", async () => {
    const dir = await tempDir("insp-awq");
    const inF = 256;
    const outF = 64;
    const tensors: FixtureTensor[] = [
      {
        name: "model.layers.0.mlp.up_proj.qweight",
        dtype: "I32",
        shape: [inF, outF / 8],
        data: new Uint8Array((inF * outF) / 2),
      },
      {
        name: "model.layers.0.mlp.up_proj.qzeros",
        dtype: "I32",
        shape: [inF / 128, outF / 8],
        data: new Uint8Array(2 * 8 * 4),
      },
      {
        name: "model.layers.0.mlp.up_proj.scales",
        dtype: "F16",
        shape: [inF / 128, outF],
        data: new Uint8Array(2 * outF * 2),
      },
      {
        name: "model.layers.0.self_attn.q_proj.weight",
        dtype: "F8_E4M3",
        shape: [256, 256],
        data: new Uint8Array(65536),
      },
      {
        name: "model.layers.0.self_attn.q_proj.weight_scale_inv",
        dtype: "F32",
        shape: [2, 2],
        data: new Uint8Array(16),
      },
      { name: "model.layers.0.self_attn.q_proj.weight_scale", dtype: "F32", shape: [2, 2], data: new Uint8Array(16) },
      { name: "model.layers.0.mlp.down_proj.weight", dtype: "U8", shape: [32, 16], data: new Uint8Array(512) },
      { name: "model.layers.0.mlp.down_proj.weight_scale", dtype: "U8", shape: [64], data: new Uint8Array(64) },
      { name: "model.layers.0.mlp.down_proj.weight_scale_2", dtype: "F32", shape: [], data: new Uint8Array(4) },
    ];
    await writeFile(join(dir, "model.safetensors"), safetensorsBytes(tensors));
    await writeJson(dir, "config.json", { architectures: ["Qwen3ForCausalLM"], model_type: "qwen3" });
    const r = await inspectCheckpoint(dir);
    assert.equal(r.quantization.format, "mixed");
    assert.deepEqual(r.quantization.formats, { W4A16_AWQ: 1, FP8: 1, W4A16_NVFP4: 1 });
    assert.deepEqual(r.quantization.groupSizes, [128]);
    assert.equal(r.parameters, inF * outF + 256 * 256 + 32 * 32);
    const errs = errors(r);
    assert.ok(errs.some((m) => /swizzled/.test(m)));
    assert.ok(errs.some((m) => /neither hf_quant_config.json nor config.json quantization_config declares it/.test(m)));
    assert.ok(errs.some((m) => /no tokenizer/.test(m)));
    assert.ok(errs.some((m) => /no chat template/.test(m)));
  });

  it("prints a readable report", async () => {
    const dir = await tempDir("insp-txt");
    await writeNvfp4Checkpoint(join(dir, "q"), join(dir, "s"));
    const { code, stdout } = await cli(["checkpoint", "inspect", join(dir, "q")]);
    assert.equal(code, 0);
    assert.match(stdout, /quantization NVFP4, group 16 \(measured\); declared NVFP4 in hf_quant_config.json/);
    assert.match(stdout, /model\.layers\.\*\.self_attn\.q_proj ×2/);
    assert.match(stdout, /ok: nothing blocks serving/);
  });
});
