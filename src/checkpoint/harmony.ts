/**
 * The gpt-oss (harmony) facts checkpoint tools need: the stop tokens generation must end on and
 * the `quantization_config` block of the official MXFP4 checkpoints.
 */

/** `<|return|>`: the end of a final answer. */
export const HARMONY_RETURN = 200002;
/** `<|call|>`: the end of a tool call; without it generation runs past the call and the parser fails. */
export const HARMONY_CALL = 200012;
/** The eos ids a harmony model's generation_config.json must list. */
export const HARMONY_EOS_IDS: readonly number[] = [HARMONY_RETURN, HARMONY_CALL];

/** The gpt-oss MXFP4 block, verbatim: only the MoE experts are quantized. */
export const MXFP4_QUANTIZATION_CONFIG = {
  quant_method: "mxfp4",
  modules_to_not_convert: ["model.layers.*.self_attn", "model.layers.*.mlp.router", "model.embed_tokens", "lm_head"],
} as const;

/** `eos_token_id` of a generation config as a list (it may be a number, a list or absent). */
export function eosIds(generationConfig: Record<string, unknown> | undefined): number[] {
  const value = generationConfig?.eos_token_id;
  if (typeof value === "number") return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === "number");
  return [];
}
