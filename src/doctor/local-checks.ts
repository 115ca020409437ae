/**
 * The checks of this machine: the ripgrep binary Grep runs (a slower built-in engine stands in when
 * it is missing) and the tokenizer the context budget counts with.
 */
import type { TokenizerFamily } from "../tokens/counter.js";
import { TokenCounter } from "../tokens/counter.js";
import { locateRipgrep } from "../tools/grep/ripgrep.js";
import type { Check } from "./types.js";

/** Is a working ripgrep binary there? */
export async function checkRipgrep(): Promise<Check> {
  const started = performance.now();
  const rg = await locateRipgrep();
  const ms = performance.now() - started;
  if (rg) return { name: "ripgrep", status: "ok", detail: `ripgrep ${rg.version} at ${rg.path}`, ms };
  return {
    name: "ripgrep",
    status: "warn",
    detail: "no working ripgrep binary: Grep falls back to the slower built-in engine",
    fix: "reinstall fastcontext so @vscode/ripgrep fetches its binary, install ripgrep (rg on PATH), or set FC_RG_PATH",
    ms,
  };
}

/** Known counts of "Hello, world!" per tokenizer, to tell a loaded tokenizer from a broken one. */
const HELLO_TOKENS: Record<TokenizerFamily, number> = { qwen3: 4, o200k: 4 };

/** Do the tokenizers the profiles need load and count? */
export async function checkTokenizers(families: TokenizerFamily[]): Promise<Check> {
  const started = performance.now();
  const found: string[] = [];
  for (const family of families) {
    try {
      const counter = new TokenCounter(family);
      await counter.warm();
      const n = await counter.exact("Hello, world!");
      if (n !== HELLO_TOKENS[family]) {
        return {
          name: "tokenizer",
          status: "warn",
          detail: `the ${family} tokenizer loaded but counts "Hello, world!" as ${n} tokens (expected ${HELLO_TOKENS[family]})`,
          fix: "reinstall fastcontext: its tokenizer asset looks altered",
          ms: performance.now() - started,
        };
      }
      found.push(family);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return {
        name: "tokenizer",
        status: "fail",
        detail: `the ${family} tokenizer does not load: ${message.slice(0, 200)}`,
        fix:
          family === "qwen3"
            ? "reinstall fastcontext: assets/qwen3/tokenizer.json.gz and tokenizer_config.json ship with the package"
            : "reinstall fastcontext: dist/tokens/o200k-encoding.js carries o200k",
        ms: performance.now() - started,
      };
    }
  }
  const ms = performance.now() - started;
  return { name: "tokenizer", status: "ok", detail: `${found.join(" and ")} loaded in ${Math.round(ms)} ms`, ms };
}
