/**
 * The embedded store: a folder holding the chunks (JSONL), a BM25 index (binary) and, when an
 * embedding endpoint was used, unit-length float32 vectors searched exhaustively (tens of
 * thousands of rows take milliseconds; no ANN index to train). No server, no native binary.
 * Writes go to temporary files renamed into place, so a crashed index run leaves the last good
 * store. Chosen over LanceDB 0.31.0, whose full-text index build hung here (see BENCHMARKS.md).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChunkHit, CorpusChunk, CorpusStore, SearchOptions } from "../types.js";
import { Bm25Index } from "./bm25.js";

export const STORE_VERSION = 1;

interface StoreMeta {
  version: number;
  backend: "embedded";
  chunks: number;
  dims: number;
}

/** The text BM25 sees for a chunk: its title and path words count as document words. */
export function searchableText(chunk: CorpusChunk): string {
  return `${chunk.title}\n${chunk.path}\n${chunk.text}`;
}

function writeAtomic(file: string, data: string | Buffer): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function normalize(vector: number[]): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float32Array.from(vector, (x) => x * scale);
}

export class EmbeddedStore implements CorpusStore {
  readonly backend = "embedded";
  private chunks: CorpusChunk[] = [];
  private vectors: Float32Array[] = [];
  private dims = 0;
  private byId = new Map<string, number>();
  private byDoc = new Map<string, number[]>();
  private bm25: Bm25Index = Bm25Index.build([]);
  private dirty = false;

  private constructor(readonly dir: string) {}

  /** An empty store that will write to `dir` (replacing what is there on `finishWrites`). */
  static empty(dir: string): EmbeddedStore {
    return new EmbeddedStore(dir);
  }

  /** Open the store in `dir` (created empty when absent). */
  static open(dir: string): EmbeddedStore {
    const store = new EmbeddedStore(dir);
    const metaFile = join(dir, "meta.json");
    if (!existsSync(metaFile)) return store;
    const meta = JSON.parse(readFileSync(metaFile, "utf8")) as StoreMeta;
    if (meta.version !== STORE_VERSION)
      throw new Error(`the corpus store in ${dir} has format ${meta.version}; re-index it (format ${STORE_VERSION})`);
    const lines = readFileSync(join(dir, "chunks.jsonl"), "utf8").split("\n");
    store.chunks = lines.filter((l) => l !== "").map((l) => JSON.parse(l) as CorpusChunk);
    store.dims = meta.dims;
    if (meta.dims > 0) {
      const raw = readFileSync(join(dir, "vectors.f32"));
      const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      store.vectors = store.chunks.map((_, i) => all.subarray(i * meta.dims, (i + 1) * meta.dims));
    }
    store.bm25 = Bm25Index.deserialize(readFileSync(join(dir, "bm25.bin")));
    store.reindexMaps();
    return store;
  }

  private reindexMaps(): void {
    this.byId = new Map();
    this.byDoc = new Map();
    this.chunks.forEach((chunk, row) => {
      this.byId.set(chunk.id, row);
      const rows = this.byDoc.get(chunk.doc);
      if (rows) rows.push(row);
      else this.byDoc.set(chunk.doc, [row]);
    });
  }

  async count(): Promise<number> {
    return this.chunks.length;
  }

  async hasVectors(): Promise<boolean> {
    return this.dims > 0;
  }

  async upsertDocuments(docs: string[], chunks: CorpusChunk[]): Promise<void> {
    const drop = new Set(docs);
    for (const chunk of chunks) drop.add(chunk.doc);
    const withVector = chunks.filter((c) => c.vector && c.vector.length > 0);
    if (withVector.length > 0) {
      const dims = withVector[0]?.vector?.length ?? 0;
      if (this.dims !== 0 && this.dims !== dims)
        throw new Error(`embedding size changed from ${this.dims} to ${dims}: re-index the corpus from scratch`);
      this.dims = dims;
    }
    const keep = this.chunks.map((c, i) => ({ c, v: this.vectors[i] })).filter(({ c }) => !drop.has(c.doc));
    this.chunks = keep.map(({ c }) => c);
    this.vectors = this.dims > 0 ? keep.map(({ v }) => v ?? new Float32Array(this.dims)) : [];
    for (const chunk of chunks) {
      const { vector, ...plain } = chunk;
      this.chunks.push(plain);
      if (this.dims > 0) this.vectors.push(vector ? normalize(vector) : new Float32Array(this.dims));
    }
    this.dirty = true;
    this.reindexMaps();
  }

  async deleteDocuments(docs: string[]): Promise<void> {
    await this.upsertDocuments(docs, []);
  }

  async finishWrites(): Promise<void> {
    if (!this.dirty && existsSync(join(this.dir, "meta.json"))) return;
    mkdirSync(this.dir, { recursive: true });
    this.bm25 = Bm25Index.build(this.chunks.map(searchableText));
    writeAtomic(join(this.dir, "chunks.jsonl"), this.chunks.map((c) => `${JSON.stringify(c)}\n`).join(""));
    writeAtomic(join(this.dir, "bm25.bin"), this.bm25.serialize());
    if (this.dims > 0) {
      const all = new Float32Array(this.chunks.length * this.dims);
      this.vectors.forEach((v, i) => all.set(v, i * this.dims));
      writeAtomic(join(this.dir, "vectors.f32"), Buffer.from(all.buffer));
    }
    const meta: StoreMeta = {
      version: STORE_VERSION,
      backend: "embedded",
      chunks: this.chunks.length,
      dims: this.dims,
    };
    // meta.json last: its presence marks a complete store.
    writeAtomic(join(this.dir, "meta.json"), `${JSON.stringify(meta)}\n`);
    this.dirty = false;
  }

  private skipper(options: SearchOptions): ((row: number) => boolean) | undefined {
    const excluded = options.excludeIds;
    if (!excluded || excluded.size === 0) return undefined;
    return (row) => excluded.has(this.chunks[row]?.id ?? "");
  }

  async searchText(query: string, options: SearchOptions): Promise<ChunkHit[]> {
    return this.bm25
      .search(query, options.limit, this.skipper(options))
      .flatMap(({ row, score }) => (this.chunks[row] ? [{ chunk: this.chunks[row], score }] : []));
  }

  async searchVector(vector: number[], options: SearchOptions): Promise<ChunkHit[]> {
    if (this.dims === 0 || vector.length !== this.dims) return [];
    const q = normalize(vector);
    const skip = this.skipper(options);
    const hits: Array<{ row: number; score: number }> = [];
    for (let row = 0; row < this.vectors.length; row++) {
      if (skip?.(row)) continue;
      const v = this.vectors[row];
      if (!v) continue;
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += (q[i] ?? 0) * (v[i] ?? 0);
      hits.push({ row, score: dot });
    }
    hits.sort((a, b) => b.score - a.score);
    return hits
      .slice(0, options.limit)
      .flatMap(({ row, score }) => (this.chunks[row] ? [{ chunk: this.chunks[row], score }] : []));
  }

  async documentChunks(doc: string): Promise<CorpusChunk[]> {
    return (this.byDoc.get(doc) ?? [])
      .map((row) => this.chunks[row])
      .filter((c): c is CorpusChunk => c !== undefined)
      .sort((a, b) => a.index - b.index);
  }

  async getChunk(id: string): Promise<CorpusChunk | undefined> {
    const row = this.byId.get(id);
    return row === undefined ? undefined : this.chunks[row];
  }

  async *scan(): AsyncIterable<CorpusChunk[]> {
    const BATCH = 2048;
    for (let i = 0; i < this.chunks.length; i += BATCH) yield this.chunks.slice(i, i + BATCH);
  }

  /** Documents held, for the indexer's incremental pass. */
  documents(): string[] {
    return [...this.byDoc.keys()];
  }

  async close(): Promise<void> {
    // Nothing held open: every write already landed in finishWrites.
  }
}
