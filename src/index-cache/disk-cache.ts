/**
 * The CLI's warm file indexes, on disk under the user's cache directory, so repeated runs on one
 * repository skip the listing while its stamp holds. One file per repository and listing key,
 * named by a hash of both; never inside the explored repository. The file is a header line
 * (format, version, root, key, SHA-256 and length of the payload) and the payload line: a truncated,
 * edited or foreign file fails the checks and is rebuilt, never trusted. Written atomically
 * (temporary file in the same directory, then rename), mode 600.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, realpathSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { createLogger } from "../util/log.js";
import type { FileIndex, IndexedFile, WalkOptions } from "../workspace/file-index.js";
import { isWithin } from "../workspace/paths.js";
import type { IndexSource } from "../workspace/workspace.js";
import { userCacheDir } from "./cache-dir.js";
import { listingKey } from "./memory-cache.js";
import { type IndexStamp, stampIndex, stampIsCurrent } from "./stamp.js";

const log = createLogger("index-cache.disk");

export const INDEX_FORMAT = "fastcontext-index";
/** Bumped whenever the payload's shape or the listing's semantics change. */
export const INDEX_FORMAT_VERSION = 1;

interface Header {
  format: string;
  version: number;
  root: string;
  key: string;
  sha256: string;
  bytes: number;
}

interface Payload {
  stamp: IndexStamp;
  /** [rel, flags]: 1 = through a followed link, 2 = secret. */
  files: Array<[string, number]>;
  dirs: string[];
  followedSymlinks: string[];
  loopSymlinks: number;
  ignoredEntries: FileIndex["ignoredEntries"];
  skipped: FileIndex["skipped"];
  truncated: boolean;
}

export type DiskLookup = "hit" | "miss" | "stale" | "corrupt";

export interface DiskIndexCacheOptions {
  /** Directory for the cache files (default: `userCacheDir()/index`). */
  dir?: string;
}

export class DiskIndexCache {
  readonly dir: string;
  /** What the last lookups found (diagnostics and tests). */
  readonly events: DiskLookup[] = [];

  constructor(options: DiskIndexCacheOptions = {}) {
    this.dir = options.dir ?? join(userCacheDir(), "index");
  }

  /** The cache file for a listing. */
  fileFor(options: WalkOptions): string {
    const hash = createHash("sha256").update(listingKey(options)).digest("hex").slice(0, 32);
    return join(this.dir, `v${INDEX_FORMAT_VERSION}-${hash}.json`);
  }

  /** The index source for workspaces (see `setDefaultIndexSource`). */
  readonly source: IndexSource = Object.assign(
    (options: WalkOptions, list: (options: WalkOptions) => Promise<FileIndex>) => this.lookup(options, list),
    { holds: (options: WalkOptions) => !this.insideRoot(options.root) && existsSync(this.fileFor(options)) },
  );

  private lookup = async (options: WalkOptions, list: (options: WalkOptions) => Promise<FileIndex>) => {
    if (this.insideRoot(options.root)) return list(options);
    const file = this.fileFor(options);
    const key = listingKey(options);
    const cached = await this.read(file, options.root, key);
    if (cached && (await stampIsCurrent(options.root, cached.stamp))) {
      this.events.push("hit");
      return cached.index;
    }
    this.events.push(cached ? "stale" : this.lastReadFailed ? "corrupt" : "miss");
    const listedAt = Date.now();
    const index = await list(options);
    const stamp = await stampIndex(options.root, index, listedAt, options.startRel ?? "");
    await this.write(file, options.root, key, index, stamp).catch((error: unknown) =>
      log.debug("index cache not written", { error: String(error) }),
    );
    return index;
  };

  private lastReadFailed = false;

  /** True when the cache directory is (or would be) inside the repository: it is then never used. */
  private insideRoot(root: string): boolean {
    // Resolve through the deepest existing ancestor without creating anything.
    let existing = resolve(this.dir);
    const rest: string[] = [];
    while (!existsSync(existing)) {
      const parent = dirname(existing);
      if (parent === existing) break;
      rest.unshift(basename(existing));
      existing = parent;
    }
    let real: string;
    try {
      real = join(realpathSync(existing), ...rest);
    } catch {
      return true; // no usable cache directory: list without it
    }
    return isWithin(root, real);
  }

  private async read(file: string, root: string, key: string): Promise<{ index: FileIndex; stamp: IndexStamp } | null> {
    this.lastReadFailed = false;
    let raw: Buffer;
    try {
      raw = await readFile(file);
    } catch {
      return null; // no cache yet
    }
    const parsed = parseCacheFile(raw, root, key);
    if (!parsed) {
      this.lastReadFailed = true;
      log.debug("index cache file rejected; listing again", { file });
    }
    return parsed;
  }

  private async write(file: string, root: string, key: string, index: FileIndex, stamp: IndexStamp): Promise<void> {
    const payload: Payload = {
      stamp,
      files: index.files.map((f) => [f.rel, (f.viaSymlink ? 1 : 0) | (f.secret ? 2 : 0)]),
      dirs: [...index.dirs],
      followedSymlinks: index.followedSymlinks,
      loopSymlinks: index.loopSymlinks,
      ignoredEntries: index.ignoredEntries,
      skipped: index.skipped,
      truncated: index.truncated,
    };
    const body = Buffer.from(JSON.stringify(payload), "utf8");
    const header: Header = {
      format: INDEX_FORMAT,
      version: INDEX_FORMAT_VERSION,
      root,
      key,
      sha256: createHash("sha256").update(body).digest("hex"),
      bytes: body.length,
    };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, "utf8"), body]), { mode: 0o600 });
      await rename(tmp, file);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}

/** The index in a cache file, or null when anything about it is not exactly what was written. */
export function parseCacheFile(raw: Buffer, root: string, key: string): { index: FileIndex; stamp: IndexStamp } | null {
  const nl = raw.indexOf(10);
  if (nl <= 0) return null;
  let header: Header;
  try {
    header = JSON.parse(raw.toString("utf8", 0, nl)) as Header;
  } catch {
    return null;
  }
  if (
    header?.format !== INDEX_FORMAT ||
    header.version !== INDEX_FORMAT_VERSION ||
    header.root !== root ||
    header.key !== key
  )
    return null;
  const body = raw.subarray(nl + 1);
  if (body.length !== header.bytes || createHash("sha256").update(body).digest("hex") !== header.sha256) return null;
  let payload: Payload;
  try {
    payload = JSON.parse(body.toString("utf8")) as Payload;
  } catch {
    return null;
  }
  if (!Array.isArray(payload?.files) || !Array.isArray(payload.dirs) || !Array.isArray(payload.stamp?.dirs))
    return null;
  const files: IndexedFile[] = [];
  const byRel = new Map<string, IndexedFile>();
  for (const entry of payload.files) {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") return null;
    const [rel, flags] = entry;
    const file: IndexedFile = { rel, abs: `${root}/${rel}`, viaSymlink: (flags & 1) !== 0, secret: (flags & 2) !== 0 };
    files.push(file);
    byRel.set(rel, file);
  }
  const index: FileIndex = {
    files,
    byRel,
    dirs: new Set(payload.dirs),
    followedSymlinks: payload.followedSymlinks,
    loopSymlinks: payload.loopSymlinks,
    ignoredEntries: payload.ignoredEntries,
    skipped: payload.skipped,
    truncated: payload.truncated,
    buildMs: 0,
  };
  return { index, stamp: payload.stamp };
}
