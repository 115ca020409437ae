/**
 * Which files a Grep searches, with ripgrep's rules for `glob` and `type`, shared by both engines
 * (the ripgrep engine applies it to the symlinks it passes as explicit paths, which ripgrep itself
 * would not filter). ripgrep's rules, which the model was trained on:
 * - globs are matched relative to the workspace root (ripgrep's cwd); one without a slash matches
 *   the file name at any depth;
 * - a positive glob decides alone: a matching file is searched even when an ignore rule or
 *   `type` would exclude it, a file that does not match is not searched, and an ignored directory
 *   that matches is entered;
 * - a negated glob (`!x`) excludes matching files and directories (and everything below them).
 */
import picomatch from "picomatch";
import type { GrepQuery } from "./collect.js";
import { FILE_TYPES } from "./file-types.js";

export interface FileFilter {
  whitelist: ((rel: string) => boolean) | null;
  blacklist: ((rel: string) => boolean) | null;
  type: ((rel: string) => boolean) | null;
}

export function compileFileFilter(
  q: Pick<GrepQuery, "glob" | "type">,
): { ok: true; filter: FileFilter } | { ok: false; message: string } {
  let type: FileFilter["type"] = null;
  if (q.type) {
    const globs = FILE_TYPES[q.type];
    if (!globs) return { ok: false, message: `unrecognized file type: ${q.type}` };
    type = picomatch(globs as string[], { dot: true, basename: true });
  }
  let whitelist: FileFilter["whitelist"] = null;
  let blacklist: FileFilter["blacklist"] = null;
  if (q.glob) {
    const negated = q.glob.startsWith("!");
    const pattern = (negated ? q.glob.slice(1) : q.glob).replace(/^\//, "");
    const options = { dot: true, basename: !pattern.includes("/") };
    const full = picomatch(pattern, options);
    // ripgrep's "dir/**" matches what is inside dir, not dir itself (picomatch matches both).
    const inside = pattern.endsWith("/**")
      ? picomatch(pattern.slice(0, -3), { dot: true, basename: !pattern.slice(0, -3).includes("/") })
      : null;
    const m = inside ? (rel: string) => full(rel) && !inside(rel) : full;
    if (negated) blacklist = m;
    else whitelist = m;
  }
  return { ok: true, filter: { whitelist, blacklist, type } };
}

/** Whether a negated glob excludes `rel` or one of its directories below `baseRel`. */
function blacklisted(f: FileFilter, rel: string, baseRel: string): boolean {
  if (!f.blacklist) return false;
  if (f.blacklist(rel)) return true;
  let i = baseRel === "" ? rel.indexOf("/") : rel.indexOf("/", baseRel.length + 1);
  while (i !== -1) {
    if (f.blacklist(rel.slice(0, i))) return true;
    i = rel.indexOf("/", i + 1);
  }
  return false;
}

/** Whether a file that the ignore rules let through (found while searching `baseRel`) is searched. */
export function selectsFile(f: FileFilter, rel: string, baseRel: string): boolean {
  if (blacklisted(f, rel, baseRel)) return false;
  if (f.whitelist) return f.whitelist(rel);
  return f.type ? f.type(rel) : true;
}

/** Whether a directory found while searching `baseRel` is entered (ignore rules aside). */
export function entersDir(f: FileFilter, rel: string, baseRel: string): boolean {
  return !blacklisted(f, rel, baseRel);
}
