/**
 * `corpus index DIR`: walk the directory (ignore rules, no `.git`, symlinks only inside the root,
 * secret files never read), extract and chunk every supported file, embed the chunks when an
 * embedding endpoint is configured, and write the store under the XDG data directory. A second
 * run re-extracts only files whose size or mtime changed and drops the documents of deleted
 * files. Progress goes to `onProgress` (the CLI draws it on stderr).
 */
import { mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildFileIndex } from "../workspace/file-index.js";
import { DEFAULT_SECRET_POLICY } from "../workspace/secrets.js";
import { chunkText } from "./chunker.js";
import type { EmbeddingClient } from "./endpoints.js";
import { documentKind, extractFile } from "./extract/index.js";
import type { CorpusInfo } from "./paths.js";
import { EmbeddedStore } from "./store/embedded-store.js";
import type { CorpusChunk } from "./types.js";

export interface IndexProgress {
  phase: "scan" | "extract" | "embed" | "write";
  done: number;
  total: number;
  file?: string;
}

export interface IndexOptions {
  dir: string;
  name: string;
  storeDir: string;
  embeddings?: EmbeddingClient;
  /** Ignore the previous index and rebuild everything. */
  full?: boolean;
  onProgress?: (progress: IndexProgress) => void;
}

export interface IndexReport {
  name: string;
  root: string;
  storeDir: string;
  files: { seen: number; indexed: number; unchanged: number; removed: number; skipped: number };
  documents: number;
  chunks: number;
  tokens: number;
  problems: Array<{ path: string; problem: string }>;
  ms: number;
}

interface FileState {
  size: number;
  mtimeMs: number;
  docs: string[];
}

function readManifest(file: string): Record<string, FileState> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, FileState>;
  } catch {
    return {};
  }
}

export async function indexCorpus(options: IndexOptions): Promise<IndexReport> {
  const started = performance.now();
  const root = realpathSync(options.dir);
  if (root === options.storeDir || options.storeDir.startsWith(`${root}/`))
    throw new Error(`the corpus store ${options.storeDir} would lie inside the indexed directory ${root}`);
  mkdirSync(options.storeDir, { recursive: true });
  const manifestFile = join(options.storeDir, "files.json");
  const previous = options.full ? {} : readManifest(manifestFile);
  const target = options.full ? EmbeddedStore.empty(options.storeDir) : EmbeddedStore.open(options.storeDir);
  const progress = options.onProgress ?? (() => undefined);

  progress({ phase: "scan", done: 0, total: 0 });
  const listing = buildFileIndex({ root, secrets: DEFAULT_SECRET_POLICY });
  const candidates = listing.files.filter((f) => !f.secret && documentKind(f.rel) !== null);
  const manifest: Record<string, FileState> = {};
  const changed: typeof candidates = [];
  let unchanged = 0;
  for (const file of candidates) {
    let stat: { size: number; mtimeMs: number };
    try {
      stat = statSync(file.abs);
    } catch {
      continue;
    }
    const before = previous[file.rel];
    if (before && before.size === stat.size && before.mtimeMs === stat.mtimeMs) {
      manifest[file.rel] = before;
      unchanged++;
    } else {
      manifest[file.rel] = { size: stat.size, mtimeMs: stat.mtimeMs, docs: [] };
      changed.push(file);
    }
  }
  const removedFiles = Object.keys(previous).filter((rel) => manifest[rel] === undefined);
  const staleDocs = [
    ...removedFiles.flatMap((rel) => previous[rel]?.docs ?? []),
    ...changed.flatMap((f) => previous[f.rel]?.docs ?? []),
  ];

  const problems: IndexReport["problems"] = [];
  const fresh: CorpusChunk[] = [];
  let done = 0;
  for (const file of changed) {
    progress({ phase: "extract", done, total: changed.length, file: file.rel });
    const { documents, error } = await extractFile(file.abs, file.rel);
    if (error) problems.push({ path: file.rel, problem: error });
    const state = manifest[file.rel];
    for (const document of documents) {
      const pieces = chunkText(document.text);
      if (pieces.length === 0) continue;
      state?.docs.push(document.doc);
      pieces.forEach((piece, index) => {
        fresh.push({
          id: `${document.doc}_${index}`,
          doc: document.doc,
          index,
          title: document.title,
          path: document.path,
          startLine: piece.startLine,
          endLine: piece.endLine,
          tokens: piece.tokens,
          text: piece.text,
        });
      });
    }
    done++;
  }
  progress({ phase: "extract", done, total: changed.length });

  if (options.embeddings && fresh.length > 0) {
    const BATCH = 256;
    for (let i = 0; i < fresh.length; i += BATCH) {
      progress({ phase: "embed", done: i, total: fresh.length });
      const batch = fresh.slice(i, i + BATCH);
      const vectors = await options.embeddings.embed(batch.map((c) => `${c.title}\n${c.text}`));
      batch.forEach((chunk, k) => {
        const v = vectors[k];
        if (v) chunk.vector = v;
      });
    }
    progress({ phase: "embed", done: fresh.length, total: fresh.length });
  }

  progress({ phase: "write", done: 0, total: 1 });
  await target.upsertDocuments(staleDocs, fresh);
  await target.finishWrites();
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const chunks = await target.count();
  const documents = new Set(Object.values(manifest).flatMap((s) => s.docs)).size;
  const info: CorpusInfo = {
    name: options.name,
    root,
    indexedAt: new Date().toISOString(),
    documents,
    chunks,
    ...(options.embeddings ? { embeddingModel: options.embeddings.config.model } : {}),
  };
  writeFileSync(join(options.storeDir, "corpus.json"), `${JSON.stringify(info, null, 2)}\n`);
  progress({ phase: "write", done: 1, total: 1 });
  return {
    name: options.name,
    root,
    storeDir: options.storeDir,
    files: {
      seen: candidates.length,
      indexed: changed.length,
      unchanged,
      removed: removedFiles.length,
      skipped: listing.files.length - candidates.length,
    },
    documents,
    chunks,
    tokens: fresh.reduce((sum, c) => sum + c.tokens, 0),
    problems,
    ms: performance.now() - started,
  };
}
