/**
 * Grep patterns from a query analysis, for ripgrep (Rust regex syntax: no look-around, no
 * backreferences). Identifiers yield a cross-language definition pattern and a word-bounded reference
 * pattern; error messages yield a fixed string, the most distinctive literal run between format
 * placeholders and runtime values; paths yield their shortest distinctive suffix.
 */
import { DEFINITION_KEYWORDS, METHOD_MODIFIERS } from "./definition-grammar.js";
import { PLATFORM_EXCEPTIONS } from "./stopwords.js";
import type { Term } from "./term-bag.js";

export interface GrepPattern {
  pattern: string;
  /** True: match `pattern` literally (rg -F). False: it is a regex. */
  fixed: boolean;
  weight: number;
  purpose: "definition" | "reference" | "message" | "path";
}

export interface GrepPatternOptions {
  /** Maximum number of patterns (default 24). */
  max?: number;
}

/** The parts of a `QueryAnalysis` the patterns are built from. */
export interface GrepPatternInput {
  identifiers: Term[];
  paths: Term[];
  errorMessages: Term[];
}

/** Escapes regex metacharacters (Rust regex and JS agree on this set). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Placeholders (`%s`, `%(name)s`, `{}`, `{name!r}`, `${x}`), quoted runtime values, numbers, hex
// addresses, paths and `<reprs>` vary between the source and what the user saw: split around them.
const VOLATILE =
  /%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[hlLqjzt]*[sdifrxXoeEgGcbpuaq%]|\$?\{[^{}]*\}|'[^']*'|"[^"]*"|`[^`]*`|‘[^’]*’|“[^”]*”|<[^<>]*>|\b0x[0-9a-fA-F]+\b|\b\d+(?:\.\d+)*\b|\S*[/\\]\S*|\[[^\]]*\]/g;

/**
 * The literal run of `message` most likely to appear verbatim in source: the run with the most words
 * between volatile parts, trimmed to at most `maxWords` words (shorter strings survive line wrapping
 * and string concatenation in source). Null when nothing distinctive remains.
 */
export function distinctiveLiteral(message: string, maxWords = 6): string | null {
  // A leading `Name:` / `error[E0308]:` label is how the error was reported, not part of the message.
  const body = message.replace(/^\s*(?:[A-Za-z_][\w.$]*(?:\[\w+\])?|fatal error)\s*:\s+/, "");
  const runs = body
    .split(VOLATILE)
    .map((r) => r.replace(/\s+/g, " ").replace(/^[\s,.;:!?()-]+|[\s,.;:!?(-]+$/g, ""))
    // Letter-free tokens at either end (`+`, `->`, `==`) are usually values printed into the message.
    .map((r) => r.replace(/^(?:[^A-Za-z\s]+\s+)+|(?:\s+[^A-Za-z\s]+)+$/g, ""))
    .filter((r) => r.length >= 4);
  if (!runs.length) return null;
  const words = (r: string) => (r.match(/[A-Za-z]{2,}/g) ?? []).length;
  const best = runs.reduce((a, b) => (words(b) > words(a) || (words(b) === words(a) && b.length > a.length) ? b : a));
  if (words(best) < 2 && best.length < 10) return null;
  const tokens = best.split(" ");
  return tokens.length <= maxWords ? best : tokens.slice(0, maxWords).join(" ");
}

/** A format placeholder or the end of a string literal that a value is concatenated onto. */
const PLACEHOLDER = String.raw`%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[hlL]?[sdifrxXoeEgGcuvqwT]|\{[^{}\s]*\}|\$\{[^}]*\}|#\{[^}]*\}|\$\w+|["'\x60]\s*(?:\+|\.|%|,|\))`;

/**
 * A regex for a message literal as it is written in source: the user saw values where the source
 * has placeholders, so every word after the first two may also be a placeholder (`no number is
 * assigned for table` finds `"no number is assigned for %s: %s"` and `"... for " + kind`).
 */
export function messagePattern(literal: string): string {
  const words = literal.split(/\s+/).filter(Boolean);
  return words.map((w, i) => (i < 2 ? escapeRegex(w) : `(?:${escapeRegex(w)}|${PLACEHOLDER})`)).join(String.raw`\s+`);
}

const DEF_KEYWORDS = DEFINITION_KEYWORDS;
/** The shared method modifiers, and `void`: a C/Java return type that starts a declaration as well. */
const MODIFIERS = `${METHOD_MODIFIERS}|void`;

/** A definition of `name` in most languages: keyword forms, Go receivers, JS assignments, Java/C# members. */
function definitionPattern(name: string): string {
  const n = escapeRegex(name);
  const b = /^[\w]/.test(name) ? "\\b" : "";
  const e = /[\w]$/.test(name) ? "\\b" : "";
  return [
    `\\b(?:${DEF_KEYWORDS})\\s+${n}${e}`,
    `\\bfunc\\s*\\([^)]*\\)\\s*${n}${e}`,
    `${b}${n}\\s*[:=]\\s*(?:async\\s*)?(?:function\\b|\\([^)]*\\)\\s*=>|[A-Za-z_$][\\w$]*\\s*=>)`,
    `\\b(?:${MODIFIERS})\\s+(?:[\\w<>\\[\\],.?]+\\s+)*${n}\\s*\\(`,
  ].join("|");
}

const NAME = /^[A-Za-z_$][\w$]*$/;

/** Patterns for the strongest terms, heaviest first, deduplicated, at most `max`. */
export function buildGrepPatterns(analysis: GrepPatternInput, options: GrepPatternOptions = {}): GrepPattern[] {
  const max = options.max ?? 24;
  const out = new Map<string, GrepPattern>();
  const push = (p: GrepPattern) => {
    const prev = out.get(p.pattern);
    if (!prev || prev.weight < p.weight) out.set(p.pattern, p);
  };
  const identifiers = [
    ...analysis.identifiers,
    ...analysis.errorMessages.filter((t) => t.kind === "exception" && !PLATFORM_EXCEPTIONS.has(t.text)),
  ];
  for (const t of identifiers) {
    const leaf = t.text.replace(/\(\)$/, "").split(".").pop() ?? "";
    if (!NAME.test(leaf) || leaf.length < 3) continue;
    push({ pattern: definitionPattern(leaf), fixed: false, weight: t.weight, purpose: "definition" });
    const b = /^[\w]/.test(leaf) ? "\\b" : "";
    const e = /[\w]$/.test(leaf) ? "\\b" : "";
    push({ pattern: `${b}${escapeRegex(leaf)}${e}`, fixed: false, weight: t.weight * 0.6, purpose: "reference" });
  }
  for (const t of analysis.errorMessages) {
    if (t.kind === "exception") continue;
    const literal = distinctiveLiteral(t.text);
    if (literal) push({ pattern: literal, fixed: true, weight: t.weight, purpose: "message" });
  }
  for (const t of analysis.paths) {
    if (t.kind !== "path") continue;
    const segs = t.text.split("/").filter(Boolean);
    const suffix = segs.slice(-2).join("/");
    if (suffix) push({ pattern: suffix, fixed: true, weight: t.weight * 0.8, purpose: "path" });
  }
  return [...out.values()].sort((a, b) => b.weight - a.weight).slice(0, max);
}
