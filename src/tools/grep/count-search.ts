/**
 * Count-mode searches. One search: ripgrep prints `path NUL count` per file
 * (`--count-matches --null`). Several at once: the count Greps of one turn whose patterns only ever
 * match whole words — `\b(?:a|b)\w*` (words starting with a or b) and `\b(?:a|b)\b` (the words
 * themselves) — share one ripgrep pass that prints every matching word (`--only-matching`), and
 * each call's counts are the words its own pattern matches. Every such match starts at a word's
 * start and runs to its end, whichever of the patterns matched it, so a shared pass sees exactly
 * the words each search alone would count, and each call's result is the text it would have been
 * (test/tools/count-batch.test.ts compares them). The embedded explorer plans five to ten of them
 * per question: on a 50k-file tree each pass is half a second.
 */
import { readFileSync, statSync } from "node:fs";
import type { IndexedCounts } from "../../index-cache/term-index/term-index.js";
import type { CountMember } from "../../index-cache/term-index/word-table.js";
import { yieldToLoop } from "../../util/yield.js";
import { isWithin, relativeTo } from "../../workspace/paths.js";
import type { Workspace } from "../../workspace/workspace.js";
import { countPathTooLong } from "../path-limit-note.js";
import type { Collected, FileMatches, GrepQuery } from "./collect.js";
import { type FileVerdict, failureOf, type RgChild, type Supervised, unreadableCount } from "./rg-process.js";
import type { RipgrepOutcome } from "./ripgrep.js";

type SearchOptions = { signal: AbortSignal; timeoutMs: number };

/** Starts ripgrep with `args` under supervision; the entries its --debug lines name go to `ignoredSink`. */
export type SpawnPass = (
  args: string[],
  options: SearchOptions,
  ignoredSink?: string[],
) => Promise<{ child: RgChild; run: Supervised }>;

/**
 * Files judged between two yields to the event loop (each is an lstat and a realpath: ~0.1 ms alone,
 * but with ripgrep's threads on both cores a slice of 250 held the loop for 85 ms on the 100k tree).
 */
export const JUDGE_SLICE = 100;
/** Output bytes of a shared pass parsed between two yields to the event loop. */
const PARSE_SLICE_BYTES = 256 * 1024;

/**
 * Files this small hold any NUL byte inside ripgrep's first look at them (its buffer is 64 KiB):
 * ripgrep shows nothing of them in a pass or in a count. Only larger ones are checked for one.
 */
const FIRST_LOOK_BYTES = 8192;
/** Bytes of explicit paths on one command line of the NUL check. */
const CHECK_ARG_BYTES = 256 * 1024;

/** `path → count` records of a count search, before the files are judged. */
type CountRecords = Array<{ path: string; count: number }>;

/** ripgrep's `path NUL count` lines; a path may hold a newline, never a NUL. */
function parseCountRecords(out: Buffer): CountRecords {
  const records: CountRecords = [];
  for (let start = 0; start < out.length; ) {
    const nul = out.indexOf(0, start);
    if (nul === -1) break;
    const eol = out.indexOf(10, nul);
    const end = eol === -1 ? out.length : eol;
    const path = out.toString("utf8", start, nul);
    const count = Number(out.toString("latin1", nul + 1, end));
    start = end + 1;
    if (Number.isFinite(count) && count > 0) records.push({ path, count });
  }
  return records;
}

/**
 * The outcome of a count search from its records: binary files are left out by ripgrep itself, as
 * the JSON mode drops them; files over the size limit and secret files are dropped here, as in the
 * other modes; a file that changed while ripgrep ran is counted again from what the guard opens.
 */
async function countsOutcome(
  ws: Workspace,
  records: CountRecords,
  verdictOf: (rel: string) => FileVerdict,
  recountFile: (rel: string) => Promise<number | null>,
  code: number | null,
  run: Pick<Supervised, "stderr" | "timedOut">,
  signal: AbortSignal,
): Promise<RipgrepOutcome> {
  const files: FileMatches[] = [];
  const refused = { secret: 0, tooLarge: 0, outside: 0, unreadable: 0 };
  let judged = 0;
  for (const { path, count } of records) {
    // Each file is judged on disk (lstat, realpath): a common word matches thousands.
    if (++judged % JUDGE_SLICE === 0) await yieldToLoop();
    const rel = isWithin(ws.root, path) ? relativeTo(ws.root, path) : null;
    if (rel === null) continue;
    const verdict = verdictOf(rel);
    if (verdict === "ok") files.push({ rel, lines: [], matches: count, matchLines: 0 });
    else if (verdict === "recent") {
      const again = await recountFile(rel);
      if (again === null) refused.unreadable++;
      else if (again > 0) files.push({ rel, lines: [], matches: again, matchLines: 0 });
    } else refused[verdict]++;
  }
  const failure = failureOf(code, run as Supervised, signal, files.length > 0);
  if (failure) return failure;
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const timedOut = run.timedOut();
  const collected: Collected = {
    files,
    binary: 0,
    secret: refused.secret,
    tooLarge: refused.tooLarge,
    unreadable: unreadableCount(run.stderr()) + refused.unreadable,
    outsideRoot: refused.outside,
    pathTooLong: { dirs: [], count: countPathTooLong(run.stderr()) },
    atLeast: timedOut,
    timedOut,
    engine: "ripgrep",
  };
  return { ok: true, collected };
}

/** One count search in its own ripgrep process (spawned by the caller with the count flags). */
export async function collectCounts(
  ws: Workspace,
  child: RgChild,
  run: Supervised,
  verdictOf: (rel: string) => FileVerdict,
  recountFile: (rel: string) => Promise<number | null>,
  options: SearchOptions,
): Promise<RipgrepOutcome> {
  const chunks: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
  const code = await run.exited;
  run.release();
  return countsOutcome(ws, parseCountRecords(Buffer.concat(chunks)), verdictOf, recountFile, code, run, options.signal);
}

const WHOLE_WORD_PATTERN = /^\\b\(\?:(\w+(?:\|\w+)*)\)(\\w\*|\\b)$/;

/** A whole-word count pattern as the term index counts it, or null for any other pattern. */
export function countMemberOf(pattern: string, ignoreCase: boolean): CountMember | null {
  const m = WHOLE_WORD_PATTERN.exec(pattern);
  return m ? { words: m[1]!.split("|"), prefix: m[2] !== "\\b", ignoreCase } : null;
}

/** Which words a whole-word count pattern matches, or null for any other pattern. */
export function wordMatcher(pattern: string, ignoreCase: boolean): ((word: string) => boolean) | null {
  const m = WHOLE_WORD_PATTERN.exec(pattern);
  if (!m) return null;
  // `u`: case folding as ripgrep's (simple Unicode case folding), for words with letters past ASCII.
  const re = new RegExp(m[2] === "\\b" ? `^(?:${m[1]})$` : `^(?:${m[1]})`, ignoreCase ? "iu" : "u");
  return (word) => re.test(word);
}

const memberKey = (pattern: string, ignoreCase: boolean) => `${ignoreCase ? "i" : "s"}:${pattern}`;

/** What a shared pass found, counted for each member. */
interface SharedPass {
  /** Each member's `path → count` records (by `memberKey`), in the order ripgrep printed the files. */
  records: Map<string, CountRecords>;
  code: number | null;
  stderr: string;
  timedOut: boolean;
  ignored: string[];
}

const EMPTY_PASS: SharedPass = { records: new Map(), code: 0, stderr: "", timedOut: false, ignored: [] };

/** A file's matching words and how often each occurs. */
type FileWords = { path: string; words: Map<string, number> };

/** `path NUL word LF word LF … LF LF path NUL …` (`--only-matching --heading --null --no-line-number`). */
async function parseWords(out: Buffer): Promise<FileWords[]> {
  const files: FileWords[] = [];
  let pos = 0;
  let nextYield = PARSE_SLICE_BYTES;
  while (pos < out.length) {
    if (pos >= nextYield) {
      await yieldToLoop();
      nextYield = pos + PARSE_SLICE_BYTES;
    }
    const nul = out.indexOf(0, pos);
    if (nul === -1) break;
    const path = out.toString("utf8", pos, nul);
    const words = new Map<string, number>();
    pos = nul + 1;
    while (pos < out.length && out[pos] !== 10) {
      let eol = out.indexOf(10, pos);
      if (eol === -1) eol = out.length;
      const word = out.toString("utf8", pos, eol);
      words.set(word, (words.get(word) ?? 0) + 1);
      pos = eol + 1;
    }
    pos++; // the blank line between files
    files.push({ path, words });
  }
  return files;
}

/**
 * The count Greps of one turn that may share a pass (same path, glob and type; whole-word
 * patterns). Each member's search still decides its own ripgrep command line; members whose
 * command lines agree but for the pattern share the pass the first of them starts.
 */
export class CountBatch {
  private readonly passes = new Map<string, Promise<SharedPass>>();
  /** Verdicts of the files the pass found, shared by the members (same target, same moment). */
  private readonly verdicts = new Map<string, FileVerdict>();
  /** Per target: what the term index counted (the pass then counts only the files it left). */
  private readonly fromIndex = new Map<string, { answer: IndexedCounts; byMember: Map<string, number> }>();

  /** `members`: every pattern of the group, with its case flag. `signal`: the turn's. */
  constructor(
    readonly members: ReadonlyArray<{ pattern: string; ignoreCase: boolean }>,
    private readonly signal?: AbortSignal,
  ) {}

  /** The members as the term index counts them; null when one is not a whole-word pattern. */
  countMembers(): CountMember[] | null {
    const out: CountMember[] = [];
    for (const m of this.members) {
      const member = countMemberOf(m.pattern, m.ignoreCase);
      if (!member) return null;
      out.push(member);
    }
    return out;
  }

  /** The term index's counts for `targetRel` (members in `countMembers` order). */
  useIndexCounts(targetRel: string, answer: IndexedCounts): void {
    const byMember = new Map<string, number>();
    this.members.forEach((m, i) => {
      const key = memberKey(m.pattern, m.ignoreCase);
      if (!byMember.has(key)) byMember.set(key, i);
    });
    this.fromIndex.set(targetRel, { answer, byMember });
  }

  /** Whether the term index counted this target (a pass with no files left still has an answer). */
  answeredByIndex(targetRel: string): boolean {
    return this.fromIndex.has(targetRel);
  }

  covers(q: GrepQuery): boolean {
    return (
      q.mode === "count" &&
      !q.multiline &&
      this.members.some((m) => m.pattern === q.pattern && m.ignoreCase === q.ignoreCase)
    );
  }

  /**
   * The counts of `q` from the pass for `args` (ripgrep's count command line of this search;
   * `ignoreFile` is compared by content, each search writes its own copy).
   */
  async counts(
    ws: Workspace,
    q: GrepQuery,
    spawnPass: SpawnPass,
    args: string[],
    ignoreFile: string | undefined,
    verdictOf: (rel: string) => FileVerdict,
    recountFile: (rel: string) => Promise<number | null>,
    options: SearchOptions,
    ignoredSink?: string[],
  ): Promise<RipgrepOutcome> {
    const shared = sharedArgs(args, q, this.members);
    // Each search writes its own copy of the ignore rules: the key holds their content, not the path.
    const at = shared.indexOf("--ignore-file");
    const keyArgs = at === -1 ? shared : [...shared.slice(0, at + 1), "", ...shared.slice(at + 2)];
    const key = JSON.stringify([ws.root, keyArgs, ignoreFile ? readFileSync(ignoreFile, "utf8") : null]);
    const indexed = this.fromIndex.get(q.targetRel);
    // Counted by the index with nothing left over: no pass at all.
    const noPaths = indexed !== undefined && shared[shared.length - 1] === "--";
    let pass = this.passes.get(key);
    if (!pass) {
      pass = noPaths ? Promise.resolve(EMPTY_PASS) : this.runPass(spawnPass, shared, options);
      this.passes.set(key, pass);
    }
    const done = await pass;
    // The members resume together when the pass ends: each judges its files in a task of its own.
    await yieldToLoop();
    if (ignoredSink) ignoredSink.push(...done.ignored);
    const member = memberKey(q.pattern, q.ignoreCase);
    let records = done.records.get(member) ?? [];
    if (indexed) {
      const fromIndex = indexed.answer.counts[indexed.byMember.get(member) ?? -1] ?? [];
      records = [...fromIndex.map((r) => ({ path: ws.display(r.rel), count: r.count })), ...records];
    }
    const run = { stderr: () => done.stderr, timedOut: () => done.timedOut };
    const sharedVerdict = (rel: string): FileVerdict => {
      let v = this.verdicts.get(rel);
      if (v !== undefined) return v;
      // A file the index counted is a listed, unlinked, non-secret file whose stamp it checked this
      // exploration: only the size limit is left to apply (no lstat and realpath of each).
      const stat = indexed?.answer.stats.get(rel);
      if (stat) {
        ws.noteStat(rel, stat);
        v = !q.targetIsFile && stat.size > ws.maxSearchFileBytes ? "tooLarge" : "ok";
      } else v = verdictOf(rel);
      this.verdicts.set(rel, v);
      return v;
    };
    return countsOutcome(ws, records, sharedVerdict, recountFile, done.code, run, options.signal);
  }

  private async runPass(spawnPass: SpawnPass, args: string[], options: SearchOptions): Promise<SharedPass> {
    // The pass answers every member: it stops for the turn's signal, not for one call's.
    const ignored: string[] = [];
    const { child, run } = await spawnPass(
      args,
      { signal: this.signal ?? new AbortController().signal, timeoutMs: options.timeoutMs },
      ignored,
    );
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    const code = await run.exited;
    run.release();
    const words = await withoutBinaries(await parseWords(Buffer.concat(chunks)), spawnPass, options);
    const records = await this.recordsByMember(words);
    return { records, code, stderr: run.stderr(), timedOut: run.timedOut(), ignored };
  }

  /** Every member's counts from the words, each distinct word tested once per member. */
  private async recordsByMember(files: FileWords[]): Promise<Map<string, CountRecords>> {
    const keys = [...new Set(this.members.map((m) => memberKey(m.pattern, m.ignoreCase)))];
    const matchers = keys.map((k) => {
      const m = this.members.find((x) => memberKey(x.pattern, x.ignoreCase) === k)!;
      return wordMatcher(m.pattern, m.ignoreCase)!;
    });
    const whose = new Map<string, number[]>();
    const out = new Map<string, CountRecords>(keys.map((k) => [k, []]));
    const counts = new Array<number>(keys.length);
    for (let f = 0; f < files.length; f++) {
      if (f > 0 && f % JUDGE_SLICE === 0) await yieldToLoop();
      const { path, words } = files[f]!;
      counts.fill(0);
      for (const [word, n] of words) {
        let members = whose.get(word);
        if (!members) {
          members = [];
          for (let k = 0; k < matchers.length; k++) if (matchers[k]!(word)) members.push(k);
          whose.set(word, members);
        }
        for (const k of members) counts[k]! += n;
      }
      for (let k = 0; k < keys.length; k++) if (counts[k]! > 0) out.get(keys[k]!)!.push({ path, count: counts[k]! });
    }
    return out;
  }
}

/**
 * The files of a pass without those holding a NUL byte. A single count search prints nothing for
 * such a file (ripgrep quits it on the NUL and prints a count at the end), but a pass prints every
 * word it met before the buffer holding the NUL: the words of a file whose first NUL lies past
 * ripgrep's first look would be counted. One `rg --text` over the larger files finds them; when
 * that check fails, the files are kept (as before the check).
 */
async function withoutBinaries(files: FileWords[], spawnPass: SpawnPass, options: SearchOptions): Promise<FileWords[]> {
  const suspects: string[] = [];
  for (const [k, f] of files.entries()) {
    if (k > 0 && k % JUDGE_SLICE === 0) await yieldToLoop();
    try {
      if (statSync(f.path).size > FIRST_LOOK_BYTES) suspects.push(f.path);
    } catch {
      // gone since the pass: judged (and dropped) with the others
    }
  }
  const binary = new Set<string>();
  for (let i = 0; i < suspects.length; ) {
    const chunk: string[] = [];
    for (let bytes = 0; i < suspects.length && (chunk.length === 0 || bytes < CHECK_ARG_BYTES); i++) {
      chunk.push(suspects[i]!);
      bytes += suspects[i]!.length + 1;
    }
    const args = ["--files-with-matches", "--no-config", "--text", "--null", "--regexp", "\\x00", "--", ...chunk];
    const { child, run } = await spawnPass(args, options);
    const out: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    const code = await run.exited;
    run.release();
    if (code !== 0 && code !== 1) return files;
    for (const path of Buffer.concat(out).toString("utf8").split("\0")) if (path) binary.add(path);
  }
  return binary.size === 0 ? files : files.filter((f) => !binary.has(f.path));
}

/**
 * The shared pass's command line from one member's count command line: the words instead of the
 * counts, every member's pattern (each with its own case flag) instead of this one's.
 */
function sharedArgs(
  args: string[],
  q: GrepQuery,
  members: ReadonlyArray<{ pattern: string; ignoreCase: boolean }>,
): string[] {
  // --with-filename: a single explicit file (a narrowed search, see TermIndex) is otherwise printed without its name.
  const out: string[] = [
    "--only-matching",
    "--heading",
    "--with-filename",
    "--null",
    "--no-line-number",
    "--color",
    "never",
  ];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      out.push(...args.slice(i)); // the paths, as they are
      break;
    }
    if (a === "--count-matches" || a === "--with-filename" || a === "--null" || a === "--ignore-case") continue;
    if (a === "--regexp" && args[i + 1] === q.pattern) {
      i++;
      const patterns = [...new Set(members.map((m) => (m.ignoreCase ? `(?i)${m.pattern}` : m.pattern)))].sort();
      for (const p of patterns) out.push("--regexp", p);
      continue;
    }
    out.push(a);
  }
  return out;
}
