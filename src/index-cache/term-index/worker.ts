/**
 * Worker-thread side of the term index: reads the files it is given once (the main thread never
 * reads or tokenizes them, so a server's other requests keep running), keeps the word table, and
 * answers which files may match a requirement. Protocol (`TermIndexRequest` / `TermIndexReply`):
 * `build` once, then any number of `query`, `count` and `check`; a question with a new `epoch` first checks
 * every indexed file's size, mtime, ctime and inode, and a file that changed is a candidate of every
 * later query and counted by ripgrep in every later count (its words are not known any more).
 */
import { closeSync, fstatSync, openSync, statSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import type { Requirement } from "../../tools/grep/regex-requirement.js";
import { readFully } from "../../util/read-fully.js";
import { type CountMember, type WordTable, WordTableBuilder } from "./word-table.js";

export interface TermIndexRequest {
  type: "build" | "query" | "count" | "check";
  id: number;
  /**
   * build: absolute paths of the files to index, in file-number order, in parts of UTF-8 paths
   * joined by NUL (no path holds one; an empty part holds none), their buffers transferred. Why:
   * an array of 100k strings held the main thread's event loop for 26–50 ms in `postMessage`, one
   * string joined from parts 17–35 ms to join, and ten strings still up to 56 ms to copy.
   */
  paths?: Uint8Array[];
  /** build: files larger than this are not read (they stay candidates). */
  maxBytes?: number;
  /** build: files changed after this moment (ms) are not trusted (timestamp granularity). */
  notAfterMs?: number;
  /** query */
  requirement?: Requirement;
  /**
   * query: late binaries are no candidates (a content search: ripgrep's walk quits at their NUL and
   * the collector drops any file whose search met one, so neither path ever shows them).
   */
  omitLateBinaries?: boolean;
  epoch?: number;
  /** query: more files than this may match → `tooMany` instead of a mask; count: more files for ripgrep than this. */
  limit?: number;
  /** count: the whole-word patterns of one shared count pass. */
  members?: CountMember[];
}

/** count: each member's matches per file, for the files whose words settle it. */
export interface MemberCounts {
  files: Uint32Array;
  counts: Uint32Array;
}

/** How a file stands in the index. */
export const FileState = {
  /** Its words are in the table. */
  Indexed: 0,
  /** A NUL byte in its first `BINARY_PROBE_BYTES`: ripgrep's walk shows nothing of it in any mode. */
  Binary: 1,
  /** Not read (too large, unreadable, changed while read or since): it may match anything. */
  Unknown: 2,
  /**
   * A NUL byte past the probe: ripgrep's walk and an explicit path count and list it differently, so
   * a count or file-list search it may match is not narrowed. A content search shows nothing of it
   * either way (the collector drops a file whose search met a NUL): there it is no candidate.
   */
  LateBinary: 3,
} as const;

export interface TermIndexReply {
  id: number;
  error?: string;
  /** build */
  ready?: { words: number; bytes: number; states: Uint8Array; ms: number };
  /** query: per file 1 = may match (indexed and meets the requirement, or unknown), 0 = cannot. */
  mask?: Uint8Array;
  /** query: a file that may match is a late binary (see FileState). */
  lateBinary?: boolean;
  /** query: files found changed by this query's check. */
  changed?: number;
  /** query: more files than the limit may match; count: more files are left to ripgrep. */
  tooMany?: boolean;
  /** count: per member (in request order), the files counted here, ascending. */
  counts?: MemberCounts[];
  /** count: files ripgrep must count (not read, changed, or holding a matching non-ASCII word). */
  rest?: Uint32Array;
  /** check: the files the index holds no stamp of (not read, or changed since), ascending. */
  unstamped?: Uint32Array;
  /** count: size and mtime (ms) of every file counted here, by file number (0 elsewhere). */
  sizes?: Float64Array;
  mtimes?: Float64Array;
}

/** ripgrep decides a file is binary from its first buffer (64 KiB by default); this much is surely inside it. */
export const BINARY_PROBE_BYTES = 8192;

interface FileStamp {
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
}

let table: WordTable | undefined;
let paths: string[] = [];
let states = new Uint8Array(0);
let stamps: Array<FileStamp | undefined> = [];
let lastEpoch: number | undefined;
/** The files of recently asked word constraints (one byte per file each), most recent last. */
const wordMasks = new Map<string, Uint8Array>();
const MAX_KEPT_MASK_BYTES = 32 * 1024 * 1024;

function stampOf(st: { size: bigint; mtimeNs: bigint; ctimeNs: bigint; ino: bigint }): FileStamp {
  return { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino };
}

function sameStamp(a: FileStamp, b: FileStamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
}

/** Reads one file whole (or returns null when it is over `maxBytes`, unreadable or changing). */
function readWhole(path: string, maxBytes: number, notAfterNs: bigint): { bytes: Buffer; stamp: FileStamp } | null {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return null;
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile() || before.size > BigInt(maxBytes)) return null;
    // A later write moves mtime past this moment, so it is seen; a write within the timestamp's
    // granularity of the read might not be, so a file this recent is not trusted. (Its ctime is
    // compared later too: setting mtime back after a write still changes it.)
    if (before.mtimeNs > notAfterNs) return null;
    const size = Number(before.size);
    const bytes = Buffer.allocUnsafe(size);
    const off = readFully(fd, bytes);
    const after = fstatSync(fd, { bigint: true });
    if (off !== size || !sameStamp(stampOf(before), stampOf(after))) return null;
    return { bytes, stamp: stampOf(before) };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function build(request: TermIndexRequest): TermIndexReply {
  const started = performance.now();
  const utf8 = new TextDecoder();
  paths = (request.paths ?? []).flatMap((part) => (part.length === 0 ? [] : utf8.decode(part).split("\0")));
  const maxBytes = request.maxBytes ?? 16 * 1024 * 1024;
  const notAfterNs = BigInt(Math.floor(request.notAfterMs ?? Date.now())) * 1_000_000n;
  states = new Uint8Array(paths.length);
  stamps = new Array(paths.length);
  const builder = new WordTableBuilder();
  const empty = new Uint8Array(0);
  for (let f = 0; f < paths.length; f++) {
    const read = readWhole(paths[f]!, maxBytes, notAfterNs);
    if (!read) {
      states[f] = FileState.Unknown;
      builder.addFile(empty);
      continue;
    }
    stamps[f] = read.stamp;
    // ripgrep transcodes UTF-16 files (by their byte-order mark): their words are not these bytes'.
    const b0 = read.bytes[0];
    const b1 = read.bytes[1];
    if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
      states[f] = FileState.Unknown;
      builder.addFile(empty);
      continue;
    }
    const nul = read.bytes.indexOf(0);
    if (nul !== -1 && nul < BINARY_PROBE_BYTES) {
      states[f] = FileState.Binary;
      builder.addFile(empty);
      continue;
    }
    // A late binary's words are kept: only a search it may match is left unnarrowed.
    if (nul !== -1) states[f] = FileState.LateBinary;
    builder.addFile(read.bytes);
  }
  table = builder.finish();
  lastEpoch = undefined;
  wordMasks.clear();
  return {
    id: request.id,
    ready: { words: table.wordCount, bytes: table.bytes, states: states.slice(), ms: performance.now() - started },
  };
}

/** Files whose stamp changed since they were read become Unknown. */
function checkStamps(): number {
  let changed = 0;
  for (let f = 0; f < paths.length; f++) {
    const kept = stamps[f];
    if (kept === undefined) continue;
    let now: FileStamp | undefined;
    try {
      now = stampOf(statSync(paths[f]!, { bigint: true }));
    } catch {
      now = undefined;
    }
    if (now && sameStamp(kept, now)) continue;
    stamps[f] = undefined;
    states[f] = FileState.Unknown;
    changed++;
  }
  return changed;
}

/** A question with a new epoch (a new exploration) first checks every indexed file's stamp. */
function checkEpoch(epoch: number | undefined): number {
  if (epoch === lastEpoch) return 0;
  lastEpoch = epoch;
  return checkStamps();
}

function evaluate(req: Requirement, t: WordTable): Uint8Array {
  const n = t.fileCount;
  if (req.kind === "anything") return new Uint8Array(n).fill(1);
  if (req.kind === "word") {
    // Keywords (def, class, import…) recur in every exploration: their files are kept.
    const key = `${req.mode}:${req.text}`;
    let files = wordMasks.get(key);
    if (files)
      wordMasks.delete(key); // re-inserted below: Map order is recency order
    else {
      files = new Uint8Array(n);
      t.markFiles(req, files);
    }
    wordMasks.set(key, files);
    while (wordMasks.size * n > MAX_KEPT_MASK_BYTES && wordMasks.size > 1) {
      const oldest = wordMasks.keys().next().value;
      if (oldest === undefined) break;
      wordMasks.delete(oldest);
    }
    return files.slice();
  }
  const parts = req.of.map((r) => evaluate(r, t));
  const out = parts[0] ?? new Uint8Array(n).fill(1);
  for (let k = 1; k < parts.length; k++) {
    const p = parts[k]!;
    if (req.kind === "all") for (let f = 0; f < n; f++) out[f]! &= p[f]!;
    else for (let f = 0; f < n; f++) out[f]! |= p[f]!;
  }
  return out;
}

function query(request: TermIndexRequest): TermIndexReply {
  if (!table || !request.requirement) return { id: request.id, error: "the index is not built" };
  const changed = checkEpoch(request.epoch);
  const mask = evaluate(request.requirement, table);
  let lateBinary = false;
  let count = 0;
  for (let f = 0; f < mask.length; f++) {
    const state = states[f]!;
    if (state === FileState.Binary) mask[f] = 0;
    else if (state === FileState.Unknown) mask[f] = 1;
    else if (state === FileState.LateBinary && mask[f] === 1) {
      if (request.omitLateBinaries) mask[f] = 0;
      else lateBinary = true;
    }
    count += mask[f]!;
  }
  if (request.limit !== undefined && count > request.limit) return { id: request.id, tooMany: true, changed };
  return { id: request.id, mask, lateBinary, changed };
}

/**
 * The counts of a shared count pass's members from the table: exact for files whose words are
 * known and plain; every file not read or changed, and every one holding a matching word with a
 * non-ASCII character, is left to ripgrep (`rest`). A file with a NUL byte anywhere counts for
 * nothing, as in a single count search's walk (never handed to ripgrep as an explicit path, which
 * would count it).
 */
function count(request: TermIndexRequest): TermIndexReply {
  if (!table || !request.members) return { id: request.id, error: "the index is not built" };
  const changed = checkEpoch(request.epoch);
  const n = table.fileCount;
  const uncertain = new Uint8Array(n);
  const perMember = request.members.map((member) => {
    const counts = new Uint32Array(n);
    table!.countMember(member, counts, uncertain);
    return counts;
  });
  const restFiles: number[] = [];
  for (let f = 0; f < n; f++) {
    const state = states[f]!;
    if (state === FileState.Unknown) restFiles.push(f);
    // ripgrep's walk in count mode prints nothing for a file with a NUL byte anywhere (it quits the
    // file, and the count is printed at its end), as for a binary caught by the probe: none counted.
    else if (state === FileState.Binary || state === FileState.LateBinary) continue;
    else if (uncertain[f] === 1) restFiles.push(f);
  }
  if (request.limit !== undefined && restFiles.length > request.limit)
    return { id: request.id, tooMany: true, changed };
  const rest = Uint32Array.from(restFiles);
  const isRest = new Uint8Array(n);
  for (const f of restFiles) isRest[f] = 1;
  const sizes = new Float64Array(n);
  const mtimes = new Float64Array(n);
  const counts = perMember.map((c) => {
    const files: number[] = [];
    for (let f = 0; f < n; f++) {
      if (c[f] === 0 || isRest[f] === 1 || states[f] !== FileState.Indexed) continue;
      files.push(f);
      const stamp = stamps[f]!;
      sizes[f] = Number(stamp.size);
      mtimes[f] = Number(stamp.mtimeNs / 1000n) / 1000;
    }
    const out = Uint32Array.from(files);
    return { files: out, counts: Uint32Array.from(out, (f) => c[f]!) };
  });
  return { id: request.id, counts, rest, sizes, mtimes, changed };
}

/** The stamps checked (once per epoch), and the files whose content the index cannot vouch for. */
function check(request: TermIndexRequest): TermIndexReply {
  if (!table) return { id: request.id, error: "the index is not built" };
  const changed = checkEpoch(request.epoch);
  const unstamped: number[] = [];
  for (let f = 0; f < paths.length; f++) if (stamps[f] === undefined) unstamped.push(f);
  return { id: request.id, unstamped: Uint32Array.from(unstamped), changed };
}

const ANSWER = { build, query, count, check } as const;

parentPort?.on("message", (request: TermIndexRequest) => {
  let reply: TermIndexReply;
  try {
    reply = ANSWER[request.type](request);
  } catch (error) {
    reply = { id: request.id, error: String(error) };
  }
  const transfer: ArrayBuffer[] = [];
  if (reply.mask) transfer.push(reply.mask.buffer as ArrayBuffer);
  for (const c of reply.counts ?? []) transfer.push(c.files.buffer as ArrayBuffer, c.counts.buffer as ArrayBuffer);
  for (const a of [reply.rest, reply.sizes, reply.mtimes, reply.unstamped])
    if (a) transfer.push(a.buffer as ArrayBuffer);
  parentPort?.postMessage(reply, transfer);
});

parentPort?.postMessage({ id: 0, ready: undefined, started: true });
