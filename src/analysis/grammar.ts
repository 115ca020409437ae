/**
 * Lazy tree-sitter setup: the wasm runtime is initialized once, each grammar is loaded on first use
 * and cached (as a promise, so concurrent callers share one load), and one parser per language is
 * reused. Nothing here parses a whole repository; callers parse the files they need.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { Language, Parser } from "web-tree-sitter";
import { createLogger } from "../util/log.js";
import type { LanguageId } from "./languages.js";

const log = createLogger("analysis.grammar");

/** Loads the tree-sitter grammar for a language. Injectable so tests can simulate a missing grammar. */
export type GrammarLoader = (lang: LanguageId) => Promise<Language>;

let runtime: Promise<void> | undefined;

/** Initializes the web-tree-sitter runtime once per process. */
export function initTreeSitter(): Promise<void> {
  runtime ??= Parser.init();
  return runtime;
}

/**
 * The grammars of `LANGUAGE_IDS`, gzipped, in assets/grammars (from `@cursorless/tree-sitter-wasms@0.7.0`,
 * see its README there): 2.4 MB instead of the package's 44 MB for 44 languages, 29 of them unused.
 */
const GRAMMARS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "assets", "grammars");

/** The wasm bytes of a bundled grammar. */
export function grammarBytes(lang: LanguageId): Uint8Array {
  return gunzipSync(readFileSync(join(GRAMMARS, `tree-sitter-${lang}.wasm.gz`)));
}

const bundled = new Map<LanguageId, Promise<Language>>();

/**
 * The default loader: the prebuilt grammars shipped in assets/grammars, each loaded at most once per
 * process (every extractor shares the loaded `Language`; parsers are per extractor).
 */
export const loadBundledGrammar: GrammarLoader = (lang) => {
  let pending = bundled.get(lang);
  if (!pending) {
    pending = initTreeSitter().then(() => Language.load(grammarBytes(lang)));
    bundled.set(lang, pending);
  }
  return pending;
};

/**
 * A per-loader cache of grammars and parsers. A grammar that fails to load is remembered as failed
 * (logged once) so that every later call falls back immediately instead of retrying the load.
 */
export class GrammarRegistry {
  private readonly languages = new Map<LanguageId, Promise<Language | null>>();
  private readonly parsers = new Map<LanguageId, Parser>();

  constructor(private readonly loader: GrammarLoader = loadBundledGrammar) {}

  /** A parser for `lang`, or `null` when its grammar cannot be loaded. */
  async parserFor(lang: LanguageId): Promise<Parser | null> {
    const cached = this.parsers.get(lang);
    if (cached) return cached;
    let pending = this.languages.get(lang);
    if (!pending) {
      pending = this.load(lang);
      this.languages.set(lang, pending);
    }
    const language = await pending;
    if (!language) return null;
    // Re-check: another caller may have created the parser while we awaited the shared load.
    let parser = this.parsers.get(lang);
    if (!parser) {
      parser = new Parser();
      parser.setLanguage(language);
      this.parsers.set(lang, parser);
    }
    return parser;
  }

  private async load(lang: LanguageId): Promise<Language | null> {
    try {
      await initTreeSitter();
      return await this.loader(lang);
    } catch (err) {
      log.warn("grammar unavailable; using the heuristic extractor", {
        lang,
        error: err instanceof Error ? err.message : String(err),
      });
      return null;
    }
  }
}
