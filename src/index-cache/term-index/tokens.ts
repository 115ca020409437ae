/**
 * Words as ripgrep's Unicode regex engine sees them: maximal runs of `\w` characters (Alphabetic,
 * marks, decimal digits, connector punctuation, join controls), folded so that a word compares
 * equal to every spelling `--ignore-case` would match for an ASCII query. Shared by the term index
 * (the words of each file) and the pattern analysis (the words a pattern requires), which must
 * agree: a word the index splits or folds differently from ripgrep would lose a match.
 */

const WORD_CHAR = /^[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]$/u;
/** Runs of word characters (for matchAll). */
export const WORD_RUNS = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+/gu;

/** Whether one character (a code point) is a word character for ripgrep's `\w` and `\b`. */
export function isWordChar(c: string): boolean {
  return WORD_CHAR.test(c);
}

/**
 * A word's key: ASCII letters lower-cased, and the two non-ASCII letters whose simple case folding
 * is an ASCII letter (U+212A KELVIN SIGN → k, U+017F LONG S → s) folded to it. Other non-ASCII
 * characters stay as they are: no ASCII query letter can match them.
 */
export function foldWord(word: string): string {
  return word.toLowerCase().replace(/[\u212a\u017f]/g, (c) => (c === "\u212a" ? "k" : "s"));
}
