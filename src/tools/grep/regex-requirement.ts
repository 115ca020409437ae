/**
 * What a file must contain for a ripgrep pattern to match anywhere in it, as words: a formula of
 * constraints on the file's words (maximal runs of word characters, ripgrep's Unicode `\w`). The
 * warm term index (src/index-cache/term-index/) answers it, so a search reads only the files that
 * may match. The formula must hold for every file the pattern can match — it may also hold for
 * files that do not match (ripgrep still decides), never the other way round — so every construct
 * not understood here counts as "anything", and the whole pattern as "anything" when in doubt.
 *
 * Letters are compared case-folded (see `foldWord`), whatever the pattern's case flag: a wider
 * formula is still a sound one. Only ASCII words are used: the few non-ASCII characters that fold
 * to ASCII letters are folded by the index, every other non-ASCII character is left out here.
 */
import { foldWord, isWordChar } from "../../index-cache/term-index/tokens.js";

/**
 * A constraint on one word of the file: `exact` — a word equals `text`; `prefix` / `suffix` — a word
 * starts / ends with it; `inner` — a word contains it.
 */
export type WordConstraint = { kind: "word"; mode: "exact" | "prefix" | "suffix" | "inner"; text: string };
export type Requirement =
  | WordConstraint
  | { kind: "all"; of: Requirement[] }
  | { kind: "any"; of: Requirement[] }
  | { kind: "anything" };

const ANYTHING: Requirement = { kind: "anything" };

/** Items of a parsed sequence. */
type Item =
  | { t: "char"; c: string } // a literal character
  | { t: "edge" } // an assertion that the neighbouring characters are not both word characters: \b ^ $ \A \z \< \>
  | { t: "sep" } // at least one character, every one of them a non-word character (\s+ \W \t …)
  | { t: "optsep" } // zero or more non-word characters (\s*): whatever is beyond it borders the word
  | { t: "opaque" } // anything else, zero or more characters of any kind
  | { t: "group"; branches: Item[][] }; // a group that must match once, with its alternatives

class Unsupported extends Error {}

/** Single-character escapes that always match one non-word character. */
const NON_WORD_CLASS_ESCAPES = new Set(["s", "W", "n", "t", "r", "f", "v"]);

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): Item[][] {
    const branches = this.alternation();
    if (this.pos < this.src.length) throw new Unsupported("unbalanced");
    return branches;
  }

  private alternation(): Item[][] {
    const branches: Item[][] = [this.sequence()];
    while (this.src[this.pos] === "|") {
      this.pos++;
      branches.push(this.sequence());
    }
    return branches;
  }

  private sequence(): Item[] {
    const items: Item[] = [];
    while (this.pos < this.src.length && this.src[this.pos] !== "|" && this.src[this.pos] !== ")") {
      const atom = this.atom();
      if (atom === null) continue; // a flag group such as (?i): no item
      const min = this.quantifier();
      if (min === null) items.push(atom);
      else if (min === 0) items.push(nonWord(atom) ? { t: "optsep" } : { t: "opaque" });
      else if (nonWord(atom)) items.push({ t: "sep" });
      // A repeated word character or group still needs one occurrence, but its extent is unknown.
      else if (atom.t === "group") items.push(atom, { t: "opaque" });
      else items.push({ t: "opaque" });
    }
    return items;
  }

  /** The minimum count of a quantifier after an atom, or null when there is none. */
  private quantifier(): number | null {
    let min: number | null = null;
    const c = this.src[this.pos];
    if (c === "*" || c === "?") {
      this.pos++;
      min = 0;
    } else if (c === "+") {
      this.pos++;
      min = 1;
    } else if (c === "{") {
      const m = /^\{(\d+)(,\d*)?\}/.exec(this.src.slice(this.pos));
      if (!m) return null; // a literal brace
      this.pos += m[0].length;
      min = Number(m[1]);
    } else return null;
    if (this.src[this.pos] === "?" || this.src[this.pos] === "+") this.pos++; // lazy or possessive
    if ("*+?{".includes(this.src[this.pos] ?? "\0") && this.src[this.pos] !== undefined) {
      // a quantified quantifier: give up on precision
      const again = this.quantifier();
      return again === null ? min : Math.min(min, again);
    }
    return min;
  }

  private atom(): Item | null {
    const c = this.src[this.pos]!;
    if (c === "(") return this.group();
    if (c === "[") {
      // `[Ii]`: one letter in either case is that letter here (words are compared folded).
      const pair = /^\[([A-Za-z])([A-Za-z])\]/.exec(this.src.slice(this.pos));
      if (pair && pair[1] !== pair[2] && pair[1]!.toLowerCase() === pair[2]!.toLowerCase()) {
        this.pos += 4;
        return { t: "char", c: pair[1]!.toLowerCase() };
      }
      this.skipClass();
      return { t: "opaque" };
    }
    if (c === "\\") return this.escape();
    this.pos++;
    if (c === ".") return { t: "opaque" };
    if (c === "^" || c === "$") return { t: "edge" };
    const cp = this.src.codePointAt(this.pos - 1)!;
    if (cp > 0xffff) {
      this.pos++;
      return { t: "opaque" };
    }
    return { t: "char", c };
  }

  private group(): Item | null {
    this.pos++; // (
    if (this.src[this.pos] === "?") {
      const rest = this.src.slice(this.pos + 1);
      // An ASCII word boundary (the explorer's phrases use it: ripgrep runs far faster than with
      // Unicode's). A non-ASCII letter beside it may continue the index's word: nothing is known
      // of that side, as for "anything zero or more long".
      if (rest.startsWith("-u:\\b)")) {
        this.pos += 1 + "-u:\\b)".length;
        return { t: "opaque" };
      }
      const flags = /^([a-zA-Z-]*)(:|\))/.exec(rest);
      if (flags) {
        // Verbose mode changes what whitespace and # mean: not understood here.
        // Without Unicode (`-u`), \b and \w mean ASCII: words would not be the index's words.
        const [on = "", off = ""] = flags[1]!.split("-");
        if (on.includes("x")) throw new Unsupported("verbose");
        if (off.includes("u")) throw new Unsupported("ASCII word boundaries");
        this.pos += 1 + flags[0].length;
        if (flags[2] === ")") return null; // (?i) and the like: only case, which is folded anyway
      } else {
        const named = /^(?:P?<[A-Za-z_][A-Za-z0-9_]*>)/.exec(rest);
        if (!named) throw new Unsupported("group kind"); // look-around (PCRE2) and the like
        this.pos += 1 + named[0].length;
      }
    }
    const branches = this.alternation();
    if (this.src[this.pos] !== ")") throw new Unsupported("unclosed group");
    this.pos++;
    return { t: "group", branches };
  }

  private skipClass(): void {
    let depth = 0;
    this.pos++; // [
    if (this.src[this.pos] === "^") this.pos++;
    if (this.src[this.pos] === "]") this.pos++; // a leading ] is literal
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === "\\") this.pos += 2;
      else if (c === "[") {
        depth++;
        this.pos++;
      } else if (c === "]") {
        this.pos++;
        if (depth === 0) return;
        depth--;
      } else this.pos++;
    }
    throw new Unsupported("unclosed class");
  }

  private escape(): Item {
    const c = this.src[this.pos + 1];
    if (c === undefined) throw new Unsupported("trailing backslash");
    this.pos += 2;
    if (c === "b") {
      if (this.src[this.pos] === "{") {
        const m = /^\{[a-z-]+\}/.exec(this.src.slice(this.pos));
        if (!m) throw new Unsupported("\\b{");
        this.pos += m[0].length;
      }
      return { t: "edge" };
    }
    if (c === "A" || c === "z" || c === "<" || c === ">") return { t: "edge" };
    if (NON_WORD_CLASS_ESCAPES.has(c)) return { t: "sep" };
    if (c === "p" || c === "P") {
      if (this.src[this.pos] === "{") {
        const close = this.src.indexOf("}", this.pos);
        if (close === -1) throw new Unsupported("\\p{");
        this.pos = close + 1;
      } else this.pos++;
      return { t: "opaque" };
    }
    if (c === "x" || c === "u" || c === "U") {
      if (this.src[this.pos] === "{") {
        const close = this.src.indexOf("}", this.pos);
        if (close === -1) throw new Unsupported("\\x{");
        this.pos = close + 1;
      } else this.pos += c === "x" ? 2 : c === "u" ? 4 : 8;
      return { t: "opaque" };
    }
    // An escaped punctuation character is itself; letters and digits are classes (\d \w \S …) or
    // escapes this parser does not know: either way, anything.
    if (/[A-Za-z0-9]/.test(c)) return { t: "opaque" };
    return { t: "char", c };
  }
}

/** Whether an atom only ever matches one non-word character. */
function nonWord(atom: Item): boolean {
  return atom.t === "sep" || (atom.t === "char" && !isWordChar(atom.c));
}

/**
 * Whether the item at `k` guarantees a non-word character (or an edge) next to a word: `side`
 * "end" for items before the word (looking leftwards from `k`), "start" for items after it.
 * Optional separators are looked through: either one of them or what lies beyond borders the word.
 * A group does when each of its alternatives does.
 */
function bounds(items: readonly Item[], k: number, outer: boolean, side: "start" | "end"): boolean {
  const step = side === "end" ? -1 : 1;
  while (items[k]?.t === "optsep") k += step;
  const item = items[k];
  if (item === undefined) return outer;
  if (item.t === "edge" || item.t === "sep") return true;
  if (item.t === "char") return !isWordChar(item.c);
  if (item.t === "group")
    return item.branches.every((b) => b.length > 0 && bounds(b, side === "end" ? b.length - 1 : 0, false, side));
  return false;
}

function all(of: Requirement[]): Requirement {
  const parts = of.filter((r) => r.kind !== "anything");
  if (parts.length === 0) return ANYTHING;
  return parts.length === 1 ? parts[0]! : { kind: "all", of: parts };
}

/** Any one of the requirements (a pattern made of alternatives). */
export function anyOf(of: Requirement[]): Requirement {
  if (of.length === 0 || of.some((r) => r.kind === "anything")) return ANYTHING;
  return of.length === 1 ? of[0]! : { kind: "any", of };
}

/** The requirement of one sequence, whose outer neighbours bound it or not. */
function sequenceRequirement(items: Item[], leftBound: boolean, rightBound: boolean): Requirement {
  const parts: Requirement[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (item.t === "group") {
      const left = bounds(items, i - 1, leftBound, "end");
      const right = bounds(items, i + 1, rightBound, "start");
      parts.push(anyOf(item.branches.map((b) => sequenceRequirement(b, left, right))));
      continue;
    }
    if (item.t !== "char" || !isWordChar(item.c)) continue;
    let j = i;
    let text = "";
    while (j < items.length) {
      const next = items[j]!;
      if (next.t !== "char" || !isWordChar(next.c)) break;
      text += next.c;
      j++;
    }
    const left = bounds(items, i - 1, leftBound, "end");
    const right = bounds(items, j, rightBound, "start");
    i = j - 1;
    if (!/^[\x21-\x7e]+$/.test(text)) continue; // non-ASCII: left out (see the module comment)
    const mode = left && right ? "exact" : left ? "prefix" : right ? "suffix" : "inner";
    parts.push({ kind: "word", mode, text: foldWord(text) });
  }
  return all(parts);
}

/**
 * The requirement of a ripgrep (Rust regex) pattern; `anything` when no word can be required.
 * Multi-line patterns are fine: words never span lines.
 */
export function patternRequirement(pattern: string): Requirement {
  try {
    const branches = new Parser(pattern).parse();
    // Outside the pattern anything may come: no bound at either end.
    return anyOf(branches.map((b) => sequenceRequirement(b, false, false)));
  } catch (error) {
    if (error instanceof Unsupported) return ANYTHING;
    throw error;
  }
}
