/**
 * The note for directories nobody could list because their path is longer than the system allows
 * (PATH_MAX): without it a tree deeper than that limit would look smaller than it is.
 */

/** `dirs` are relative paths (may be empty when only a count is known); `count` how many there were. */
export function pathLimitNote(dirs: readonly string[], count = dirs.length): string | undefined {
  if (count === 0) return undefined;
  const first = dirs[0];
  const example = first === undefined ? "" : ` (the first: ${first.length > 80 ? `${first.slice(0, 80)}…` : first}/)`;
  return `${count} director${count > 1 ? "ies were" : "y was"} not listed or searched: the path is longer than this system's limit (PATH_MAX)${example}. Read cannot open files below it either.`;
}

export { countPathTooLong } from "../workspace/path-limit.js";
