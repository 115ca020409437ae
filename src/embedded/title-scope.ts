/**
 * The scope a commit-style title names: `fix(devtools): …`, `refactor(nuxt): …`, `win: fix spawn …`,
 * `TextFormatter: fix race …`. Projects name the component a change is about there, most often a
 * folder or a file of the repository, so the ranking reads it as a path word that may name a folder
 * as strongly as a file. A conventional type alone (`fix: …`, `chore: …`) names no component.
 */

/** Conventional-commit types and other leading words that describe the change, not a component. */
const CHANGE_WORDS = new Set([
  "fix",
  "fixes",
  "fixed",
  "feat",
  "feature",
  "chore",
  "docs",
  "doc",
  "refactor",
  "test",
  "tests",
  "ci",
  "build",
  "perf",
  "style",
  "revert",
  "deps",
  "bug",
  "bugfix",
  "hotfix",
  "release",
  "improvement",
  "update",
  "merge",
  "wip",
  "breaking",
  "security",
  "types",
  "typo",
  "cleanup",
  "lint",
  "note",
  "warning",
  "error",
  "todo",
  "question",
  "bump",
  "change",
  "changes",
  "add",
  "remove",
  "problem",
  "issue",
  "summary",
  "description",
  "proposal",
  "expected",
  "actual",
  "context",
  "motivation",
  "background",
  "edit",
  "example",
  "result",
  "output",
  "reproduction",
  "environment",
  "steps",
]);

const SCOPED = /^\s*([A-Za-z][\w.-]*)(?:\(([^)]{1,60})\))?!?:\s/;

/**
 * The lower-cased words of the title's scope (the first line of `query`), or none. A scope in
 * parentheses may list several (`fix(core, router): …`); a bare leading word counts unless it is a
 * change word. Words shorter than two letters say nothing and are dropped.
 */
export function titleScope(query: string): string[] {
  const title = query.split("\n", 1)[0] ?? "";
  const m = SCOPED.exec(title);
  if (!m) return [];
  const scope = m[2] ?? (CHANGE_WORDS.has(m[1]!.toLowerCase()) ? undefined : m[1]);
  if (scope === undefined) return [];
  const words = new Set<string>();
  for (const part of scope.split(/[,/\s]+/)) {
    // Joined as a file name's joined form is (`eslint.config` → `eslintconfig`, `TextFormatter` → `textformatter`).
    const word = part.toLowerCase().replace(/[-_.]+/g, "");
    if (word.length >= 2 && !CHANGE_WORDS.has(word)) words.add(word);
  }
  return [...words];
}
