/**
 * Query analysis for the embedded explorer: turns free text (often a GitHub issue in Markdown) into
 * weighted identifiers, paths, stack frames, error messages and keywords. Pure and synchronous.
 *
 * Weighting (all generic):
 * - shape: compound identifiers (dotted, camelCase, snake_case, CONSTANTS) ≫ plain words; longer ≫ shorter;
 * - source: title ×1.5, inline code ×1.4, traceback ×1.3, code block ×1.0, prose ×0.9;
 * - frames: closer to the raised error → heavier; installed-package frames ×0.45; runtime frames dropped;
 * - noise: environment/version/checklist sections ×0.25; stop words, template words, numbers, versions,
 *   hashes, URLs, e-mails and mentions removed; generic programming words ×0.15–0.2;
 * - repeats: the strongest mention counts fully, further mentions add logarithmically.
 */
import { createLogger } from "../util/log.js";
import { type FoundMessage, hasWords, looksLikeMessage, messagesInCode, messagesInProse } from "./error-messages.js";
import { identifierShape, identifierVariants, isCompoundShape, lightStem } from "./identifiers.js";
import { extractImports } from "./imports.js";
import { segmentIssue, type TextSegment } from "./issue-text.js";
import { isExternalPath, parseStackFrames, repoRelative, type StackFrame } from "./stack-frames.js";
import {
  ENGLISH_STOPWORDS,
  GENERIC_CODE_WORDS,
  ISSUE_NOISE,
  LANGUAGE_KEYWORDS,
  PLATFORM_EXCEPTIONS,
} from "./stopwords.js";
import { groupOf, SOURCE_FACTOR, type Term, TermBag, type TermSource } from "./term-bag.js";

export {
  buildGrepPatterns,
  distinctiveLiteral,
  escapeRegex,
  type GrepPattern,
  type GrepPatternOptions,
} from "./grep-patterns.js";
export { identifierVariants, splitIdentifier, tokenizeForSearch } from "./identifiers.js";
export type { FrameLang, StackFrame } from "./stack-frames.js";
export type { Term, TermKind, TermSource } from "./term-bag.js";

/** Everything `analyzeQuery` extracts; every list is sorted by weight, heaviest first. */
export interface QueryAnalysis {
  /** Code-looking tokens (kinds `identifier`, `frame`). */
  identifiers: Term[];
  /** File paths and module names (kinds `path`, `module`). */
  paths: Term[];
  /** Stack frames in printed order. */
  frames: StackFrame[];
  /** Error messages, quoted messages and exception class names (kinds `error`, `quoted`, `exception`). */
  errorMessages: Term[];
  /** Contents of fenced, indented and detected-trace code blocks. */
  codeBlocks: string[];
  /** Remaining meaningful prose words (variants include a light stem). */
  keywords: Term[];
  /** Union of the above, deduplicated by text, heaviest first. */
  all: Term[];
}

const FILE_EXTS =
  "py|pyi|pyx|js|jsx|mjs|cjs|ts|tsx|mts|cts|go|rs|java|kt|kts|scala|c|h|cc|cpp|cxx|hpp|hh|cs|rb|php|swift|mm|vue|svelte|json|ya?ml|toml|cfg|ini|conf|lock|xml|html?|css|scss|less|md|rst|txt|sh|bash|sql|proto|gradle|properties";
const PATH_RE = new RegExp(
  String.raw`(?:^|[\s(\[{'"\x60:=,])((?:[A-Za-z]:)?[\\/]?(?:[\w.@+~-]+[\\/])*[\w@+~-][\w.@+~-]*\.(?:${FILE_EXTS}))(?::\d+(?::\d+)?)?(?=$|[\s)\]}'"\x60,;:!?])`,
  "g",
);
const FILE_EXT_RE = new RegExp(`^(?:${FILE_EXTS})$`, "i");
/**
 * A leaf spelled like a member, not an extension: `Context.Json`, `Response.Html` are methods; file
 * extensions are lower case or all capitals (`config.json`, `Makefile.PL`).
 */
const TITLE_CASE = /^[A-Z][a-z]/;
const TECH_NAMES = /^(?:node|vue|next|nuxt|three|chart|ember|backbone|react|angular|express|deno|socket\.io)\.js$/i;
const URL_RE = /\b(?:https?|ftp|file):\/\/\S+|\bwww\.\S+/g;
const TOKEN_RE = /(?<![\w$./\\-])(--?[a-z][\w-]*[a-z0-9]|[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*)(\s*\()?/g;
/**
 * A PHP namespace-qualified name (`Http\Response`, `\Symfony\Component\Console\Application`):
 * every segment but the last capitalised, as PSR-4 names are. It is read as `Http::Response`, a
 * qualified name whose parts are identifiers; before, the backslash hid every segment after the first.
 */
const PHP_NAMESPACED = /(?<![\w$\\])\\?((?:[A-Z][A-Za-z0-9_]*\\)+[A-Za-z_][A-Za-z0-9_]*)/g;
// Lines of a trace that only locate code (frames, Go function lines, headers); their paths and function
// names are taken from the parsed frames, so token scanning skips them.
const FRAME_LINE =
  /^\s*(?:File ".+", line \d+|at \S|\S+\.(?:go|rs|rb|php)[:(]\d+|\d+: \S|#\d+ |goroutine \d+|created by |Traceback \(most recent call last\))|^[\w./-]+\.(?:\(\*?[\w[\]]+\)\.)?[\w[\]]+\(.*\)$/;
const QUOTE_MARK = "\u0001";
const RECEIVERS = new Set(["self", "this", "cls", "super", "@"]);
const log = createLogger("analysis.query");

/** Analyzes `text`. Never throws: an internal failure is logged and yields an empty analysis. */
export function analyzeQuery(text: string): QueryAnalysis {
  try {
    return analyze(text);
  } catch (err) {
    log.error("query analysis failed", { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    return { identifiers: [], paths: [], frames: [], errorMessages: [], codeBlocks: [], keywords: [], all: [] };
  }
}

function analyze(text: string): QueryAnalysis {
  const doc = segmentIssue(text);
  const bag = new TermBag();
  const frames: StackFrame[] = [];
  for (const seg of doc.segments) {
    const segFrames = parseStackFrames(seg.text);
    frames.push(...segFrames);
    const source: TermSource = seg.source === "code" && segFrames.length ? "traceback" : seg.source;
    const factor = SOURCE_FACTOR[source] * (seg.noise ? 0.25 : 1) * (seg.inTitle && source !== "title" ? 1.3 : 1);
    addPaths(bag, seg, source, factor);
    addMessages(bag, seg, source, factor);
    addIdentifiers(bag, seg, source, factor);
    if (seg.source === "prose" || seg.source === "title") addKeywords(bag, seg.text, source, factor);
    if (seg.source === "code") addImports(bag, seg.text, factor);
  }
  for (const p of doc.linkedPaths) bag.add(p, "path", 3.5, "prose", pathVariants(p));
  addFrames(bag, frames);

  const terms = bag.terms();
  const pick = (group: ReturnType<typeof groupOf>) => terms.filter((t) => groupOf(t.kind) === group);
  const seen = new Map<string, Term>();
  for (const t of terms) {
    const key = t.text.toLowerCase();
    const prev = seen.get(key);
    if (!prev) seen.set(key, { ...t, variants: [...t.variants] });
    else prev.variants = [...new Set([...prev.variants, ...t.variants])];
  }
  return {
    identifiers: pick("identifiers"),
    paths: pick("paths"),
    frames,
    errorMessages: pick("errorMessages"),
    codeBlocks: doc.codeBlocks,
    keywords: pick("keywords"),
    all: [...seen.values()],
  };
}

/** `a/b/c/d.py` → itself, `c/d.py`, `d.py`, `d` — suffixes for matching against repository paths. */
function pathVariants(path: string): string[] {
  const segs = path.split("/").filter(Boolean);
  const out = [path];
  for (let n = Math.min(3, segs.length - 1); n >= 1; n--) out.push(segs.slice(-n).join("/"));
  const base = segs[segs.length - 1] ?? path;
  if (base.includes(".")) out.push(base.slice(0, base.lastIndexOf(".")));
  return out;
}

function addFrames(bag: TermBag, frames: StackFrame[]): void {
  for (const f of frames) {
    // Installed packages may be this very repository (the issue is about the library); runtime code never is.
    const installed = f.external && f.repoPath !== f.path;
    if (f.external && !installed) continue;
    const near = Math.max(0, 1.2 - 0.3 * f.distance);
    const factor = installed ? 0.45 : 1;
    if (f.func && !LANGUAGE_KEYWORDS.has(f.func) && f.func.length > 1) {
      const shape = identifierShape(f.func.split(".").pop()!);
      bag.add(
        f.func,
        "frame",
        (2.2 + near + (isCompoundShape(shape) ? 0.6 : 0)) * factor,
        "traceback",
        identifierVariants(f.func),
      );
    }
    bag.add(f.repoPath, "path", (2.6 + near) * factor, "traceback", pathVariants(f.repoPath));
  }
}

/** Drops frame lines from code: frames contribute their paths and functions separately. */
const withoutFrameLines = (seg: TextSegment): string =>
  seg.source === "code"
    ? seg.text
        .split("\n")
        .filter((l) => !FRAME_LINE.test(l))
        .join("\n")
    : seg.text;

function addPaths(bag: TermBag, seg: TextSegment, source: TermSource, factor: number): void {
  for (const m of withoutFrameLines(seg).replace(URL_RE, " ").matchAll(PATH_RE)) {
    const raw = m[1]!.replace(/\\/g, "/");
    if (TECH_NAMES.test(raw) || /^\d/.test(raw)) continue;
    const external = isExternalPath(raw);
    const path = external ? repoRelative(raw) : raw.replace(/^\.\//, "");
    if (external && path === raw) continue; // runtime / standard library: not in any repository
    const weight = (path.includes("/") ? 3.0 : 2.4) * factor * (external ? 0.5 : 1);
    bag.add(path, "path", weight, source, pathVariants(path));
  }
}

function addImports(bag: TermBag, code: string, factor: number): void {
  for (const lang of ["python", "typescript"] as const) {
    for (const ref of extractImports(code, lang)) {
      const module = ref.module.replace(/^\.+/, "");
      if (module.length < 2) continue;
      const slash = module.replace(/\./g, "/").replace(/::/g, "/");
      bag.add(module, "module", 2.8 * factor, "code", [slash, module.split(/[./:]/).pop() ?? module]);
      for (const name of ref.names)
        if (name !== "*" && name.length > 1)
          bag.add(name, "identifier", 2.8 * factor, "code", identifierVariants(name));
    }
  }
}

function addMessages(bag: TermBag, seg: TextSegment, source: TermSource, factor: number): void {
  let found: FoundMessage[];
  if (seg.source === "code") found = messagesInCode(seg.text);
  else if (seg.source === "inline_code") {
    found = messagesInCode(seg.text);
    if (looksLikeMessage(seg.text)) found.push({ message: seg.text.trim(), kind: "quoted" });
  } else found = messagesInProse(seg.text);
  for (const f of found) {
    if (f.exception) {
      const platform = PLATFORM_EXCEPTIONS.has(f.exception);
      bag.add(f.exception, "exception", (platform ? 0.8 : 3.0) * factor, source, identifierVariants(f.exception));
    }
    if (f.message && hasWords(f.message)) {
      const msg = f.message.length > 300 ? f.message.slice(0, 300) : f.message;
      const words = msg.split(/\s+/).length;
      bag.add(msg, f.kind, ((f.kind === "quoted" ? 2.0 : 3.0) + Math.min(1, words / 10)) * factor, source);
    }
  }
}

/** Weight of one identifier mention before source factors. */
function shapeWeight(token: string, call: boolean): number {
  const shape = identifierShape(token);
  const base = {
    dotted: 2.6,
    camel: 2.5,
    snake: 2.4,
    constant: 2.3,
    dunder: 2.0,
    kebab: 1.4,
    plain: /^[A-Z]/.test(token) ? 1.6 : 1.0,
  }[shape];
  const generic = GENERIC_CODE_WORDS.has(token.toLowerCase()) || ENGLISH_STOPWORDS.has(token.toLowerCase());
  const length = Math.min(0.6, Math.max(0, token.length - 6) * 0.05);
  return (base + (call ? 0.4 : 0) + length) * (generic && shape === "plain" ? 0.15 : 1);
}

/** Strings in code: keep single-token literals (`'user_id'` names something), blank the rest. */
function maskCodeStrings(code: string): string {
  return code.replace(/(["'`])((?:\\.|(?!\1)[^\\\n])*)\1/g, (_all, _q: string, inner: string) =>
    /^[A-Za-z_$][\w$.]*$/.test(inner) ? ` ${QUOTE_MARK}${inner} ` : " ",
  );
}

function isNoiseToken(token: string): boolean {
  return (
    token.length < 2 ||
    !/[A-Za-z]{2}/.test(token) ||
    /^[vV]?\d|^[a-z]\d+$/.test(token) ||
    (/\d/.test(token) && /^[0-9a-f]{7,}$/i.test(token)) ||
    PLATFORM_EXCEPTIONS.has(token) ||
    /^[A-Z]\w*(?:Error|Exception|Warning)$/.test(token)
  );
}

function addIdentifiers(bag: TermBag, seg: TextSegment, source: TermSource, factor: number): void {
  // Message-like inline spans (`Cannot find module 'x'`) are read like prose.
  const prose =
    seg.source === "prose" || seg.source === "title" || (seg.source === "inline_code" && looksLikeMessage(seg.text));
  let text = withoutFrameLines(seg).replace(URL_RE, " ").replace(PATH_RE, " ");
  if (seg.source === "code") text = maskCodeStrings(text);
  text = text.replace(PHP_NAMESPACED, (_all, name: string) => ` ${name.replace(/\\/g, "::")}`);
  const wholeSpan = seg.source === "inline_code" && /^[\w$.:>-]+(?:\(\))?$/.test(seg.text.trim()) ? 1.2 : 1;
  for (const m of text.matchAll(TOKEN_RE)) {
    const raw = m[1]!;
    // `name(` is a call; in prose, `word (see below)` and a PR number `word (#809)` are not.
    const call = !!m[2] && (m[2] === "(" || seg.source === "code") && text[m.index + m[0].length] !== "#";
    const quoted = text[m.index - 1] === QUOTE_MARK;
    if (raw.startsWith("-")) {
      if (raw.startsWith("--") && raw.length >= 5)
        bag.add(raw, "identifier", 2.0 * factor, source, [raw.slice(2), raw.slice(2).replace(/-/g, "_")]);
      continue;
    }
    const segs = raw.replace(/::|->/g, ".").split(".");
    while (segs.length > 1 && RECEIVERS.has(segs[0]!)) segs.shift();
    const leaf = segs[segs.length - 1]!;
    // File names are paths; domains and abbreviations are not code; qualified exception names are
    // reported as exceptions.
    if (
      segs.length > 1 &&
      ((FILE_EXT_RE.test(leaf) && !TITLE_CASE.test(leaf)) ||
        /^(?:com|org|net|io|dev)$/.test(leaf) ||
        /^(?:e\.g|i\.e|etc|vs)$/i.test(raw))
    )
      continue;
    if (segs.length > 1 && isNoiseToken(leaf)) continue;
    const token = segs.join(".");
    if (segs.length > 1) {
      const w = shapeWeight(token, call) * factor * wholeSpan;
      bag.add(token, "identifier", w, source, identifierVariants(token));
      // Lower-case dotted names in prose may be modules (`pkg.sub.mod`); in code they are mostly attribute access.
      if (seg.source !== "code" && segs.every((s) => /^[a-z_][a-z0-9_]*$/.test(s)))
        bag.add(token, "module", w * 0.6, source, [segs.join("/")]);
    }
    for (const [i, part] of segs.entries()) {
      const last = i === segs.length - 1;
      if (isNoiseToken(part) || LANGUAGE_KEYWORDS.has(part)) continue;
      const shape = identifierShape(part);
      // In prose (and in trace output, which reads like prose) only code-shaped, called or quoted words are
      // identifiers; other plain words become keywords or are dropped.
      if ((prose || source === "traceback") && segs.length === 1 && !isCompoundShape(shape) && !call && !quoted)
        continue;
      if (prose && ISSUE_NOISE.has(part.toLowerCase())) continue;
      const w = shapeWeight(part, call && last) * factor * (segs.length > 1 ? 0.8 : wholeSpan);
      bag.add(part, "identifier", w, source, identifierVariants(part));
    }
  }
}

function addKeywords(bag: TermBag, text: string, source: TermSource, factor: number): void {
  const clean = text.replace(URL_RE, " ").replace(PATH_RE, " ");
  for (const m of clean.matchAll(/(?<![\w$.])[A-Za-z][\w'’-]*/g)) {
    const token = m[0].replace(/['’]s$/, "").replace(/['’-]+$/, "");
    if (/[\d_]/.test(token) || (token.includes("-") ? false : isCompoundShape(identifierShape(token)))) continue;
    const parts = token.toLowerCase().split("-");
    for (const part of parts) {
      // Prefix fragments of hyphenated words (`sub-`, `non-`, `re-`) say nothing alone.
      if (
        part.length < (parts.length > 1 ? 4 : 3) ||
        ENGLISH_STOPWORDS.has(part) ||
        ISSUE_NOISE.has(part) ||
        /['’]/.test(part)
      )
        continue;
      const generic = GENERIC_CODE_WORDS.has(part) ? 0.2 : 1;
      // Adverbs ("unfortunately", "currently", "explicitly") describe the report, not the code.
      const adverb = part.length > 5 && part.endsWith("ly") ? 0.35 : 1;
      const weight = (1 + Math.min(0.5, Math.max(0, part.length - 5) * 0.08)) * generic * adverb * factor;
      const stem = lightStem(part);
      bag.add(part, "keyword", weight, source, stem !== part ? [stem] : []);
    }
  }
}
