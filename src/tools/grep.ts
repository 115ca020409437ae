/**
 * Grep: ripgrep search with the trained parameters, `content` as the real default mode with line
 * numbers, context only when asked, `head_limit` honoured in both directions, `count` wired, and a
 * per-call time limit. Falls back to the built-in engine when no ripgrep binary runs; both engines
 * produce the same text.
 */

import { PathJudge } from "../workspace/file-guard.js";
import type { Workspace } from "../workspace/workspace.js";
import type { ParsedArgs } from "./args.js";
import { type ToolContext, type ToolOutput, toolError } from "./context.js";
import type { Collected, GrepQuery } from "./grep/collect.js";
import { runFallback } from "./grep/fallback.js";
import { formatGrep } from "./grep/format.js";
import { locateRipgrep, runRipgrep } from "./grep/ripgrep.js";
import { guardError } from "./guard-errors.js";
import { pathLimitNote } from "./path-limit-note.js";
import { isBinaryFile } from "./support/line-reader.js";

const MODES = new Set(["content", "files_with_matches", "count"]);

/** Ignored directories under the target, from the engine's own walk or else from the file index. */
async function ignoredDirs(ws: Workspace, targetRel: string, fromWalk: Collected["ignored"]): Promise<string[]> {
  if (fromWalk) return fromWalk.dirs;
  const { index } = await ws.filesUnderAsync(targetRel);
  const prefix = targetRel === "" ? "" : `${targetRel}/`;
  return index.ignoredEntries.filter((e) => e.dir && (prefix === "" || e.rel.startsWith(prefix))).map((e) => e.rel);
}

function ignoredDirsNote(dirs: string[]): string | undefined {
  if (dirs.length === 0) return undefined;
  const shown = dirs
    .slice(0, 3)
    .map((d) => `${d}/`)
    .join(", ");
  return `Not searched: ${dirs.length} director${dirs.length > 1 ? "ies" : "y"} excluded by ignore rules (${shown}${dirs.length > 3 ? ", ..." : ""}). Pass one as path to search inside it.`;
}

export async function runGrep(args: ParsedArgs, ctx: ToolContext): Promise<ToolOutput> {
  const { ws, config } = ctx;
  const pattern = String(args.pattern);
  const mode = (args.output_mode as string | undefined) ?? "content";
  if (!MODES.has(mode))
    return toolError(
      "invalid_args",
      `output_mode must be one of "content", "files_with_matches", "count" (got "${mode}").`,
    );
  let targetRel = "";
  let targetIsFile = false;
  if (typeof args.path === "string" && args.path.trim() !== "") {
    const resolved = ws.resolve(args.path, "any");
    if (!resolved.ok) return toolError(resolved.reason === "outside" ? "outside_root" : "not_found", resolved.message);
    targetRel = resolved.rel;
    targetIsFile = resolved.kind === "file";
    if (targetIsFile) {
      // Judged by what the file really is (real path, secret names, hard links); each engine
      // judges every file again when it is read.
      const verdict = new PathJudge(ws.guard()).judge(targetRel);
      if (!verdict.ok) return guardError(ws, verdict, resolved.abs);
    }
  }
  const ctxLines = (v: unknown) => (typeof v === "number" && v > 0 ? Math.min(Math.floor(v), 50) : undefined);
  const c = ctxLines(args["-C"]);
  const before = ctxLines(args["-B"]) ?? c ?? config.grepDefaultContext;
  const after = ctxLines(args["-A"]) ?? c ?? config.grepDefaultContext;
  const q: GrepQuery = {
    pattern,
    targetRel,
    targetIsFile,
    mode: mode as GrepQuery["mode"],
    before: mode === "content" ? before : 0,
    after: mode === "content" ? after : 0,
    ignoreCase: args["-i"] === true,
    multiline: args.multiline === true,
    ...(typeof args.glob === "string" && args.glob.trim() !== "" ? { glob: args.glob.trim() } : {}),
    ...(typeof args.type === "string" && args.type.trim() !== "" ? { type: args.type.trim() } : {}),
  };
  const headLimit =
    typeof args.head_limit === "number" && args.head_limit > 0 ? Math.floor(args.head_limit) : undefined;

  const rg = config.grepEngine === "fallback" ? null : await locateRipgrep();
  if (!rg && config.grepEngine === "ripgrep") return toolError("io_error", "ripgrep is not available on this machine.");
  const options = {
    signal: ctx.signal,
    timeoutMs: config.toolTimeoutMs,
    ...(ctx.countBatch ? { countBatch: ctx.countBatch } : {}),
    ...(ctx.walkShare ? { walkShare: ctx.walkShare } : {}),
  };
  const outcome = rg ? await runRipgrep(ws, rg, q, options) : await runFallback(ws, q, options);
  if (!outcome.ok) {
    if (outcome.kind === "invalid_regex") {
      return toolError(
        "invalid_regex",
        `invalid regex pattern \`${pattern}\` (the search did not run, this is not "no matches"):\n${outcome.message}\nEscape special characters such as ( ) [ ] { } . * + ? | with a backslash, or search a simpler fragment.`,
      );
    }
    if (outcome.kind === "invalid_args")
      return toolError(
        "invalid_args",
        `${outcome.message}. Common types: py, js, ts, go, rust, java, c, cpp, rb, php, md.`,
      );
    if (ctx.signal.aborted) return toolError("aborted", "the call was cancelled.");
    return toolError("io_error", outcome.message);
  }
  const notes: string[] = [];
  const ignoredNote = targetIsFile
    ? undefined
    : ignoredDirsNote(await ignoredDirs(ws, targetRel, outcome.collected.ignored));
  if (ignoredNote) notes.push(ignoredNote);
  const tooLong = outcome.collected.pathTooLong;
  const limitNote = tooLong ? pathLimitNote(tooLong.dirs, tooLong.count) : undefined;
  if (limitNote) notes.push(limitNote);
  if (targetIsFile && outcome.collected.files.length === 0) {
    // An explicit file that was not searched must not read as "no matches" alone.
    if (await isBinaryFile(ws.display(targetRel)).catch(() => false))
      notes.push(`${ws.display(targetRel)} is a binary file; Grep does not search binary files.`);
    if (outcome.collected.tooLarge > 0)
      notes.push(
        `${ws.display(targetRel)} is too large for the built-in search engine; read it by ranges with Read offset and limit.`,
      );
  }
  const formatted = formatGrep(outcome.collected, q, {
    display: (rel) => ws.display(rel),
    lineNumbers: args["-n"] !== false,
    maxLineChars: config.maxLineChars,
    limit: headLimit ?? config.grepDefaultLimit,
    notes,
  });
  const skipped = {
    // A file target skips nothing by ignore rules (and needs no listing of the tree).
    ignored: targetIsFile
      ? 0
      : (outcome.collected.ignored?.count ?? (await ws.filesUnderAsync(targetRel)).index.skipped.ignored),
    binary: outcome.collected.binary,
    tooLarge: outcome.collected.tooLarge,
    secret: outcome.collected.secret,
    unreadable: outcome.collected.unreadable,
    outsideRoot: outcome.collected.outsideRoot ?? 0,
  };
  return { ...formatted, skipped };
}
