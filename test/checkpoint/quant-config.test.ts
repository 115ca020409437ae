import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  cardGroupSizes,
  checkQuantConfig,
  declaredQuantization,
  moduleMatches,
} from "../../src/checkpoint/quant-config-checks.js";
import { detectQuantization } from "../../src/checkpoint/quant-detect.js";
import type { TensorInfo } from "../../src/checkpoint/safetensors-header.js";

function tensors(list: Array<[string, TensorInfo["dtype"], number[]]>): Map<string, TensorInfo> {
  let offset = 0;
  return new Map(
    list.map(([name, dtype, shape]) => {
      const elements = shape.reduce((a, b) => a * b, 1);
      const bytes = dtype === "F32" ? 4 * elements : dtype === "BF16" ? 2 * elements : elements;
      const info: TensorInfo = { name, dtype, shape, elements, begin: offset, end: offset + bytes };
      offset += bytes;
      return [name, info];
    }),
  );
}

describe("quantization config checks", () => {
  it("matches exclude patterns as vLLM and HF do: wildcards, and modules under a pattern", () => {
    const gptOss = ["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"];
    assert.ok(moduleMatches("model.layers.3.self_attn.q_proj", gptOss));
    assert.ok(moduleMatches("model.layers.10.mlp.router", gptOss));
    assert.ok(moduleMatches("lm_head", gptOss));
    assert.equal(moduleMatches("model.layers.3.mlp.experts.gate_up_proj", gptOss), false);
    assert.ok(moduleMatches("model.layers.0.mlp.down_proj", ["*down_proj*"]));
  });

  it("reads group sizes from a card in its usual spellings", () => {
    assert.deepEqual(cardGroupSizes("Group Size: 128 (Standard)"), [128]);
    assert.deepEqual(cardGroupSizes("NVFP4 (W4A4, group_size=16)"), [16]);
    assert.deepEqual(cardGroupSizes("| group size | 32 |"), [32]);
    assert.deepEqual(cardGroupSizes("no claim here"), []);
  });

  it("reads a config.json modelopt block (ignore list, kv_cache_scheme) and checks it against the tensors", () => {
    const config = {
      quantization_config: {
        quant_method: "modelopt",
        quant_algo: "nvfp4",
        group_size: 16,
        ignore: ["lm_head", "model.layers.*.mlp.gate"],
        kv_cache_scheme: { type: "float", num_bits: 8 },
      },
    };
    const declared = declaredQuantization(config, undefined);
    assert.deepEqual(declared, {
      source: "config.json",
      method: "modelopt",
      algo: "NVFP4",
      groupSize: 16,
      excludes: ["lm_head", "model.layers.*.mlp.gate"],
      kvCache: "float8",
    });
    const detection = detectQuantization(
      tensors([
        ["model.layers.0.mlp.up_proj.weight", "U8", [32, 16]],
        ["model.layers.0.mlp.up_proj.weight_scale", "F8_E4M3", [32, 2]],
        ["model.layers.0.mlp.up_proj.weight_scale_2", "F32", []],
        ["model.layers.0.mlp.up_proj.input_scale", "F32", []],
        ["model.layers.0.mlp.gate.weight", "BF16", [8, 32]],
        ["model.layers.0.self_attn.o_proj.weight", "BF16", [32, 32]],
      ]),
    );
    assert.equal(detection.format, "NVFP4");
    assert.deepEqual(detection.groupSizes, [16]);
    assert.deepEqual(detection.denseLinear, ["model.layers.0.mlp.gate", "model.layers.0.self_attn.o_proj"]);
    const findings = checkQuantConfig({ detection, config });
    const errors = findings.filter((f) => f.level === "error").map((f) => f.message);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /1 unquantized linear modules are not excluded .* model\.layers\.0\.self_attn\.o_proj/);
    assert.ok(findings.some((f) => f.level === "warn" && /quantized KV cache \(float8\)/.test(f.message)));
  });

  it("flags a declaration the tensors do not hold", () => {
    const detection = detectQuantization(
      tensors([
        ["model.layers.0.mlp.experts.down_proj_blocks", "U8", [2, 32, 1, 16]],
        ["model.layers.0.mlp.experts.down_proj_scales", "U8", [2, 32, 1]],
      ]),
    );
    const findings = checkQuantConfig({
      detection,
      hfQuantConfig: { producer: { name: "modelopt" }, quantization: { quant_algo: "FP8", exclude_modules: [] } },
    });
    assert.ok(findings.some((f) => f.level === "error" && /declares FP8 but the tensors are MXFP4/.test(f.message)));
  });
});
