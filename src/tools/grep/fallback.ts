/**
 * The pure-TypeScript search engine used when no ripgrep binary runs. It searches the workspace's
 * shared file index with ripgrep's rules (globs relative to the workspace root, `--type` globs,
 * binary and size skips) in worker threads, so a catastrophic regex is terminated at the time
 * limit instead of hanging the exploration; nothing is ever scanned on the main thread (see
 * scan-pool.ts). Each file is judged by the file guard when a worker opens it. Output is identical
 * to the ripgrep engine's.
 */
import { availableParallelism } from "node:os";
import { createLogger } from "../../util/log.js";
import { PathJudge } from "../../workspace/file-guard.js";
import type { FileIndex, IndexedFile, Workspace } from "../../workspace/workspace.js";
import { type Collected, type FileMatches, type GrepQuery, MAX_COLLECTED_LINES } from "./collect.js";
import type { ScanJob, ScanResult } from "./fallback-scan.js";
import { compileFileFilter, type FileFilter, selectsFile } from "./file-filter.js";
import { translateRegex } from "./regex-translate.js";
import type { RipgrepOutcome } from "./ripgrep.js";
import { ScanPool } from "./scan-pool.js";

const log = createLogger("tools.grep.fallback");
const BATCH = 256;
/**
 * The fallback engine reads a file whole; a file named explicitly may be bigger than the search
 * limit for directories, but not unbounded (a 2 GB log would not fit in a JavaScript string).
 */
export const FALLBACK_MAX_EXPLICIT_BYTES = 256 * 1024 * 1024;

let pool: ScanPool | null = null;

function getPool(): ScanPool | string {
  if (!pool) {
    try {
      pool = new ScanPool(Math.max(1, Math.min(2, availableParallelism())));
    } catch (error) {
      // No scan runs on the main thread: a regex there could not be stopped at the time limit.
      log.warn("worker threads unavailable; the fallback search cannot run", { error: String(error) });
      return `worker threads are unavailable (${String(error)})`;
    }
  }
  return pool.unavailable ?? pool;
}

/** Stop the worker pool (tests; a timed-out search replaces only its own workers). */
export async function shutdownFallbackPool(): Promise<void> {
  const p = pool;
  pool = null;
  if (p) await p.terminate();
}

/**
 * The files a search of `targetRel` covers: the shared index's files the filter selects, plus,
 * for a positive glob, the ignored files and directories it names (ripgrep's glob overrides
 * ignore rules). Secret files are counted, not searched.
 */
function searchTargets(
  ws: Workspace,
  targetRel: string,
  filter: FileFilter,
): { targets: Array<{ rel: string; abs: string }>; secret: number } {
  const targets: Array<{ rel: string; abs: string }> = [];
  let secret = 0;
  const add = (f: IndexedFile) => {
    if (f.secret) secret++;
    else targets.push({ rel: f.rel, abs: f.abs });
  };
  const { files, index } = ws.filesUnder(targetRel);
  for (const f of files) if (selectsFile(filter, f.rel, targetRel)) add(f);
  const whitelist = filter.whitelist;
  if (whitelist) {
    const seen = new Set<string>();
    const overridden = (idx: FileIndex, under: string) => {
      const prefix = under === "" ? "" : `${under}/`;
      for (const e of idx.ignoredEntries) {
        if (e.link || !e.rel.startsWith(prefix) || seen.has(e.rel) || !whitelist(e.rel)) continue;
        seen.add(e.rel);
        if (!e.dir) {
          add({ rel: e.rel, abs: ws.display(e.rel), viaSymlink: false, secret: ws.isSecret(e.rel) });
          continue;
        }
        const sub = ws.filesUnder(e.rel);
        for (const f of sub.files) if (whitelist(f.rel)) add(f);
        overridden(sub.index, e.rel);
      }
    };
    overridden(index, targetRel);
  }
  targets.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { targets, secret };
}

/** The workspace's secret inodes, for the workers' hard-link check (a list: it crosses threads). */
function secretInodeList(ws: Workspace): string[] {
  const inodes = ws.guard().secretInodes;
  return [...(typeof inodes === "function" ? inodes() : inodes)];
}

export async function runFallback(
  ws: Workspace,
  q: GrepQuery,
  options: { signal: AbortSignal; timeoutMs: number },
): Promise<RipgrepOutcome> {
  const tr = translateRegex(q.pattern, { ignoreCase: q.ignoreCase, multiline: q.multiline });
  if (!tr.ok) return { ok: false, kind: "invalid_regex", message: tr.message };
  const compiled = compileFileFilter(q);
  if (!compiled.ok) return { ok: false, kind: "invalid_args", message: compiled.message };

  const started = performance.now();
  let secret = 0;
  let tooLong: string[] = [];
  let targets: Array<{ rel: string; abs: string }> = [];
  if (q.targetIsFile) {
    // Judged here first (hard links need the workspace's secret inodes); judged again when opened.
    const verdict = new PathJudge(ws.guard()).judge(q.targetRel);
    if (verdict.ok) targets.push({ rel: q.targetRel, abs: ws.display(q.targetRel) });
    else if (verdict.reason === "secret") secret++;
  } else {
    await ws.filesUnderAsync(q.targetRel); // the index is listed without blocking the event loop
    ({ targets, secret } = searchTargets(ws, q.targetRel, compiled.filter));
    tooLong = ws.filesUnder(q.targetRel).index.tooLong ?? [];
  }
  const base: Omit<ScanJob, "files"> = {
    source: tr.source,
    flags: tr.flags,
    literal: tr.literal,
    multiline: q.multiline,
    before: q.mode === "content" ? q.before : 0,
    after: q.mode === "content" ? q.after : 0,
    firstOnly: q.mode === "files_with_matches",
    maxBytes: q.targetIsFile ? FALLBACK_MAX_EXPLICIT_BYTES : ws.maxSearchFileBytes,
    guard: { root: ws.root, secrets: ws.secrets, secretInodes: q.targetIsFile ? [] : secretInodeList(ws) },
  };
  let results: ScanResult[] = [];
  let timedOut = false;
  if (targets.length > 0) {
    const workers = getPool();
    if (typeof workers === "string")
      return { ok: false, kind: "failed", message: `the built-in search engine cannot run: ${workers}` };
    const jobs: ScanJob[] = [];
    for (let i = 0; i < targets.length; i += BATCH) jobs.push({ ...base, files: targets.slice(i, i + BATCH) });
    // The listing counts against the time limit too.
    const run = await workers.run(jobs, options.timeoutMs - (performance.now() - started), options.signal);
    if (run.failure && !options.signal.aborted)
      return { ok: false, kind: "failed", message: `the built-in search engine failed: ${run.failure}` };
    results = run.results;
    timedOut = run.timedOut;
  }
  if (options.signal.aborted) return { ok: false, kind: "failed", message: "the search was cancelled." };
  const files: FileMatches[] = results
    .flatMap((r) => r.files)
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  let lines = 0;
  let cut = files.length;
  // Counts are kept whole (ripgrep counts natively); shown lines are capped.
  for (let i = 0; i < files.length && q.mode !== "count"; i++) {
    lines += files[i]!.lines.length;
    if (lines >= MAX_COLLECTED_LINES) {
      cut = i + 1;
      break;
    }
  }
  const collected: Collected = {
    files: files.slice(0, cut),
    binary: results.reduce((n, r) => n + r.binary, 0),
    secret: secret + results.reduce((n, r) => n + r.secret, 0),
    tooLarge: results.reduce((n, r) => n + r.tooLarge, 0),
    unreadable: results.reduce((n, r) => n + r.unreadable, 0),
    outsideRoot: results.reduce((n, r) => n + r.outsideRoot, 0),
    ...(tooLong.length > 0 ? { pathTooLong: { dirs: tooLong, count: tooLong.length } } : {}),
    atLeast: timedOut || cut < files.length,
    timedOut,
    engine: "fallback",
  };
  return { ok: true, collected };
}
