/**
 * Language identification by file extension, shared by code-unit extraction, import parsing and
 * import resolution. Pure and synchronous; it never reads the file system.
 */

/** Languages the analysis layer knows. The id doubles as the tree-sitter grammar name. */
export type LanguageId =
  | "python"
  | "javascript"
  | "typescript"
  | "tsx"
  | "go"
  | "rust"
  | "java"
  | "c"
  | "cpp"
  | "ruby"
  | "php"
  | "c_sharp"
  | "kotlin"
  | "scala"
  | "swift";

/** Every supported language, in a stable order (handy for tests and diagnostics). */
export const LANGUAGE_IDS: readonly LanguageId[] = [
  "python",
  "javascript",
  "typescript",
  "tsx",
  "go",
  "rust",
  "java",
  "c",
  "cpp",
  "ruby",
  "php",
  "c_sharp",
  "kotlin",
  "scala",
  "swift",
];

const BY_EXTENSION: Readonly<Record<string, LanguageId>> = {
  py: "python",
  pyi: "python",
  pyw: "python",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  go: "go",
  rs: "rust",
  java: "java",
  c: "c",
  h: "c",
  cc: "cpp",
  cpp: "cpp",
  cxx: "cpp",
  "c++": "cpp",
  hpp: "cpp",
  hh: "cpp",
  hxx: "cpp",
  ipp: "cpp",
  tpp: "cpp",
  inl: "cpp",
  rb: "ruby",
  rake: "ruby",
  php: "php",
  cs: "c_sharp",
  kt: "kotlin",
  kts: "kotlin",
  scala: "scala",
  sc: "scala",
  swift: "swift",
};

/** Lower-cased extension without the dot ("" when there is none). `.d.ts` counts as `ts`. */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot + 1).toLowerCase();
}

// Constructs that C cannot contain but C++ headers usually do. Only the first 64 KB are sniffed: enough
// for any header's declarations and cheap for generated monsters.
const CPP_MARKERS =
  /^\s*(?:template\s*<|namespace\s+\w|class\s+\w+[^;]*\{|using\s+namespace\b|public:|private:|protected:)|\bstd::|#include\s*<(?:string|vector|memory|map|iostream|cstdint|cstddef|algorithm|utility|functional)>/m;

/** True when `text` (a `.h` file) contains constructs only C++ has. */
export function looksLikeCpp(text: string): boolean {
  return CPP_MARKERS.test(text.length > 65536 ? text.slice(0, 65536) : text);
}

/**
 * The language of `path`, by extension; `null` for anything we do not analyze.
 *
 * `.h` is ambiguous. Without `text` it is C, which is the safe default: the C grammar copes with most
 * headers, while C code that uses C++ keywords as identifiers would break the C++ grammar. With `text`,
 * a header that contains C++-only constructs (templates, namespaces, access specifiers, `std::`) is C++.
 */
export function languageForPath(path: string, text?: string): LanguageId | null {
  const ext = extensionOf(path);
  const lang = BY_EXTENSION[ext];
  if (!lang) return null;
  if (ext === "h" && text !== undefined && looksLikeCpp(text)) return "cpp";
  return lang;
}

/** Languages whose blocks are delimited by braces (the heuristic extractor matches braces for them). */
export function isBraceLanguage(lang: LanguageId): boolean {
  return lang !== "python" && lang !== "ruby";
}
