/**
 * Okapi BM25 over a repository's source files, and the best-scoring window inside a file. The floor
 * every explorer is shown against: plain lexical retrieval with code-aware tokens and nothing tuned
 * to any repository. Reads files; writes nothing.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { extname, join } from "node:path";

/** Okapi parameters (the usual defaults). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;
/** Files larger than this are not indexed. */
export const MAX_FILE_BYTES = 1024 * 1024;
const BINARY_SNIFF_BYTES = 8 * 1024;

/** A file the index may read. Same shape as the workspace file index entries. */
export interface SourceFile {
  /** Relative to the root, forward slashes. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both but by can " +
    "could did do does doing down during each few for from further had has have having he her here hers him his how if in into is " +
    "it its itself just me more most my no nor not now of off on once only or other our ours out over own same she should so some " +
    "such than that the their theirs them then there these they this those through to too under until up very was we were what " +
    "when where which while who whom why will with would you your yours also get got like one use used using want way may might " +
    "must shall us im ive dont doesnt didnt isnt cant wont thats lets"
  ).split(" "),
);

/** Extensions of programming-language sources; other text files are indexed only when a tree has none of these. */
const CODE_EXTENSIONS = new Set(
  (
    ".py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .mts .cts .java .kt .kts .scala .go .rs .c .h .cc .cpp .cxx .hpp .hh .hxx .cs .rb " +
    ".php .swift .m .mm .lua .pl .pm .r .jl .ex .exs .erl .hrl .hs .ml .mli .clj .cljs .dart .sh .bash .zsh .vue .svelte .groovy " +
    ".fs .fsx .vb .zig .nim .sql"
  ).split(" "),
);

export function isCodePath(rel: string): boolean {
  return CODE_EXTENSIONS.has(extname(rel).toLowerCase());
}

function looksBinary(abs: string, size: number): boolean {
  const fd = openSync(abs, "r");
  try {
    const buf = Buffer.alloc(Math.min(size, BINARY_SNIFF_BYTES));
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    closeSync(fd);
  }
}

/**
 * Files under `root`, sorted by path: skips dot-directories, `node_modules`, symlinks, files over
 * 1 MB and binaries (a NUL byte in the first 8 KB). `accept` filters by relative path before any read.
 */
export function listSourceFiles(root: string, accept: (rel: string) => boolean = () => true): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (dir: string, prefix: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const rel = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
        walk(abs, rel);
      } else if (entry.isFile() && accept(rel)) {
        try {
          const st = statSync(abs);
          if (st.size > MAX_FILE_BYTES || (st.size > 0 && looksBinary(abs, st.size))) continue;
          out.push({ rel, abs, size: st.size, mtimeMs: st.mtimeMs });
        } catch {
          // Unreadable files are simply not indexed.
        }
      }
    }
  };
  walk(root, "");
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

const WORD = /[A-Za-z0-9_]+/g;
const SUBWORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g;

function keep(token: string): boolean {
  return token.length >= 2 && !STOP_WORDS.has(token) && !/^[0-9]+$/.test(token);
}

/**
 * Code-aware tokens of `text`, in order: each identifier's camelCase / snake_case parts (lower-cased),
 * plus the whole identifier when it has several parts, so `add_url_rule` matches both itself and `url`.
 * Tokens shorter than 2 characters, numbers and English stop words are dropped.
 */
export function tokenize(text: string, emit: (token: string) => void = () => undefined): number {
  let count = 0;
  const push = (t: string) => {
    if (!keep(t)) return;
    emit(t);
    count++;
  };
  for (const match of text.matchAll(WORD)) {
    const word = match[0];
    // Fast path: a plain lower-case word is its own only part.
    if (!/[A-Z_]/.test(word)) {
      push(word);
      continue;
    }
    const parts = word.match(SUBWORD) ?? [];
    for (const part of parts) push(part.toLowerCase());
    const whole = word.replace(/^_+|_+$/g, "").toLowerCase();
    if (parts.length > 1) push(whole);
  }
  return count;
}

/** Tokens of `text` as an array (for queries and tests). */
export function tokens(text: string): string[] {
  const out: string[] = [];
  tokenize(text, (t) => out.push(t));
  return out;
}

/** One scored file. */
export interface ScoredFile {
  file: SourceFile;
  score: number;
  /** Query terms found in the file, most valuable first. */
  matched: string[];
  text: string;
}

/** The query side of a BM25 run: unique terms with their idf over the indexed files. */
export interface QueryWeights {
  idf: Map<string, number>;
}

/**
 * Rank `files` for `query`. Each document is the file's path followed by its content (the path names
 * what the code is about). Only query terms are counted, so one pass over the text suffices.
 */
export function rankFiles(
  files: readonly SourceFile[],
  query: string,
): { ranked: ScoredFile[]; weights: QueryWeights } {
  const queryTerms = new Set(tokens(query));
  const docs: Array<{ file: SourceFile; text: string; length: number; tf: Map<string, number> }> = [];
  const df = new Map<string, number>();
  let totalLength = 0;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file.abs, "utf8");
    } catch {
      continue;
    }
    const tf = new Map<string, number>();
    const length = tokenize(`${file.rel}\n${text}`, (t) => {
      if (queryTerms.has(t)) tf.set(t, (tf.get(t) ?? 0) + 1);
    });
    for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    totalLength += length;
    docs.push({ file, text, length, tf });
  }
  const n = docs.length;
  const avgdl = n === 0 ? 1 : Math.max(1, totalLength / n);
  const idf = new Map<string, number>();
  for (const [t, d] of df) idf.set(t, Math.log(1 + (n - d + 0.5) / (d + 0.5)));

  const ranked: ScoredFile[] = [];
  for (const doc of docs) {
    if (doc.tf.size === 0) continue;
    let score = 0;
    const contributions: Array<[string, number]> = [];
    for (const [t, f] of doc.tf) {
      const c = ((idf.get(t) ?? 0) * f * (BM25_K1 + 1)) / (f + BM25_K1 * (1 - BM25_B + (BM25_B * doc.length) / avgdl));
      score += c;
      contributions.push([t, c]);
    }
    contributions.sort((a, b) => b[1] - a[1]);
    ranked.push({ file: doc.file, score, matched: contributions.map(([t]) => t), text: doc.text });
  }
  // Ties break by path so the ranking is deterministic.
  ranked.sort((a, b) => b.score - a.score || (a.file.rel < b.file.rel ? -1 : 1));
  return { ranked, weights: { idf } };
}

/**
 * The `size`-line window of `text` with the highest BM25 score for the query terms (every window has
 * the same length, so length normalization is constant). Ties keep the earliest window. A file no
 * longer than `size` is returned whole.
 */
export function bestWindow(
  text: string,
  weights: QueryWeights,
  size = 60,
): { start: number; end: number; score: number } {
  const lines = text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const total = Math.max(1, lines.length);
  if (total <= size) return { start: 1, end: total, score: 0 };
  const termIndex = new Map<string, number>();
  const idfs: number[] = [];
  for (const [t, w] of weights.idf) {
    termIndex.set(t, idfs.length);
    idfs.push(w);
  }
  const perLine: Array<Array<number>> = lines.map((line) => {
    const hits: number[] = [];
    tokenize(line, (t) => {
      const i = termIndex.get(t);
      if (i !== undefined) hits.push(i);
    });
    return hits;
  });
  const counts = new Array<number>(idfs.length).fill(0);
  const windowScore = () => {
    let s = 0;
    for (let i = 0; i < counts.length; i++) {
      const f = counts[i] ?? 0;
      if (f > 0) s += ((idfs[i] ?? 0) * f * (BM25_K1 + 1)) / (f + BM25_K1);
    }
    return s;
  };
  for (let l = 0; l < size; l++) for (const i of perLine[l] ?? []) counts[i] = (counts[i] ?? 0) + 1;
  let best = { start: 1, end: size, score: windowScore() };
  for (let start = 1; start + size <= total; start++) {
    for (const i of perLine[start - 1] ?? []) counts[i] = (counts[i] ?? 0) - 1;
    for (const i of perLine[start + size - 1] ?? []) counts[i] = (counts[i] ?? 0) + 1;
    // Only lines that enter or leave change the score; skip the sum when neither carried a term.
    if ((perLine[start - 1]?.length ?? 0) === 0 && (perLine[start + size - 1]?.length ?? 0) === 0) continue;
    const s = windowScore();
    if (s > best.score) best = { start: start + 1, end: start + size, score: s };
  }
  return best;
}
