/**
 * Ignore rules as ripgrep applies them: `.gitignore`, `.ignore` and `.rgignore` in every directory,
 * plus `.git/info/exclude` at the root. Precedence is ripgrep's: by kind first (`.rgignore` >
 * `.ignore` > `.gitignore` > exclude), then the deepest directory with a matching rule of that
 * kind, then the last matching rule in that file. Global excludes and ignore files above the
 * workspace root are deliberately not read, so results do not depend on the user's machine.
 *
 * Each path is matched on its own, the way ripgrep and git do: an ignored directory is not entered
 * by the walker, but when the caller names one explicitly, its children are judged by their own
 * names only (`node_modules` does not hide `node_modules/pkg/a.js` once you search inside it).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { aboveRootRules, aboveRootText } from "./above-root-rules.js";

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
  /** Rules by kind, highest precedence first: .rgignore, .ignore, .gitignore, .git/info/exclude. */
  kinds: Rule[][];
}

/** Ignore files of one directory, highest precedence first (ripgrep's order). */
const KIND_FILES = [".rgignore", ".ignore", ".gitignore"] as const;

/**
 * Compiled rules by their line: the same lines recur across ignore files (`*.pyc`, `node_modules/`,
 * `dist`), and a picomatch compile is the costly part of reading one (0.5 ms for a 50-line
 * `.gitignore`). Rules are never changed once made, so one object serves every file that holds the
 * line. Bounded: cleared when full.
 */
const ruleByLine = new Map<string, Readonly<Rule> | null>();
const MAX_MEMO_RULES = 4096;

/** Compile gitignore lines into rules (blank lines and comments skipped). */
export function compileIgnoreRules(text: string): Rule[] {
  const rules: Rule[] = [];
  for (let line of text.split(/\r?\n/)) {
    // Trailing spaces are ignored unless escaped.
    line = line.replace(/(?<!\\)\s+$/, "");
    if (line === "" || line.startsWith("#")) continue;
    const known = ruleByLine.get(line);
    if (known !== undefined) {
      if (known) rules.push(known);
      continue;
    }
    if (ruleByLine.size >= MAX_MEMO_RULES) ruleByLine.clear();
    const rule = compileLine(line);
    ruleByLine.set(line, rule ? Object.freeze(rule) : null);
    if (rule) rules.push(rule);
  }
  return rules;
}

/** One non-blank, non-comment line as a rule; null when it holds no pattern or an invalid one. */
function compileLine(line: string): Rule | null {
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
  if (line === "") return null;
  const anchored = line.includes("/");
  if (line.startsWith("/")) line = line.slice(1);
  // A pattern without a glob character matches only itself: a string comparison, not picomatch's
  // regex (most lines name a folder or file: `node_modules`, `dist`, `.venv`).
  const literal = line;
  if (!/[*?[\]{}()!+@\\]/.test(literal))
    return { negated, dirOnly, basename: !anchored, test: (s: string) => s === literal };
  try {
    return { negated, dirOnly, basename: !anchored, test: picomatch(line, { dot: true, nonegate: true, noext: true }) };
  } catch {
    return null; // an invalid pattern is skipped, as git does
  }
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
export function loadIgnoreLevel(
  absDir: string,
  dirRel: string,
  entryNames: ReadonlySet<string>,
  isRoot: boolean,
): IgnoreLevel | null {
  const kinds: Rule[][] = KIND_FILES.map((name) =>
    entryNames.has(name) ? compileIgnoreRules(readRules(join(absDir, name)) ?? "") : [],
  );
  kinds.push(
    isRoot && entryNames.has(".git")
      ? compileIgnoreRules(readRules(join(absDir, ".git", "info", "exclude")) ?? "")
      : [],
  );
  return kinds.some((k) => k.length > 0) ? { dirRel, kinds } : null;
}

/** The rules of the checkout above the root as the shallowest level (null when there are none). */
export function aboveRootLevel(root: string): IgnoreLevel | null {
  const r = aboveRootRules(root);
  const kinds = [r.rgignore, r.ignore, r.gitignore, r.exclude].map(compileIgnoreRules);
  return kinds.some((k) => k.length > 0) ? { dirRel: "", kinds } : null;
}

/**
 * Whether `relPath` (relative to the root, forward slashes) is ignored by the levels that apply to
 * it (ancestors first). For each kind in precedence order, the deepest level with a matching rule
 * of that kind decides; within a file, the last matching rule wins.
 */
export function isIgnored(levels: readonly IgnoreLevel[], relPath: string, isDir: boolean): boolean {
  const slash = relPath.lastIndexOf("/");
  const base = slash === -1 ? relPath : relPath.slice(slash + 1);
  for (let kind = 0; kind <= KIND_FILES.length; kind++) {
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]!;
      const rules = level.kinds[kind]!;
      if (rules.length === 0) continue;
      const sub = level.dirRel === "" ? relPath : relPath.slice(level.dirRel.length + 1);
      if (sub === "") continue;
      for (let r = rules.length - 1; r >= 0; r--) {
        const rule = rules[r]!;
        if (rule.dirOnly && !isDir) continue;
        if (rule.test(rule.basename ? base : sub)) return !rule.negated;
      }
    }
  }
  return false;
}

function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]{}]/g, "\\$&");
}

/** One gitignore line of the directory `dirRel`, rewritten to mean the same from the root. */
function rebaseLine(raw: string, dirRel: string): string | null {
  let line = raw.replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return null;
  if (dirRel === "") return line;
  let bang = "";
  if (line.startsWith("!")) {
    bang = "!";
    line = line.slice(1);
  }
  const slashSuffix = line.endsWith("/") ? "/" : "";
  const body = slashSuffix ? line.slice(0, -1) : line;
  if (body === "") return null;
  const anchored = body.includes("/");
  const rest = anchored ? body.replace(/^\//, "") : `**/${body}`;
  return `${bang}/${escapeGlob(dirRel)}/${rest}${slashSuffix}`;
}

/**
 * The ignore rules of the given directories (relative to the root) as one gitignore text whose
 * patterns are relative to the root, shallowest directory first so deeper rules win. ripgrep
 * gets it as `--ignore-file` when it searches below the root, where it would not read the
 * ancestors' ignore files itself. Kinds are flattened into one file (ripgrep's explicit ignore
 * files have a single precedence), which differs from the walker only when an ancestor's rule of
 * one kind conflicts with a deeper rule of another kind.
 */
export function rebasedIgnoreText(root: string, dirRels: Iterable<string>): string {
  const dirs = [...new Set(dirRels)].sort(
    (a, b) =>
      (a === "" ? 0 : a.split("/").length) - (b === "" ? 0 : b.split("/").length) || (a < b ? -1 : a > b ? 1 : 0),
  );
  // Rules from above the root (a directory inside a larger checkout) come first: lowest precedence.
  const above = aboveRootText(root);
  const out: string[] = above === "" ? [] : above.trimEnd().split("\n");
  for (const dirRel of dirs) {
    const abs = dirRel === "" ? root : join(root, dirRel);
    const files = [
      ...(dirRel === "" && existsSync(join(abs, ".git")) ? [join(abs, ".git", "info", "exclude")] : []),
      ...[...KIND_FILES].reverse().map((n) => join(abs, n)),
    ];
    for (const file of files) {
      const text = readRules(file);
      if (text === null) continue;
      for (const raw of text.split(/\r?\n/)) {
        const line = rebaseLine(raw, dirRel);
        if (line !== null) out.push(line);
      }
    }
  }
  return out.length > 0 ? `${out.join("\n")}\n` : "";
}
