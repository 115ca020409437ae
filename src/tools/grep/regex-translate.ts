/**
 * ripgrep (Rust regex) syntax → JavaScript RegExp, for the fallback engine. Rejects what ripgrep
 * rejects (look-around, backreferences, a bare `{`, a literal newline outside multiline mode) with
 * ripgrep-like messages, and translates what JavaScript spells differently: leading inline flags
 * `(?i)`/`(?s)`/`(?m)`, named groups `(?P<n>…)`, POSIX classes `[[:alpha:]]`, `\A`, `\z`.
 */

export type Translation =
  | { ok: true; source: string; flags: string; literal: string | null }
  | { ok: false; message: string };

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

function parseError(pattern: string, what: string): Translation {
  return { ok: false, message: `regex parse error:\n    ${pattern}\nerror: ${what}` };
}

const META = /[\\^$.|?*+()[\]{}]/;

/** Characters JavaScript's unicode mode accepts after a backslash (besides letters and digits). */
const SYNTAX = "^$\\.*+?()[]{}|/";

/** ripgrep's Unicode-aware `\w` (UTS #18 Annex C, as Rust's regex defines it). */
const WORD = "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}";

/** Perl classes and word boundaries outside a character class. */
const PERL: Record<string, string> = {
  w: `[${WORD}]`,
  W: `[^${WORD}]`,
  d: "\\p{Nd}",
  D: "\\P{Nd}",
  s: "\\p{White_Space}",
  S: "\\P{White_Space}",
  b: `(?:(?<=[${WORD}])(?![${WORD}])|(?<![${WORD}])(?=[${WORD}]))`,
  B: `(?:(?<=[${WORD}])(?=[${WORD}])|(?<![${WORD}])(?![${WORD}]))`,
  A: "(?<![\\s\\S])",
  z: "(?![\\s\\S])",
};

/** Inside a class only the positive classes can be spliced in; \W stays ASCII (rare). */
const PERL_IN_CLASS: Record<string, string> = {
  w: WORD,
  d: "\\p{Nd}",
  D: "\\P{Nd}",
  s: "\\p{White_Space}",
  S: "\\P{White_Space}",
};

/** The pattern itself when it contains no regex syntax at all (enables a byte prefilter). */
function plainLiteral(pattern: string): string | null {
  return META.test(pattern) ? null : pattern;
}

export function translateRegex(pattern: string, options: { ignoreCase: boolean; multiline: boolean }): Translation {
  let p = pattern;
  // No "m" flag: `^`, `$` and `.` are translated below to ripgrep's meaning, where only `\n` ends
  // a line (JavaScript also breaks lines at `\r`, U+2028 and U+2029).
  // Always "u": ripgrep's classes and case folding are Unicode-aware.
  const flags = new Set<string>(["g", "u"]);
  if (options.ignoreCase) flags.add("i");
  if (options.multiline) flags.add("s");
  // Leading inline flags, e.g. (?i) or (?is).
  for (;;) {
    const m = /^\(\?([imsxU]+)\)/.exec(p);
    if (!m) break;
    for (const f of m[1]!) {
      if (f === "i") flags.add("i");
      else if (f === "s") flags.add("s");
      else if (f === "x" || f === "U")
        return parseError(pattern, `the inline flag '${f}' is not supported by the built-in search engine`);
    }
    p = p.slice(m[0].length);
  }
  if (!options.multiline && /(^|[^\\])(\\\\)*\\n/.test(p)) {
    return {
      ok: false,
      message:
        "the literal '\\n' is not allowed in a regex\n\nConsider enabling multiline mode with the --multiline flag (or -U for short).\nWhen multiline mode is enabled, new line characters can be matched.",
    };
  }
  let out = "";
  let inClass = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      const next = p[i + 1];
      if (next === undefined)
        return parseError(pattern, "incomplete escape sequence, reached end of pattern prematurely");
      if (!inClass && /[1-9]/.test(next)) return parseError(pattern, "backreferences are not supported");
      const perl = inClass ? PERL_IN_CLASS[next] : PERL[next];
      if (perl !== undefined) {
        out += perl;
        i++;
        continue;
      }
      if (next === "x" && p[i + 2] === "{") {
        const close = p.indexOf("}", i + 3);
        if (close === -1) return parseError(pattern, "unclosed hexadecimal escape");
        out += `\\u{${p.slice(i + 3, close)}}`;
        i = close;
        continue;
      }
      if ((next === "p" || next === "P") && p[i + 2] !== undefined && p[i + 2] !== "{") {
        out += `\\${next}{${p[i + 2]}}`;
        i += 2;
        continue;
      }
      if (!/[A-Za-z0-9]/.test(next)) {
        // ripgrep lets any punctuation be escaped; JavaScript's unicode mode only some.
        out += SYNTAX.includes(next) || (inClass && next === "-") ? `\\${next}` : next;
        i++;
        continue;
      }
      out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === "[" && p[i + 1] === ":") {
        const end = p.indexOf(":]", i + 2);
        if (end !== -1) {
          const name = p.slice(i + 2, end);
          const negated = name.startsWith("^");
          const cls = POSIX[negated ? name.slice(1) : name];
          if (!cls) return parseError(pattern, `unrecognized POSIX class '${name}'`);
          if (negated)
            return parseError(pattern, "negated POSIX classes are not supported by the built-in search engine");
          out += cls;
          i = end + 1;
          continue;
        }
      }
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      // A leading `]` or `^]` is a literal in both dialects.
      if (p[i + 1] === "^") {
        out += "^";
        i++;
      }
      if (p[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && p[i + 1] === "?") {
      const rest = p.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest))
        return parseError(pattern, "look-around, including look-ahead and look-behind, is not supported");
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 3;
        continue;
      }
      if (/^[imsxU-]+[:)]/.test(rest) && !rest.startsWith(":")) {
        return parseError(
          pattern,
          "inline flags inside the pattern are not supported by the built-in search engine; put them at the start, e.g. (?i)",
        );
      }
    }
    if (c === "}" || c === "]") {
      out += `\\${c}`;
      continue;
    }
    if (c === "^") {
      out += "(?<![^\\n])";
      continue;
    }
    if (c === "$") {
      out += "(?![^\\n])";
      continue;
    }
    if (c === "." && !flags.has("s")) {
      out += "[^\\n]";
      continue;
    }
    if (c === "{") {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (!rep || out === "" || /[(|]$/.test(out))
        return parseError(pattern, "repetition quantifier expects a valid decimal");
      out += rep[0];
      i += rep[0].length - 1;
      continue;
    }
    out += c;
  }
  if (inClass) return parseError(pattern, "unclosed character class");
  const source = out;
  try {
    new RegExp(source, [...flags].join(""));
  } catch (error) {
    return parseError(pattern, (error as Error).message.replace(/^Invalid regular expression: /, ""));
  }
  const literal = flags.has("i") ? null : plainLiteral(pattern);
  return { ok: true, source, flags: [...flags].sort().join(""), literal };
}
