/**
 * Identifier shapes, splitting and grep variants, plus the code-aware tokenizer shared by query
 * analysis and later BM25-style scoring (queries and documents must tokenize identically).
 */

/** Splits an identifier at `_ - . / :` and camelCase, acronym and digit boundaries (`getHTTPResponse2` → get, HTTP, Response, 2). */
export function splitIdentifier(word: string): string[] {
  return word.split(/[^A-Za-z0-9]+/).flatMap((chunk) => chunk.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g) ?? []);
}

/** The shape of a code-looking token. */
export type IdentifierShape = "dotted" | "camel" | "snake" | "dunder" | "constant" | "kebab" | "plain";

/** Classifies `token` (without trailing `()`). */
export function identifierShape(token: string): IdentifierShape {
  if (/^__\w+__$/.test(token)) return "dunder";
  if (/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(token)) return "dotted";
  if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(token)) return "constant";
  if (/^_*[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]$/.test(token) || /^_[a-z]\w*$/.test(token)) return "snake";
  if (/^[a-z]+[a-z0-9]*(?:-[a-z0-9]+)+$/.test(token)) return "kebab";
  if (/[a-z]/.test(token) && (/^[A-Za-z][a-z0-9]*[A-Z]/.test(token) || /^[A-Z]{2,}[a-z]/.test(token))) return "camel";
  return "plain";
}

/** True for shapes that are clearly code rather than prose (compound identifiers). */
export function isCompoundShape(shape: IdentifierShape): boolean {
  return shape !== "plain" && shape !== "kebab";
}

// Leading verbs that name the action rather than the thing: `getUserName` is also found as `user_name`.
const VERB_PREFIXES = new Set([
  "get",
  "set",
  "is",
  "has",
  "on",
  "handle",
  "create",
  "make",
  "build",
  "to",
  "from",
  "do",
  "can",
  "should",
  "add",
  "remove",
  "update",
  "fetch",
  "load",
  "parse",
  "init",
  "with",
  "use",
  "find",
  "read",
  "write",
  "check",
  "validate",
]);

const pascal = (parts: string[]): string => parts.map((p) => p[0]!.toUpperCase() + p.slice(1).toLowerCase()).join("");
const camel = (parts: string[]): string => parts[0]!.toLowerCase() + pascal(parts.slice(1));

/**
 * Forms of an identifier worth grepping for, original first: the other case conventions, the name
 * without a leading verb (`getUserName` → `user_name`, `UserName`), and for dotted paths the leaf, the
 * parent segment and the prefix (`foo.bar.Baz` → `Baz`, `bar`, `foo.bar`).
 */
/** `getUserName` also searches `user_name`; `make_struct` does not search `Struct`: one word alone is too common. */
const VERB_MIN_PARTS = 3;
export function identifierVariants(token: string): string[] {
  const out = [token];
  const add = (v: string | undefined) => {
    if (v && v.length >= 3 && !out.includes(v)) out.push(v);
  };
  const shape = identifierShape(token);
  if (shape === "dotted") {
    const segs = token.split(".");
    add(segs[segs.length - 1]);
    if (segs.length > 1) add(segs[segs.length - 2]);
    if (segs.length > 2) add(segs.slice(0, -1).join("."));
    return out;
  }
  if (shape === "dunder" || shape === "plain") return out;
  const parts = splitIdentifier(token);
  if (parts.length < 2) return out;
  const lower = parts.map((p) => p.toLowerCase());
  if (shape === "constant") {
    add(lower.join("_"));
    return out;
  }
  add(lower.join("_"));
  add(shape === "snake" || shape === "kebab" ? camel(parts) : undefined);
  add(shape === "snake" || shape === "kebab" ? pascal(parts) : undefined);
  if (VERB_PREFIXES.has(lower[0]!) && parts.length >= VERB_MIN_PARTS) {
    const rest = parts.slice(1);
    add(rest.map((p) => p.toLowerCase()).join("_"));
    add(pascal(rest));
  }
  return out;
}

/**
 * Code-aware search tokens, lower-cased: every identifier-like word, and for compounds (`snake_case`,
 * `camelCase`) also their parts. Pure numbers and one-letter tokens are dropped.
 */
export function tokenizeForSearch(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/[A-Za-z_$][\w$]*|\d+[A-Za-z_][\w$]*/g)) {
    const token = m[0];
    const whole = token.toLowerCase().replace(/^[_$]+|[_$]+$/g, "");
    if (whole.length < 2) continue;
    out.push(whole);
    const parts = splitIdentifier(token);
    if (parts.length < 2) continue;
    for (const p of parts) {
      const l = p.toLowerCase();
      if (l.length >= 2 && !/^\d+$/.test(l)) out.push(l);
    }
  }
  return out;
}

/**
 * A light suffix-stripping stem (plural, -ing, -ed, -ly, -ation): a prefix of the related forms
 * (`caching` → `cach`, `queries` → `query`), meant for substring matching, never shown to users.
 */
const STEM_RULES: ReadonlyArray<[RegExp, string]> = [
  [/ies$/, "y"],
  [/sses$/, "ss"],
  [/ations?$/, "at"],
  [/(?<=[^aeiou])ing$/, ""],
  [/(?<=[^aeiou])ed$/, ""],
  [/ers?$/, ""],
  [/ly$/, ""],
  [/(?<=[^su])s$/, ""],
  [/e$/, ""],
];

export function lightStem(word: string): string {
  let w = word.toLowerCase();
  // Two passes so that `filtering` → `filter` → `filt` meets `filters` → `filt`.
  for (let pass = 0; pass < 2 && w.length > 4; pass++) {
    const rule = STEM_RULES.find(([re]) => re.test(w));
    if (!rule) break;
    const stem = w.replace(rule[0], rule[1]);
    if (stem.length < 3) break;
    w = stem;
  }
  return w;
}
