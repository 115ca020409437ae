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

/** The pattern itself when it contains no regex syntax at all (enables a byte prefilter). */
function plainLiteral(pattern: string): string | null {
  return META.test(pattern) ? null : pattern;
}

export function translateRegex(pattern: string, options: { ignoreCase: boolean; multiline: boolean }): Translation {
  let p = pattern;
  const flags = new Set<string>(["g", "m"]);
  if (options.ignoreCase) flags.add("i");
  if (options.multiline) flags.add("s");
  // Leading inline flags, e.g. (?i) or (?is).
  for (;;) {
    const m = /^\(\?([imsxU]+)\)/.exec(p);
    if (!m) break;
    for (const f of m[1]!) {
      if (f === "i") flags.add("i");
      else if (f === "s") flags.add("s");
      else if (f === "x" || f === "U") return parseError(pattern, `the inline flag '${f}' is not supported by the built-in search engine`);
    }
    p = p.slice(m[0].length);
  }
  if (!options.multiline && /(^|[^\\])(\\\\)*\\n/.test(p)) {
    return { ok: false, message: "the literal '\\n' is not allowed in a regex\n\nConsider enabling multiline mode with the --multiline flag (or -U for short).\nWhen multiline mode is enabled, new line characters can be matched." };
  }
  let out = "";
  let inClass = false;
  let needsUnicode = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      const next = p[i + 1];
      if (next === undefined) return parseError(pattern, "incomplete escape sequence, reached end of pattern prematurely");
      if (!inClass && /[1-9]/.test(next)) return parseError(pattern, "backreferences are not supported");
      if (next === "A" && !inClass) {
        out += "(?<![\\s\\S])";
        i++;
        continue;
      }
      if (next === "z" && !inClass) {
        out += "(?![\\s\\S])";
        i++;
        continue;
      }
      if (next === "p" || next === "P") needsUnicode = true;
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
          if (negated) return parseError(pattern, "negated POSIX classes are not supported by the built-in search engine");
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
      if (/^(=|!|<=|<!)/.test(rest)) return parseError(pattern, "look-around, including look-ahead and look-behind, is not supported");
      if (rest.startsWith("P<")) {
        out += "(?<";
        i += 3;
        continue;
      }
      if (/^[imsxU-]+[:)]/.test(rest) && !rest.startsWith(":")) {
        return parseError(pattern, "inline flags inside the pattern are not supported by the built-in search engine; put them at the start, e.g. (?i)");
      }
    }
    if (c === "{") {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (!rep || out === "" || /[(|]$/.test(out)) return parseError(pattern, "repetition quantifier expects a valid decimal");
      out += rep[0];
      i += rep[0].length - 1;
      continue;
    }
    out += c;
  }
  if (inClass) return parseError(pattern, "unclosed character class");
  if (needsUnicode) {
    flags.add("u");
    // Under the u flag JavaScript rejects escapes of characters that need none (e.g. \- or \#).
    out = out.replace(/\\([^\w\s\\^$.|?*+()[\]{}\/-])/g, "$1");
  }
  const source = out;
  try {
    new RegExp(source, [...flags].join(""));
  } catch (error) {
    return parseError(pattern, (error as Error).message.replace(/^Invalid regular expression: /, ""));
  }
  const literal = flags.has("i") ? null : plainLiteral(pattern);
  return { ok: true, source, flags: [...flags].sort().join(""), literal };
}
