/**
 * Directories over the system's path limit (PATH_MAX): `readdir` fails with ENAMETOOLONG, and
 * ripgrep reports "Filename too long (os error 36)". Listings record them so tools can say so.
 */
import { isWithin, relativeTo } from "./paths.js";

const TOO_LONG_LINE = /^rg: (.+): File ?name too long \(os error 36\)$/gim;

/** ripgrep's lines for paths over the limit, in its stderr text. */
export function countPathTooLong(stderr: string): number {
  return (stderr.match(/\(os error 36\)/g) ?? []).length;
}

/** The directories (relative to `root`) that ripgrep's stderr names as over the limit. */
export function tooLongDirs(root: string, stderr: string, cwd = root): string[] {
  const dirs: string[] = [];
  for (const m of stderr.matchAll(TOO_LONG_LINE)) {
    const path = m[1]!;
    const abs = path.startsWith("/") ? path : `${cwd}/${path.replace(/^\.\//, "")}`;
    if (isWithin(root, abs)) dirs.push(relativeTo(root, abs));
  }
  return dirs;
}
