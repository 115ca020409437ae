/**
 * Ignore rules as ripgrep applies them: `.gitignore`, `.ignore` and `.rgignore` in every directory
 * (deeper directories override shallower ones; within a directory `.rgignore` > `.ignore` >
 * `.gitignore`), plus `.git/info/exclude` at the root. Global excludes and ignore files above the
 * workspace root are deliberately not read, so results do not depend on the user's machine.
 *
 * Each path is matched on its own, the way ripgrep and git do: an ignored directory is not entered
 * by the walker, but when the caller names one explicitly, its children are judged by their own
 * names only (`node_modules` does not hide `node_modules/pkg/a.js` once you search inside it).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";

/** Ignore files read in each directory, lowest precedence first. */
export const IGNORE_FILE_NAMES = [".gitignore", ".ignore", ".rgignore"] as const;

interface Rule {
  negated: boolean;
  dirOnly: boolean;
  /** Matched against the basename when the pattern has no slash, else against the path relative to the level. */
  basename: boolean;
  test: (s: string) => boolean;
}

export interface IgnoreLevel {
  /** Directory the rules belong to, relative to the root ("" for the root). */
  dirRel: string;
  rules: Rule[];
}

/** Compile gitignore lines into rules (blank lines and comments skipped). */
export function compileIgnoreRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (let line of text.split(/\r?\n/)) {
    // Trailing spaces are ignored unless escaped.
    line = line.replace(/(?<!\\)\s+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    let negated = false;
    if (line.startsWith("!")) {
      negated = true;
      line = line.slice(1);
    } else if (line.startsWith("\\!") || line.startsWith("\\#")) {
      line = line.slice(1);
    }
    let dirOnly = false;
    if (line.endsWith("/")) {
      dirOnly = true;
      line = line.slice(0, -1);
    }
    if (line === "") continue;
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    let test: (s: string) => boolean;
    try {
      test = picomatch(line, { dot: true, nonegate: true, noext: true });
    } catch {
      continue; // an invalid pattern is skipped, as git does
    }
    rules.push({ negated, dirOnly, basename: !anchored, test });
  }
  return rules;
}

function readRules(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * Rules defined in one directory, or null when it has none. `entryNames` lets the walker avoid a
 * failed open() per directory for ignore files that do not exist.
 */
export function loadIgnoreLevel(absDir: string, dirRel: string, entryNames: ReadonlySet<string>, isRoot: boolean): IgnoreLevel | null {
  const rules: Rule[] = [];
  if (isRoot && entryNames.has(".git")) rules.push(...compileIgnoreRules(readRules(join(absDir, ".git", "info", "exclude")) ?? ""));
  for (const name of IGNORE_FILE_NAMES) {
    if (entryNames.has(name)) rules.push(...compileIgnoreRules(readRules(join(absDir, name)) ?? ""));
  }
  return rules.length > 0 ? { dirRel, rules } : null;
}

/**
 * Whether `relPath` (relative to the root, forward slashes) is ignored by the levels that apply to
 * it (ancestors first). The deepest level with a matching rule decides; within a level, the last
 * matching rule wins.
 */
export function isIgnored(levels: readonly IgnoreLevel[], relPath: string, isDir: boolean): boolean {
  const slash = relPath.lastIndexOf("/");
  const base = slash === -1 ? relPath : relPath.slice(slash + 1);
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    const sub = level.dirRel === "" ? relPath : relPath.slice(level.dirRel.length + 1);
    if (sub === "") continue;
    for (let r = level.rules.length - 1; r >= 0; r--) {
      const rule = level.rules[r]!;
      if (rule.dirOnly && !isDir) continue;
      if (rule.test(rule.basename ? base : sub)) return !rule.negated;
    }
  }
  return false;
}
