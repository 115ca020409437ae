/**
 * The term index's data: every distinct word of the indexed files as written (bytes in one arena,
 * found by an open-addressing hash table), per word the files holding it and how often (compressed
 * rows, file numbers ascending), and the words grouped by their folded form (`foldWord`) for
 * case-insensitive questions. Built in one pass over the files' bytes without making a string per
 * word — a 50k-file tree holds about 60 million words — and queried by `WordConstraint`s (which
 * files may match) and `CountMember`s (how often whole-word patterns match, per file).
 */
import type { WordConstraint } from "../../tools/grep/regex-requirement.js";
import { foldWord, WORD_RUNS } from "./tokens.js";

/** Per byte: 0 no word character, 1 an ASCII word character, 2 a byte of a non-ASCII character. */
const BYTE_CLASS = new Uint8Array(256);
/** Per byte: itself, ASCII upper case lowered. */
const LOWER = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const word = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
  BYTE_CLASS[b] = b >= 0x80 ? 2 : word ? 1 : 0;
  LOWER[b] = b >= 0x41 && b <= 0x5a ? b + 32 : b;
}
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** A row's count byte holds this when the real count is in the overflow map. */
const COUNT_OVERFLOW = 255;

/** FNV-1a over bytes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

function grow<T extends Uint32Array | Int32Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** Distinct byte strings, numbered in order of insertion, found by hash. (Exported for tests.) */
export class ByteStrings {
  arena = new Uint8Array(1 << 20);
  used = 0;
  start = new Uint32Array(1 << 16);
  end = new Uint32Array(1 << 16);
  count = 0;
  private table = new Int32Array(1 << 17); // id + 1, 0 = empty

  /** The id of `bytes[start, end)` (whose FNV-1a hash is `hash`), added when new. */
  intern(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const mask = this.table.length - 1;
    let slot = hash & mask;
    const len = end - start;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) break;
      const id = entry - 1;
      if (this.equals(id, bytes, start, len)) return id;
      slot = (slot + 1) & mask;
    }
    const id = this.count++;
    if (id === this.start.length) {
      this.start = grow(this.start, id * 2);
      this.end = grow(this.end, id * 2);
    }
    if (this.used + len > this.arena.length)
      this.arena = grow(this.arena, Math.max(this.arena.length * 2, this.used + len));
    this.arena.set(bytes.subarray(start, end), this.used);
    this.start[id] = this.used;
    this.used += len;
    this.end[id] = this.used;
    this.table[slot] = id + 1;
    if (this.count * 2 > this.table.length) this.rehash();
    return id;
  }

  /** The id of `bytes`, or -1. */
  find(bytes: Uint8Array): number {
    const mask = this.table.length - 1;
    let slot = hashBytes(bytes, 0, bytes.length) & mask;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) return -1;
      if (this.equals(entry - 1, bytes, 0, bytes.length)) return entry - 1;
      slot = (slot + 1) & mask;
    }
  }

  /** Calls `found` with every id whose string starts with / ends with / contains / equals `text`. */
  scan(text: Uint8Array, mode: WordConstraint["mode"], found: (id: number) => void): void {
    if (mode === "exact") {
      const id = this.find(text);
      if (id !== -1) found(id);
      return;
    }
    // The strings lie end to end in the arena: a native search of the arena finds the candidates
    // (a loop over every string took 30–120 ms per constraint on the 100k-file tree's million
    // words), each checked to lie inside one string where the mode wants it.
    const len = text.length;
    if (len === 0) return;
    const arena = Buffer.from(this.arena.buffer, this.arena.byteOffset, this.used);
    const needle = Buffer.from(text.buffer, text.byteOffset, len);
    for (let from = 0; ; ) {
      const at = arena.indexOf(needle, from);
      if (at === -1) return;
      const id = this.idAt(at);
      const ts = this.start[id]!;
      const te = this.end[id]!;
      const inside = at + len <= te;
      if (inside && (mode === "inner" || (mode === "prefix" ? at === ts : at + len === te))) {
        found(id);
        from = te; // each string once
      } else from = at + 1;
    }
  }

  /** The string whose bytes hold arena offset `at` (starts ascend with ids: insertion order). */
  private idAt(at: number): number {
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.start[mid]! <= at) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Trims the arrays to what is used (after the last insertion). */
  compact(): void {
    this.arena = this.arena.slice(0, this.used);
    this.start = this.start.slice(0, this.count);
    this.end = this.end.slice(0, this.count);
  }

  get bytes(): number {
    return this.arena.byteLength + this.start.byteLength + this.end.byteLength + this.table.byteLength;
  }

  private equals(id: number, bytes: Uint8Array, start: number, len: number): boolean {
    const ts = this.start[id]!;
    if (this.end[id]! - ts !== len) return false;
    let k = 0;
    while (k < len && this.arena[ts + k] === bytes[start + k]) k++;
    return k === len;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = hashBytes(this.arena, this.start[id]!, this.end[id]!) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = id + 1;
    }
    this.table = table;
  }
}

export class WordTableBuilder {
  private readonly terms = new ByteStrings();
  /** The file that last added each term, and the pair that holds it there (a term is posted once per file). */
  private lastFile = new Int32Array(1 << 16).fill(-1);
  private lastPair = new Uint32Array(1 << 16);
  /** Terms of each file in file order with their counts; `fileEnd[f]` is where file f's terms end. */
  private pairs = new Uint32Array(1 << 20);
  private pairCount = new Uint8Array(1 << 20);
  private readonly pairOverflow = new Map<number, number>();
  private pairsUsed = 0;
  private readonly fileEnd: number[] = [];

  /** Adds the next file's bytes (file numbers are given in order, from 0). */
  addFile(bytes: Uint8Array): void {
    const file = this.fileEnd.length;
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (BYTE_CLASS[bytes[i]!] === 0) {
        i++;
        continue;
      }
      // One pass over the word: its end, whether it is ASCII, and its hash.
      const start = i;
      let ascii = true;
      let h = FNV_OFFSET;
      while (i < n) {
        const b = bytes[i]!;
        const c = BYTE_CLASS[b]!;
        if (c === 0) break;
        if (c === 2) ascii = false;
        h = Math.imul(h ^ b, FNV_PRIME);
        i++;
      }
      if (ascii) this.addTerm(this.terms.intern(bytes, start, i, h >>> 0), file);
      else {
        // Non-ASCII bytes may be word characters or not (ripgrep's Unicode `\w`): split as it does.
        const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString("utf8");
        for (const m of text.matchAll(WORD_RUNS)) {
          const word = Buffer.from(m[0], "utf8");
          this.addTerm(this.terms.intern(word, 0, word.length, hashBytes(word, 0, word.length)), file);
        }
      }
    }
    this.fileEnd.push(this.pairsUsed);
  }

  private addTerm(term: number, file: number): void {
    if (term === this.lastFile.length) {
      const last = new Int32Array(term * 2).fill(-1);
      last.set(this.lastFile);
      this.lastFile = last;
      this.lastPair = grow(this.lastPair, term * 2);
    }
    if (this.lastFile[term] === file) {
      const p = this.lastPair[term]!;
      const c = this.pairCount[p]!;
      if (c < COUNT_OVERFLOW - 1) this.pairCount[p] = c + 1;
      else {
        this.pairCount[p] = COUNT_OVERFLOW;
        this.pairOverflow.set(p, (this.pairOverflow.get(p) ?? COUNT_OVERFLOW - 1) + 1);
      }
      return;
    }
    this.lastFile[term] = file;
    if (this.pairsUsed === this.pairs.length) {
      this.pairs = grow(this.pairs, this.pairs.length * 2);
      this.pairCount = grow(this.pairCount, this.pairCount.length * 2);
    }
    this.lastPair[term] = this.pairsUsed;
    this.pairCount[this.pairsUsed] = 1;
    this.pairs[this.pairsUsed++] = term;
  }

  /** The table, with each word's files as compressed rows and the words grouped by folded form. */
  finish(): WordTable {
    const terms = this.terms.count;
    const rowStart = new Uint32Array(terms + 1);
    for (let p = 0; p < this.pairsUsed; p++) rowStart[this.pairs[p]! + 1]!++;
    for (let t = 0; t < terms; t++) rowStart[t + 1]! += rowStart[t]!;
    const rows = new Uint32Array(this.pairsUsed);
    const rowCount = new Uint8Array(this.pairsUsed);
    const rowOverflow = new Map<number, number>();
    const cursor = rowStart.slice(0, terms);
    let p = 0;
    for (let f = 0; f < this.fileEnd.length; f++)
      for (const end = this.fileEnd[f]!; p < end; p++) {
        const r = cursor[this.pairs[p]!]!++;
        rows[r] = f;
        rowCount[r] = this.pairCount[p]!;
        if (rowCount[r] === COUNT_OVERFLOW) rowOverflow.set(r, this.pairOverflow.get(p)!);
      }
    this.terms.compact();
    // Folded forms: ASCII lowered, or `foldWord` of a word with non-ASCII characters.
    const folded = new ByteStrings();
    const foldOf = new Uint32Array(terms);
    const nonAscii = new Uint8Array(terms);
    const { arena, start, end } = this.terms;
    const scratch = new Uint8Array(256);
    for (let t = 0; t < terms; t++) {
      const ts = start[t]!;
      const len = end[t]! - ts;
      let ascii = true;
      for (let k = 0; k < len && ascii; k++) ascii = arena[ts + k]! < 0x80;
      let key: Uint8Array;
      if (ascii) {
        key = len <= scratch.length ? scratch.subarray(0, len) : new Uint8Array(len);
        for (let k = 0; k < len; k++) key[k] = LOWER[arena[ts + k]!]!;
      } else {
        nonAscii[t] = 1;
        key = Buffer.from(foldWord(Buffer.from(arena.buffer, arena.byteOffset + ts, len).toString("utf8")), "utf8");
      }
      foldOf[t] = folded.intern(key, 0, key.length, hashBytes(key, 0, key.length));
    }
    folded.compact();
    const groupStart = new Uint32Array(folded.count + 1);
    for (let t = 0; t < terms; t++) groupStart[foldOf[t]! + 1]!++;
    for (let g = 0; g < folded.count; g++) groupStart[g + 1]! += groupStart[g]!;
    const groupTerms = new Uint32Array(terms);
    const at = groupStart.slice(0, folded.count);
    for (let t = 0; t < terms; t++) groupTerms[at[foldOf[t]!]!++] = t;
    return new WordTable(
      this.terms,
      folded,
      groupStart,
      groupTerms,
      nonAscii,
      rowStart,
      rows,
      rowCount,
      rowOverflow,
      this.fileEnd.length,
    );
  }
}

/**
 * One whole-word count pattern: `\b(?:w1|w2…)\w*` (`prefix`: words starting with one of `words`) or
 * `\b(?:w1|w2…)\b` (words equal to one of them), case-folded or not. Each match of such a pattern
 * is one whole word, so its count in a file is the number of the file's words it matches.
 */
export interface CountMember {
  words: string[];
  prefix: boolean;
  ignoreCase: boolean;
}

export class WordTable {
  constructor(
    private readonly terms: ByteStrings,
    private readonly folded: ByteStrings,
    private readonly groupStart: Uint32Array,
    private readonly groupTerms: Uint32Array,
    /** Per term: 1 when it has a non-ASCII character (its case folding is not trusted for counts). */
    private readonly nonAscii: Uint8Array,
    private readonly rowStart: Uint32Array,
    private readonly rows: Uint32Array,
    private readonly rowCount: Uint8Array,
    private readonly rowOverflow: Map<number, number>,
    readonly fileCount: number,
  ) {}

  /** Bytes held. */
  get bytes(): number {
    return (
      this.terms.bytes +
      this.folded.bytes +
      this.groupStart.byteLength +
      this.groupTerms.byteLength +
      this.nonAscii.byteLength +
      this.rowStart.byteLength +
      this.rows.byteLength +
      this.rowCount.byteLength +
      this.rowOverflow.size * 16
    );
  }

  /** Distinct folded words. */
  get wordCount(): number {
    return this.folded.count;
  }

  /** Marks in `mask` every file holding a word whose folded form meets the constraint. */
  markFiles(constraint: WordConstraint, mask: Uint8Array): void {
    this.folded.scan(Buffer.from(constraint.text, "utf8"), constraint.mode, (g) => {
      for (let k = this.groupStart[g]!, end = this.groupStart[g + 1]!; k < end; k++) {
        const t = this.groupTerms[k]!;
        for (let r = this.rowStart[t]!, rEnd = this.rowStart[t + 1]!; r < rEnd; r++) mask[this.rows[r]!] = 1;
      }
    });
  }

  /**
   * Adds to `counts[file]` how often `member` matches in each file, from the words whose spelling
   * settles it; a file holding a matching word with a non-ASCII character is marked in `uncertain`
   * instead (its folding or splitting is ripgrep's to decide). Member words are ASCII.
   */
  countMember(member: CountMember, counts: Uint32Array, uncertain: Uint8Array): void {
    // A word matching two of the member's words is still one match: each term is taken once.
    const matching = new Set<number>();
    for (const word of member.words) {
      const mode = member.prefix ? "prefix" : "exact";
      if (member.ignoreCase)
        this.folded.scan(Buffer.from(word.toLowerCase(), "utf8"), mode, (g) => {
          for (let k = this.groupStart[g]!, end = this.groupStart[g + 1]!; k < end; k++)
            matching.add(this.groupTerms[k]!);
        });
      else this.terms.scan(Buffer.from(word, "utf8"), mode, (t) => matching.add(t));
    }
    for (const t of matching) {
      const doubtful = this.nonAscii[t] === 1;
      for (let r = this.rowStart[t]!, end = this.rowStart[t + 1]!; r < end; r++) {
        const file = this.rows[r]!;
        if (doubtful) uncertain[file] = 1;
        else {
          const c = this.rowCount[r]!;
          counts[file]! += c === COUNT_OVERFLOW ? this.rowOverflow.get(r)! : c;
        }
      }
    }
  }
}
