/**
 * Import statements of one file, by careful regexes over comment-masked text (string literals are kept
 * because module specifiers live in them). Synchronous and grammar-free so it can run on any file the
 * explorer reads. Handles multi-line forms: Python parenthesized/backslash imports, JS `import {…}`
 * lists, Go import blocks, Rust `use` trees.
 */
import type { LanguageId } from "./languages.js";
import { lineAt, lineStarts, maskSource } from "./source-mask.js";

/** How the import was written. `mod` is a Rust module declaration (`mod x;`), `include` a C include. */
export type ImportKind = "import" | "from" | "require" | "dynamic" | "export" | "use" | "mod" | "include";

/** One imported module. */
export interface ImportRef {
  /** As written: `a.b.c`, `.x`, `..`, `./foo`, `fmt`, `crate::x::y`, `java.util.List`, `foo.h`. */
  module: string;
  /** Names imported from the module (`from m import a, b`; JS named imports; Rust `{a, b}`); `*` for globs. */
  names: string[];
  /** 1-based line where the statement starts. */
  line: number;
  /** Resolved against the importing file: Python leading dots, JS `./` `../`, Rust `self`/`super`/`mod`, C `"…"`. */
  relative: boolean;
  /** Python: the number of leading dots. */
  level?: number;
  kind: ImportKind;
}

/** Imports of `text` in `lang`, in source order. Unknown languages yield []. */
export function extractImports(text: string, lang: LanguageId): ImportRef[] {
  // Python names modules outside strings, so strings are masked too (docstrings mention imports).
  const masked = maskSource(text, lang, { strings: lang === "python" });
  const starts = lineStarts(masked);
  const at = (offset: number) => lineAt(starts, offset);
  let refs: ImportRef[];
  switch (lang) {
    case "python":
      refs = pythonImports(masked, at);
      break;
    case "javascript":
    case "typescript":
    case "tsx":
      refs = jsImports(masked, at);
      break;
    case "go":
      refs = goImports(masked, at);
      break;
    case "rust":
      refs = rustImports(masked, at);
      break;
    case "c":
    case "cpp":
      refs = [...masked.matchAll(/^[ \t]*#[ \t]*include[ \t]*(?:"([^"\n]+)"|<([^>\n]+)>)/gm)].map((m) => ({
        module: (m[1] ?? m[2])!,
        names: [],
        line: at(m.index),
        relative: m[1] !== undefined,
        kind: "include" as const,
      }));
      break;
    default:
      refs = dottedImports(masked, lang, at);
  }
  return refs.sort((a, b) => a.line - b.line);
}

type LineOf = (offset: number) => number;

const PY_NAME_LIST = (list: string): string[] =>
  list
    .replace(/[()\\\n]/g, " ")
    .split(",")
    .map((s) =>
      s
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim(),
    )
    .filter((s) => /^[\w*]+$/.test(s));

function pythonImports(masked: string, at: LineOf): ImportRef[] {
  const refs: ImportRef[] = [];
  // `from X import (a,\n b)` | `from X import a, \\\n b` | `from X import a`
  const FROM = /^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*(\([^)]*\)|(?:[^\n\\]|\\\n)*)/gm;
  for (const m of masked.matchAll(FROM)) {
    const level = m[1]!.length;
    if (!level && !m[2]) continue;
    refs.push({
      module: m[1]! + m[2]!,
      names: PY_NAME_LIST(m[3]!),
      line: at(m.index),
      relative: level > 0,
      ...(level ? { level } : {}),
      kind: "from",
    });
  }
  const IMPORT = /^[ \t]*import[ \t]+((?:[^\n\\;]|\\\n)+)/gm;
  for (const m of masked.matchAll(IMPORT)) {
    for (const part of m[1]!.replace(/\\\n/g, " ").split(",")) {
      const module = part
        .trim()
        .split(/\s+as\s+/)[0]!
        .trim();
      if (/^[A-Za-z_][\w.]*$/.test(module))
        refs.push({ module, names: [], line: at(m.index), relative: false, kind: "import" });
    }
  }
  return refs;
}

/** `{ a, b as c, type T }` → names as exported by the module: a, b, T. */
function jsNamed(clause: string): string[] {
  const names: string[] = [];
  const braces = /\{([^}]*)\}/.exec(clause);
  if (braces) {
    for (const part of braces[1]!.split(",")) {
      const name = part
        .trim()
        .replace(/^type\s+/, "")
        .split(/\s+as\s+/)[0]!
        .trim();
      if (name) names.push(name.replace(/^["']|["']$/g, ""));
    }
  }
  // A default import: its local name usually matches the exported declaration's name.
  const def = /^\s*(?:type\s+)?([A-Za-z_$][\w$]*)\s*(?:,|$)/.exec(clause.replace(/\{[^}]*\}|\*\s*as\s+[\w$]+/g, ""));
  if (def && def[1] !== "type") names.unshift(def[1]!);
  return names;
}

function jsImports(masked: string, at: LineOf): ImportRef[] {
  const refs: ImportRef[] = [];
  const push = (module: string, names: string[], offset: number, kind: ImportKind) =>
    refs.push({ module, names, line: at(offset), relative: /^\.\.?(?:\/|$)/.test(module), kind });
  // Statements start at a line start or after `;`. The clause is spelled out (default, `{…}`, `* as x`)
  // so that a match can never run from one statement into the next in semicolon-free code.
  const CLAUSE = String.raw`(?:type\s+)?(?:[\w$]+\s*,?\s*)?(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?)?`;
  const STATIC = new RegExp(String.raw`(?:^|;)[ \t]*(import|export)\s+(${CLAUSE})\s*from\s*(["'])([^"'\n]+)\3`, "gm");
  for (const m of masked.matchAll(STATIC)) {
    const offset = m.index + m[0].indexOf(m[1]!);
    push(
      m[4]!,
      m[1] === "import" ? jsNamed(m[2]!) : jsNamed(m[2]!).filter((n) => n !== "type"),
      offset,
      m[1] === "import" ? "import" : "export",
    );
  }
  for (const m of masked.matchAll(/(?:^|[;}])[ \t]*import[ \t]*(["'])([^"'\n]+)\1/gm))
    push(m[2]!, [], m.index + m[0].indexOf("import"), "import");
  for (const m of masked.matchAll(/\brequire[ \t]*\([ \t]*(["'`])([^"'`\n]+)\1[ \t]*\)/g))
    push(m[2]!, [], m.index, "require");
  for (const m of masked.matchAll(/\bimport[ \t]*\([ \t]*(["'`])([^"'`\n]+)\1/g)) push(m[2]!, [], m.index, "dynamic");
  return refs;
}

function goImports(masked: string, at: LineOf): ImportRef[] {
  const refs: ImportRef[] = [];
  const SPEC = /(?:^|\n)[ \t]*(?:[\w.]+[ \t]+)?"([^"\n]+)"/g;
  for (const m of masked.matchAll(/^import[ \t]*\(([^)]*)\)/gm)) {
    const bodyStart = m.index + m[0].indexOf("(") + 1;
    for (const s of m[1]!.matchAll(SPEC)) push(s[1]!, bodyStart + s.index + s[0].indexOf('"'));
  }
  for (const m of masked.matchAll(/^import[ \t]+(?:[\w.]+[ \t]+)?"([^"\n]+)"/gm)) push(m[1]!, m.index);
  return refs;
  function push(module: string, offset: number) {
    refs.push({ module, names: [], line: at(offset), relative: module.startsWith("."), kind: "import" });
  }
}

/** Flattens a Rust use tree `a::{b, c::{d, e as f}, *}` into (module, names) groups. */
function flattenUseTree(tree: string, prefix: string, out: Map<string, string[]>): void {
  const t = tree.trim();
  const brace = t.indexOf("{");
  if (brace < 0) {
    const path = t.split(/\s+as\s+/)[0]!.trim();
    if (!path) return;
    if (path === "*" || path.endsWith("::*")) {
      const module = [prefix, path.slice(0, -3)].filter(Boolean).join("::") || prefix;
      out.set(module, [...(out.get(module) ?? []), "*"]);
      return;
    }
    const full = prefix ? `${prefix}::${path}` : path;
    const cut = full.lastIndexOf("::");
    const key = prefix && !path.includes("::") ? prefix : cut > 0 && prefix ? full.slice(0, cut) : "";
    if (!key) out.set(full, out.get(full) ?? []);
    else out.set(key, [...(out.get(key) ?? []), full.slice(key.length + 2)]);
    return;
  }
  const head = t
    .slice(0, brace)
    .replace(/::\s*$/, "")
    .trim();
  const inner = t.slice(brace + 1, t.lastIndexOf("}"));
  const base = [prefix, head].filter(Boolean).join("::");
  let depth = 0;
  let from = 0;
  for (let i = 0; i <= inner.length; i++) {
    const c = inner[i];
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if ((c === "," && depth === 0) || i === inner.length) {
      if (inner.slice(from, i).trim()) flattenUseTree(inner.slice(from, i), base, out);
      from = i + 1;
    }
  }
}

function rustImports(masked: string, at: LineOf): ImportRef[] {
  const refs: ImportRef[] = [];
  for (const m of masked.matchAll(/^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?use[ \t]+([^;]+);/gm)) {
    const groups = new Map<string, string[]>();
    flattenUseTree(m[1]!.replace(/\s+/g, " ").replace(/^::/, ""), "", groups);
    for (const [module, names] of groups)
      refs.push({ module, names, line: at(m.index), relative: /^(?:self|super)\b/.test(module), kind: "use" });
  }
  for (const m of masked.matchAll(/^[ \t]*(?:pub(?:\([^)]*\))?[ \t]+)?mod[ \t]+([A-Za-z_]\w*)[ \t]*;/gm))
    refs.push({ module: m[1]!, names: [], line: at(m.index), relative: true, kind: "mod" });
  return refs;
}

/** Java, Kotlin, Scala, C#, PHP, Ruby, Swift: `import a.b.C`, `using A.B;`, `use A\\B;`, `require 'x'`. */
function dottedImports(masked: string, lang: LanguageId, at: LineOf): ImportRef[] {
  const refs: ImportRef[] = [];
  if (lang === "ruby" || lang === "php") {
    for (const m of masked.matchAll(
      /\b(require_relative|require|require_once|include|include_once|load)\b[ \t(]*["']([^"'\n]+)["']/g,
    ))
      refs.push({
        module: m[2]!,
        names: [],
        line: at(m.index),
        relative: m[1] === "require_relative" || m[2]!.startsWith("."),
        kind: "require",
      });
  }
  const RE =
    lang === "c_sharp"
      ? /^[ \t]*(?:global[ \t]+)?using[ \t]+(?:static[ \t]+)?(?:\w+[ \t]*=[ \t]*)?([\w.]+)[ \t]*;/gm
      : lang === "php"
        ? /^[ \t]*use[ \t]+(?:function[ \t]+|const[ \t]+)?([\w\\]+)(?:[ \t]+as[ \t]+\w+)?[ \t]*;/gm
        : /^[ \t]*import[ \t]+(static[ \t]+)?(\w+(?:\.(?!_(?!\w))\w+)*)(?:\.\*|\._|\.\{([^}]*)\})?/gm;
  for (const m of masked.matchAll(RE)) {
    if (lang === "c_sharp" || lang === "php") {
      refs.push({ module: m[1]!, names: [], line: at(m.index), relative: false, kind: "import" });
      continue;
    }
    const path = m[2]!;
    const glob = /\.(?:\*|_)$/.test(m[0]);
    const selectors = m[3]
      ?.split(",")
      .map((s) => s.trim().split(/\s*(?:=>|as)\s*/)[0]!)
      .filter(Boolean);
    if (m[1]) {
      // `import static a.b.C.m;` → module a.b.C, name m
      const cut = path.lastIndexOf(".");
      refs.push({
        module: glob ? path : path.slice(0, cut),
        names: [glob ? "*" : path.slice(cut + 1)],
        line: at(m.index),
        relative: false,
        kind: "import",
      });
    } else {
      refs.push({
        module: path,
        names: glob ? ["*"] : (selectors ?? []),
        line: at(m.index),
        relative: false,
        kind: "import",
      });
    }
  }
  return refs;
}
