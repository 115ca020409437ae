/**
 * The benchmark's prompts: a short one that asks for a long answer (decode), and a long one of about
 * N tokens (prefill). Each starts with a fresh nonce so a server's prefix cache cannot serve it:
 * a cached prefill would measure the cache, not the GPU.
 */
import { randomBytes } from "node:crypto";
import { estimateTokens, TokenCounter, type TokenizerFamily } from "../tokens/counter.js";

/** A new nonce for one request. */
export function nonce(): string {
  return randomBytes(6).toString("hex");
}

/** The decode prompt: short, and asking for more text than any `--max-tokens`. */
export function decodePrompt(id: string): string {
  return `[run ${id}] Write a long, detailed technical story about a team that maintains a large open-source code search tool. Keep writing; do not summarize or stop early.`;
}

// Code-like text, close to what an exploration sends (paths, identifiers, numbers, prose).
const FILLER = [
  "src/server/routes/session.ts:41: export async function validateSession(token: string, now = Date.now()): Promise<Session | null> {",
  "The cache keeps at most 2048 entries; entries older than 15 minutes are evicted on the next lookup, and a miss falls back to the database.",
  "tests/test_handlers.py::test_retry_backoff_caps_at_eight_seconds PASSED [ 37%] — retry delays were 0.5, 1.0, 2.0, 4.0 and 8.0 seconds.",
  "def parse_header(value: str) -> Optional[str]:\n    if not value:\n        return None\n    return value.split(';')[0].strip()",
].join("\n");

const excerpt = (i: number) => `## excerpt ${i}\n${FILLER}\n\n`;

/** How many tokens one excerpt is, in the profile's tokenizer (the estimate when it cannot load). */
async function excerptTokens(family: TokenizerFamily): Promise<number> {
  try {
    return await new TokenCounter(family).exact(excerpt(10));
  } catch {
    // No tokenizer here: the cheap upper-bound estimate only makes the prompt a little short.
    return estimateTokens(excerpt(10));
  }
}

/** A builder of long prompts of about `tokens` tokens (the server's usage count is what gets reported). */
export async function longPromptBuilder(tokens: number, family: TokenizerFamily): Promise<(id: string) => string> {
  const per = Math.max(1, await excerptTokens(family));
  const copies = Math.max(1, Math.round(tokens / per));
  const body = Array.from({ length: copies }, (_, i) => excerpt(i + 1)).join("");
  return (id) => `[run ${id}] Read the excerpts below, then answer with one word.\n\n${body}`;
}
