/**
 * File ranking for the embedded explorer: several kinds of evidence, each weighted by how rare and
 * how strongly asked-for it is —
 *  - lexical relevance: BM25 over the per-file counts of the query's identifiers and keywords,
 *  - definitions of the query's identifiers (a definition outweighs any number of references),
 *  - quoted error messages found verbatim, stack frames that point into the repository,
 *  - file paths and names the query mentions or that share its words,
 * then scaled by the file's role (tests, docs, examples, vendored and generated code count less
 * unless the query is about them).
 */

import { lightStem } from "../analysis/identifiers.js";
import type { StackFrame, Term } from "../analysis/query.js";
import { splitIdentifier } from "../analysis/query.js";
import { PathMemo } from "../util/path-memo.js";
import { timeSlice, yieldToLoop } from "../util/yield.js";
import {
  type FileRole,
  fileRole,
  languagePrior,
  NO_ROLE_EVIDENCE,
  primeFileRoles,
  queryInterests,
  type RoleEvidence,
  roleWeight,
} from "./file-kinds.js";
import { titleScope } from "./title-scope.js";

export interface TermCounts {
  term: Term;
  purpose: "identifier" | "keyword";
  /** Matches per file (relative path). */
  counts: Map<string, number>;
}

export interface FileEvidence {
  termCounts: TermCounts[];
  /** Files defining one of the query's identifiers: name and line. */
  definitions: Map<string, Array<{ name: string; line: number }>>;
  /** Files containing a literal from the query (error message, option name): its lines, weight and which literal. */
  messages: Map<string, Array<{ line: number; weight: number; literal: string; option?: boolean }>>;
  /** Files a path term or glob pointed at, with the term's weight. */
  pathHits: Map<string, number>;
  /** Files defining functions or classes whose names contain the query's words. */
  defNames: Map<string, Array<{ word: string; weight: number; line: number }>>;
  /** Files a stack frame points at. */
  frames: Map<string, Array<{ line?: number; distance: number }>>;
}

export interface RankedFile {
  rel: string;
  score: number;
  role: FileRole;
  /** Score parts, for explanations and debugging. */
  parts: {
    lexical: number;
    definitions: number;
    messages: number;
    paths: number;
    frames: number;
    pathWords: number;
    defNames: number;
  };
  /** What the file's role and language multiply its evidence by. */
  factor: number;
  /** The language part of `factor` (below 1 for a file outside the repository's main languages). */
  languageFactor: number;
  /** Import-graph closeness to the strongest hits, 0–1 (set by the explorer after ranking). */
  proximity: number;
  /** The terms that matched here, with their idf-weighted strength. */
  matched: Array<{ term: Term; tf: number; idf: number }>;
}

const K1 = 1.2;
const B = 0.75;
/** Weight of a definition named after a title word, relative to one lexical match of it. */
const DEFNAME_WEIGHT = 1.75;
/**
 * Few files define a name containing a given word, so its document frequency among definitions is
 * scaled up before taking the idf (a rough ratio of mentions to definitions); the measured
 * rankings were the same for 2 to 5.
 */
const DEF_DF_SCALE = 3;
/** Credit for each further word in the same file's definitions, and for each further option of one command line. */
const DEF_DECAY = 0.5;
/** `FC_SCOPE=0` turns the title scope off, to re-run its measurement (BENCHMARKS, session 2026-12-08). */
const SCOPE_ON = process.env.FC_SCOPE !== "0";
const OPTION_DECAY = 0.5;

export function idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

/** Words of a path, lower-cased (`src/flask/blueprints.py` → src, flask, blueprints, blueprint). */
function pathWords(rel: string): Set<string> {
  const words = new Set<string>();
  for (const seg of rel.replace(/\.[A-Za-z0-9]+$/, "").split(/[/._-]+/)) {
    if (seg.length < 3) continue;
    // Split before lower-casing: `ZshCompletionsGenerator` has the words zsh, completions, generator,
    // as `zsh_completions_generator` has (each with its singular).
    for (const word of [seg, ...splitIdentifier(seg)]) {
      const lower = word.toLowerCase();
      if (lower.length < 3) continue;
      words.add(lower);
      if (lower.endsWith("s") && lower.length > 4) words.add(lower.slice(0, -1));
    }
  }
  return words;
}

/** A word with its light stem: a path's words are compared with the query's in both forms. */
type StemmedWord = readonly [word: string, stem: string];

/**
 * The forms of a file's name (`blueprints`, `blueprint`, `_x` → `x`, `tool-call` → `toolcall`) and
 * the path's other words, each with its light stem. Memoized: every ranked file is asked.
 */
const pathFacts = new PathMemo<{ nameForms: StemmedWord[]; otherWords: StemmedWord[] }>((rel) => {
  const file = rel
    .slice(rel.lastIndexOf("/") + 1)
    .replace(/\.[^.]+$/, "")
    .toLowerCase();
  const joined = file.replace(/[-_.]+/g, "");
  const forms = new Set([file, file.replace(/s$/, ""), file.replace(/^_+/, ""), joined]);
  const stemmed = (w: string): StemmedWord => [w, lightStem(w)];
  return {
    nameForms: [...forms].map(stemmed),
    otherWords: [...pathWords(rel)].filter((w) => !forms.has(w)).map(stemmed),
  };
});

/**
 * Whether a path may hold a word that the path-word lookup finds, from the query's stems alone:
 * only such paths need their words (`pathFacts`, the costliest step of a cold ranking on a big
 * tree: 431 ms of a 100k-file exploration's profile). Exact, not a guess: every stem `s` of a word
 * `w` (`lightStem`) has `s` without its last letter as a prefix of `w` — its rules only cut
 * suffixes, or end the cut with one letter (`ies` → `y`) — and every word looked up (a path word,
 * a form of the file's name) lies, lower-cased, in the path or in its file name without `-_.`
 * (the `joined` form). Queries' words already match through their own stems (`stemWeight` holds
 * each). A path with a non-ASCII character is always let through: lower-casing the whole path and
 * one word at a time may differ there.
 */
export function pathWordFilter(stems: Iterable<string>): (rel: string) => boolean {
  const cores = [...new Set([...stems].map((st) => st.slice(0, -1)))];
  if (cores.some((c) => c === "")) return () => true;
  return (rel) => {
    if (!/^[\x00-\x7f]*$/.test(rel)) return true;
    const lower = rel.toLowerCase();
    const name = lower
      .slice(lower.lastIndexOf("/") + 1)
      .replace(/\.[^.]+$/, "")
      .replace(/[-_.]+/g, "");
    return cores.some((c) => lower.includes(c) || name.includes(c));
  };
}

/** Entries handled between two yields to the event loop (a common word hits tens of thousands of files). */
const RANK_SLICE = 500;

export interface RankInput {
  query: string;
  /** Candidate files (relative paths), in index order. */
  files: readonly string[];
  sizeOf: (rel: string) => number;
  evidence: FileEvidence;
  /** All query terms, for matching against path words. */
  terms: readonly Term[];
  /** What the repository says about generated and vendored files. */
  roles?: RoleEvidence;
}

/**
 * The candidates with any evidence, best first. Asynchronous only to yield to the event loop
 * between slices of a big tree's files; the result depends on the input alone.
 */
export async function rankFiles(input: RankInput): Promise<RankedFile[]> {
  const { evidence } = input;
  const n = Math.max(1, input.files.length);
  const interests = queryInterests(input.query);
  const scores = new Map<string, RankedFile>();
  const entry = (rel: string): RankedFile => {
    let e = scores.get(rel);
    if (!e) {
      e = {
        rel,
        score: 0,
        role: fileRole(rel, input.roles ?? NO_ROLE_EVIDENCE),
        parts: { lexical: 0, definitions: 0, messages: 0, paths: 0, frames: 0, pathWords: 0, defNames: 0 },
        factor: 1,
        languageFactor: 1,
        proximity: 0,
        matched: [],
      };
      scores.set(rel, e);
    }
    return e;
  };

  // Lexical relevance (BM25 with file size as document length).
  const hitSizes: number[] = [];
  // The first size of a file is a stat (28k files of a 100k-file tree: 50-60 ms in one piece).
  const sizing = timeSlice();
  for (const tc of evidence.termCounts)
    for (const rel of tc.counts.keys()) {
      if (sizing.due()) await yieldToLoop();
      hitSizes.push(input.sizeOf(rel));
    }
  const avg = hitSizes.length ? hitSizes.reduce((a, b) => a + b, 0) / hitSizes.length : 1;
  const termIdf = new Map<Term, number>();
  let k = 0;
  for (const tc of evidence.termCounts) {
    const df = tc.counts.size;
    if (df === 0) continue;
    const w = idf(n, df);
    termIdf.set(tc.term, w);
    for (const [rel, tf] of tc.counts) {
      if (++k % RANK_SLICE === 0) await yieldToLoop();
      const len = input.sizeOf(rel) / Math.max(1, avg);
      const sat = (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * len));
      const e = entry(rel);
      e.parts.lexical += tc.term.weight * w * sat;
      e.matched.push({ term: tc.term, tf, idf: w });
    }
  }
  const maxIdf = Math.max(1, ...termIdf.values());
  const idfOfName = (name: string): number => {
    for (const tc of evidence.termCounts) {
      if (
        tc.purpose === "identifier" &&
        [tc.term.text, ...tc.term.variants].some((v) => v === name || v.endsWith(`.${name}`))
      )
        return termIdf.get(tc.term) ?? maxIdf;
    }
    return maxIdf;
  };
  const weightOfName = (name: string): number => {
    for (const t of input.terms)
      if (t.text === name || t.variants.includes(name) || t.text.endsWith(`.${name}`)) return t.weight;
    return 1;
  };

  // A definition is strong evidence when few files define that name (`__init__` is everywhere).
  const definers = new Map<string, number>();
  for (const defs of evidence.definitions.values())
    for (const name of new Set(defs.map((d) => d.name))) definers.set(name, (definers.get(name) ?? 0) + 1);
  for (const [rel, defs] of evidence.definitions) {
    const e = entry(rel);
    const names = new Set(defs.map((d) => d.name));
    for (const name of names)
      e.parts.definitions += 2.0 * weightOfName(name) * Math.min(idfOfName(name), idf(n, definers.get(name) ?? 1));
  }
  // Literal hits (quoted messages, option names): strong, and stronger the fewer files hold them.
  const literalDf = new Map<string, number>();
  for (const hits of evidence.messages.values())
    for (const lit of new Set(hits.map((h) => h.literal))) literalDf.set(lit, (literalDf.get(lit) ?? 0) + 1);
  for (const [rel, hits] of evidence.messages) {
    const e = entry(rel);
    const best = new Map<string, number>();
    for (const h of hits) best.set(h.literal, Math.max(best.get(h.literal) ?? 0, h.weight));
    // Options of one command line (`--project x --author y --release z`) are declared together:
    // the file declaring them counts once, with diminishing credit for each further option.
    const options = new Set(hits.filter((h) => h.option).map((h) => h.literal));
    let optionRank = 0;
    const scored = [...best]
      .map(([lit, weight]) => ({ lit, v: 2.5 * Math.min(maxIdf, idf(n, literalDf.get(lit) ?? 1)) * weight }))
      .sort((a, b) => b.v - a.v);
    for (const { lit, v } of scored) e.parts.messages += options.has(lit) ? v * OPTION_DECAY ** optionRank++ : v;
  }
  // Definitions named after the query's words (`evaluate_xfail_marks` for "xfail marker"): the rarer
  // the word among definition names, the stronger.
  const defWordDf = new Map<string, number>();
  for (const hits of evidence.defNames.values())
    for (const w of new Set(hits.map((h) => h.word))) defWordDf.set(w, (defWordDf.get(w) ?? 0) + 1);
  // A word common across the repository (`table` in a documentation tool) says little even when a
  // definition is named after it: take the lower of its idf over files and over definitions.
  const lexicalIdf = new Map<string, number>();
  for (const [term, w] of termIdf) {
    const stem = lightStem(term.text);
    lexicalIdf.set(stem, Math.min(lexicalIdf.get(stem) ?? Infinity, w));
  }
  const wordIdf = (word: string) => {
    const byDefs = idf(n, Math.min(n, (defWordDf.get(word) ?? 1) * DEF_DF_SCALE));
    return Math.min(byDefs, lexicalIdf.get(word) ?? byDefs);
  };
  for (const [rel, hits] of evidence.defNames) {
    const best = new Map<string, number>();
    for (const h of hits) best.set(h.word, Math.max(best.get(h.word) ?? 0, h.weight * wordIdf(h.word)));
    // Several words in one file's definitions add with diminishing returns.
    [...best.values()]
      .sort((a, b) => b - a)
      .forEach((v, i) => (entry(rel).parts.defNames += DEFNAME_WEIGHT * v * DEF_DECAY ** i));
  }
  for (const [rel, weight] of evidence.pathHits) entry(rel).parts.paths += 2.5 * weight * maxIdf * 0.5;
  for (const [rel, frames] of evidence.frames) {
    const closest = Math.min(...frames.map((f) => f.distance));
    entry(rel).parts.frames += (6 * maxIdf) / (1 + closest);
  }

  // Query words in the file's path: a file named after the topic is often where it lives. Adjacent
  // query words also count joined ("man page" names manpage.py, "type hints" typehints.py).
  const queryWords = new Map<string, number>();
  const addWord = (w: string, weight: number, minLength = 4) => {
    if (w.length >= minLength) queryWords.set(w, Math.max(queryWords.get(w) ?? 0, weight));
  };
  const termWeight = new Map<string, number>();
  for (const t of input.terms) {
    if (t.kind === "path" || t.kind === "module") continue;
    const parts = splitIdentifier(t.text);
    for (const part of [t.text, ...parts]) {
      const w = part.toLowerCase();
      // Short parts of compound identifiers (`rst` of `rst_prolog`) are often module names.
      addWord(w, t.weight, parts.length > 1 && part !== t.text ? 3 : 4);
      termWeight.set(w, Math.max(termWeight.get(w) ?? 0, t.weight));
    }
  }
  const words = input.query.toLowerCase().match(/[a-z][a-z0-9]*/g) ?? [];
  for (let i = 0; i + 1 < words.length; i++) {
    const a = words[i]!;
    const b = words[i + 1]!;
    if (a.length < 2 || b.length < 3 || a.length + b.length < 6) continue;
    const wa = termWeight.get(a) ?? termWeight.get(a.replace(/s$/, "")) ?? 0;
    const wb = termWeight.get(b) ?? termWeight.get(b.replace(/s$/, "")) ?? 0;
    if (wa === 0 && wb === 0) continue;
    addWord(a + b, Math.max(wa, wb));
    addWord(a + b.replace(/s$/, ""), Math.max(wa, wb));
  }
  // Word forms differ between a question and a file name ("parsed tool calls" / tool-call-parse.ts):
  // compare light stems too.
  const stemWeight = new Map<string, number>();
  for (const [w, weight] of queryWords) {
    const st = lightStem(w);
    stemWeight.set(st, Math.max(stemWeight.get(st) ?? 0, weight));
  }
  const lookup = ([word, stem]: StemmedWord) => queryWords.get(word) ?? stemWeight.get(stem);
  // The title's scope (`fix(devtools): …`) names a component, at the weight of the query's strongest term.
  const scope = SCOPE_ON ? titleScope(input.query) : [];
  const scopeStems = new Set(scope.map(lightStem));
  const scopeWeight = Math.max(0, ...input.terms.map((t) => t.weight));
  const inScope = ([word, stem]: StemmedWord) => scope.includes(word) || scopeStems.has(stem);
  const mayHoldQueryWord = pathWordFilter([...stemWeight.keys(), ...scopeStems]);
  for (const e of scores.values()) {
    if (++k % RANK_SLICE === 0) await yieldToLoop();
    if (!mayHoldQueryWord(e.rel)) continue;
    const facts = pathFacts.get(e.rel);
    let s = 0;
    for (const form of facts.nameForms) {
      const w = lookup(form);
      if (w !== undefined) s = Math.max(s, w * maxIdf * 0.8);
    }
    for (const word of facts.otherWords) {
      const w = lookup(word);
      if (w !== undefined) s += w * 0.6;
    }
    // The file named after the scope is the component itself; a file in its folder, or with the
    // scope among its name's words, is a part of it and gets half.
    if (scope.length > 0) {
      if (facts.nameForms.some(inScope)) s = Math.max(s, scopeWeight * maxIdf * 0.8);
      else if (facts.otherWords.some(inScope)) s = Math.max(s, scopeWeight * maxIdf * 0.4);
    }
    e.parts.pathWords = s;
  }

  const ranked = [...scores.values()];
  await primeFileRoles(input.files);
  const prior = await languagePrior(input.files, input.query, input.roles ?? NO_ROLE_EVIDENCE);
  k = 0;
  for (const e of ranked) {
    if (++k % RANK_SLICE === 0) await yieldToLoop();
    const p = e.parts;
    e.languageFactor = prior(e.rel);
    e.factor = roleWeight(e.role, interests) * e.languageFactor;
    e.score = (p.lexical + p.definitions + p.messages + p.paths + p.frames + p.pathWords + p.defNames) * e.factor;
  }
  ranked.sort((a, b) => b.score - a.score || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return ranked;
}

/** Map stack frames to repository files (by path suffix), skipping frames that match nothing. */
export function framesToFiles(frames: readonly StackFrame[], files: readonly string[]): FileEvidence["frames"] {
  const out: FileEvidence["frames"] = new Map();
  for (const frame of frames) {
    const want = frame.repoPath.replace(/^\.?\//, "");
    if (!want) continue;
    const matches = files.filter((f) => f === want || f.endsWith(`/${want}`) || want.endsWith(`/${f}`));
    // Take the match sharing the longest suffix; ambiguous short names give nothing.
    if (matches.length === 0 || matches.length > 3) continue;
    for (const rel of matches) {
      const list = out.get(rel) ?? [];
      list.push({ ...(frame.line !== undefined ? { line: frame.line } : {}), distance: frame.distance });
      out.set(rel, list);
    }
  }
  return out;
}
