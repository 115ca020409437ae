/**
 * The fallback engine's inner loop: search a list of files with a JavaScript RegExp, with
 * ripgrep's semantics (a match is confined to one line unless multiline; files with NUL bytes are
 * binary and skipped; files over the size limit are skipped). Runs inside worker threads so a
 * runaway regex can be terminated; kept free of worker plumbing so it can also run in-process.
 */
import { closeSync } from "node:fs";
import { lineAt, lineStarts } from "../../util/lines.js";
import { readFully } from "../../util/read-fully.js";
import { type GuardPolicy, openGuardedSync } from "../../workspace/file-guard.js";
import type { SecretPolicy } from "../../workspace/secrets.js";
import { addContext, type FileMatches, finalizeFile, type GrepLine } from "./collect.js";

export interface ScanJob {
  files: Array<{ rel: string; abs: string }>;
  source: string;
  flags: string;
  /** A plain literal the file must contain (byte prefilter), or null. */
  literal: string | null;
  multiline: boolean;
  before: number;
  after: number;
  /** Stop after the first match per file (files_with_matches). */
  firstOnly: boolean;
  /** Skip files larger than this (0 = no limit). */
  maxBytes: number;
  /** What the file guard needs to judge each file when it is opened (see file-guard.ts). */
  guard: { root: string; secrets: SecretPolicy; secretInodes: string[] };
}

export interface ScanResult {
  files: FileMatches[];
  binary: number;
  tooLarge: number;
  unreadable: number;
  /** Refused when opened: a secret by its real path or a hard link. */
  secret: number;
  /** Refused when opened: the real path left the root or entered `.git`. */
  outsideRoot: number;
  lines: number;
}

type WholeFile = { buf: Buffer } | "binary" | "too_large" | "unreadable" | "secret" | "outside";

/** Open once, judge what was opened, then read it whole from that descriptor. */
function readWhole(guard: GuardPolicy, rel: string, abs: string, maxBytes: number): WholeFile {
  const opened = openGuardedSync(guard, rel, abs);
  if (!opened.ok) {
    if (opened.reason === "secret") return "secret";
    if (opened.reason === "outside" || opened.reason === "git") return "outside";
    return "unreadable";
  }
  const fd = opened.file;
  try {
    const size = opened.size;
    if (maxBytes > 0 && size > maxBytes) return "too_large";
    const buf = Buffer.allocUnsafe(size);
    const data = buf.subarray(0, readFully(fd, buf));
    return data.indexOf(0) === -1 ? { buf: data } : "binary";
  } catch {
    return "unreadable";
  } finally {
    closeSync(fd);
  }
}

/** Line starts without the phantom line after a final newline (ripgrep reports no such line). */
function fileLineStarts(text: string): number[] {
  const starts = lineStarts(text);
  if (starts.length > 1 && starts[starts.length - 1] === text.length) starts.pop();
  return starts;
}

function lineText(text: string, starts: number[], n: number): string | undefined {
  if (n < 1 || n > starts.length) return undefined;
  const end = n < starts.length ? starts[n]! - 1 : text.length;
  let line = text.slice(starts[n - 1]!, end);
  if (line.endsWith("\n")) line = line.slice(0, -1);
  if (line.endsWith("\r")) line = line.slice(0, -1);
  return line;
}

/** Search one file's text; returns null when nothing matched. */
export function scanText(
  rel: string,
  text: string,
  re: RegExp,
  job: Pick<ScanJob, "multiline" | "before" | "after" | "firstOnly">,
): FileMatches | null {
  const raw = new Map<number, GrepLine>();
  let matches = 0;
  let starts: number[] | null = null;
  const getStarts = () => (starts ??= fileLineStarts(text));
  if (job.multiline) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      // An empty match after the final newline is on no line.
      if (m.index === text.length && (text.length === 0 || text.endsWith("\n"))) break;
      const ls = getStarts();
      const first = lineAt(ls, m.index);
      const last = lineAt(ls, Math.max(m.index, m.index + m[0].length - 1));
      matches++;
      for (let n = first; n <= last; n++) {
        if (raw.get(n)?.match) continue;
        const line: GrepLine = { line: n, text: lineText(text, ls, n) ?? "", match: true };
        if (n === first) line.focus = { start: m.index - ls[first - 1]!, end: m.index - ls[first - 1]! + m[0].length };
        raw.set(n, line);
      }
      if (m[0].length === 0) re.lastIndex++;
      if (job.firstOnly) break;
    }
  } else {
    // Whole-text search finds candidates fast; each candidate line is then matched on its own so
    // a match can never span lines (ripgrep's line-oriented semantics).
    const lineRe = new RegExp(re.source, re.flags);
    let pos = 0;
    while (pos <= text.length) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m) break;
      if (m.index === text.length && (text.length === 0 || text.endsWith("\n"))) break;
      const start = m.index === 0 ? 0 : text.lastIndexOf("\n", m.index - 1) + 1;
      let end = text.indexOf("\n", m.index);
      if (end === -1) end = text.length;
      // Matched with its `\r` (ripgrep does not treat CRLF specially: `foo$` misses "foo\r"),
      // shown without it.
      const line = text.slice(start, end);
      lineRe.lastIndex = 0;
      let count = 0;
      let focus: { start: number; end: number } | undefined;
      for (let lm = lineRe.exec(line); lm !== null; lm = lineRe.exec(line)) {
        if (count === 0) focus = { start: lm.index, end: lm.index + lm[0].length };
        count++;
        if (lm[0].length === 0) lineRe.lastIndex++;
        if (lineRe.lastIndex > line.length) break;
      }
      if (count > 0) {
        const n = lineAt(getStarts(), start);
        matches += count;
        const shown = line.endsWith("\r") ? line.slice(0, -1) : line;
        raw.set(n, { line: n, text: shown, match: true, ...(focus ? { focus } : {}) });
        if (job.firstOnly) break;
      }
      if (end >= text.length) break;
      pos = end + 1;
    }
  }
  if (raw.size === 0) return null;
  const ls = getStarts();
  addContext(raw, (n) => lineText(text, ls, n), job.before, job.after);
  return finalizeFile(rel, raw, matches);
}

export function scanFiles(job: ScanJob): ScanResult {
  const re = new RegExp(job.source, job.flags);
  const literal = job.literal ? Buffer.from(job.literal, "utf8") : null;
  const out: ScanResult = { files: [], binary: 0, tooLarge: 0, unreadable: 0, secret: 0, outsideRoot: 0, lines: 0 };
  const guard: GuardPolicy = { ...job.guard, secretInodes: new Set(job.guard.secretInodes) };
  for (const file of job.files) {
    const got = readWhole(guard, file.rel, file.abs, job.maxBytes);
    if (got === "secret") {
      out.secret++;
      continue;
    }
    if (got === "outside") {
      out.outsideRoot++;
      continue;
    }
    if (got === "binary") {
      out.binary++;
      continue;
    }
    if (got === "too_large") {
      out.tooLarge++;
      continue;
    }
    if (got === "unreadable") {
      out.unreadable++;
      continue;
    }
    if (literal && got.buf.indexOf(literal) === -1) continue;
    let text = got.buf.toString("utf8");
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const hit = scanText(file.rel, text, re, job);
    if (hit) {
      out.files.push(hit);
      out.lines += hit.lines.length;
    }
  }
  return out;
}
