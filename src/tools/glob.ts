/**
 * Glob: file paths matching a pattern, newest modified first (path as tie-break, so the order is
 * deterministic), from the shared file index (ignore rules applied). A pattern without a slash
 * matches file names at any depth; with a slash it is relative to `directory` — the reference
 * harness matched it against the workspace root instead, a bug not kept.
 */
import picomatch from "picomatch";
import { PathJudge } from "../workspace/file-guard.js";
import { isWithin, relativeTo } from "../workspace/paths.js";
import type { Workspace } from "../workspace/workspace.js";
import type { ParsedArgs } from "./args.js";
import { reminder, type ToolContext, type ToolOutput, toolError } from "./context.js";
import { pathLimitNote } from "./path-limit-note.js";

const TRUNCATION_NOTE = (n: number) =>
  `Results are truncated: showing first ${n} results. Consider using a more specific path or pattern.`;

/** Make a model's pattern relative to the searched directory. */
export function normalizeGlobPattern(ws: Workspace, pattern: string, dirRel: string): string {
  let p = pattern.trim().replace(/\\/g, "/");
  if (p.startsWith("./")) p = p.slice(2);
  if (p.startsWith("/")) {
    // An absolute pattern inside the workspace: make it relative to the searched directory.
    const dirAbs = ws.display(dirRel);
    if (isWithin(dirAbs, p)) p = relativeTo(dirAbs, p);
    else if (isWithin(ws.root, p)) p = relativeTo(ws.root, p);
    else p = p.replace(/^\/+/, "");
  }
  return p === "" ? "**/*" : p;
}

function skippedNote(ignoredMatches: number, ignoredDirs: string[]): string | undefined {
  const parts: string[] = [];
  if (ignoredMatches > 0)
    parts.push(`${ignoredMatches} matching file${ignoredMatches > 1 ? "s are" : " is"} excluded by ignore rules`);
  if (ignoredDirs.length > 0) {
    const shown = ignoredDirs
      .slice(0, 3)
      .map((d) => `${d}/`)
      .join(", ");
    parts.push(
      `ignored director${ignoredDirs.length > 1 ? "ies were" : "y was"} not searched (${shown}${ignoredDirs.length > 3 ? ", ..." : ""}); pass one as directory to look inside`,
    );
  }
  return parts.length ? `${parts.join("; ")}.` : undefined;
}

export async function runGlob(args: ParsedArgs, ctx: ToolContext): Promise<ToolOutput> {
  const { ws, config } = ctx;
  let dirRel = "";
  if (typeof args.directory === "string" && args.directory.trim() !== "") {
    const resolved = ws.resolve(args.directory, "dir");
    if (!resolved.ok) {
      if (resolved.reason === "wrong_kind")
        return toolError("not_a_file", `directory \`${args.directory}\` does not exist or is not a directory.`);
      return toolError(resolved.reason === "outside" ? "outside_root" : "not_found", resolved.message);
    }
    dirRel = resolved.rel;
  }
  const pattern = normalizeGlobPattern(ws, String(args.pattern), dirRel);
  let isMatch: (s: string) => boolean;
  try {
    isMatch = picomatch(pattern, { dot: true, basename: !pattern.includes("/") });
  } catch (error) {
    return toolError("invalid_args", `invalid glob pattern \`${pattern}\`: ${(error as Error).message}`);
  }
  const { files, index } = await ws.filesUnderAsync(dirRel);
  const prefix = dirRel === "" ? "" : `${dirRel}/`;
  const matched: string[] = [];
  // A path through a link is judged again now: the index may be older than the link's target.
  const judge = new PathJudge(ws.guard());
  const stillInside = (rel: string) => {
    const verdict = judge.judge(rel);
    return verdict.ok || verdict.reason === "secret";
  };
  for (const f of files) {
    if (isMatch(f.rel.slice(prefix.length)) && (!f.viaSymlink || stillInside(f.rel))) matched.push(f.rel);
  }
  const dirMatches =
    matched.length === 0
      ? [...index.dirs].filter((d) => d.startsWith(prefix) && d !== dirRel && isMatch(d.slice(prefix.length))).sort()
      : [];
  const ignoredMatches = index.ignoredEntries.filter(
    (e) => !e.dir && e.rel.startsWith(prefix) && isMatch(e.rel.slice(prefix.length)),
  ).length;
  const ignoredDirs =
    matched.length === 0 ? index.ignoredEntries.filter((e) => e.dir && e.rel.startsWith(prefix)).map((e) => e.rel) : [];

  const withTime = matched.map((rel) => ({ rel, mtime: ws.stat(rel)?.mtimeMs ?? 0 }));
  withTime.sort((a, b) => b.mtime - a.mtime || (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const ordered = withTime.map((m) => m.rel);
  const skipped = { ...index.skipped };
  const note = [skippedNote(ignoredMatches, ignoredDirs), pathLimitNote(index.tooLong ?? [])]
    .filter((n) => n !== undefined)
    .join(" ");

  const renderPaths = (count: number, extra?: string) => {
    const shown = ordered.slice(0, count);
    const lines = shown.map((rel) => ws.display(rel));
    if (ordered.length > count && !extra) lines.push(`${TRUNCATION_NOTE(count)} (${ordered.length} files matched.)`);
    if (extra) lines.push(reminder(extra));
    return { text: lines.join("\n"), shown };
  };

  if (ordered.length === 0) {
    let text = "No files found";
    if (dirMatches.length > 0) {
      const shown = dirMatches.slice(0, 10).map((d) => ws.display(d));
      text += `\n${reminder(`The pattern matches ${dirMatches.length} director${dirMatches.length > 1 ? "ies" : "y"} (Glob lists files): ${shown.join(", ")}. Use a pattern like "${pattern}/**" or pass it as directory.`)}`;
    }
    if (note) text += `\n${reminder(note)}`;
    return { text, observed: [], truncated: false, skipped, data: { tool: "Glob", paths: [], total: 0 } };
  }
  const cap = Math.min(config.globMaxResults, ordered.length);
  const first = renderPaths(cap);
  const text = note ? `${first.text}\n${reminder(note)}` : first.text;
  return {
    text,
    observed: [],
    truncated: ordered.length > cap,
    skipped,
    data: { tool: "Glob", paths: first.shown, total: ordered.length },
    units: cap,
    shrink: (units, notice) => {
      const r = renderPaths(
        Math.max(0, units),
        `${notice} ${ordered.length} files matched; use a more specific pattern or directory.`,
      );
      return {
        text: r.text,
        observed: [],
        truncated: true,
        skipped,
        data: { tool: "Glob", paths: r.shown, total: ordered.length },
      };
    },
  };
}
