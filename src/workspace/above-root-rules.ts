/**
 * Monorepo scoping: when the workspace root is a directory inside a larger git checkout
 * (`--repo packages/app`), the checkout's ignore files above the root still apply, as git applies
 * them. They are read from the checkout's top (the nearest ancestor holding `.git`) down to the
 * root's parent, plus the checkout's `.git/info/exclude`, and each rule is rewritten to mean the
 * same from the root: an unanchored rule stays as it is; an anchored one keeps what is left after
 * the root's own path (`/packages/app/dist` becomes `/dist`) and is dropped when it names another
 * directory. Outside a git checkout nothing above the root is read, so results do not depend on
 * the user's machine (a stray ~/.gitignore, say).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import picomatch from "picomatch";

/** Rules above the root, each kind as gitignore text relative to the root. */
export interface AboveRootRules {
  /** Ignore files read, relative to the root (`../../.gitignore`), for cache stamps. */
  files: string[];
  rgignore: string;
  ignore: string;
  gitignore: string;
  exclude: string;
}

const EMPTY: AboveRootRules = { files: [], rgignore: "", ignore: "", gitignore: "", exclude: "" };

/** The top of the git checkout strictly above `root`, or null (root is a checkout's top, or in none). */
export function checkoutAbove(root: string): string | null {
  if (existsSync(join(root, ".git"))) return null;
  for (let dir = dirname(root); ; dir = dirname(dir)) {
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

/** One rule of the directory `dirAbove` (whose path down to the root is `prefix`), rewritten for the root; null to drop. */
export function rebaseDown(raw: string, prefix: string[]): string | null {
  let line = raw.replace(/(?<!\\)\s+$/, "");
  if (line === "" || line.startsWith("#")) return null;
  let bang = "";
  if (line.startsWith("!")) {
    bang = "!";
    line = line.slice(1);
  }
  const slash = line.endsWith("/") ? "/" : "";
  const body = slash ? line.slice(0, -1) : line;
  if (body === "") return null;
  if (!body.includes("/")) return `${bang}${body}${slash}`; // any depth: it reaches into the root as is
  const segments = body.replace(/^\//, "").split("/");
  for (let i = 0; i < prefix.length; i++) {
    const seg = segments[i];
    if (seg === undefined) return null; // names a directory above or at the root itself
    if (seg === "**") return `${bang}**/${segments.slice(i + 1).join("/")}${slash}`;
    if (!picomatch(seg, { dot: true })(prefix[i]!)) return null; // another directory
  }
  const rest = segments.slice(prefix.length);
  if (rest.length === 0) return null; // the root itself: an explicit root is always walked
  return `${bang}/${rest.join("/")}${slash}`;
}

const cache = new Map<string, { key: string; rules: AboveRootRules }>();

/** The rules above `root` (memoized per root while the ignore files' contents are the same). */
export function aboveRootRules(root: string): AboveRootRules {
  const top = checkoutAbove(root);
  if (top === null) return EMPTY;
  const rel = relative(top, root).split("/");
  const kinds = {
    rgignore: [] as string[],
    ignore: [] as string[],
    gitignore: [] as string[],
    exclude: [] as string[],
  };
  const files: string[] = [];
  const texts: string[] = [];
  const read = (abs: string): string | null => {
    files.push(relative(root, abs)); // stamped whether or not it exists: creating one changes the rules
    try {
      const text = readFileSync(abs, "utf8");
      texts.push(text);
      return text;
    } catch {
      return null;
    }
  };
  for (let depth = 0; depth < rel.length; depth++) {
    const dir = join(top, ...rel.slice(0, depth));
    const prefix = rel.slice(depth);
    for (const [name, kind] of [
      [".gitignore", "gitignore"],
      [".ignore", "ignore"],
      [".rgignore", "rgignore"],
    ] as const) {
      const text = read(join(dir, name));
      if (text === null) continue;
      for (const line of text.split(/\r?\n/)) {
        const rebased = rebaseDown(line, prefix);
        if (rebased !== null) kinds[kind].push(rebased);
      }
    }
  }
  const exclude = read(join(top, ".git", "info", "exclude"));
  if (exclude !== null)
    for (const line of exclude.split(/\r?\n/)) {
      const rebased = rebaseDown(line, rel);
      if (rebased !== null) kinds.exclude.push(rebased);
    }
  const key = texts.join("\0");
  const hit = cache.get(root);
  if (hit && hit.key === key) return hit.rules;
  const text = (lines: string[]) => (lines.length > 0 ? `${lines.join("\n")}\n` : "");
  const rules: AboveRootRules = {
    files,
    rgignore: text(kinds.rgignore),
    ignore: text(kinds.ignore),
    gitignore: text(kinds.gitignore),
    exclude: text(kinds.exclude),
  };
  cache.set(root, { key, rules });
  return rules;
}

/** All rules above the root as one ignore file for ripgrep (lowest precedence first). */
export function aboveRootText(root: string): string {
  const r = aboveRootRules(root);
  return r.exclude + r.gitignore + r.ignore + r.rgignore;
}
