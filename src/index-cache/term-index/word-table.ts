/**
 * The term index's data: every distinct folded word of the indexed files (bytes in one arena, found
 * by an open-addressing hash table) and, per word, the files holding it (compressed rows, file
 * numbers ascending). Built in one pass over the files' bytes without making a string per word —
 * a 50k-file tree holds about 60 million words — and queried by `WordConstraint`s.
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

/** FNV-1a over bytes. */
function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, FNV_PRIME);
  return h >>> 0;
}

export class WordTableBuilder {
  private arena = new Uint8Array(1 << 20);
  private arenaUsed = 0;
  private termStart = new Uint32Array(1 << 16);
  private termEnd = new Uint32Array(1 << 16);
  private terms = 0;
  private table = new Int32Array(1 << 17); // term + 1, 0 = empty
  /** The file that last added each term (a term is posted once per file). */
  private lastFile = new Int32Array(1 << 16).fill(-1);
  /** Terms of each file in file order; `fileEnd[f]` is where file f's terms end. */
  private pairs = new Uint32Array(1 << 20);
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
      // One pass over the word: its end, whether it is ASCII, and the hash of its lowered bytes.
      const start = i;
      let ascii = true;
      let h = FNV_OFFSET;
      while (i < n) {
        const b = bytes[i]!;
        const c = BYTE_CLASS[b]!;
        if (c === 0) break;
        if (c === 2) ascii = false;
        h = Math.imul(h ^ LOWER[b]!, FNV_PRIME);
        i++;
      }
      if (ascii) this.addTerm(this.findOrInsert(bytes, start, i, h >>> 0, true), file);
      else {
        const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString("utf8");
        for (const m of text.matchAll(WORD_RUNS)) {
          const word = Buffer.from(foldWord(m[0]), "utf8");
          this.addTerm(this.findOrInsert(word, 0, word.length, hashBytes(word, 0, word.length), false), file);
        }
      }
    }
    this.fileEnd.push(this.pairsUsed);
  }

  private addTerm(term: number, file: number): void {
    if (this.lastFile[term] === file) return;
    this.lastFile[term] = file;
    if (this.pairsUsed === this.pairs.length) this.pairs = grow(this.pairs, this.pairs.length * 2);
    this.pairs[this.pairsUsed++] = term;
  }

  /** The term of `word[start, end)` (lowered first when `lower`), added when new. */
  private findOrInsert(word: Uint8Array, start: number, end: number, hash: number, lower: boolean): number {
    const mask = this.table.length - 1;
    let slot = hash & mask;
    const len = end - start;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) break;
      const term = entry - 1;
      const ts = this.termStart[term]!;
      if (this.termEnd[term]! - ts === len) {
        let k = 0;
        if (lower) while (k < len && this.arena[ts + k] === LOWER[word[start + k]!]) k++;
        else while (k < len && this.arena[ts + k] === word[start + k]) k++;
        if (k === len) return term;
      }
      slot = (slot + 1) & mask;
    }
    const term = this.terms++;
    if (term === this.termStart.length) {
      this.termStart = grow(this.termStart, term * 2);
      this.termEnd = grow(this.termEnd, term * 2);
      const last = new Int32Array(term * 2).fill(-1);
      last.set(this.lastFile);
      this.lastFile = last;
    }
    if (this.arenaUsed + len > this.arena.length) {
      const bigger = new Uint8Array(Math.max(this.arena.length * 2, this.arenaUsed + len));
      bigger.set(this.arena.subarray(0, this.arenaUsed));
      this.arena = bigger;
    }
    for (let k = 0; k < len; k++) this.arena[this.arenaUsed + k] = lower ? LOWER[word[start + k]!]! : word[start + k]!;
    this.termStart[term] = this.arenaUsed;
    this.arenaUsed += len;
    this.termEnd[term] = this.arenaUsed;
    this.table[slot] = term + 1;
    if (this.terms * 2 > this.table.length) this.rehash();
    return term;
  }

  private rehash(): void {
    const table = new Int32Array(this.table.length * 2);
    const mask = table.length - 1;
    for (let term = 0; term < this.terms; term++) {
      let slot = hashBytes(this.arena, this.termStart[term]!, this.termEnd[term]!) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = term + 1;
    }
    this.table = table;
  }

  /** The table, with each word's files as compressed rows. */
  finish(): WordTable {
    const terms = this.terms;
    const rowStart = new Uint32Array(terms + 1);
    for (let p = 0; p < this.pairsUsed; p++) rowStart[this.pairs[p]! + 1]!++;
    for (let t = 0; t < terms; t++) rowStart[t + 1]! += rowStart[t]!;
    const files = new Uint32Array(this.pairsUsed);
    const cursor = rowStart.slice(0, terms);
    let p = 0;
    for (let f = 0; f < this.fileEnd.length; f++)
      for (const end = this.fileEnd[f]!; p < end; p++) files[cursor[this.pairs[p]!]!++] = f;
    return new WordTable(
      this.arena.slice(0, this.arenaUsed),
      this.termStart.slice(0, terms),
      this.termEnd.slice(0, terms),
      this.table,
      rowStart,
      files,
      this.fileEnd.length,
    );
  }
}

function grow<T extends Uint32Array | Int32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

export class WordTable {
  constructor(
    private readonly arena: Uint8Array,
    private readonly termStart: Uint32Array,
    private readonly termEnd: Uint32Array,
    private readonly table: Int32Array,
    private readonly rowStart: Uint32Array,
    private readonly rows: Uint32Array,
    readonly fileCount: number,
  ) {}

  /** Bytes held. */
  get bytes(): number {
    return (
      this.arena.byteLength +
      this.termStart.byteLength +
      this.termEnd.byteLength +
      this.table.byteLength +
      this.rowStart.byteLength +
      this.rows.byteLength
    );
  }

  get wordCount(): number {
    return this.termStart.length;
  }

  /** Marks in `mask` every file holding a word that meets the constraint. */
  markFiles(constraint: WordConstraint, mask: Uint8Array): void {
    const text = Buffer.from(constraint.text, "utf8");
    if (constraint.mode === "exact") {
      const term = this.find(text);
      if (term !== -1) this.markRow(term, mask);
      return;
    }
    // A scan of every word (half a million on a 50k-file tree): plain loops, first byte first.
    const len = text.length;
    const first = text[0]!;
    const a = this.arena;
    const starts = this.termStart;
    const ends = this.termEnd;
    const mode = constraint.mode;
    for (let term = 0; term < starts.length; term++) {
      const ts = starts[term]!;
      const te = ends[term]!;
      if (te - ts < len) continue;
      let from = mode === "suffix" ? te - len : ts;
      const last = mode === "inner" ? te - len : from;
      let found = false;
      for (; from <= last && !found; from++) {
        if (a[from] !== first) continue;
        let k = 1;
        while (k < len && a[from + k] === text[k]) k++;
        found = k === len;
      }
      if (found) this.markRow(term, mask);
    }
  }

  private markRow(term: number, mask: Uint8Array): void {
    for (let r = this.rowStart[term]!, end = this.rowStart[term + 1]!; r < end; r++) mask[this.rows[r]!] = 1;
  }

  private find(word: Uint8Array): number {
    const mask = this.table.length - 1;
    let slot = hashBytes(word, 0, word.length) & mask;
    for (;;) {
      const entry = this.table[slot]!;
      if (entry === 0) return -1;
      const term = entry - 1;
      const ts = this.termStart[term]!;
      const te = this.termEnd[term]!;
      if (te - ts === word.length) {
        let same = true;
        for (let k = 0; k < word.length; k++)
          if (this.arena[ts + k] !== word[k]) {
            same = false;
            break;
          }
        if (same) return term;
      }
      slot = (slot + 1) & mask;
    }
  }
}
