/**
 * Concept words: what the query's title is about, looked for inside the names of functions and
 * classes. A model exploring "Dynamically adding xfail marker..." opens the file defining
 * `evaluate_xfail_marks`; "Module imported twice under import-mode=importlib" leads it to
 * `class ImportMode`. Names are matched by their snake_case/CamelCase parts, not as substrings.
 */
import {
  DEFINITION_ATTRIBUTES,
  DEFINITION_KEYWORDS,
  DEFINITION_MODIFIERS,
  METHOD_MODIFIERS,
} from "../analysis/definition-grammar.js";
import { lightStem } from "../analysis/identifiers.js";
import { segmentIssue } from "../analysis/issue-text.js";
import { escapeRegex, type QueryAnalysis, splitIdentifier, type Term } from "../analysis/query.js";
import { ENGLISH_STOPWORDS, GENERIC_CODE_WORDS } from "../analysis/stopwords.js";

/** A word of the query looked for inside definition names (`xfail` in `evaluate_xfail_marks`). */
export interface ConceptWord {
  /** Lower-case form matched against a name's parts (a stem, or a word and the next one's stem joined). */
  word: string;
  /** The words joined in `word` (one for a single word). */
  parts: string[];
  weight: number;
}

const MAX_CONCEPT_WORDS = 12;
const MAX_CONCEPT_PAIRS = 6;
/** A part of a compound identifier counts less than a word the title says outright. */
const PART_WEIGHT = 0.6;
/** Two words naming one concept (`ImportMode`) are more specific than either alone. */
const PAIR_WEIGHT = 1.3;

/**
 * Words the query's title is about, as they would appear inside function and class names: its
 * keywords, the parts of its compound identifiers, and adjacent word pairs joined ("import mode" →
 * `ImportMode`, "man page" → `manpage`). Only the title: the body's reproduction steps and
 * environment name too many things for definition names to discriminate (measured on the dev set:
 * body words at even 0.15 of a title word's weight cost file Acc@1).
 */
export function conceptWords(analysis: QueryAnalysis, query: string): ConceptWord[] {
  const doc = segmentIssue(query);
  const title = doc.title.toLowerCase();
  if (!title) return [];
  const inTitle = (t: Term) => t.weight > 0 && (t.source === "title" || title.includes(t.text.toLowerCase()));
  const singles = new Map<string, number>();
  const add = (w: string, weight: number) => {
    const word = w.toLowerCase();
    if (
      word.length < 4 ||
      !/^[a-z][a-z0-9]*$/.test(word) ||
      GENERIC_CODE_WORDS.has(word) ||
      ENGLISH_STOPWORDS.has(word)
    )
      return;
    singles.set(word, Math.max(singles.get(word) ?? 0, weight));
  };
  for (const t of analysis.keywords) if (inTitle(t)) add(lightStem(t.text), t.weight);
  for (const t of analysis.identifiers) {
    if (!inTitle(t)) continue;
    const parts = splitIdentifier(t.text.split(/\.|::|->/).pop() ?? t.text);
    if (parts.length > 1) for (const part of parts) add(lightStem(part), t.weight * PART_WEIGHT);
  }
  const byWeight = (x: [string, number], y: [string, number]) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1);
  const top = [...singles.entries()].sort(byWeight).slice(0, MAX_CONCEPT_WORDS);
  const kept = new Map(top);
  // Two adjacent title words, one of them a concept word, may name one concept.
  const pairs = new Map<string, number>();
  for (const seg of doc.segments) {
    if (!seg.inTitle) continue;
    const words = seg.text.toLowerCase().match(/[a-z][a-z0-9]*/g) ?? [];
    for (let i = 0; i + 1 < words.length; i++) {
      const [x, y] = [words[i]!, words[i + 1]!];
      if (
        x.length < 3 ||
        y.length < 3 ||
        ENGLISH_STOPWORDS.has(x) ||
        ENGLISH_STOPWORDS.has(y) ||
        lightStem(x) === lightStem(y)
      )
        continue;
      const weight = Math.max(kept.get(lightStem(x)) ?? 0, kept.get(lightStem(y)) ?? 0);
      if (weight === 0) continue;
      const joined = `${x} ${lightStem(y)}`;
      pairs.set(joined, Math.max(pairs.get(joined) ?? 0, weight * PAIR_WEIGHT));
    }
  }
  return [...top, ...[...pairs.entries()].sort(byWeight).slice(0, MAX_CONCEPT_PAIRS)]
    .map(([word, weight]) => ({ word: word.replace(" ", ""), parts: word.split(" "), weight }))
    .sort((x, y) => y.weight - x.weight || (x.word < y.word ? -1 : 1));
}

/**
 * Keywords that introduce a named definition (the shared grammar), with JS generators
 * (`function*`) and Go receivers (`func (r *T) name`).
 */
const DEF_KEYWORDS = String.raw`function\*|func\s*\([^)]*\)|${DEFINITION_KEYWORDS}`;
/** Modifiers in front of a definition keyword, attributes first. */
const MODIFIERS = `${DEFINITION_ATTRIBUTES}|${DEFINITION_MODIFIERS}`;
/**
 * Modifiers whose run, with a return type, introduces a method without a keyword. Not attributes:
 * with them, every `@Override public void onResponse(` line of a Java tree matched "response", five
 * times the lines, and the files defining the query's own types fell behind.
 */
const METHOD_START = METHOD_MODIFIERS;

/**
 * Definitions whose name holds one of `words` as a snake_case or CamelCase part: a definition
 * keyword at the start of a line (after any modifiers), or a Java/C#-style method (modifiers, a
 * return type, the name, `(`). Case is spelled out per part (`[Ii]mport_?[Mm]ode`) so that keywords
 * stay lower-case and prose in comments is skipped.
 */
export function definitionNamePattern(words: readonly ConceptWord[]): string {
  const part = (w: string) => `[${w[0]!.toUpperCase()}${w[0]}]${escapeRegex(w.slice(1))}`;
  const alt = words.map((w) => w.parts.map(part).join("_?")).join("|");
  const keyword = `^\\s*(?:(?:${MODIFIERS})\\s+)*(?:${DEF_KEYWORDS})\\s+[\\w$]*(?:${alt})`;
  const method = `^\\s*(?:(?:${METHOD_START})\\s+)+[\\w<>\\[\\],.?]+\\s+[\\w$]*(?:${alt})[\\w$]*\\s*\\(`;
  return `${keyword}|${method}`;
}

/** The name a definition line declares (either form of `definitionNamePattern`, without the anchor). */
export const DEFINED_NAME = new RegExp(
  String.raw`\b(?:${DEF_KEYWORDS})\s+([\w$]+)|\b(?:(?:${METHOD_START})\s+)+[\w<>\[\],.?]+\s+([\w$]+)\s*\(`,
);

/** The name declared on a definition line, or undefined. */
export function definedName(line: string): string | undefined {
  const m = DEFINED_NAME.exec(line);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The concept words a definition name is made of: a part's stem, or two adjacent parts joined. */
export function conceptsInName(name: string, words: readonly ConceptWord[]): ConceptWord[] {
  const parts = splitIdentifier(name).map((p) => p.toLowerCase());
  const forms = new Set<string>();
  parts.forEach((p, i) => {
    forms.add(p);
    forms.add(lightStem(p));
    if (i + 1 < parts.length) forms.add(p + lightStem(parts[i + 1]!));
  });
  return words.filter((w) => forms.has(w.word));
}
