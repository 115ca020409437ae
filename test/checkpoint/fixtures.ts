/**
 * Tiny checkpoints for the checkpoint tests, written by a safetensors writer independent of the
 * one under test (insertion order, its own JSON): gpt-oss-shaped MoE in BF16, Qwen3-shaped NVFP4
 * layers, sharded variants, and raw bytes for corrupt files.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { numberToBf16 } from "../../src/checkpoint/float-formats.js";
import { quantizeNvfp4 } from "../../src/checkpoint/nvfp4-codec.js";

export interface FixtureTensor {
  name: string;
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** Raw safetensors bytes; `header` overrides the JSON entirely (for corrupt files). */
export function safetensorsBytes(
  tensors: FixtureTensor[],
  options: { metadata?: Record<string, string> } = {},
): Buffer {
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  return withHeader(JSON.stringify(header), Buffer.concat(tensors.map((t) => Buffer.from(t.data))));
}

/** A file from a header text and a data buffer (padding the header to 8 bytes with spaces). */
export function withHeader(json: string, data: Buffer): Buffer {
  const padded = json + " ".repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(Buffer.byteLength(padded)));
  return Buffer.concat([prefix, Buffer.from(padded), data]);
}

/** A seeded normal generator (xorshift + Box–Muller) so fixtures are the same on every run. */
export function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** BF16 bytes of values. */
export function bf16Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = numberToBf16(values[i]!);
  return new Uint8Array(out.buffer);
}

export function randomBf16(shape: number[], seed: number, scale = 0.02): FixtureTensor["data"] {
  const n = shape.reduce((a, b) => a * b, 1);
  const next = gaussian(seed);
  return bf16Bytes(Float64Array.from({ length: n }, () => next() * scale));
}

const created: string[] = [];
// Every temporary checkpoint goes when the test file's tests are done.
after(async () => {
  await Promise.all(created.map((dir) => rm(dir, { recursive: true, force: true })));
});

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `fc-ckpt-${prefix}-`));
  created.push(dir);
  return dir;
}

export async function writeJson(dir: string, name: string, value: unknown): Promise<void> {
  await writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
}

export interface MoeShape {
  layers: number;
  experts: number;
  hidden: number;
  inter: number;
  vocab: number;
}

export const TINY_MOE: MoeShape = { layers: 2, experts: 4, hidden: 64, inter: 32, vocab: 96 };

/** The tensors of a gpt-oss-shaped BF16 checkpoint (HF layout: experts [E, in, out]). */
export function moeTensors(shape: MoeShape = TINY_MOE): FixtureTensor[] {
  const { layers, experts: e, hidden: h, inter: i, vocab: v } = shape;
  const tensors: FixtureTensor[] = [];
  let seed = 1;
  const add = (name: string, dims: number[], dtype = "BF16") =>
    tensors.push({ name, dtype, shape: dims, data: randomBf16(dims, seed++) });
  add("model.embed_tokens.weight", [v, h]);
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    add(`${p}.input_layernorm.weight`, [h]);
    add(`${p}.self_attn.q_proj.weight`, [h, h]);
    add(`${p}.self_attn.k_proj.weight`, [h / 2, h]);
    add(`${p}.self_attn.v_proj.weight`, [h / 2, h]);
    add(`${p}.self_attn.o_proj.weight`, [h, h]);
    add(`${p}.mlp.router.weight`, [e, h]);
    add(`${p}.mlp.router.bias`, [e]);
    add(`${p}.mlp.experts.gate_up_proj`, [e, h, 2 * i]);
    add(`${p}.mlp.experts.gate_up_proj_bias`, [e, 2 * i]);
    add(`${p}.mlp.experts.down_proj`, [e, i, h]);
    add(`${p}.mlp.experts.down_proj_bias`, [e, h]);
  }
  add("model.norm.weight", [h]);
  add("lm_head.weight", [v, h]);
  return tensors;
}

/** Config, generation config, tokenizer and chat template of a gpt-oss-like model. */
export async function writeGptOssSideFiles(dir: string, shape: MoeShape = TINY_MOE, eos: number[] = [200002]) {
  await writeJson(dir, "config.json", {
    architectures: ["GptOssForCausalLM"],
    model_type: "gpt_oss",
    hidden_size: shape.hidden,
    intermediate_size: shape.inter,
    num_hidden_layers: shape.layers,
    num_local_experts: shape.experts,
    vocab_size: shape.vocab,
    max_position_embeddings: 131072,
    tie_word_embeddings: false,
  });
  await writeJson(dir, "generation_config.json", { bos_token_id: 199998, eos_token_id: eos });
  await writeJson(dir, "tokenizer.json", {
    added_tokens: [
      { id: 200002, content: "<|return|>" },
      { id: 200012, content: "<|call|>" },
    ],
  });
  await writeJson(dir, "tokenizer_config.json", { eos_token: "<|return|>" });
  await writeFile(
    join(dir, "chat_template.jinja"),
    "{%- if tools %}namespace functions {% for t in tools %}{{ t.name }}{% endfor %}{%- endif %}<|start|>",
  );
}

/** A gpt-oss-shaped BF16 checkpoint in one file or `shards` files with an index. */
export async function writeMoeCheckpoint(dir: string, options: { shards?: number; shape?: MoeShape } = {}) {
  await mkdir(dir, { recursive: true });
  const tensors = moeTensors(options.shape);
  const shards = options.shards ?? 1;
  if (shards === 1) {
    await writeFile(join(dir, "model.safetensors"), safetensorsBytes(tensors, { metadata: { format: "pt" } }));
  } else {
    const weightMap: Record<string, string> = {};
    let total = 0;
    for (let s = 0; s < shards; s++) {
      const name = `model-${String(s + 1).padStart(5, "0")}-of-${String(shards).padStart(5, "0")}.safetensors`;
      const part = tensors.filter((_, k) => k % shards === s);
      for (const t of part) {
        weightMap[t.name] = name;
        total += t.data.length;
      }
      await writeFile(join(dir, name), safetensorsBytes(part, { metadata: { format: "pt" } }));
    }
    await writeJson(dir, "model.safetensors.index.json", { metadata: { total_size: total }, weight_map: weightMap });
  }
  await writeGptOssSideFiles(dir, options.shape);
  return tensors;
}

/**
 * A Qwen3-shaped checkpoint of `layers` decoder layers with NVFP4 linear layers (ModelOpt
 * tensors, group 16), BF16 norms, BF16 embeddings tied to the output; plus its BF16 source.
 */
export async function writeNvfp4Checkpoint(
  dir: string,
  sourceDir: string,
  options: { layers?: number; cardGroup?: number; inputScale?: boolean; quantAlgo?: string; dropKeys?: string[] } = {},
) {
  const hidden = 64;
  const inter = 96;
  const layers = options.layers ?? 2;
  const quant: FixtureTensor[] = [];
  const source: FixtureTensor[] = [];
  let seed = 100;
  const f32 = (value: number) => new Uint8Array(Float32Array.of(value).buffer);
  const linear = (name: string, rows: number, cols: number) => {
    const next = gaussian(seed++);
    const values = Float32Array.from({ length: rows * cols }, () => next() * 0.05);
    const bf16 = bf16Bytes(values);
    source.push({ name: `${name}.weight`, dtype: "BF16", shape: [rows, cols], data: bf16 });
    // Quantize what the BF16 source holds, as ModelOpt does.
    const rounded = new Float32Array(new Uint16Array(bf16.buffer).length);
    const bits = new Uint16Array(bf16.buffer);
    const u32 = new Uint32Array(rounded.buffer);
    for (let k = 0; k < bits.length; k++) u32[k] = bits[k]! << 16;
    const q = quantizeNvfp4(rounded, rows, cols);
    quant.push({ name: `${name}.weight`, dtype: "U8", shape: [rows, cols / 2], data: q.packed });
    quant.push({ name: `${name}.weight_scale`, dtype: "F8_E4M3", shape: [rows, cols / 16], data: q.blockScales });
    quant.push({ name: `${name}.weight_scale_2`, dtype: "F32", shape: [], data: f32(q.globalScale) });
    if (options.inputScale !== false)
      quant.push({ name: `${name}.input_scale`, dtype: "F32", shape: [], data: f32(0.01) });
  };
  const plain = (name: string, dims: number[]) => {
    const data = randomBf16(dims, seed++);
    source.push({ name, dtype: "BF16", shape: dims, data });
    quant.push({ name, dtype: "BF16", shape: dims, data });
  };
  plain("model.embed_tokens.weight", [128, hidden]);
  for (let l = 0; l < layers; l++) {
    const p = `model.layers.${l}`;
    plain(`${p}.input_layernorm.weight`, [hidden]);
    for (const proj of ["q_proj", "k_proj", "v_proj", "o_proj"]) linear(`${p}.self_attn.${proj}`, hidden, hidden);
    plain(`${p}.self_attn.q_norm.weight`, [16]);
    linear(`${p}.mlp.gate_proj`, inter, hidden);
    linear(`${p}.mlp.up_proj`, inter, hidden);
    linear(`${p}.mlp.down_proj`, hidden, inter);
  }
  plain("model.norm.weight", [hidden]);
  const config = {
    architectures: ["Qwen3ForCausalLM"],
    model_type: "qwen3",
    hidden_size: hidden,
    num_hidden_layers: layers,
    max_position_embeddings: 262144,
    tie_word_embeddings: true,
  };
  for (const [d, tensors] of [
    [dir, quant],
    [sourceDir, source],
  ] as const) {
    await mkdir(d, { recursive: true });
    await writeFile(join(d, "model.safetensors"), safetensorsBytes(tensors));
    await writeJson(d, "config.json", config);
    await writeJson(d, "generation_config.json", { eos_token_id: [151645, 151643] });
    await writeJson(d, "tokenizer.json", { added_tokens: [{ id: 151645, content: "<|im_end|>" }] });
    await writeJson(d, "tokenizer_config.json", {
      eos_token: "<|im_end|>",
      chat_template: "{% if tools %}<tools>{% for tool in tools %}{{ tool | tojson }}{% endfor %}</tools>{% endif %}",
    });
  }
  const quantization: Record<string, unknown> = {
    quant_algo: options.quantAlgo ?? "NVFP4",
    kv_cache_quant_algo: null,
    group_size: options.cardGroup ?? 16,
    exclude_modules: ["lm_head"],
  };
  for (const key of options.dropKeys ?? []) delete quantization[key];
  await writeJson(dir, "hf_quant_config.json", { producer: { name: "modelopt", version: "0.44.0" }, quantization });
  return { quant, source };
}
