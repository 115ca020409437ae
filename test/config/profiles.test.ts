import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { detectProfile, effectiveSampling, PROFILES } from "../../src/config/profiles.js";
import { ConfigSchema } from "../../src/config/schema.js";

const config = (values: Record<string, unknown>) => ConfigSchema.parse(values);

describe("profiles", () => {
  it("auto-detects the profile from the model id", () => {
    const cases: Array<[string | undefined, string]> = [
      ["microsoft/FastContext-1.0-4B-RL", "fastcontext-4b"],
      ["FastContext-1.0-4B-SFT-GGUF:Q8_0", "fastcontext-4b"],
      ["fast-context-4b-nvfp4", "fastcontext-4b"],
      ["Qwen/Qwen3-4B-Instruct-2507", "qwen3"],
      ["qwen3:8b", "qwen3"],
      ["openai/gpt-oss-20b", "gpt-oss"],
      ["chromadb/context-1", "gpt-oss"],
      ["meta-llama/Llama-3.1-8B-Instruct", "openai"],
      [undefined, "openai"],
    ];
    for (const [model, profile] of cases) assert.equal(detectProfile(model), profile, String(model));
  });

  it("FastContext-4B: temperature 0.2, top_k 20, thinking off, Qwen3 tokenizer", () => {
    const { profile, sampling, maxCompletionTokens } = effectiveSampling(
      config({ model: "microsoft/FastContext-1.0-4B-RL" }),
    );
    assert.equal(profile.name, "fastcontext-4b");
    assert.deepEqual(sampling, {
      temperature: 0.2,
      top_p: 0.8,
      top_k: 20,
      chat_template_kwargs: { enable_thinking: false },
    });
    assert.equal(maxCompletionTokens, 4096);
    assert.equal(profile.tokenizer, "qwen3");
  });

  it("gpt-oss / Context-1: harmony, reasoning_effort, o200k tokenizer, no Qwen fields", () => {
    const { profile, sampling } = effectiveSampling(config({ model: "openai/gpt-oss-20b" }));
    assert.equal(profile.tokenizer, "o200k");
    assert.equal(sampling.reasoning_effort, "low");
    assert.equal(sampling.top_k, undefined);
    assert.equal(sampling.chat_template_kwargs, undefined);
  });

  it("a generic OpenAI-compatible model gets no vendor fields", () => {
    assert.deepEqual(effectiveSampling(config({ model: "some-model" })).sampling, { temperature: 0.2 });
  });

  it("explicit settings layer over the profile without mutating it; an explicit profile beats detection", () => {
    const before = JSON.stringify(PROFILES);
    const { profile, sampling, maxCompletionTokens } = effectiveSampling(
      config({
        model: "qwen3-4b",
        profile: "fastcontext-4b",
        temperature: 0.9,
        top_k: 5,
        enable_thinking: true,
        max_completion_tokens: 2048,
      }),
    );
    assert.equal(profile.name, "fastcontext-4b");
    assert.deepEqual(sampling, {
      temperature: 0.9,
      top_p: 0.8,
      top_k: 5,
      chat_template_kwargs: { enable_thinking: true },
    });
    assert.equal(maxCompletionTokens, 2048);
    assert.equal(JSON.stringify(PROFILES), before);
  });
});
