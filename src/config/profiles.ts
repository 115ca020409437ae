/**
 * Model profiles: the request defaults each model family works best with. A profile only fills
 * what the user did not set. `auto` picks one from the model id.
 */
import type { ChatRequestOptions } from "../llm/types.js";
import type { TokenizerFamily } from "../tokens/counter.js";
import type { Config } from "./schema.js";

export type ProfileName = "fastcontext-4b" | "qwen3" | "gpt-oss" | "openai";

export interface Profile {
  name: ProfileName;
  description: string;
  sampling: Omit<ChatRequestOptions, "tool_choice" | "max_completion_tokens" | "model">;
  maxCompletionTokens: number;
  tokenizer: TokenizerFamily;
}

export const PROFILES: Record<ProfileName, Profile> = {
  // FastContext-1.0-4B (SFT/RL, GGUF, NVFP4): Qwen3-4B-Instruct-2507 based, no thinking, hermes
  // tool calls. Field reports found temperature 0.2 more reliable than 0.7 or the RL-time 1.0.
  "fastcontext-4b": {
    name: "fastcontext-4b",
    description: "FastContext-1.0-4B (RL/SFT/NVFP4): temperature 0.2, top_p 0.8, top_k 20, thinking off",
    sampling: { temperature: 0.2, top_p: 0.8, top_k: 20, chat_template_kwargs: { enable_thinking: false } },
    maxCompletionTokens: 4096,
    tokenizer: "qwen3",
  },
  qwen3: {
    name: "qwen3",
    description: "Generic Qwen3 instruct models: Qwen's recommended sampling, thinking off",
    sampling: { temperature: 0.7, top_p: 0.8, top_k: 20, chat_template_kwargs: { enable_thinking: false } },
    maxCompletionTokens: 4096,
    tokenizer: "qwen3",
  },
  // gpt-oss / Chroma Context-1: harmony format served with vLLM's openai tool parser; reasoning
  // stays on (low effort) and is kept out of the answer.
  "gpt-oss": {
    name: "gpt-oss",
    description: "gpt-oss and Chroma Context-1 (harmony): reasoning_effort low, temperature 1.0",
    sampling: { temperature: 1.0, top_p: 1.0, reasoning_effort: "low" },
    maxCompletionTokens: 8192,
    tokenizer: "o200k",
  },
  openai: {
    name: "openai",
    description: "Any OpenAI-compatible model: temperature 0.2, no vendor fields",
    sampling: { temperature: 0.2 },
    maxCompletionTokens: 4096,
    tokenizer: "qwen3",
  },
};

export function detectProfile(model: string | undefined): ProfileName {
  const m = (model ?? "").toLowerCase();
  if (m.includes("fastcontext") || m.includes("fast-context")) return "fastcontext-4b";
  if (m.includes("gpt-oss") || m.includes("context-1") || m.includes("gptoss")) return "gpt-oss";
  if (m.includes("qwen")) return "qwen3";
  return "openai";
}

/** The effective profile plus the user's explicit sampling settings layered on top. */
export function effectiveSampling(config: Config): {
  profile: Profile;
  sampling: Profile["sampling"];
  maxCompletionTokens: number;
} {
  const profile = PROFILES[config.profile === "auto" ? detectProfile(config.model) : config.profile];
  const sampling: Profile["sampling"] = { ...profile.sampling };
  if (config.temperature !== undefined) sampling.temperature = config.temperature;
  if (config.top_p !== undefined) sampling.top_p = config.top_p;
  if (config.top_k !== undefined) sampling.top_k = config.top_k;
  if (config.reasoning_effort !== undefined) sampling.reasoning_effort = config.reasoning_effort;
  if (config.enable_thinking !== undefined)
    sampling.chat_template_kwargs = {
      ...(sampling.chat_template_kwargs ?? {}),
      enable_thinking: config.enable_thinking,
    };
  return { profile, sampling, maxCompletionTokens: config.max_completion_tokens ?? profile.maxCompletionTokens };
}
