/**
 * Phrases of the question that the code's own words may hold verbatim: a question written the way
 * a doc comment reads ("Gets the position currently read to in the content") finds the comment
 * that says it. The phrases are runs of three consecutive words of the query's first line (its
 * title, or the whole question), inside one clause; a file line holding one is evidence as a quoted
 * message is (src/embedded/rank-files.ts `messages`), each phrase its own literal.
 */
import { segmentIssue } from "../analysis/issue-text.js";
import { escapeRegex } from "../analysis/query.js";
import { ENGLISH_STOPWORDS } from "../analysis/stopwords.js";

/**
 * Words per phrase, chosen on the 511 training tasks (BENCHMARKS "Phrases"), file Acc@1 at weight
 * 3: five words 65.4%, four 67.3%, three 69.3% (three at weight 1 / 5: 68.5% / 68.1%).
 * `FC_PHRASE_WORDS` re-runs that choice.
 */
export const PHRASE_WORDS = Number(process.env.FC_PHRASE_WORDS ?? "3");
/** Phrases searched at most (a long title has many windows; the first ones are kept). */
const MAX_PHRASES = 16;

/** A title's words as the phrases take them (letters, with apostrophes and hyphens inside). */
const WORD = /\p{L}+(?:['’-]\p{L}+)*/gu;

/** The query's phrases, each as its words (lower case), in title order, distinct. */
export function queryPhrases(query: string): string[][] {
  const title = segmentIssue(query).title;
  const out: string[][] = [];
  const seen = new Set<string>();
  // A clause ends at anything that is not a word, a space, an apostrophe or a hyphen inside a word.
  for (const clause of title.split(/[^\p{L}\s'’-]+|\s[-–—]+\s/u)) {
    const words = clause.toLowerCase().match(WORD) ?? [];
    for (let i = 0; i + PHRASE_WORDS <= words.length && out.length < MAX_PHRASES; i++) {
      const phrase = words.slice(i, i + PHRASE_WORDS);
      // "out of the" is in any prose: a phrase names something only with a word that is not a stopword.
      if (phrase.every((w) => ENGLISH_STOPWORDS.has(w))) continue;
      const key = phrase.join(" ");
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(phrase);
    }
  }
  return out;
}

/** A phrase as a JavaScript pattern: its words in order, any run of spaces between them. */
export function phrasePattern(words: readonly string[]): string {
  return words.map(escapeRegex).join("\\s+");
}

/** How the query's title spells each of its words (keyed by the lower-case word), as asked. */
export function titleSpellings(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const word of segmentIssue(query).title.match(WORD) ?? []) {
    const lower = word.toLowerCase();
    const known = out.get(lower) ?? [];
    if (!known.includes(word)) known.push(word);
    out.set(lower, known);
  }
  return out;
}

/**
 * The spellings of a phrase word that ripgrep looks for: in lower case, capitalized, in capitals,
 * and as the question spelled it ("WebSocket"). A case-insensitive search of a question's phrases
 * spent 1.38–1.43 s of CPU on the 100k-file tree against 0.43–0.50 s for these spellings, the same
 * 30 lines found (BENCHMARKS "phrase spellings"). A word spelled otherwise in the code ("webSocket"
 * for "websocket") is not found; the explorer matches the lines found again, in any case.
 */
function spellings(word: string, asAsked: ReadonlyMap<string, readonly string[]>): string {
  const [first = "", ...rest] = [...word];
  const forms = new Set([word, first.toUpperCase() + rest.join(""), word.toUpperCase(), ...(asAsked.get(word) ?? [])]);
  const escaped = [...forms].map(escapeRegex);
  return escaped.length === 1 ? escaped[0]! : `(?:${escaped.join("|")})`;
}

/**
 * A phrase as ripgrep searches it: its words in order, one space between them. With `\s+` between
 * the words, a case-insensitive search of a question's phrases (seven, in the measurement) gives
 * ripgrep no literal to look for first, and it runs the whole pattern over every byte: on the
 * 100k-file tree 2.25–2.66 s against 1.25–1.37 s with one space, the same lines found there
 * (BENCHMARKS "phrase searches with one space"). A phrase spelled with two spaces or a tab between
 * its words is not found; the explorer matches the lines found again with `phrasePattern`'s spacing.
 */
function searchedPhrase(words: readonly string[], asAsked: ReadonlyMap<string, readonly string[]>): string {
  return words.map((w) => spellings(w, asAsked)).join(" ");
}

/**
 * ripgrep's boundary beside a phrase's first or last letter. Unicode's `\b` makes ripgrep's fast
 * engine give up: on a 100k-file tree 16 phrases took 12–18 s with it, 2.1 s with ASCII boundaries
 * (BENCHMARKS "kept search results"). Beside an ASCII letter, the ASCII boundary also holds where a
 * non-ASCII letter continues the word (a few more lines, never fewer); the explorer matches each
 * line again with Unicode's rule (explorer.ts `phraseMatcher`). Beside a non-ASCII letter the ASCII
 * boundary would miss the phrase: Unicode's stays there.
 */
function edge(letter: string | undefined): string {
  return letter !== undefined && /^[A-Za-z0-9_]$/.test(letter) ? "(?-u:\\b)" : "\\b";
}

/**
 * One pattern for all phrases (a line holding any of them), searched case-sensitively: each word in
 * the spellings `spellings` gives, with the question's own from `asAsked` (see `titleSpellings`).
 */
export function phrasesPattern(
  phrases: readonly string[][],
  asAsked: ReadonlyMap<string, readonly string[]> = new Map(),
): string {
  return phrases
    .map((p) => {
      const first = p[0]?.[0];
      const last = p[p.length - 1]?.slice(-1);
      return `${edge(first)}${searchedPhrase(p, asAsked)}${edge(last)}`;
    })
    .join("|");
}
