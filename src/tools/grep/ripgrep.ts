/**
 * The ripgrep engine: finds the binary shipped in @vscode/ripgrep (or FC_RG_PATH, or `rg` on PATH),
 * runs it with `--json` and turns its events into `Collected`. The child is killed on abort and
 * on timeout; partial results survive both, and ripgrep's exit status 2 (some files unreadable)
 * does not discard what it found.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { spawnPipedInTurn } from "../../util/lean-spawn.js";
import { createLogger } from "../../util/log.js";
import { timeSlice, yieldToLoop } from "../../util/yield.js";
import { isGitPath } from "../../workspace/file-guard.js";
import type { FileIndex } from "../../workspace/file-index.js";
import { rebasedIgnoreText } from "../../workspace/ignore-rules.js";
import { isWithin, relativeTo } from "../../workspace/paths.js";
import type { Workspace } from "../../workspace/workspace.js";
import { countPathTooLong } from "../path-limit-note.js";
import {
  type Collected,
  type FileMatches,
  finalizeFile,
  type GrepLine,
  type GrepQuery,
  MAX_COLLECTED_LINES,
} from "./collect.js";
import { type CountBatch, collectCounts, type SpawnPass } from "./count-search.js";
import { compileFileFilter, entersDir, type FileFilter, selectsFile } from "./file-filter.js";
import { explicitPathParts, searchInParts } from "./path-parts.js";
import { linesStillShown, RECENT_SLACK_MS, recount } from "./recheck.js";
import { anyOf, patternRequirement } from "./regex-requirement.js";
import { failureOf, fileVerdict, type RgChild, type Supervised, supervise, unreadableCount } from "./rg-process.js";
import { searchWithoutIndex } from "./ripgrep-walk.js";
import { epochOf, rememberedSearch } from "./search-memo.js";
import type { WalkShare } from "./walk-share.js";

const log = createLogger("tools.grep.rg");
const execFileAsync = promisify(execFile);
/**
 * Time between yields to the event loop while ripgrep's output is read (a count of 2,000 events,
 * then of 100 new files, still held the loop 143 ms on a cold 193k-file tree: an event costs ten
 * times more before its code is warm, and a file's judgment tens of events).
 */
const READ_SLICE_MS = 8;

export interface RipgrepInfo {
  path: string;
  version: string;
}

let located: RipgrepInfo | null | undefined;
let locating: Promise<RipgrepInfo | null> | undefined;

/** `path --version`, waited for without holding the event loop (a synchronous run held it 5–20 ms). */
async function probe(path: string): Promise<RipgrepInfo | null> {
  try {
    const { stdout: out } = await execFileAsync(path, ["--version"], { encoding: "utf8", timeout: 5000 });
    const version = /ripgrep (\S+)/.exec(out)?.[1] ?? "unknown";
    return { path, version };
  } catch {
    return null;
  }
}

/** The ripgrep binary to use, or null when none runs here (Grep then uses the fallback engine). */
export async function locateRipgrep(): Promise<RipgrepInfo | null> {
  if (located !== undefined) return located;
  // Callers at once share one probe: none may see "no ripgrep" while the first is still probing.
  if (!locating) {
    const mine: Promise<RipgrepInfo | null> = findRipgrep().then((info) => {
      if (locating !== mine) return info; // reset while probing: the reset wins
      located = info;
      locating = undefined;
      return info;
    });
    locating = mine;
  }
  return locating;
}

async function findRipgrep(): Promise<RipgrepInfo | null> {
  const candidates: string[] = [];
  if (process.env.FC_RG_PATH) candidates.push(process.env.FC_RG_PATH);
  try {
    const mod = (await import("@vscode/ripgrep")) as { rgPath?: string };
    if (mod.rgPath && existsSync(mod.rgPath)) candidates.push(mod.rgPath);
  } catch (error) {
    log.debug("@vscode/ripgrep unavailable", { error: String(error) });
  }
  candidates.push("rg");
  for (const candidate of candidates) {
    const info = await probe(candidate);
    if (info) return info;
  }
  log.warn("no working ripgrep binary found; Grep uses the built-in fallback engine");
  return null;
}

/** For tests: forget the located binary. */
export function resetRipgrepLocation(value?: RipgrepInfo | null): void {
  located = value;
  locating = undefined;
}

/**
 * The limits of one search; `countBatch` lets a count search share a pass with others of its turn,
 * `walkShare` the index-free searches of a turn share one walk's ignore notices (walk-share.ts).
 */
export interface SearchOptions {
  signal: AbortSignal;
  timeoutMs: number;
  countBatch?: CountBatch;
  walkShare?: WalkShare;
}

export type RipgrepOutcome =
  | { ok: true; collected: Collected }
  | { ok: false; kind: "invalid_regex" | "invalid_args" | "failed"; message: string };

/** ripgrep's command line for a query (exported for tests and the benchmark). */
export function ripgrepArgs(
  ws: Workspace,
  q: GrepQuery,
  extraPaths: string[],
  ignoreFile?: string,
  follow = false,
  debug = false,
  withTarget = true,
): string[] {
  // Counts come from ripgrep itself: a JSON event per match for a common word is megabytes to parse.
  const output = q.mode === "count" ? ["--count-matches", "--with-filename", "--null"] : ["--json"];
  const args = [
    ...output,
    "--no-config",
    "--hidden",
    "--no-require-git",
    "--no-ignore-global",
    "--no-ignore-parent",
    "--glob",
    "!.git",
  ];
  if (follow) args.push("--follow");
  // --debug names the entries ignore rules skip (on stderr), for the search that has no file index.
  if (debug) args.push("--debug");
  if (ignoreFile) args.push("--ignore-file", ignoreFile);
  if (q.ignoreCase) args.push("--ignore-case");
  if (q.multiline) args.push("--multiline", "--multiline-dotall");
  if (q.glob) args.push("--glob", q.glob);
  if (q.type) args.push("--type", q.type);
  if (q.mode === "content") {
    if (q.before > 0) args.push("--before-context", String(q.before));
    if (q.after > 0) args.push("--after-context", String(q.after));
  }
  if (q.mode === "files_with_matches") args.push("--max-count", "1");
  // No --max-filesize: it makes ripgrep stat every file (~15% of a search); files over the limit
  // are dropped when they first match instead (see search()).
  args.push("--regexp", q.pattern, "--", ...(withTarget ? [ws.display(q.targetRel)] : []), ...extraPaths);
  return args;
}

interface RgText {
  text?: string;
  bytes?: string;
}

function decode(field: RgText | undefined): string {
  if (!field) return "";
  if (typeof field.text === "string") return field.text;
  if (typeof field.bytes === "string") return Buffer.from(field.bytes, "base64").toString("utf8");
  return "";
}

function stripEol(s: string): string {
  if (s.endsWith("\r\n")) return s.slice(0, -2);
  if (s.endsWith("\n")) return s.slice(0, -1);
  return s;
}

/** Run ripgrep for `q`; `timeoutMs` ends the search with partial results. */
export async function runRipgrep(
  ws: Workspace,
  rg: RipgrepInfo,
  q: GrepQuery,
  options: SearchOptions,
): Promise<RipgrepOutcome> {
  const filter = compileFileFilter(q);
  if (!filter.ok) return { ok: false, kind: "invalid_args", message: filter.message };
  if (!q.targetIsFile) {
    const kept = ws.keptIndexUnchecked();
    if (kept && (q.targetRel === "" || kept.dirs.has(q.targetRel))) {
      // The server's warm path: search with the kept listing while it is checked against the tree
      // (a stat of every directory, ≈ 35 ms on 11k directories), instead of after. The search
      // does not use --follow, so a link made since the listing is never followed; the kept links
      // are searched as explicit paths only after their targets are checked again (searchWithIndex).
      const [outcome, checked] = await Promise.all([
        remembered(ws, q, options, kept, false, () => searchWithIndex(ws, rg, q, filter.filter, options, kept, false)),
        ws.fileIndex(),
      ]);
      if (checked === kept) return outcome;
    }
  }
  // A directory search needs no file index: ripgrep's walk names what it ignored, a `find` probe
  // the symlinks. Globs and types are left to the index (ripgrep's overrides change what it logs).
  // A listing kept by the warm index cache is cheaper to check than that probe.
  if (!q.targetIsFile && !q.glob && !q.type && !(await ws.warmIndex())) {
    const outcome = await searchWithoutIndex(
      ws,
      q,
      filter.filter,
      (extra, ignoreFile, sink) => search(ws, rg, q, extra, ignoreFile, options, false, sink, extra.length === 0),
      options.signal,
      // A count pass's members keep their own notices: the pass's command line is the same for all of them.
      options.countBatch?.covers(q) ? undefined : options.walkShare,
    );
    if (outcome) {
      if (outcome.ok) ws.primeIndex();
      return outcome;
    }
    if (options.signal.aborted) return { ok: false, kind: "failed", message: "the search was cancelled." };
  }
  const index = q.targetIsFile ? undefined : (await ws.filesUnderAsync(q.targetRel)).index;
  // Members of a shared count pass search the same way whichever path they came by (the first ones
  // may have searched with the kept listing, which never follows links): same command line.
  const mayFollow = !options.countBatch?.covers(q);
  return remembered(ws, q, options, index, mayFollow, () =>
    searchWithIndex(ws, rg, q, filter.filter, options, index, mayFollow),
  );
}

/** A directory search through a listing with a ready term index may reuse an earlier exploration's result. */
function remembered(
  ws: Workspace,
  q: GrepQuery,
  options: SearchOptions,
  index: FileIndex | undefined,
  mayFollow: boolean,
  search: () => Promise<RipgrepOutcome>,
): Promise<RipgrepOutcome> {
  // Members of a shared count pass are settled together (mostly by the index itself): not kept.
  if (!index || options.countBatch?.covers(q)) return search();
  return rememberedSearch(ws, ws.termIndex(index), JSON.stringify([q, mayFollow]), search);
}

/** The search with the file index's facts (links to search as explicit paths, or `--follow`). */
async function searchWithIndex(
  ws: Workspace,
  rg: RipgrepInfo,
  q: GrepQuery,
  fileFilter: FileFilter,
  options: SearchOptions,
  index: FileIndex | undefined,
  mayFollow = true,
): Promise<RipgrepOutcome> {
  // ripgrep does not follow symlinks during traversal; the walker followed the ones that stay
  // inside the root, so they are searched as explicit paths (ripgrep follows explicit paths, but
  // applies neither globs, types nor ignore files above them: those are applied here).
  const extra: string[] = [];
  const ruleDirs: string[] = [];
  let follow = false;
  // Files from the term index are searched as explicit paths, links as explicit paths beside them.
  const narrowed = index ? await narrowedPaths(ws, q, fileFilter, index, options.countBatch) : null;
  if (index) {
    if (q.targetRel !== "") ruleDirs.push(...properAncestors(q.targetRel));
    const prefix = q.targetRel === "" ? "" : `${q.targetRel}/`;
    // When no symlink leaves the root or loops back (the walker checked every one), ripgrep may
    // simply follow them: same files, no extra walk roots, ignore rules as usual. (ripgrep would
    // walk a loop once before noticing it, which the walker does not.)
    // A positive glob makes ripgrep enter ignored directories, whose links the walker never judged.
    // Every file shown is judged again either way (fileVerdict): a link made or retargeted after
    // the index was built may be followed by ripgrep, but its content is never shown.
    follow =
      narrowed === null &&
      mayFollow &&
      index.followedSymlinks.length > 0 &&
      index.skipped.outsideRoot === 0 &&
      index.loopSymlinks === 0 &&
      fileFilter.whitelist === null;
    for (const link of follow ? [] : index.followedSymlinks) {
      if (prefix !== "" && !link.startsWith(prefix)) continue;
      const isFile = index.byRel.has(link);
      if (isFile ? !selectsFile(fileFilter, link, q.targetRel) : !entersDir(fileFilter, link, q.targetRel)) continue;
      // ripgrep follows an explicit path: one whose target left the root since the listing is dropped.
      if (!mayFollow && !linkStaysInside(ws, link, isFile)) continue;
      extra.push(ws.display(link));
      if (!isFile) ruleDirs.push(...properAncestors(link));
    }
  }
  const countedByIndex = options.countBatch?.covers(q) === true && options.countBatch.answeredByIndex(q.targetRel);
  if (narrowed !== null && narrowed.length === 0 && extra.length === 0 && !countedByIndex)
    return { ok: true, collected: emptyCollected() };
  if (narrowed !== null) extra.unshift(...narrowed.map((rel) => ws.display(rel)));
  // Below the root, ripgrep would not read the ancestors' ignore files (--no-ignore-parent keeps
  // out the ones above the workspace): hand it the workspace's own, rewritten relative to the root.
  // (Also the rules above the root, when it is a directory inside a larger checkout.)
  const rules = rulesFor(ws, ruleDirs);
  let ignoreDir: string | undefined;
  let ignoreFile: string | undefined;
  if (rules !== "") {
    ignoreDir = mkdtempSync(join(tmpdir(), "fc-rg-"));
    ignoreFile = join(ignoreDir, "ignore");
    writeFileSync(ignoreFile, rules);
  }
  try {
    if (narrowed === null) return await search(ws, rg, q, extra, ignoreFile, options, follow, undefined, true);
    return await searchInParts(explicitPathParts(extra), options, (part, partOptions) =>
      search(ws, rg, q, part, ignoreFile, partOptions, follow, undefined, false),
    );
  } finally {
    if (ignoreDir) rmSync(ignoreDir, { recursive: true, force: true });
  }
}

/**
 * The files a search may match, from the warm term index, as explicit paths for ripgrep instead of
 * its walk of the target; null when the search walks (no ready index, a glob or type — ripgrep
 * applies them differently to explicit paths —, a listing with unreadable or too-long directories
 * whose walk reports them, or the index's own reasons: see TermIndex.candidates). A count search
 * that shares a pass asks once for the whole pass, so all its members agree: the index counts the
 * files it can (TermIndex.countWords) and the pass reads only the rest, or failing that, the pass
 * reads the files any member's pattern may match.
 */
async function narrowedPaths(
  ws: Workspace,
  q: GrepQuery,
  fileFilter: FileFilter,
  index: FileIndex,
  countBatch: CountBatch | undefined,
): Promise<string[] | null> {
  if (q.glob || q.type || fileFilter.whitelist !== null) return null;
  if (index.truncated || index.skipped.unreadable > 0 || (index.tooLong?.length ?? 0) > 0) return null;
  // Below a followed link, files are searched through the link (the index does not read them).
  const t = q.targetRel;
  if (t !== "" && index.followedSymlinks.some((l) => t === l || t.startsWith(`${l}/`))) return null;
  const terms = ws.termIndex(index);
  if (!terms) return null;
  const epoch = epochOf(ws);
  if (!countBatch?.covers(q))
    return terms.candidates(patternRequirement(q.pattern), q.targetRel, epoch, {
      omitLateBinaries: q.mode === "content",
      split: true,
    });
  // Every member of a shared pass asks the same question: asked once per batch and target.
  let asked = batchCandidates.get(countBatch);
  if (!asked) batchCandidates.set(countBatch, (asked = new Map()));
  let answer = asked.get(q.targetRel);
  if (!answer) {
    answer = (async () => {
      // Whole-word members are counted by the index itself; ripgrep counts only what it leaves.
      const members = countBatch.countMembers();
      const counted = members ? await terms.countWords(members, q.targetRel, epoch) : null;
      if (counted) {
        countBatch.useIndexCounts(q.targetRel, counted);
        return counted.rest;
      }
      const requirement = anyOf(countBatch.members.map((m) => patternRequirement(m.pattern)));
      return terms.candidates(requirement, q.targetRel, epoch);
    })();
    asked.set(q.targetRel, answer);
  }
  return answer;
}

const batchCandidates = new WeakMap<CountBatch, Map<string, Promise<string[] | null>>>();

function emptyCollected(): Collected {
  return {
    files: [],
    binary: 0,
    secret: 0,
    tooLarge: 0,
    unreadable: 0,
    outsideRoot: 0,
    pathTooLong: { dirs: [], count: 0 },
    atLeast: false,
    timedOut: false,
    engine: "ripgrep",
  };
}

/** Whether a listed link still resolves inside the root, outside `.git`, to the kind it was listed as. */
/**
 * Per workspace (one exploration), as the listing's stamps are checked once per exploration: the
 * links' verdicts and the rebased ignore rules. Every search of an exploration through a kept
 * listing asks the same of the same links (on the 100k-file tree, 20–35 ms of event loop a search).
 */
const perWorkspace = new WeakMap<Workspace, { links: Map<string, boolean>; rules: Map<string, string> }>();

function workspaceMemo(ws: Workspace): { links: Map<string, boolean>; rules: Map<string, string> } {
  let memo = perWorkspace.get(ws);
  if (!memo) perWorkspace.set(ws, (memo = { links: new Map(), rules: new Map() }));
  return memo;
}

function rulesFor(ws: Workspace, ruleDirs: string[]): string {
  const key = JSON.stringify(ruleDirs);
  const memo = workspaceMemo(ws).rules;
  let rules = memo.get(key);
  if (rules === undefined) memo.set(key, (rules = rebasedIgnoreText(ws.root, ruleDirs)));
  return rules;
}

function linkStaysInside(ws: Workspace, linkRel: string, isFile: boolean): boolean {
  const memo = workspaceMemo(ws).links;
  const key = `${isFile ? "f" : "d"}:${linkRel}`;
  let inside = memo.get(key);
  if (inside === undefined) memo.set(key, (inside = checkLinkStaysInside(ws, linkRel, isFile)));
  return inside;
}

function checkLinkStaysInside(ws: Workspace, linkRel: string, isFile: boolean): boolean {
  try {
    const real = realpathSync(ws.display(linkRel));
    if (!isWithin(ws.root, real) || isGitPath(relativeTo(ws.root, real))) return false;
    const st = statSync(real);
    return isFile ? st.isFile() : st.isDirectory();
  } catch {
    return false;
  }
}

/** "" and every directory above `rel` ("a/b/c" → "", "a", "a/b"). */
function properAncestors(rel: string): string[] {
  const parts = rel.split("/");
  const out = [""];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join("/"));
  return out;
}

/**
 * Start ripgrep with `args`, its stderr in a file where one can be made, under supervision; one
 * start per turn of the event loop (see `spawnTurn`).
 */
async function spawnSupervised(
  ws: Workspace,
  rg: RipgrepInfo,
  args: string[],
  options: SearchOptions,
  ignoredSink?: string[],
): Promise<{ child: RgChild; run: Supervised }> {
  const { child, errFile } = await spawnPipedInTurn(rg.path, args, ws.root);
  return { child, run: supervise(child, errFile, options, ignoredSink) };
}

async function search(
  ws: Workspace,
  rg: RipgrepInfo,
  q: GrepQuery,
  extra: string[],
  ignoreFile: string | undefined,
  options: SearchOptions,
  follow: boolean,
  ignoredSink?: string[],
  withTarget = true,
): Promise<RipgrepOutcome> {
  const since = Date.now() - RECENT_SLACK_MS;
  const args = ripgrepArgs(ws, q, extra, ignoreFile, follow, ignoredSink !== undefined, withTarget);
  const verdictOf = fileVerdict(ws, q, since);
  const recountFile = (rel: string) => recount(ws, rg.path, q, rel);
  if (q.mode === "count" && options.countBatch?.covers(q)) {
    const spawnPass: SpawnPass = (passArgs, passOptions, sink) => spawnSupervised(ws, rg, passArgs, passOptions, sink);
    return options.countBatch.counts(ws, q, spawnPass, args, ignoreFile, verdictOf, recountFile, options, ignoredSink);
  }
  const { child, run } = await spawnSupervised(ws, rg, args, options, ignoredSink);
  if (q.mode === "count") return collectCounts(ws, child, run, verdictOf, recountFile, options);
  const perFile = new Map<string, { lines: Map<number, GrepLine>; matches: number }>();
  const dropped = new Set<string>();
  /** Files that changed while ripgrep ran: their lines are checked against the file before they are shown. */
  const recheck = new Set<string>();
  let binary = 0;
  const refused = { secret: 0, tooLarge: 0, outside: 0, unreadable: 0 };
  let collectedLines = 0;
  let atLeast = false;
  const toRel = (absPath: string): string | null => (isWithin(ws.root, absPath) ? relativeTo(ws.root, absPath) : null);
  try {
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    const slice = timeSlice(READ_SLICE_MS);
    for await (const raw of lines) {
      // Lines already buffered arrive as microtasks, which never let the event loop turn: a search
      // printing megabytes would hold every other request of a server until its output is read.
      if (slice.due()) await yieldToLoop();
      if (atLeast || run.timedOut()) continue; // drain after the cap without storing
      let event: { type: string; data: Record<string, unknown> };
      try {
        event = JSON.parse(raw) as typeof event;
      } catch {
        continue;
      }
      const data = event.data;
      const path = decode(data.path as RgText | undefined);
      if (event.type === "end") {
        const rel = toRel(path);
        if (rel !== null && data.binary_offset !== null && data.binary_offset !== undefined && perFile.has(rel)) {
          // ripgrep stops at the first NUL byte; a binary file's text is not shown at all.
          collectedLines -= perFile.get(rel)!.lines.size;
          perFile.delete(rel);
          binary++;
        }
        continue;
      }
      if (event.type !== "match" && event.type !== "context") continue;
      const rel = toRel(path);
      if (rel === null || dropped.has(rel)) continue;
      if (!perFile.has(rel)) {
        if (slice.due()) await yieldToLoop(); // a judgment costs as much as tens of events
        const verdict = verdictOf(rel);
        if (verdict === "recent") recheck.add(rel);
        else if (verdict !== "ok") {
          dropped.add(rel);
          refused[verdict]++;
          continue;
        }
      }
      let entry = perFile.get(rel);
      if (!entry) {
        entry = { lines: new Map(), matches: 0 };
        perFile.set(rel, entry);
      }
      const first = data.line_number as number;
      // Count and file-list modes show no text: skip decoding it unless a multi-line match must be
      // measured in lines.
      const textLines =
        q.mode === "content" || q.multiline ? stripEol(decode(data.lines as RgText)).split(/\r?\n/) : [""];
      const isMatch = event.type === "match";
      const subs = (data.submatches as Array<{ start: number; end: number }> | undefined) ?? [];
      if (isMatch) entry.matches += Math.max(1, subs.length);
      for (let i = 0; i < textLines.length; i++) {
        const n = first + i;
        const existing = entry.lines.get(n);
        if (existing && (existing.match || !isMatch)) continue;
        const line: GrepLine = { line: n, text: textLines[i]!, match: isMatch };
        if (isMatch && i === 0 && subs[0]) line.focus = { start: subs[0].start, end: subs[0].end };
        if (!existing) collectedLines++;
        entry.lines.set(n, line);
      }
      if (collectedLines >= MAX_COLLECTED_LINES) {
        atLeast = true;
        run.kill();
      }
    }
  } finally {
    run.release();
  }
  const code = await run.exited;
  const failure = failureOf(code, run, options.signal, perFile.size > 0);
  if (failure) return failure;
  for (const rel of recheck) {
    const entry = perFile.get(rel);
    if (!entry) continue;
    const still =
      q.mode === "content" ? linesStillShown(ws, rel, entry.lines) : ((await recount(ws, rg.path, q, rel)) ?? 0) > 0;
    if (still) continue;
    perFile.delete(rel);
    refused.unreadable++;
  }
  const files: FileMatches[] = [];
  const finalizing = timeSlice(READ_SLICE_MS);
  for (const [rel, e] of perFile) {
    if (finalizing.due()) await yieldToLoop();
    files.push(finalizeFile(rel, e.lines, e.matches));
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const timedOut = run.timedOut();
  return {
    ok: true,
    collected: {
      files,
      binary,
      secret: refused.secret,
      tooLarge: refused.tooLarge,
      unreadable: unreadableCount(run.stderr()) + refused.unreadable,
      outsideRoot: refused.outside,
      pathTooLong: { dirs: [], count: countPathTooLong(run.stderr()) },
      atLeast: atLeast || timedOut,
      timedOut,
      engine: "ripgrep",
    },
  };
}
