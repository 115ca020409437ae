/**
 * Streaming line access for Read: a window of lines from a file of any size (a 2 GB log is never
 * loaded whole), line counting, and binary detection. Lines are split on `\n` like ripgrep, so
 * Read and Grep agree on line numbers; a trailing `\r` is dropped for display.
 */
import { type FileHandle, open } from "node:fs/promises";

/**
 * A file to read: a path (opened and closed here), or a handle the caller opened and judged with
 * the file guard (read from, never closed here), so that what is shown is what was checked.
 */
export type FileSource = string | FileHandle;

async function withHandle<T>(source: FileSource, fn: (handle: FileHandle) => Promise<T>): Promise<T> {
  if (typeof source !== "string") return fn(source);
  const handle = await open(source, "r");
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}

const CHUNK = 1024 * 1024;
/** Bytes of a single line kept in memory; Read shows at most 500 characters of it anyway. */
const MAX_LINE_BYTES = 8 * 1024;

export interface LineWindow {
  /** 1-based number of the first line returned. */
  start: number;
  lines: string[];
  /** Whether each returned line ended with a newline in the file. */
  newline: boolean[];
  /** Lines whose bytes were cut while reading (extremely long lines). */
  cut: boolean[];
  /** Total lines of the file, when counted (null when the file was too large to count). */
  totalLines: number | null;
  /** True when lines exist after the window. */
  more: boolean;
  /** A NUL byte appears in the bytes of the returned lines (binary content, wherever it starts). */
  nul: boolean;
}

/** True when the first 8 KiB contain a NUL byte (the rule ripgrep and git use). */
export async function isBinaryFile(source: FileSource): Promise<boolean> {
  return withHandle(source, async (handle) => {
    const buf = Buffer.allocUnsafe(8192);
    const { bytesRead } = await handle.read(buf, 0, 8192, 0);
    return buf.subarray(0, bytesRead).indexOf(0) !== -1;
  });
}

async function forEachChunk(
  handle: FileHandle,
  signal: AbortSignal | undefined,
  fn: (chunk: Buffer) => boolean,
  from = 0,
): Promise<void> {
  const buf = Buffer.allocUnsafe(CHUNK);
  let position = from;
  for (;;) {
    signal?.throwIfAborted();
    const { bytesRead } = await handle.read(buf, 0, CHUNK, position);
    if (bytesRead === 0) return;
    position += bytesRead;
    if (!fn(buf.subarray(0, bytesRead))) return;
  }
}

/** Number of lines (`\n`-terminated, plus a final unterminated one). */
export async function countLines(source: FileSource, signal?: AbortSignal): Promise<number> {
  return (await countLinesWithTail(source, 0, signal)).total;
}

/**
 * Count the lines and remember where the last `keep` lines start, so that a window at the end of
 * a huge file is read from there instead of scanning the file a second time.
 */
export async function countLinesWithTail(
  source: FileSource,
  keep: number,
  signal?: AbortSignal,
): Promise<{ total: number; tail: { line: number; byte: number } | null }> {
  return withHandle(source, async (handle) => {
    let count = 0;
    let last = 10;
    let base = 0;
    // Ring of the byte offsets where the most recent lines start (line 1 starts at 0); one more
    // than `keep`, because a final newline also records a start (of no line).
    const size = keep + 1;
    const ring = keep > 0 ? new Array<number>(size) : [];
    let starts = 0;
    const pushStart = (byte: number) => {
      if (keep > 0) ring[starts % size] = byte;
      starts++;
    };
    pushStart(0);
    await forEachChunk(handle, signal, (chunk) => {
      let i = chunk.indexOf(10);
      while (i !== -1) {
        count++;
        pushStart(base + i + 1);
        i = chunk.indexOf(10, i + 1);
      }
      last = chunk[chunk.length - 1]!;
      base += chunk.length;
      return true;
    });
    const total = last === 10 ? count : count + 1;
    // `starts` counts line starts, including one past a final newline (no line there).
    if (keep <= 0 || total === 0) return { total, tail: null };
    const first = Math.max(1, total - keep + 1);
    const index = first - 1;
    if (index < starts - size) return { total, tail: null };
    return { total, tail: { line: first, byte: ring[index % size]! } };
  });
}

function decodeLine(parts: Buffer[], lineNo: number): string {
  let buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  if (buf.length > 0 && buf[buf.length - 1] === 13) buf = buf.subarray(0, buf.length - 1);
  if (lineNo === 1 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
  // Invalid UTF-8 becomes U+FFFD instead of failing the read.
  return buf.toString("utf8");
}

/**
 * Lines `start .. start+maxLines-1` of a file. When `countTotalUpTo` bytes allow, keeps scanning to
 * count the file's total lines (for "N more lines" notices); otherwise `totalLines` is null.
 */
export async function readLineWindow(
  source: FileSource,
  start: number,
  maxLines: number,
  options: { signal?: AbortSignal; fileSize: number; countTotalUpTo?: number; from?: { line: number; byte: number } },
): Promise<LineWindow> {
  const countTotal = options.fileSize <= (options.countTotalUpTo ?? 64 * 1024 * 1024);
  const last = start + maxLines - 1;
  const lines: string[] = [];
  const newline: boolean[] = [];
  const cut: boolean[] = [];
  const from = options.from && options.from.line <= start ? options.from : { line: 1, byte: 0 };
  let lineNo = from.line;
  let parts: Buffer[] = [];
  let partBytes = 0;
  let lineCut = false;
  let more = false;
  let stopped = false;
  let lastByte = -1;
  let nul = false;
  await withHandle(source, async (handle) => {
    await forEachChunk(
      handle,
      options.signal,
      (chunk) => {
        lastByte = chunk[chunk.length - 1]!;
        let pos = 0;
        while (pos < chunk.length) {
          const nl = chunk.indexOf(10, pos);
          const end = nl === -1 ? chunk.length : nl;
          if (lineNo >= start && lineNo <= last) {
            const room = MAX_LINE_BYTES - partBytes;
            if (room > 0) {
              // Copy: the chunk buffer is reused by the next read.
              const piece = Buffer.from(chunk.subarray(pos, Math.min(end, pos + room)));
              if (!nul && piece.indexOf(0) !== -1) nul = true;
              parts.push(piece);
              partBytes += piece.length;
            }
            if (end - pos > room) lineCut = true;
          }
          if (nl === -1) return true;
          if (lineNo >= start && lineNo <= last) {
            lines.push(decodeLine(parts, lineNo));
            newline.push(true);
            cut.push(lineCut);
          }
          parts = [];
          partBytes = 0;
          lineCut = false;
          lineNo++;
          pos = nl + 1;
          if (lineNo > last) {
            if (pos < chunk.length) more = true;
            if (!countTotal) {
              stopped = true;
              return false;
            }
          }
        }
        return true;
      },
      from.byte,
    );
    if (!stopped && (parts.length > 0 || lineCut) && lineNo >= start && lineNo <= last) {
      lines.push(decodeLine(parts, lineNo));
      newline.push(false);
      cut.push(lineCut);
    }
  });
  let totalLines: number | null = null;
  if (countTotal) {
    // lineNo is one past the last newline-terminated line; an unterminated final line counts too.
    totalLines = lastByte === -1 || lastByte === 10 ? lineNo - 1 : lineNo;
    more = totalLines > start + lines.length - 1;
  } else if (stopped) {
    more = true;
  }
  return { start, lines, newline, cut, totalLines, more, nul };
}
