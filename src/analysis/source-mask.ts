/**
 * A lexical mask for source text: comments (and optionally string contents) are replaced by spaces
 * while every newline and offset is preserved, so regexes and brace matching on the masked text map
 * back to the original lines. Approximate by design (no regex literals, no nested block comments);
 * used only where tree-sitter is not (import scanning, the heuristic extractor).
 */
import type { LanguageId } from "./languages.js";

export interface MaskOptions {
  /** Blank string contents too (quotes are kept). Default false. */
  strings?: boolean;
}

type Style = { line: string[]; block: boolean; triple: boolean; backtick: boolean; charQuotes: boolean };

function styleFor(lang: LanguageId): Style {
  switch (lang) {
    case "python":
      return { line: ["#"], block: false, triple: true, backtick: false, charQuotes: false };
    case "ruby":
      return { line: ["#"], block: false, triple: false, backtick: false, charQuotes: false };
    case "php":
      return { line: ["//", "#"], block: true, triple: false, backtick: false, charQuotes: false };
    case "rust":
    case "c":
    case "cpp":
    case "java":
    case "c_sharp":
    case "kotlin":
    case "scala":
    case "swift":
      // In these languages `'` opens only a short char literal (Rust also uses it for lifetimes).
      return {
        line: ["//"],
        block: true,
        triple: lang === "kotlin" || lang === "scala" || lang === "swift",
        backtick: false,
        charQuotes: true,
      };
    default:
      return { line: ["//"], block: true, triple: false, backtick: true, charQuotes: false };
  }
}

/** Replaces comments (and with `strings`, string contents) in `text` by spaces, keeping newlines. */
export function maskSource(text: string, lang: LanguageId, options: MaskOptions = {}): string {
  const style = styleFor(lang);
  // Blanked ranges are recorded and applied once at the end: cheap even for multi-megabyte files.
  const pieces: string[] = [];
  let copied = 0;
  const blank = (from: number, to: number) => {
    if (to <= from) return;
    pieces.push(text.slice(copied, from), text.slice(from, to).replace(/[^\n]/g, " "));
    copied = to;
  };
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text[i]!;
    if (style.block && c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      const end = close < 0 ? n : close + 2;
      blank(i, end);
      i = end;
      continue;
    }
    const lineMarker = style.line.find((m) => text.startsWith(m, i));
    if (lineMarker && !(lang === "php" && text.startsWith("#[", i))) {
      const nl = text.indexOf("\n", i);
      const end = nl < 0 ? n : nl;
      blank(i, end);
      i = end;
      continue;
    }
    if (style.triple && (text.startsWith('"""', i) || (lang === "python" && text.startsWith("'''", i)))) {
      const q = text.slice(i, i + 3);
      const close = text.indexOf(q, i + 3);
      const end = close < 0 ? n : close + 3;
      if (options.strings) blank(i + 3, end - 3);
      i = end;
      continue;
    }
    if (c === '"' || (c === "'" && !style.charQuotes) || (c === "`" && (style.backtick || lang === "go"))) {
      const end = stringEnd(text, i, c, c === "`");
      if (options.strings) blank(i + 1, end - 1);
      i = end;
      continue;
    }
    if (c === "'" && style.charQuotes) {
      const m = /^'(?:\\.[^']{0,8}|[^\\'\n])'/.exec(text.slice(i, i + 12));
      if (m) {
        if (options.strings) blank(i + 1, i + m[0].length - 1);
        i += m[0].length;
        continue;
      }
    }
    i++;
  }
  pieces.push(text.slice(copied));
  return pieces.join("");
}

/** Offset just past the closing quote; single-line strings end at a newline if unterminated. */
function stringEnd(text: string, start: number, quote: string, multiline: boolean): number {
  for (let k = start + 1; k < text.length; k++) {
    const ch = text[k];
    if (ch === "\\") {
      k++;
      continue;
    }
    if (ch === quote) return k + 1;
    if (ch === "\n" && !multiline) return k;
  }
  return text.length;
}

export { lineAt, lineStarts } from "../util/lines.js";
