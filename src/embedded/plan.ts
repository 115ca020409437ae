/**
 * The embedded explorer's first turn: from a query analysis, the searches a good explorer would
 * issue in parallel — a count of every strong identifier and keyword across the repository (for
 * relevance statistics) and of the qualified form of each dotted name (does `pmxbot.logging` belong
 * to this repository at all?), one search for their definitions, one for definitions named after the
 * title's words, literal searches for quoted error messages (placeholders allowed) and command-line
 * options (with the lines above, to see a multi-line declaration), and globs for named files.
 */

import { DEFINITION_KEYWORDS } from "../analysis/definition-grammar.js";
import { messagePattern } from "../analysis/grep-patterns.js";
import type { QueryAnalysis, Term } from "../analysis/query.js";
import { distinctiveLiteral, escapeRegex } from "../analysis/query.js";
import { PLATFORM_EXCEPTIONS } from "../analysis/stopwords.js";
import type { ToolCallRequest } from "../core/types.js";
import { type ConceptWord, conceptWords, definitionNamePattern } from "./concepts.js";
import { GENERATED_HEADER } from "./file-kinds.js";
import { IMPORT_LINE_PATTERN } from "./import-graph.js";
import { phrasesPattern, queryPhrases, titleSpellings } from "./phrases.js";

export type SearchPurpose =
  | "identifier"
  | "keyword"
  | "qualified"
  | "definition"
  | "defnames"
  | "message"
  | "phrase"
  | "option"
  | "path"
  | "imports"
  | "generated";

export interface PlannedCall {
  call: ToolCallRequest;
  purpose: SearchPurpose;
  /** The query term behind the call (for counts and definitions). */
  term?: Term;
  /** Other terms counted by the same search (`acme.logging.configure` and `setup.configure` both count `configure`). */
  aliases?: Term[];
  /** For definition searches: the names searched. */
  names?: string[];
  /** For phrase searches: the phrases (their words) any of which a matching line holds. */
  phrases?: string[][];
  /** For definition-name searches: the concept words looked for inside definition names. */
  words?: ConceptWord[];
}

export interface PlanLimits {
  identifiers: number;
  /** Dotted names whose qualified form is checked (the heaviest first). */
  qualified: number;
  keywords: number;
  messages: number;
  paths: number;
}

export const DEFAULT_PLAN_LIMITS: PlanLimits = { identifiers: 14, qualified: 6, keywords: 14, messages: 3, paths: 4 };

/** Lines kept before an option's mention, to see the declaring call of a multi-line declaration. */
export const OPTION_CONTEXT = 3;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * Grep-able names of a term: identifier-shaped forms of 3+ characters. A dotted or scoped name
 * (`request.node.add_marker`) contributes only its leaf: its qualifiers are usually common words
 * that would flood the counts.
 */
export function termNames(term: Term): string[] {
  const split = (v: string) => v.split(/\.|::|->/);
  const leaf = split(term.text).pop() ?? term.text;
  const dotted = leaf !== term.text;
  const norm = (v: string) => v.toLowerCase().replace(/_/g, "");
  const names = new Set<string>();
  for (const v of [term.text, ...term.variants]) {
    const candidate = split(v).pop() ?? v;
    if (dotted && norm(candidate) !== norm(leaf)) continue;
    if (IDENT.test(candidate) && candidate.length >= 3) names.add(candidate);
  }
  return [...names].sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).slice(0, 4);
}

/**
 * A pattern for the qualified tail of a dotted or scoped name (`pmxbot.logging.Logger` →
 * `logging.Logger`, in any of the languages' separators: `.`, `::`, `->`), or null for a plain name.
 * Counting it tells whether the name belongs to this repository at all: an issue names the
 * reporter's own modules and variables as often as the project's.
 */
export function qualifiedTailPattern(term: Term): string | null {
  const parts = term.text.split(/\.|::|->/);
  if (parts.length < 2) return null;
  const [owner, leaf] = parts.slice(-2) as [string, string];
  if (!IDENT.test(owner) || !IDENT.test(leaf)) return null;
  // Word boundaries only where the name starts or ends with a word character (`$order->save`).
  const start = /^\w/.test(owner) ? "\\b" : "";
  const end = /\w$/.test(leaf) ? "\\b" : "";
  // PHP's namespace separator too: `Http.Response` is `use Composer\Util\Http\Response;` there.
  return `${start}${escapeRegex(owner)}(?:\\.|::|->|\\\\)${escapeRegex(leaf)}${end}`;
}

/** A light stem pattern for a keyword: `\bstem\w*` over its variants (case-insensitive). */
function keywordPattern(term: Term): string | null {
  const stems = new Set<string>();
  for (const v of [term.text, ...term.variants]) {
    const w = v.toLowerCase();
    if (/^[a-z][a-z0-9_]{2,}$/.test(w)) stems.add(w);
  }
  if (stems.size === 0) return null;
  // The shortest stem covers the others (`\bdecorat\w*` covers `decorator`, `decorated`).
  const sorted = [...stems].sort((a, b) => a.length - b.length);
  const kept = sorted.filter((s, i) => !sorted.slice(0, i).some((p) => s.startsWith(p)));
  return `\\b(?:${kept.map(escapeRegex).join("|")})\\w*`;
}

/** The whole-tree search of import lines (the first turn's, or the import proximity's when it was left out). */
export const IMPORT_PASS_ARGS: Readonly<Record<string, unknown>> = Object.freeze({
  pattern: IMPORT_LINE_PATTERN,
  output_mode: "content",
  head_limit: 50,
});

/** `query` is the raw text `analysis` came from: its title gives the concept words. */
export function planSearch(
  analysis: QueryAnalysis,
  limits: PlanLimits = DEFAULT_PLAN_LIMITS,
  query = "",
): PlannedCall[] {
  let n = 0;
  const id = () => `call_t1_${++n}`;
  const planned: PlannedCall[] = [];
  const seenPatterns = new Set<string>();
  const push = (p: PlannedCall, key: string) => {
    if (seenPatterns.has(key)) return;
    seenPatterns.add(key);
    planned.push(p);
  };

  // A project's own exception class named in the query is a name to find like any identifier
  // (`Fix HttpBadRequestException description`); the platform's (ValueError) says little. As
  // buildGrepPatterns (analysis/grep-patterns.ts) has it.
  const exceptionNames = analysis.errorMessages.filter(
    (t) =>
      t.kind === "exception" &&
      !PLATFORM_EXCEPTIONS.has(t.text) &&
      !analysis.identifiers.some((i) => i.text === t.text),
  );
  const identifiers = [...analysis.identifiers, ...exceptionNames]
    .filter((t) => t.weight > 0 && termNames(t).length > 0)
    .sort((a, b) => b.weight - a.weight || a.text.localeCompare(b.text))
    .slice(0, limits.identifiers);
  const defNames: string[] = [];
  const counts = new Map<string, PlannedCall>();
  let qualifiedChecks = 0;
  for (const term of identifiers) {
    const names = termNames(term);
    const pattern = `\\b(?:${names.map(escapeRegex).join("|")})\\b`;
    const same = counts.get(pattern);
    if (same) (same.aliases ??= []).push(term);
    else {
      const count: PlannedCall = {
        call: { id: id(), name: "Grep", arguments: { pattern, output_mode: "count", head_limit: 5000 } },
        purpose: "identifier",
        term,
      };
      counts.set(pattern, count);
      push(count, pattern);
    }
    for (const n of names) if (!defNames.includes(n)) defNames.push(n);
    const qualified = qualifiedTailPattern(term);
    if (qualified && qualifiedChecks < limits.qualified) {
      qualifiedChecks++;
      push(
        {
          call: { id: id(), name: "Grep", arguments: { pattern: qualified, output_mode: "count", head_limit: 5000 } },
          purpose: "qualified",
          term,
        },
        qualified,
      );
    }
  }
  if (defNames.length > 0) {
    const names = defNames.slice(0, 16);
    const alt = names.map(escapeRegex).join("|");
    const pattern = definitionSearchPattern(alt);
    push(
      {
        call: { id: id(), name: "Grep", arguments: { pattern, output_mode: "content", head_limit: 400 } },
        purpose: "definition",
        names,
      },
      pattern,
    );
  }

  const identifierTexts = new Set(identifiers.flatMap((t) => termNames(t).map((n) => n.toLowerCase())));
  const keywords = analysis.keywords
    .filter((t) => t.weight > 0 && !identifierTexts.has(t.text.toLowerCase()))
    .slice(0, limits.keywords);
  for (const term of keywords) {
    const pattern = keywordPattern(term);
    if (!pattern) continue;
    push(
      {
        call: { id: id(), name: "Grep", arguments: { pattern, "-i": true, output_mode: "count", head_limit: 5000 } },
        purpose: "keyword",
        term,
      },
      `i:${pattern}`,
    );
  }

  // Command-line options and dashed config keys (`--collect-only`, `ignore-paths`) are defined
  // literally where they are declared: search the literal and its quoted form.
  for (const term of analysis.identifiers) {
    const m = /^(--?)?([A-Za-z][\w]*(?:-[\w]+)+|[A-Za-z][\w]{2,})(?:=.*)?$/.exec(term.text);
    if (!m || (!m[1] && !m[2]!.includes("-"))) continue;
    const name = m[2]!;
    const pattern = `--${escapeRegex(name)}(?:[^\\w-]|$)|["']${escapeRegex(name)}["']`;
    // Declarations often span lines (`addoption(\n    "--collect-only",`): keep the lines before each match.
    push(
      {
        call: {
          id: id(),
          name: "Grep",
          arguments: { pattern, output_mode: "content", "-B": OPTION_CONTEXT, head_limit: 400 },
        },
        purpose: "option",
        term,
      },
      pattern,
    );
  }

  let messages = 0;
  for (const term of analysis.errorMessages) {
    if (messages >= limits.messages) break;
    if (term.kind === "exception") continue;
    const literal = distinctiveLiteral(term.text);
    if (!literal) continue;
    const pattern = messagePattern(literal);
    messages++;
    push(
      {
        call: { id: id(), name: "Grep", arguments: { pattern, output_mode: "content", head_limit: 100 } },
        purpose: "message",
        term,
      },
      pattern,
    );
  }

  // FC_PHRASE_WEIGHT=0: the explorer without phrases, for re-running the weight's choice (explorer.ts).
  const phrases = process.env.FC_PHRASE_WEIGHT === "0" ? [] : queryPhrases(query);
  if (phrases.length > 0) {
    const pattern = phrasesPattern(phrases, titleSpellings(query));
    push(
      {
        call: { id: id(), name: "Grep", arguments: { pattern, output_mode: "content", head_limit: 100 } },
        purpose: "phrase",
        phrases,
      },
      `i:${pattern}`,
    );
  }

  let paths = 0;
  for (const term of analysis.paths) {
    if (paths >= limits.paths) break;
    const p = term.text.replace(/\\/g, "/").replace(/^\.?\//, "");
    const base = p.slice(p.lastIndexOf("/") + 1);
    if (!/\.\w+$/.test(base) && term.kind !== "module") continue;
    // A module name (a.b.c) becomes its file path; a file keeps its last two segments.
    const glob = term.kind === "module" ? `**/${p.replace(/\./g, "/")}.*` : `**/${p.split("/").slice(-2).join("/")}`;
    paths++;
    push({ call: { id: id(), name: "Glob", arguments: { pattern: glob } }, purpose: "path", term }, `g:${glob}`);
  }
  const concepts = conceptWords(analysis, query);
  if (concepts.length > 0) {
    const pattern = definitionNamePattern(concepts);
    push(
      {
        call: { id: id(), name: "Grep", arguments: { pattern, output_mode: "content", head_limit: 5000 } },
        purpose: "defnames",
        words: concepts,
      },
      `d:${pattern}`,
    );
  }
  push({ call: { id: id(), name: "Grep", arguments: { ...IMPORT_PASS_ARGS } }, purpose: "imports" }, "imports");
  // Files that say in their first lines that they are generated (their role is evidence, not a folder name).
  push(
    {
      call: {
        id: id(),
        name: "Grep",
        arguments: { pattern: GENERATED_HEADER.source, "-i": true, output_mode: "content", head_limit: 2000 },
      },
      purpose: "generated",
    },
    "generated",
  );
  return planned;
}

/** What may stand before a JS/TS class member's name (`static async *parse(`). */
const CLASS_MEMBER_MODIFIERS = "static|async|public|private|protected|override|readonly|get|set";

/**
 * The first turn's search for definitions of the query's names (`alt`, an alternation), in the
 * shared grammar: a keyword and the name (generics and a Kotlin receiver allowed between them:
 * `fun <T> Scope.get`), a Go receiver, a JS assignment of a function, and a JS/TS class method
 * alone on its line with its body's brace (`  async parse(argv: string[]): Options {`).
 * Not a method found by its modifiers alone (`public static Foo parse(`, `static int parse(`): the
 * query's names there are mostly a stack trace's methods, which every implementation of an
 * interface declares, and on training traces that credit moved the answer off the frame's own
 * file. The concept search (concepts.ts) and the identifier definitions (grep-patterns.ts) still
 * read that form. Not a bare C `int parse(` at a line's start: without look-ahead, ripgrep's default
 * engine cannot tell it from Go's `return parse(x)`.
 */
export function definitionSearchPattern(alt: string): string {
  return [
    `\\b(?:${DEFINITION_KEYWORDS})\\s+(?:<[^>]*>\\s*)?(?:[\\w$]+\\.)?(?:${alt})\\b`,
    `\\bfunc\\s*\\([^)]*\\)\\s*(?:${alt})\\b`,
    `\\b(?:${alt})\\s*[:=]\\s*(?:async\\s*)?(?:function\\b|\\([^)]*\\)\\s*=>)`,
    `^\\s*(?:(?:${CLASS_MEMBER_MODIFIERS})\\s+)*\\*?(?:${alt})\\s*\\([^)]*\\)\\s*(?::[^=;{}]*)?\\{\\s*$`,
  ].join("|");
}
