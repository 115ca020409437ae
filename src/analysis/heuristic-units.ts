/**
 * Fallback code-unit extractor for when a grammar cannot be loaded or a file is too large to parse.
 * - Python: `def`/`class` lines, decorators above, the block ends before the next line indented no
 *   deeper than the header (blank lines and comments do not end a block).
 * - Ruby: `def`/`class`/`module` closed by the `end` at the same indentation.
 * - Brace languages: definition regexes on comment- and string-masked text, the body is the matching
 *   `{…}` block; a header followed by `;` before `{` is a declaration and is skipped.
 * Results go through the same nesting builder as tree-sitter units, so shapes match.
 */
import { isBraceLanguage, type LanguageId } from "./languages.js";
import { lineAt, lineStarts, maskSource } from "./source-mask.js";
import { buildUnitTree, type CodeUnit, type RawUnit, type UnitKind } from "./unit-types.js";

/** Units found without a parser. Lines and nesting follow the same conventions as tree-sitter units. */
export function heuristicUnits(text: string, lang: LanguageId): CodeUnit[] {
  if (lang === "python") return buildUnitTree(indentUnits(text, lang));
  if (lang === "ruby") return buildUnitTree(indentUnits(text, lang));
  if (isBraceLanguage(lang)) return buildUnitTree(braceUnits(text, lang));
  return [];
}

const indentOf = (line: string): number => /^[ \t]*/.exec(line)![0].replace(/\t/g, "    ").length;

const PY_DEF = /^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)/;
const RB_DEF = /^([ \t]*)(def|class|module)[ \t]+(?:self\.)?([A-Za-z_][\w:]*[?!=]?)/;
const PY_CONST = /^([A-Z][A-Z0-9_]*[A-Z0-9])[ \t]*(?::[^=\n]+)?=(?!=)/;

function indentUnits(text: string, lang: "python" | "ruby"): RawUnit[] {
  const lines = maskSource(text, lang, { strings: true }).split("\n");
  const original = text.split("\n");
  const offsets = lineStarts(text);
  const units: RawUnit[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = (lang === "python" ? PY_DEF : RB_DEF).exec(line);
    if (!m) {
      const c = lang === "python" ? PY_CONST.exec(line) : null;
      if (c) units.push(rawUnit("constant", c[1]!, i, i, i, offsets));
      continue;
    }
    const indent = indentOf(line);
    let first = i;
    while (first > 0 && /^[ \t]*(@|#)/.test(original[first - 1]!) && indentOf(original[first - 1]!) === indent) first--;
    let header = i;
    if (lang === "python")
      while (header < Math.min(lines.length - 1, i + 40) && !/:\s*$/.test(lines[header]!)) header++;
    let last = header;
    for (let k = header + 1; k < lines.length; k++) {
      const l = lines[k]!;
      if (!l.trim()) continue;
      if (indentOf(l) <= indent) {
        if (lang === "ruby" && /^\s*end\b/.test(l) && indentOf(l) === indent) last = k;
        break;
      }
      last = k;
    }
    const kind: UnitKind | "callable" = m[2] === "def" ? "callable" : m[2] === "module" ? "module" : "class";
    units.push(rawUnit(kind, m[3]!, first, header, last, offsets));
  }
  return units;
}

function rawUnit(
  kind: RawUnit["kind"],
  name: string,
  first: number,
  header: number,
  last: number,
  offsets: number[],
): RawUnit {
  return {
    kind,
    name,
    startIndex: offsets[first] ?? 0,
    endIndex: (offsets[last + 1] ?? Number.MAX_SAFE_INTEGER) - 1,
    start: first + 1,
    end: last + 1,
    headerEnd: header + 1,
  };
}

const TYPE_KEYWORDS: Readonly<Record<string, UnitKind>> = {
  class: "class",
  struct: "struct",
  interface: "interface",
  enum: "enum",
  trait: "trait",
  union: "struct",
  namespace: "module",
  module: "module",
  mod: "module",
  object: "class",
  record: "class",
  protocol: "interface",
  extension: "impl",
  impl: "impl",
};
// Group 1 keyword, 2 name (dotted/scoped for namespaces); group 3 a Rust impl target; 4–5 a Go type spec.
const TYPE_DEF =
  /\b(class|struct|interface|enum|trait|union|namespace|module|mod|object|record|protocol|extension)[ \t]+(?!(?:class|struct|interface|enum|object)\b)([A-Za-z_$][\w$]*(?:(?:\.|::)[A-Za-z_$][\w$]*)*)|\bimpl\b(?:[ \t]*<[^>{]*>)?[ \t]+(?:[\w:<>, ]+?[ \t]+for[ \t]+)?([\w:]+)|\btype[ \t]+([A-Za-z_]\w*)[ \t]+(struct|interface)\b/g;
// Group 1 is a Go receiver (`func (s *T) Name(`), group 2 the name.
const KEYWORD_FN =
  /\b(?:function\*?|func|fn|def|fun)[ \t]*(?:\(([^)]*)\)[ \t]*)?([A-Za-z_$][\w$]*)[ \t]*(?:<[^>]*>)?[ \t]*\(/g;
const ASSIGNED_FN =
  /\b(?:const|let|var)[ \t]+([A-Za-z_$][\w$]*)[ \t]*(?::[^=\n]+)?=[ \t]*(?:async[ \t]*)?(?:function\b|\([^)]*\)[ \t]*(?::[^=\n]+)?=>|[A-Za-z_$][\w$]*[ \t]*=>)/g;
// C-family definitions: a return type (or modifiers) then `name(` at the start of a line.
const TYPED_FN = /^[ \t]*(?:[\w:<>,*&[\]]+[ \t]+)+[*&]*([A-Za-z_~][\w:~]*)[ \t]*\(/gm;
// Methods without a leading type: JS/TS class members, constructors.
const BARE_METHOD =
  /^[ \t]*(?:(?:async|static|public|private|protected|override|get|set)[ \t]+)*\*?([A-Za-z_$][\w$]*)[ \t]*\([^)]*\)[ \t]*(?::[^{;\n]+)?\{/gm;
const NOT_NAMES = new Set([
  "if",
  "for",
  "while",
  "switch",
  "catch",
  "return",
  "else",
  "new",
  "sizeof",
  "do",
  "try",
  "with",
  "elif",
  "until",
  "foreach",
  "using",
  "lock",
  "synchronized",
  "defined",
]);

function braceUnits(text: string, lang: LanguageId): RawUnit[] {
  const masked = maskSource(text, lang, { strings: true });
  const starts = lineStarts(text);
  const found = new Map<number, RawUnit>();
  // In C/C++ `struct node *make(…) {` is a function returning a struct: a type's `{` precedes any `(`.
  const typeParens = lang !== "c" && lang !== "cpp";
  const add = (
    kind: RawUnit["kind"],
    name: string,
    qualifier: string,
    at: number,
    headerFrom: number,
    parens = true,
  ) => {
    if (!name || NOT_NAMES.has(name)) return;
    const open = openingBrace(masked, headerFrom, parens);
    if (open < 0) return;
    const close = matchBrace(masked, open);
    const lineStart = starts[lineAt(starts, at) - 1] ?? at;
    if (found.has(lineStart)) return; // one unit per header line; the earlier (more specific) pattern wins
    found.set(lineStart, {
      kind: qualifier && kind === "callable" ? "method" : kind,
      name,
      ...(qualifier ? { qualifier } : {}),
      startIndex: lineStart,
      endIndex: close,
      start: docStart(text, starts, lineAt(starts, at)),
      end: lineAt(starts, close),
      headerEnd: lineAt(starts, open),
    });
  };
  /** `A::B::c` → name `c`, qualifier `A.B`. */
  const scoped = (kind: RawUnit["kind"], full: string, at: number, from: number, parens = true) => {
    const parts = full.split("::").filter(Boolean);
    const name = parts.pop() ?? "";
    add(kind, name, parts.join("."), at, from, parens);
  };
  for (const m of masked.matchAll(TYPE_DEF)) {
    const end = m.index + m[0].length;
    if (m[4]) add(m[5] === "struct" ? "struct" : "interface", m[4], "", m.index, end);
    else if (m[3]) add("impl", m[3].split("::").pop() ?? m[3], "", m.index, end, typeParens);
    else {
      const kind = TYPE_KEYWORDS[m[1]!] ?? "class";
      // Namespaces and packages keep their full dotted name; other types are named by the last segment.
      if (kind === "module") add(kind, m[2]!.replace(/::/g, "."), "", m.index, end, typeParens);
      else add(kind, m[2]!.split(/::|\./).pop() ?? m[2]!, "", m.index, end, typeParens);
    }
  }
  for (const m of masked.matchAll(KEYWORD_FN))
    add("callable", m[2]!, m[1] ? bareReceiver(m[1]) : "", m.index, m.index + m[0].length);
  for (const re of [ASSIGNED_FN, TYPED_FN, BARE_METHOD])
    for (const m of masked.matchAll(re)) {
      const end = m.index + m[0].length - (m[0].endsWith("{") ? 1 : 0); // BARE_METHOD consumes the `{`
      scoped("callable", m[1]!, m.index, end);
    }
  return [...found.values()];
}

/** `s *Server[T]` → `Server`. */
function bareReceiver(receiver: string): string {
  const words = receiver
    .replace(/\[[^\]]*\]/g, "")
    .trim()
    .split(/\s+/);
  return (words[words.length - 1] ?? "").replace(/^\*+/, "");
}

/**
 * The `{` that opens the body after a header, or -1 when a `;` (a declaration) comes first, or with
 * `parens` false, when a `(` comes first.
 */
function openingBrace(masked: string, from: number, parens: boolean): number {
  let depth = 0;
  for (let i = from; i < masked.length && i < from + 2000; i++) {
    const c = masked[i];
    if (c === "(" && !parens && depth === 0) return -1;
    if (c === "(" || c === "[") depth++;
    else if (c === ")" || c === "]") depth--;
    else if (depth <= 0 && c === "{") return i;
    else if (depth <= 0 && (c === ";" || c === "}")) return -1;
  }
  return -1;
}

function matchBrace(masked: string, open: number): number {
  let depth = 0;
  for (let i = open; i < masked.length; i++) {
    const c = masked[i];
    if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i;
  }
  return masked.length - 1;
}

/** Line where the unit starts: the header line moved up over adjacent comments and annotations. */
function docStart(text: string, starts: readonly number[], headerLine: number): number {
  let line = headerLine;
  while (line > 1) {
    const prev = text.slice(starts[line - 2], starts[line - 1]).trim();
    if (!/^(?:\/\/|\/\*|\*|#\[|@[A-Za-z]|\[[A-Z]\w*)/.test(prev)) break;
    line--;
  }
  return line;
}
