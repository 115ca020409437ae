/**
 * Build the fixture of scripts/gpu/verify-mxfp4-transformers.py on a CPU machine: a tiny BF16
 * gpt-oss checkpoint with Hugging Face's tensor names and config (random normal weights, seeded),
 * and its MXFP4 conversion by our own CLI code (`convertToMxfp4`, the round-up rule).
 *
 *   node --import tsx scripts/gpu/make-tiny-gpt-oss.ts OUT_DIR     → OUT_DIR/bf16, OUT_DIR/mxfp4
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { convertToMxfp4 } from "../../src/checkpoint/convert.js";
import { numberToBf16 } from "../../src/checkpoint/float-formats.js";
import { layoutFile, type TensorSpec } from "../../src/checkpoint/safetensors-layout.js";

const HIDDEN = 256;
const INTER = 256;
const LAYERS = 2;
const EXPERTS = 4;
const HEADS = 4;
const KV_HEADS = 2;
const HEAD_DIM = 64;
const VOCAB = 1024;

function specs(): TensorSpec[] {
  const list: TensorSpec[] = [{ name: "model.embed_tokens.weight", dtype: "BF16", shape: [VOCAB, HIDDEN] }];
  for (let l = 0; l < LAYERS; l++) {
    const p = `model.layers.${l}`;
    const add = (name: string, shape: number[]) => list.push({ name: `${p}.${name}`, dtype: "BF16", shape });
    add("input_layernorm.weight", [HIDDEN]);
    add("post_attention_layernorm.weight", [HIDDEN]);
    add("self_attn.q_proj.weight", [HEADS * HEAD_DIM, HIDDEN]);
    add("self_attn.q_proj.bias", [HEADS * HEAD_DIM]);
    add("self_attn.k_proj.weight", [KV_HEADS * HEAD_DIM, HIDDEN]);
    add("self_attn.k_proj.bias", [KV_HEADS * HEAD_DIM]);
    add("self_attn.v_proj.weight", [KV_HEADS * HEAD_DIM, HIDDEN]);
    add("self_attn.v_proj.bias", [KV_HEADS * HEAD_DIM]);
    add("self_attn.o_proj.weight", [HIDDEN, HEADS * HEAD_DIM]);
    add("self_attn.o_proj.bias", [HIDDEN]);
    add("self_attn.sinks", [HEADS]);
    add("mlp.router.weight", [EXPERTS, HIDDEN]);
    add("mlp.router.bias", [EXPERTS]);
    add("mlp.experts.gate_up_proj", [EXPERTS, HIDDEN, 2 * INTER]);
    add("mlp.experts.gate_up_proj_bias", [EXPERTS, 2 * INTER]);
    add("mlp.experts.down_proj", [EXPERTS, INTER, HIDDEN]);
    add("mlp.experts.down_proj_bias", [EXPERTS, HIDDEN]);
  }
  list.push({ name: "model.norm.weight", dtype: "BF16", shape: [HIDDEN] });
  list.push({ name: "lm_head.weight", dtype: "BF16", shape: [VOCAB, HIDDEN] });
  return list;
}

async function main(): Promise<void> {
  const out = resolve(process.argv[2] ?? "gpu-fixture");
  const bf16 = join(out, "bf16");
  await mkdir(bf16, { recursive: true });
  const layout = layoutFile(specs(), { format: "pt" });
  const data = Buffer.alloc(layout.size);
  layout.header.copy(data, 0);
  let s = 2024;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 2 ** 32;
  };
  for (const t of layout.tensors) {
    // Norm weights near 1, everything else small random normal values.
    const norm = /layernorm|model\.norm/.test(t.name);
    for (let k = 0; k < t.bytes; k += 2) {
      const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
      data.writeUInt16LE(numberToBf16(norm ? 1 + 0.01 * g : 0.05 * g), t.offset + k);
    }
  }
  await writeFile(join(bf16, "model.safetensors"), data);
  const config = {
    architectures: ["GptOssForCausalLM"],
    model_type: "gpt_oss",
    hidden_size: HIDDEN,
    intermediate_size: INTER,
    num_hidden_layers: LAYERS,
    num_attention_heads: HEADS,
    num_key_value_heads: KV_HEADS,
    head_dim: HEAD_DIM,
    num_local_experts: EXPERTS,
    num_experts_per_tok: 2,
    experts_per_token: 2,
    vocab_size: VOCAB,
    max_position_embeddings: 4096,
    initial_context_length: 4096,
    sliding_window: 128,
    layer_types: Array.from({ length: LAYERS }, (_, i) => (i % 2 === 0 ? "sliding_attention" : "full_attention")),
    rope_theta: 150000,
    rope_scaling: {
      rope_type: "yarn",
      factor: 32.0,
      beta_fast: 32.0,
      beta_slow: 1.0,
      truncate: false,
      original_max_position_embeddings: 4096,
    },
    rms_norm_eps: 1e-5,
    attention_bias: true,
    attention_dropout: 0.0,
    swiglu_limit: 7.0,
    hidden_act: "silu",
    initializer_range: 0.02,
    router_aux_loss_coef: 0.9,
    output_router_logits: false,
    tie_word_embeddings: false,
    torch_dtype: "bfloat16",
    use_cache: true,
    eos_token_id: 200002,
    pad_token_id: 199999,
  };
  await writeFile(join(bf16, "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  await writeFile(join(bf16, "generation_config.json"), `${JSON.stringify({ eos_token_id: [200002] }, null, 2)}\n`);
  const result = await convertToMxfp4({ source: bf16, destination: join(out, "mxfp4"), progress: false });
  process.stdout.write(`${out}: bf16 and mxfp4 (${result.quantized.length} expert tensors, rule ${result.rule})\n`);
}

await main();
