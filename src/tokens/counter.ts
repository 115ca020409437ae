/**
 * Token counting in the model's own tokenizer, made fast.
 *
 * Exact counts come from Qwen3's tokenizer.json (vendored, loaded lazily: ~0.5 s once) or from
 * o200k for gpt-oss models. Exact encoding costs ~1 µs per character, too slow to run on every tool
 * result, so caps use `estimate()` first: a character-class upper bound calibrated against the Qwen3
 * tokenizer (at or above the exact count on 99% of the calibration corpus, median 1.75x; see
 * test/tokens/counter.test.ts). Only results whose estimate is over a cap but could still fit are
 * counted exactly. Exact counts are cached by text.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export type TokenizerFamily = "qwen3" | "o200k";

/** Upper bound of tokens for `text` (cheap: one pass over the characters). */
export function estimateTokens(text: string): number {
  let lower = 0;
  let upper = 0;
  let digits = 0;
  let punct = 0;
  let newlines = 0;
  let spaces = 0;
  let other = 0;
  let prevDigit = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isLetter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    // A letter right after a digit starts a new token (hex digests: "a1b2c3" is six tokens).
    if (isLetter && prevDigit) punct++;
    else if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 48 && c <= 57) digits++;
    else if (c === 10) newlines++;
    else if (c === 32) {
      // A space before a digit is a token of its own (digits never absorb it, words do).
      const next = text.charCodeAt(i + 1);
      if (next >= 48 && next <= 57) punct++;
      else spaces++;
    } else if (c === 9 || c === 13) spaces++;
    else if (c < 128) punct++;
    else if (c >= 0xd800 && c <= 0xdbff)
      other += 2; // astral (emoji...): often two tokens or more
    else if (c < 0xdc00 || c > 0xdfff) other++;
    prevDigit = c >= 48 && c <= 57;
  }
  // Lowercase letters merge into words (~3+ chars per token); capitals merge less (ALL_CAPS,
  // base64, source-map VLQ); digits are single tokens in Qwen; punctuation is usually its own
  // token; a newline is a token unless it follows punctuation; other whitespace runs merge.
  return Math.ceil(lower / 3 + upper / 1.8 + digits + punct + newlines + spaces / 3 + other);
}

/**
 * The estimate is at most this many times the exact count (calibration corpus maximum 2.7; see
 * test/tokens/counter.test.ts).
 */
export const ESTIMATE_MAX_OVERCOUNT = 3;

interface ExactEncoder {
  count(text: string): number;
}

const ASSETS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "assets");

async function loadQwen3(): Promise<ExactEncoder> {
  const { Tokenizer } = await import("@huggingface/tokenizers");
  const json: unknown = JSON.parse(
    gunzipSync(readFileSync(join(ASSETS, "qwen3", "tokenizer.json.gz"))).toString("utf8"),
  );
  const config: unknown = JSON.parse(readFileSync(join(ASSETS, "qwen3", "tokenizer_config.json"), "utf8"));
  const tokenizer = new Tokenizer(json as object, config as object);
  return { count: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids.length };
}

async function loadO200k(): Promise<ExactEncoder> {
  const mod = await import("./o200k-encoding.js");
  // Tool output may legitimately contain text that looks like special tokens; count it as text.
  const options = { disallowedSpecial: new Set<string>() };
  return { count: (text) => mod.encode(text, options).length };
}

export class TokenCounter {
  private encoder: Promise<ExactEncoder> | undefined;
  private readonly cache = new Map<string, number>();
  private static readonly CACHE_LIMIT = 2000;

  constructor(readonly family: TokenizerFamily = "qwen3") {}

  estimate(text: string): number {
    return estimateTokens(text);
  }

  /** Load the tokenizer now (e.g. while waiting on the model) instead of on first use. */
  warm(): Promise<void> {
    return this.load().then(() => undefined);
  }

  private load(): Promise<ExactEncoder> {
    this.encoder ??= this.family === "qwen3" ? loadQwen3() : loadO200k();
    return this.encoder;
  }

  /** Exact count in the model's tokenizer (cached by text). */
  async exact(text: string): Promise<number> {
    if (text === "") return 0;
    const hit = this.cache.get(text);
    if (hit !== undefined) return hit;
    const encoder = await this.load();
    const n = encoder.count(text);
    if (this.cache.size >= TokenCounter.CACHE_LIMIT) this.cache.clear();
    this.cache.set(text, n);
    return n;
  }

  /**
   * Tokens of `text`, exact only when it matters for `cap`: below the cap by estimate, or clearly
   * above it, the estimate decides without encoding.
   */
  async countAgainst(text: string, cap: number): Promise<{ tokens: number; exact: boolean; fits: boolean }> {
    const est = estimateTokens(text);
    if (cap <= 0) return { tokens: est, exact: false, fits: true };
    if (est <= cap) return { tokens: est, exact: false, fits: true };
    if (est > cap * ESTIMATE_MAX_OVERCOUNT) return { tokens: est, exact: false, fits: false };
    const n = await this.exact(text);
    return { tokens: n, exact: true, fits: n <= cap };
  }
}
