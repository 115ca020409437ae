/**
 * Okapi BM25 over chunks: an inverted index built in one pass, persisted as a compact binary
 * file, queried with a dense score array (tens of thousands of chunks score in milliseconds).
 * Tokens are the explorer's code-aware tokens (`src/eval/bm25-index.ts`: camelCase and snake_case
 * parts, stop words dropped) with a light plural fold, so prose and identifiers both match.
 */
import { BM25_B, BM25_K1, tokenize } from "../../eval/bm25-index.js";

/** "indexes" and "index", "queries" and "query" meet; "class" and "status" stay. */
export function foldTerm(token: string): string {
  if (token.length <= 3) return token;
  if (token.endsWith("ies") && token.length > 4) return `${token.slice(0, -3)}y`;
  if (token.endsWith("es") && /(?:ch|sh|x|ss)es$/.test(token)) return token.slice(0, -2);
  if (token.endsWith("s") && !token.endsWith("ss") && !token.endsWith("us") && !token.endsWith("is"))
    return token.slice(0, -1);
  return token;
}

/** Folded terms of `text`, in order. */
export function termsOf(text: string): string[] {
  const out: string[] = [];
  tokenize(text, (t) => out.push(foldTerm(t)));
  return out;
}

export interface Bm25Data {
  terms: string[];
  /** postings of term t: rows[offsets[t] .. offsets[t+1]) with their frequencies. */
  offsets: Uint32Array;
  rows: Uint32Array;
  freqs: Uint16Array;
  /** Token count of each row. */
  lengths: Uint32Array;
}

export class Bm25Index {
  private readonly termIds: Map<string, number>;
  /** Per-row length normalization, k1 * (1 - b + b * length / average), precomputed. */
  private readonly norms: Float32Array;

  constructor(readonly data: Bm25Data) {
    this.termIds = new Map(data.terms.map((t, i) => [t, i]));
    let total = 0;
    for (const n of data.lengths) total += n;
    const avg = data.lengths.length > 0 ? total / data.lengths.length : 1;
    this.norms = Float32Array.from(data.lengths, (len) => BM25_K1 * (1 - BM25_B + (BM25_B * len) / avg));
  }

  get size(): number {
    return this.data.lengths.length;
  }

  /** Build from the searchable text of each row (title and text). */
  static build(texts: Iterable<string>): Bm25Index {
    const postings = new Map<string, number[]>();
    const lengths: number[] = [];
    let row = 0;
    const bag = new Map<string, number>();
    for (const text of texts) {
      bag.clear();
      let length = 0;
      tokenize(text, (t) => {
        const term = foldTerm(t);
        bag.set(term, (bag.get(term) ?? 0) + 1);
        length++;
      });
      for (const [term, f] of bag) {
        let list = postings.get(term);
        if (!list) postings.set(term, (list = []));
        list.push(row, Math.min(f, 65535));
      }
      lengths.push(length);
      row++;
    }
    const terms = [...postings.keys()];
    const offsets = new Uint32Array(terms.length + 1);
    let total = 0;
    terms.forEach((t, i) => {
      offsets[i] = total;
      total += (postings.get(t)?.length ?? 0) / 2;
    });
    offsets[terms.length] = total;
    const rows = new Uint32Array(total);
    const freqs = new Uint16Array(total);
    terms.forEach((t, i) => {
      const list = postings.get(t) ?? [];
      let at = offsets[i] ?? 0;
      for (let k = 0; k < list.length; k += 2) {
        rows[at] = list[k] ?? 0;
        freqs[at] = list[k + 1] ?? 0;
        at++;
      }
    });
    return new Bm25Index({ terms, offsets, rows, freqs, lengths: Uint32Array.from(lengths) });
  }

  /** Top `limit` rows for `query`, best first, skipping rows `skip` rejects. */
  search(query: string, limit: number, skip?: (row: number) => boolean): Array<{ row: number; score: number }> {
    const { offsets, rows, freqs } = this.data;
    const n = this.size;
    if (n === 0 || limit <= 0) return [];
    const scores = new Float32Array(n);
    const touched: number[] = [];
    for (const term of new Set(termsOf(query))) {
      const id = this.termIds.get(term);
      if (id === undefined) continue;
      const from = offsets[id] ?? 0;
      const to = offsets[id + 1] ?? 0;
      const idf = Math.log(1 + (n - (to - from) + 0.5) / (to - from + 0.5));
      const gain = idf * (BM25_K1 + 1);
      for (let k = from; k < to; k++) {
        const row = rows[k] ?? 0;
        const f = freqs[k] ?? 0;
        const before = scores[row] ?? 0;
        if (before === 0) touched.push(row);
        scores[row] = before + (gain * f) / (f + (this.norms[row] ?? 1));
      }
    }
    return topRows(touched, scores, limit, skip);
  }

  /** Binary form: a JSON header line (terms, sizes) then the four arrays. */
  serialize(): Buffer {
    const { terms, offsets, rows, freqs, lengths } = this.data;
    const header = Buffer.from(
      `${JSON.stringify({ v: 1, terms, postings: rows.length, rows: lengths.length })}\n`,
      "utf8",
    );
    const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
    return Buffer.concat([
      pad(header),
      Buffer.from(offsets.buffer, offsets.byteOffset, offsets.byteLength),
      Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength),
      Buffer.from(lengths.buffer, lengths.byteOffset, lengths.byteLength),
      Buffer.from(freqs.buffer, freqs.byteOffset, freqs.byteLength),
    ]);
  }

  static deserialize(buffer: Buffer): Bm25Index {
    const newline = buffer.indexOf(10);
    const header = JSON.parse(buffer.subarray(0, newline).toString("utf8")) as {
      v: number;
      terms: string[];
      postings: number;
      rows: number;
    };
    let at = newline + 1;
    at += (4 - (at % 4)) % 4;
    // Copy into fresh aligned arrays (a Buffer from readFile may sit at any offset of its pool).
    const take = <T>(make: (b: ArrayBuffer) => T, bytes: number): T => {
      const copy = new ArrayBuffer(bytes);
      new Uint8Array(copy).set(buffer.subarray(at, at + bytes));
      at += bytes;
      return make(copy);
    };
    const offsets = take((b) => new Uint32Array(b), (header.terms.length + 1) * 4);
    const rows = take((b) => new Uint32Array(b), header.postings * 4);
    const lengths = take((b) => new Uint32Array(b), header.rows * 4);
    const freqs = take((b) => new Uint16Array(b), header.postings * 2);
    return new Bm25Index({ terms: header.terms, offsets, rows, freqs, lengths });
  }
}

/**
 * The `limit` best rows by score (ties: lower row first) without sorting every hit: a min-heap of
 * the current best holds at most `limit` rows, so common-word queries stay in milliseconds.
 */
function topRows(
  rows: readonly number[],
  scores: Float32Array,
  limit: number,
  skip?: (row: number) => boolean,
): Array<{ row: number; score: number }> {
  const heap: number[] = [];
  // a is worse than b: lower score, or equal score and higher row.
  const worse = (a: number, b: number) => {
    const sa = scores[a] ?? 0;
    const sb = scores[b] ?? 0;
    return sa < sb || (sa === sb && a > b);
  };
  const swap = (i: number, j: number) => {
    const t = heap[i] ?? 0;
    heap[i] = heap[j] ?? 0;
    heap[j] = t;
  };
  const down = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l] ?? 0, heap[m] ?? 0)) m = l;
      if (r < heap.length && worse(heap[r] ?? 0, heap[m] ?? 0)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (const row of rows) {
    if (heap.length === limit && !worse(heap[0] ?? 0, row)) continue;
    if (skip?.(row)) continue;
    if (heap.length < limit) {
      heap.push(row);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heap[i] ?? 0, heap[p] ?? 0)) break;
        swap(i, p);
        i = p;
      }
    } else {
      heap[0] = row;
      down(0);
    }
  }
  return heap.map((row) => ({ row, score: scores[row] ?? 0 })).sort((a, b) => b.score - a.score || a.row - b.row);
}
