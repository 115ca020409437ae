/**
 * Contracts of the corpus layer (Context-1 style agentic search over documents): what indexing
 * produces, what a store answers, and what a corpus run returns. Pure types; no I/O here.
 */
import type { ExploreResult } from "../core/types.js";

/** One chunk of an indexed document (about 512 cl100k tokens). */
export interface CorpusChunk {
  /** `<doc>_<i>`: the document id, an underscore, the 0-based chunk index. */
  id: string;
  /** The document id: the path relative to the corpus root, `#n` appended for the n-th JSON record. */
  doc: string;
  /** Chunk index within its document. */
  index: number;
  /** Document title (first heading, HTML <title>, record title field, or the file name). */
  title: string;
  /** Path of the source file relative to the corpus root (forward slashes). */
  path: string;
  /** 1-based inclusive line span of the chunk in the extracted text of its document. */
  startLine: number;
  endLine: number;
  /** Exact cl100k token count of `text`. */
  tokens: number;
  text: string;
  /** Dense vector, present only when an embedding endpoint was configured at index time. */
  vector?: number[];
}

/** A chunk returned by a search, with its fused score (higher is better). */
export interface ChunkHit {
  chunk: CorpusChunk;
  score: number;
}

/** What a search may filter. `excludeIds` is the harness's hidden de-duplication filter. */
export interface SearchOptions {
  limit: number;
  excludeIds?: ReadonlySet<string>;
}

/**
 * An embedded or remote chunk store. LanceDB is the default backend; a Chroma server backend can
 * implement the same interface. Every method is safe to call concurrently with reads.
 */
export interface CorpusStore {
  readonly backend: string;
  /** Number of chunks held. */
  count(): Promise<number>;
  /** Replace every chunk of the given documents (delete then insert); documents not named are kept. */
  upsertDocuments(docs: string[], chunks: CorpusChunk[]): Promise<void>;
  /** Remove documents and their chunks. */
  deleteDocuments(docs: string[]): Promise<void>;
  /** Rebuild the text index after writes (cheap when nothing changed). */
  finishWrites(): Promise<void>;
  /** BM25 full-text search. */
  searchText(query: string, options: SearchOptions): Promise<ChunkHit[]>;
  /** Nearest neighbours of a query vector; [] when the store holds no vectors. */
  searchVector(vector: number[], options: SearchOptions): Promise<ChunkHit[]>;
  /** One chunk by id (undefined when unknown). */
  getChunk(id: string): Promise<CorpusChunk | undefined>;
  /** Every chunk of one document in index order ([] for an unknown id). */
  documentChunks(doc: string): Promise<CorpusChunk[]>;
  /** Scan every chunk (for regex search), in batches. */
  scan(): AsyncIterable<CorpusChunk[]>;
  /** True when chunks carry vectors. */
  hasVectors(): Promise<boolean>;
  close(): Promise<void>;
}

/** One entry of a corpus answer, in rank order. */
export interface RankedDocument {
  /** Document id as indexed (see `CorpusChunk.doc`). */
  id: string;
  path: string;
  title: string;
  /** 1–3 sentences on why the document answers the query. */
  justification: string;
  /** Chunk ids of this document the run showed (the evidence behind the entry). */
  chunks: string[];
}

/** Ids the run showed, pruned, and dropped from the answer. */
export interface CorpusTrace {
  /** Every chunk id shown to the searcher, pruned ones included (for trajectory recall). */
  seenChunks: string[];
  /** Documents of those chunks, in order of first appearance. */
  seenDocs: string[];
  prunedChunks: string[];
  /** Answer entries removed by validation, with the reason. */
  droppedDocs: Array<{ id: string; reason: string }>;
}

/**
 * The result of `corpus ask`. It extends the explorer's result, so every surface that renders an
 * `ExploreResult` (events, `--json`, `--traj`, replay, the TUI) shows a corpus run too: each
 * answer document is also a citation of its source file's shown line span.
 */
export interface CorpusResult extends ExploreResult {
  corpus: { name: string; root: string; backend: string };
  documents: RankedDocument[];
  trace: CorpusTrace;
  /** Rollouts fused into this answer (1 for a single run). */
  rollouts: number;
}
